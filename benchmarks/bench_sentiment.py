"""Compare textmine's sentiment engine with SnowNLP on the same rows, in the same run.

Yardsticks (neither is ever trained on by textmine):
  * tests/data/labelled_dev.jsonl, hand-labelled telecom comments:
    3-class macro-F1 and accuracy, and binary accuracy on the pos/neg rows;
  * the fixed hold-out slice of SnowNLP's review corpus (see scripts/train_sentiment.py),
    a review-domain proxy: binary accuracy. SnowNLP's own model was trained on the
    whole corpus, this slice included, so its figure there is flattering.
Speed is comments per second of score_batch with tokens given (one process, one core).

    python benchmarks/bench_sentiment.py [--limit-snownlp N]
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, f1_score

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from train_sentiment import (is_corpus_holdout, make_cleaner, make_cutter,  # noqa: E402
                             snownlp_corpus, telecom_rows)

from textmine.sentiment import SentimentScorer  # noqa: E402

LABELS = ["neg", "neu", "pos"]


def timed_scores(scorer, texts, tokens, repeat=1):
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        scores = scorer.score_batch(texts, tokens)
        best = min(best, time.perf_counter() - started)
    return scores, len(texts) / best


def telecom_figures(scorer, labels, scores):
    pred = [scorer.label(s) for s in scores]
    binary = [(s > 0.5) == (y == "pos") for s, y in zip(scores, labels) if y != "neu"]
    return {
        "macro-F1": f1_score(labels, pred, labels=LABELS, average="macro", zero_division=0),
        "accuracy": accuracy_score(labels, pred),
        "binary acc": float(np.mean(binary)) if binary else float("nan"),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit-snownlp", type=int, default=0,
                        help="score only the first N hold-out reviews with SnowNLP (it is slow)")
    parser.add_argument("--errors", action="store_true", help="list textmine's dev errors")
    args = parser.parse_args(argv)

    clean = make_cleaner()
    cut, cutter = make_cutter()
    dev = telecom_rows("labelled_dev.jsonl")
    dev_texts = [clean(t) for t, _ in dev]
    dev_tokens = [cut(t) for t in dev_texts]
    dev_labels = [y for _, y in dev]
    hold = [(clean(t), y) for t, y in snownlp_corpus() if is_corpus_holdout(t)]
    hold_texts = [t for t, _ in hold]
    hold_tokens = [cut(t) for t in hold_texts]
    hold_labels = np.array([y == "pos" for _, y in hold])

    textmine, snow = SentimentScorer(), SentimentScorer("snownlp")
    textmine.score_batch(dev_texts[:2], dev_tokens[:2])  # load the model outside the timing
    print(f"tokens by {cutter}; telecom dev rows: {len(dev)}; SnowNLP-corpus hold-out: {len(hold)}")
    print(f"{'':28}{'textmine':>10}{'snownlp':>10}")
    results = {}
    for name, scorer in (("textmine", textmine), ("snownlp", snow)):
        scores, speed = timed_scores(scorer, dev_texts, dev_tokens, 5 if name == "textmine" else 1)
        figures = telecom_figures(scorer, dev_labels, scores)
        n = args.limit_snownlp if name == "snownlp" and args.limit_snownlp else len(hold)
        hold_scores, hold_speed = timed_scores(scorer, hold_texts[:n], hold_tokens[:n])
        figures["corpus hold-out acc"] = float(np.mean((hold_scores > 0.5) == hold_labels[:n]))
        figures["comments/s (dev)"] = speed
        figures["comments/s (reviews)"] = hold_speed
        results[name] = figures
        if name == "textmine" and args.errors:
            for text, y, s in zip(dev_texts, dev_labels, scores):
                if scorer.label(s) != y:
                    print(f"  {y} {s:.2f} {text}")
    for key in results["textmine"]:
        a, b = results["textmine"][key], results["snownlp"][key]
        fmt = "{:>10.0f}" if key.startswith("comments") else "{:>10.3f}"
        print(f"{key:28}" + fmt.format(a) + fmt.format(b))


if __name__ == "__main__":
    main()
