"""What ``annotate`` spends in compiled code alone: the floor under the Python around it.

Issue 17 asks for 15,000 distinct comments a second on two cores, which leaves
133 µs of CPU a comment for everything. ``profile_stages.py`` says where the
whole time goes; this script times only the calls into compiled code that
``annotate`` makes, each on the whole input, in this process:

- rjieba's cut of each cleaned text (the segmenter's engine, nothing around it);
- the pain-point matcher's one pass over a chunk of texts (Aho-Corasick, Rust);
- the pain-point model: its feature rows and probabilities (numpy, with the
  Python that assembles the batch's features);
- the sentiment model's bigram lookup and weight sums (numpy, for the chunk);
- Python's csv module reading the input and writing rows of the output's width.

The rest of a comment's time is the rule stages' Python (clause splits,
negation scopes, aspects), which the figures here do not include.

    python benchmarks/compiled_floor.py                 # distinct 20k
    python benchmarks/compiled_floor.py --kind survey
"""

import argparse
import csv
import io
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from make_inputs import KINDS, parse_size, write_input  # noqa: E402

CHUNK = 2000  # texts a call, as the executor sends them
TEXT_COLUMN = "意见建议"


def cpu_per_comment(function, count, repeat=3):
    """The fewest CPU µs a comment of ``repeat`` runs of ``function`` (after one to warm up)."""
    function()
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        function()
        best = min(best, time.process_time() - start)
    return best / count * 1e6


def chunks(items):
    return [items[start:start + CHUNK] for start in range(0, len(items), CHUNK)]


def measure(path):
    from textmine.pipeline.annotator import CommentAnnotator, LanguageOptions
    from textmine.sentiment.model import load_model
    from textmine.text.clean import clean_texts

    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    texts = clean_texts([row[TEXT_COLUMN] for row in rows])
    annotator = CommentAnnotator(LanguageOptions())
    segmenter, classifier = annotator.segmenter, annotator.classifier
    token_lists = segmenter.cut_many(texts)
    text_chunks, token_chunks = chunks(texts), chunks(token_lists)
    engine, hmm = segmenter._tokenizer, segmenter.hmm
    model = load_model()
    output_row = list(rows[0].values()) + ["0.1234", "neg", "speed|billing", "speed:网速慢", "speed:neg", "", ""]

    def write():
        writer = csv.writer(io.StringIO())
        for row in rows:
            writer.writerow(output_row)

    def read():
        with open(path, encoding="utf-8-sig", newline="") as handle:
            for _ in csv.reader(handle):
                pass

    def sentiment_numpy():
        # The chunk's clause bigrams looked up and summed; clause splitting is left out (Python).
        for chunk in text_chunks:
            model._bigram_rows(chunk, [1.0] * len(chunk), [], [])

    figures = {
        "rjieba cut": lambda: [engine.cut(text, hmm) for text in texts],
        "pain-point matcher pass": lambda: [classifier._matcher.find_matches_as_indexes(
            "\x00".join(text.lower() for text in chunk), overlapping=True) for chunk in text_chunks],
        "pain-point model": lambda: [classifier.model.predict_proba(chunk, tokens)
                                     for chunk, tokens in zip(text_chunks, token_chunks)],
        "sentiment bigram rows": sentiment_numpy,
        "csv read": read,
        "csv write": write,
    }
    return {name: cpu_per_comment(function, len(texts)) for name, function in figures.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", choices=KINDS, default="distinct", help="input kind (default distinct)")
    parser.add_argument("--size", default="20k", help="comments (default 20k)")
    args = parser.parse_args(argv)
    path = write_input(parse_size(args.size), kind=args.kind)
    figures = measure(path)
    print(f"{args.kind} {args.size}: CPU µs a comment, one process")
    for name, value in figures.items():
        print(f"  {name:28s} {value:7.1f}")
    print(f"  {'all of these':28s} {sum(figures.values()):7.1f}   (two cores at 15,000/s leave 133.3)")


if __name__ == "__main__":
    main()
