"""Train the pain-point model shipped as textmine/models/painpoints.{npz,json}.

Trains ONLY on tests/data/labelled_train.jsonl (plus one short synthetic example
per taxonomy keyword, at a low weight, so that keywords seen in no labelled
comment still mean something). The dev set is never read here.

Steps: clean + segment the texts as the pipeline does; build the feature
vocabulary (char 1-3-grams and words seen at least twice); fit one logistic
regression per category; get out-of-fold probabilities by K-fold
cross-validation on the training set and choose, per category, the probability
thresholds for comments with no / a weak / a strong keyword hit that maximise
F1 (vetoed categories are always off); refit on the whole training set and
write the artefact. Fixed seed and sorted vocabulary: the same data gives
byte-identical files.

    python scripts/split_labelled.py && python scripts/train_classifier.py
"""

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from textmine.painpoints.classifier import NONE, STRONG, VETO, WEAK, PainPointClassifier  # noqa: E402
from textmine.painpoints.model import FeatureIndex, PainPointModel, char_and_word_features  # noqa: E402

SEED = 20240601
FOLDS = 5
MIN_DF = 2
C = 16.0
SYNTHETIC_WEIGHT = 0.5
GRID = np.round(np.arange(0.05, 0.96, 0.05), 2)


def load_taxonomy():
    from textmine.text.lexicon import load_lexicon
    return load_lexicon().taxonomy


def make_preprocessor():
    """(clean, cut) exactly as the pipeline runs them before classification."""
    from textmine.text.clean import clean_text
    from textmine.text.lexicon import load_lexicon
    from textmine.text.segment import Segmenter
    return clean_text, Segmenter(load_lexicon()).cut


def read_jsonl(path):
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def prepare(records, clean, cut):
    texts = [clean(record["text"]) for record in records]
    return texts, [cut(text) for text in texts]


def label_matrix(records, classes):
    index = {code: i for i, code in enumerate(classes)}
    y = np.zeros((len(records), len(classes)), dtype=np.int8)
    for row, record in enumerate(records):
        for code in record["categories"]:
            y[row, index[code]] = 1
    return y


def build_vocabulary(texts, token_lists, min_df):
    df = Counter()
    for text, tokens in zip(texts, token_lists):
        df.update(set(char_and_word_features(text, tokens)))
    return sorted(feature for feature, count in df.items() if count >= min_df)


def fit_weights(matrix, y, sample_weight, c, seed):
    weights = np.zeros((matrix.shape[1], y.shape[1]), dtype=np.float64)
    bias = np.zeros(y.shape[1], dtype=np.float64)
    for k in range(y.shape[1]):
        if y[:, k].min() == y[:, k].max():       # a category without examples: never fires
            bias[k] = -10.0
            continue
        lr = LogisticRegression(C=c, solver="liblinear", random_state=seed, max_iter=1000)
        lr.fit(matrix, y[:, k], sample_weight=sample_weight)
        weights[:, k], bias[k] = lr.coef_[0], lr.intercept_[0]
    return weights, bias


def f1(tp, fp, fn):
    return 2 * tp / max(2 * tp + fp + fn, 1)


def confusion(predicted, truth):
    """(true positives, false positives, false negatives) of boolean predictions."""
    return (int((predicted & (truth == 1)).sum()), int((predicted & (truth == 0)).sum()),
            int((~predicted & (truth == 1)).sum()))


def tune_thresholds(proba, levels, truth):
    """Per-level thresholds (none, weak, strong) maximising F1 for one category.

    Monotone (strong <= weak <= none) so that a keyword never lowers the chance
    of a category; strong may be 0 (always trust the keyword).
    """
    counts = {}
    vetoed_positives = int(((levels == VETO) & (truth == 1)).sum())   # always missed
    for level in range(3):
        mask = levels == level
        p, t = proba[mask], truth[mask]
        counts[level] = {thr: confusion(p >= thr, t) for thr in [0.0, *GRID, 1.01]}
    best, best_key = None, None
    for t_none in [*GRID[GRID >= 0.3], 1.01]:
        for t_weak in [thr for thr in [0.0, *GRID, 1.01] if thr <= t_none]:
            for t_strong in [thr for thr in [0.0, *GRID] if thr <= t_weak]:
                tp, fp, fn = (sum(x) for x in zip(counts[NONE][t_none], counts[WEAK][t_weak],
                                                  counts[STRONG][t_strong]))
                fn += vetoed_positives
                # Ties: prefer thresholds nearer the middle (less extreme, more stable).
                key = (round(f1(tp, fp, fn), 6),
                       -abs(t_none - 0.5) - abs(t_weak - 0.5) - abs(t_strong - 0.3))
                if best_key is None or key > best_key:
                    best, best_key = (t_none, t_weak, t_strong), key
    return best


def tune_model_threshold(proba, truth):
    """The threshold of the model-only mode (benchmark "model" column)."""
    scores = [(f1(*confusion(proba >= t, truth)), -abs(t - 0.5), t) for t in GRID]
    return max(scores)[2]


def synthetic_examples(taxonomy, cut):
    texts, tokens, labels = [], [], []
    for category in taxonomy:
        for word in category.keywords:
            texts.append(word)
            tokens.append(cut(word))
            labels.append(category.code)
    return texts, tokens, labels


class TrainingData:
    """The cleaned, segmented training set with its labels and rule levels (computed once)."""

    def __init__(self, train_path):
        self.path = Path(train_path)
        self.taxonomy = load_taxonomy()
        self.classes = [category.code for category in self.taxonomy]
        clean, cut = make_preprocessor()
        records = read_jsonl(train_path)
        self.texts, self.token_lists = prepare(records, clean, cut)
        self.y = label_matrix(records, self.classes)
        self.syn_texts, self.syn_tokens, syn_labels = synthetic_examples(self.taxonomy, cut)
        self.y_syn = label_matrix([{"categories": [code]} for code in syn_labels], self.classes)
        rules = PainPointClassifier(self.taxonomy, model=False, mode="rules")
        self.levels = np.zeros_like(self.y)
        for row, text in enumerate(self.texts):
            for index, (level, _) in rules.rule_hits(text).items():
                self.levels[row, index] = level


def fit_and_tune(data, *, seed=SEED, c=C, folds=FOLDS, min_df=MIN_DF,
                 synthetic_weight=SYNTHETIC_WEIGHT):
    """Cross-validate on the training set, tune thresholds, refit on all of it.

    Returns (PainPointModel, {mode: cross-validated micro-F1}).
    """
    y, levels = data.y, data.levels
    features = build_vocabulary(data.texts + data.syn_texts, data.token_lists + data.syn_tokens,
                                min_df)
    index = FeatureIndex(features)
    matrix = index.transform(data.texts, data.token_lists)
    syn_matrix = index.transform(data.syn_texts, data.syn_tokens)

    def fit(rows):
        stacked = sparse.vstack([matrix[rows], syn_matrix]).tocsr()
        weight = np.r_[np.ones(len(rows)), np.full(syn_matrix.shape[0], synthetic_weight)]
        return fit_weights(stacked, np.vstack([y[rows], data.y_syn]), weight, c, seed)

    oof = np.zeros(y.shape, dtype=np.float64)
    for fit_rows, held_rows in KFold(folds, shuffle=True, random_state=seed).split(data.texts):
        weights, bias = fit(fit_rows)
        oof[held_rows] = 1 / (1 + np.exp(-(matrix[held_rows] @ weights + bias)))
    thresholds = np.array([tune_thresholds(oof[:, k], levels[:, k], y[:, k])
                           for k in range(y.shape[1])], dtype=np.float32)
    model_thresholds = np.array([tune_model_threshold(oof[:, k], y[:, k])
                                 for k in range(y.shape[1])], dtype=np.float32)
    cv = cross_validated_scores(oof, levels, y, thresholds, model_thresholds)

    weights, bias = fit(np.arange(len(data.texts)))
    info = {"trained_on": data.path.name, "n_train": len(data.texts), "seed": seed, "C": c,
            "folds": folds, "min_df": min_df, "synthetic_weight": synthetic_weight,
            "cv_micro_f1": {name: round(value, 4) for name, value in cv.items()}}
    # Keep only features with a non-negligible weight: the artefact stays small.
    keep = np.abs(weights).max(axis=1) >= 1e-3
    model = PainPointModel(data.classes, [f for f, k in zip(features, keep) if k], weights[keep],
                           bias, thresholds, model_thresholds, info)
    return model, cv


def train(train_path, out_stem, report=print, **params):
    """Train on ``train_path`` and write ``<out_stem>.npz`` / ``.json``."""
    data = TrainingData(train_path)
    model, cv = fit_and_tune(data, **params)
    model.save(out_stem)
    for name, value in cv.items():
        report(f"cv micro-F1 {name:8s} {value:.3f}")
    for k, code in enumerate(data.classes):
        report(f"  {code:18s} n={int(data.y[:, k].sum()):4d} thresholds none/weak/strong="
               f"{[round(float(t), 2) for t in model.thresholds[k]]} "
               f"model-only={model.model_thresholds[k]:.2f}")
    report(f"wrote {out_stem}.npz/.json: {len(model.features)} features, "
           f"{len(model.classes)} classes")
    return model


def cross_validated_scores(oof, levels, y, thresholds, model_thresholds):
    """Micro-F1 of the out-of-fold predictions: rules only, model only, combined."""
    k = np.arange(y.shape[1])
    predictions = {
        "rules": levels == STRONG,
        "model": oof >= model_thresholds[k],
        "combined": (oof >= thresholds[k[None, :], np.minimum(levels, STRONG)]) & (levels != VETO),
    }
    return {name: f1(*confusion(pred, y)) for name, pred in predictions.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", default=str(ROOT / "tests" / "data" / "labelled_train.jsonl"))
    parser.add_argument("--out", default=str(ROOT / "textmine" / "models" / "painpoints"))
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--C", type=float, default=C)
    args = parser.parse_args(argv)
    train(args.train, args.out, seed=args.seed, c=args.C)


if __name__ == "__main__":
    main()
