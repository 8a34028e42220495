"""Pain-point classifier: quality on the labelled dev set, and speed.

Prints per-category precision / recall / F1 and micro- and macro-F1 on
tests/data/labelled_dev.jsonl for three settings of PainPointClassifier:
rules only ("before"), model only, and combined (the default, "after"); then
the throughput of classify_batch (comments per CPU-second of this process, so
that other jobs on the machine do not distort it; texts already cleaned and
segmented, as in the pipeline; best of three runs).

    python scripts/split_labelled.py && python benchmarks/bench_painpoints.py [--errors]
"""

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from textmine.painpoints.classifier import MODES, PainPointClassifier  # noqa: E402

DEV = ROOT / "tests" / "data" / "labelled_dev.jsonl"


def load_dev(path=DEV):
    """(records, cleaned texts, token lists, taxonomy) prepared as the pipeline does."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from train_classifier import load_taxonomy, make_preprocessor, prepare, read_jsonl
    records = read_jsonl(path)
    clean, cut = make_preprocessor()
    texts, token_lists = prepare(records, clean, cut)
    return records, texts, token_lists, load_taxonomy()


def scores(gold, predicted, codes):
    """{code: (precision, recall, f1, support)} plus 'micro' and 'macro' F1."""
    table, total = {}, [0, 0, 0]
    for code in codes:
        tp = sum(code in g and code in p for g, p in zip(gold, predicted))
        fp = sum(code not in g and code in p for g, p in zip(gold, predicted))
        fn = sum(code in g and code not in p for g, p in zip(gold, predicted))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0
        table[code] = (precision, recall, f1, tp + fn)
        total = [total[0] + tp, total[1] + fp, total[2] + fn]
    tp, fp, fn = total
    table["micro"] = 2 * tp / max(2 * tp + fp + fn, 1)
    table["macro"] = sum(table[code][2] for code in codes) / len(codes)
    # 'other' (no category) as its own row: is an empty prediction right?
    both = sum(not g and not p for g, p in zip(gold, predicted))
    table["other"] = (both / max(sum(not p for p in predicted), 1),
                      both / max(sum(not g for g in gold), 1), sum(not g for g in gold))
    return table


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list the combined mistakes")
    parser.add_argument("--repeat", type=int, default=20, help="copies of dev for the timing")
    args = parser.parse_args(argv)

    records, texts, token_lists, taxonomy = load_dev()
    codes = [category.code for category in taxonomy]
    gold = [set(record["categories"]) for record in records]
    print(f"dev set: {len(records)} comments, {sum(map(len, gold))} labels")
    results = {}
    for mode in MODES[1:] + MODES[:1]:
        classifier = PainPointClassifier(taxonomy, mode=mode)
        predicted = [{code for code, _ in found}
                     for found in classifier.classify_batch(texts, token_lists)]
        results[mode] = (classifier, predicted, scores(gold, predicted, codes))

    header = f"{'category':18s} {'n':>4s}" + "".join(f" | {m[:8]:>8s} P    R    F1" for m in
                                                      ("rules", "model", "combined"))
    print(header)
    print("-" * len(header))
    for code in codes + ["other"]:
        support = results["combined"][2][code][-1]
        cells = "".join(" | {:>8s} {:.2f} {:.2f} {:.2f}".format("", *results[m][2][code][:3])
                        if code != "other" else " | {:>8s} {:.2f} {:.2f}     ".format(
                            "", *results[m][2][code][:2])
                        for m in ("rules", "model", "combined"))
        print(f"{code:18s} {support:4d}{cells}")
    for name in ("micro", "macro"):
        print(f"{name + '-F1':23s}" + "".join(f" | {'':>8s}           {results[m][2][name]:.3f}"
                                             for m in ("rules", "model", "combined")))

    if args.errors:
        classifier, predicted, _ = results["combined"]
        print("\ncombined mistakes (gold -> predicted):")
        for record, text, truth, guess in zip(records, texts, gold, predicted):
            if truth != guess:
                print(f"  {text[:60]!s:62s} {sorted(truth)} -> {sorted(guess)}")

    big_texts = texts * args.repeat
    big_tokens = token_lists * args.repeat
    for mode in ("rules", "combined"):
        classifier = results[mode][0]
        classifier.classify_batch(big_texts[:200], big_tokens[:200])  # warm up
        timings = []
        for _ in range(3):
            start = time.process_time()
            for offset in range(0, len(big_texts), 5000):
                classifier.classify_batch(big_texts[offset:offset + 5000],
                                          big_tokens[offset:offset + 5000])
            timings.append(time.process_time() - start)
        mean_len = sum(map(len, texts)) / max(len(texts), 1)
        print(f"throughput {mode:8s}: {len(big_texts) / min(timings):9.0f} comments per CPU-second "
              f"({len(big_texts)} comments, mean {mean_len:.0f} chars, batches of 5000)")
    print(json.dumps({m: round(results[m][2]["micro"], 4) for m in results}))


if __name__ == "__main__":
    main()
