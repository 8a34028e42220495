"""Compare the two segmentation engines: agreement and speed on the labelled comments.

    python benchmarks/bench_segment.py

Prints the share of comments cut identically by rjieba and jieba (both loaded
with textmine's dictionaries, through Segmenter.cut), the token overlap, and
comments per second of each.
"""

import json
import time
from collections import Counter
from pathlib import Path

from textmine.text.clean import clean_text
from textmine.text.lexicon import load_lexicon
from textmine.text.segment import Segmenter

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"


def main():
    texts = [clean_text(json.loads(line)["text"])
             for name in ("labelled_train.jsonl", "labelled_dev.jsonl")
             for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    lexicon = load_lexicon()
    results = {}
    for engine in ("jieba", "rjieba"):
        segmenter = Segmenter(lexicon, engine=engine)
        started = time.perf_counter()
        tokens = segmenter.cut_many(texts * 3)[: len(texts)]
        results[engine] = (tokens, 3 * len(texts) / (time.perf_counter() - started))
    reference, fast = results["jieba"][0], results["rjieba"][0]
    identical = sum(a == b for a, b in zip(reference, fast)) / len(texts)
    overlap = sum(sum((Counter(a) & Counter(b)).values()) for a, b in zip(reference, fast))
    print(f"comments: {len(texts)}")
    print(f"identical token lists: {identical:.1%}")
    print(f"token overlap: {overlap / sum(map(len, reference)):.2%}")
    for engine, (_, speed) in results.items():
        print(f"{engine:>7}: {speed:,.0f} comments/s")


if __name__ == "__main__":
    main()
