"""Where the time of ``annotate`` goes: each stage timed in one process.

Runs what ``textmine annotate INPUT -o OUT.csv -j 1`` runs (the runner, the
executor in this process, the CSV writer), with a clock around each stage:

- the parent's share, which stays in the main process whatever ``--jobs``:
  reading the rows, masking the other cells, the runner's cache, the
  duplicate check and the Comment records, and writing (cells and CSV);
- the workers' share, ``CommentAnnotator.analyse``, stage by stage: clean,
  mask, segment, sentiment, pain points, aspects, duplicate signatures, junk
  flags, and the Annotation records (what is left of ``analyse``).

The stages are timed by wrapping the functions ``analyse`` calls, so the
profile follows the annotator whatever order its stages run in. The clock is
the process's CPU time, so that other work on the machine does not count; a
reading costs about 0.7 µs, and some wrapped functions run once a row
(masking, junk flags, the duplicate check), so the clock's own cost, measured
at the start, is taken off every figure. The wall time of the run is printed
too.

    python benchmarks/profile_stages.py                      # distinct 20k
    python benchmarks/profile_stages.py --kind survey --size 200k
    python benchmarks/profile_stages.py --size 200k --json out.json
"""

import argparse
import gc
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from make_inputs import KINDS, parse_size, size_label, write_input  # noqa: E402

WORKER_STAGES = ("clean", "mask", "segment", "sentiment", "pain points", "aspects",
                 "duplicate signatures", "junk flags")
PARENT_STAGES = ("read", "mask cells", "duplicate check", "write")


class Clock:
    """CPU seconds spent in each named stage, with wrappers that add to them."""

    def __init__(self):
        self.seconds = defaultdict(float)
        self.calls = defaultdict(int)
        self.inside, self.whole = self._calibrate()

    def wrap(self, name, function):
        seconds, calls, now = self.seconds, self.calls, time.process_time

        def timed(*args, **kwargs):
            start = now()
            try:
                return function(*args, **kwargs)
            finally:
                seconds[name] += now() - start
                calls[name] += 1

        return timed

    def wrap_iterator(self, name, iterator):
        seconds, calls, now = self.seconds, self.calls, time.process_time
        iterator = iter(iterator)
        while True:
            start = now()
            try:
                item = next(iterator)
            except StopIteration:
                item = None
            seconds[name] += now() - start
            calls[name] += 1
            if item is None:
                return
            yield item

    @staticmethod
    def _calibrate(count=200_000):
        """(seconds a wrapped call counts of the clock's own cost, its whole cost a call)."""
        probe = Clock.__new__(Clock)
        probe.seconds, probe.calls = defaultdict(float), defaultdict(int)
        timed, bare = probe.wrap("probe", int), int
        start = time.process_time()
        for _ in range(count):
            bare()
        middle = time.process_time()
        for _ in range(count):
            timed()
        end = time.process_time()
        return probe.seconds["probe"] / count, max(0.0, (end - middle) - (middle - start)) / count

    def watch_collector(self):
        """Add the garbage collector's time to a stage of its own (it also counts in the stage it interrupts)."""
        started = []

        def callback(phase, info):
            if phase == "start":
                started.append(time.process_time())
            elif started:
                self.seconds["garbage collector"] += time.process_time() - started.pop()

        gc.callbacks.append(callback)

    def corrected(self, name, nested=()):
        """Seconds of ``name`` less the clock's cost: its own readings and those of ``nested`` stages."""
        own = self.seconds.get(name, 0.0) - self.calls.get(name, 0) * self.inside
        return own - sum(self.calls.get(stage, 0) for stage in nested) * self.whole


def _instrument(clock, annotator):
    """Wrap what ``CommentAnnotator.analyse`` and the runner call (this process only)."""
    from textmine.pipeline import annotator as annotator_module
    from textmine.pipeline import runner as runner_module
    from textmine.text import mask as mask_module

    for name, stage in (("clean_texts", "clean"), ("mask_personal_data", "mask"), ("hinted_values", "mask"),
                        ("junk_reason", "junk flags")):
        if hasattr(annotator_module, name):
            setattr(annotator_module, name, clock.wrap(stage, getattr(annotator_module, name)))
    annotator.segmenter.cut_many = clock.wrap("segment", annotator.segmenter.cut_many)
    annotator.scorer.score_batch_with_clauses = clock.wrap("sentiment", annotator.scorer.score_batch_with_clauses)
    annotator.classifier.classify_batch = clock.wrap("pain points", annotator.classifier.classify_batch)
    annotator.scorer.aspect_sentiment_batch = clock.wrap("aspects", annotator.scorer.aspect_sentiment_batch)
    annotator.duplicates.signatures = clock.wrap("duplicate signatures", annotator.duplicates.signatures)
    row_chunks = runner_module._row_chunks
    runner_module._row_chunks = lambda *args, **kwargs: clock.wrap_iterator("read", row_chunks(*args, **kwargs))
    mask_module.CellMasker.mask_rows = clock.wrap("mask cells", mask_module.CellMasker.mask_rows)
    finder = runner_module.DuplicateFinder
    finder.check_signature = clock.wrap("duplicate check", finder.check_signature)


def profile(path, *, chunk_size=None):
    """{stage: CPU seconds} of one annotate run of ``path`` in this process, with totals."""
    import os

    clock = Clock()
    clock.watch_collector()
    started_cpu, started = time.process_time(), time.perf_counter()
    from textmine.io.cells import OutputColumns
    from textmine.io.write import open_row_writer
    from textmine.pipeline import executors
    from textmine.pipeline.annotator import LanguageOptions
    from textmine.pipeline.runner import CHUNK_SIZE, ReadOptions, comment_chunks, open_sources

    options = LanguageOptions()
    with executors.LocalExecutor(options, jobs=1) as executor:
        loaded_cpu = time.process_time()
        annotator = executors._load_annotator(options)
        _instrument(clock, annotator)
        executor.analyse = clock.wrap("analyse", executor.analyse)
        sources = open_sources([str(path)], ReadOptions())
        layout = OutputColumns(sources)
        rows = 0
        with tempfile.TemporaryDirectory() as folder:
            with open_row_writer(os.path.join(folder, "out.csv"), layout.columns) as writer:
                write = clock.wrap("write", lambda comments: writer.write_rows(layout.cells_of(comments)))
                for comments in comment_chunks(sources, executor, chunk_size=chunk_size or CHUNK_SIZE):
                    write(comments)
                    rows += len(comments)
    seconds = {stage: clock.corrected(stage) for stage in WORKER_STAGES + PARENT_STAGES}
    seconds["analyse"] = clock.corrected("analyse", nested=WORKER_STAGES)
    seconds["start-up"] = loaded_cpu - started_cpu
    seconds["total"] = time.process_time() - started_cpu - sum(clock.calls.values()) * clock.whole
    seconds["wall"] = time.perf_counter() - started
    seconds["garbage collector"] = clock.seconds.get("garbage collector", 0.0)
    seconds["rows"] = rows
    seconds["clock_cost_us"] = clock.whole * 1e6
    return seconds


def report(seconds):
    """Lines of the table: each stage's seconds, µs a comment and share of the run."""
    rows, total = seconds["rows"], seconds["total"]
    analyse = seconds.get("analyse", 0.0)
    worker = {stage: seconds.get(stage, 0.0) for stage in WORKER_STAGES}
    worker["annotation records"] = analyse - sum(worker.values())
    parent = {stage: seconds.get(stage, 0.0) for stage in PARENT_STAGES}
    parent["runner (cache, Comments)"] = total - seconds["start-up"] - analyse - sum(parent.values())
    lines = [f"{'stage':28s} {'seconds':>8s} {'µs/comment':>11s} {'share':>6s}"]

    def line(name, value):
        lines.append(f"{name:28s} {value:8.2f} {value / rows * 1e6:11.1f} {value / total:6.1%}")

    line("start-up (imports, models)", seconds["start-up"])
    lines.append("parent:")
    for name, value in parent.items():
        line("  " + name, value)
    line("  parent, all", sum(parent.values()))
    lines.append("workers (CommentAnnotator.analyse):")
    for name, value in worker.items():
        line("  " + name, value)
    line("  analyse, all", analyse)
    line("total (CPU)", total)
    line("of which garbage collector", seconds.get("garbage collector", 0.0))
    lines.append(f"{rows:,} comments; {rows / total:,.0f} comments/s of CPU time in one process "
                 f"(wall {seconds['wall']:.2f} s); clock cost {seconds['clock_cost_us']:.2f} µs a call, taken off")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kind", choices=KINDS, default="distinct", help="input kind (default distinct)")
    parser.add_argument("--size", type=parse_size, default=20_000, help="comments (default 20k)")
    parser.add_argument("--input", type=Path, help="profile this file instead")
    parser.add_argument("--json", type=Path, help="also write the seconds as JSON here")
    args = parser.parse_args(argv)
    path = args.input or write_input(args.size, kind=args.kind)
    seconds = profile(path)
    print(f"{path.name if args.input else args.kind + ' ' + size_label(args.size)}")
    print("\n".join(report(seconds)))
    if args.json:
        args.json.write_text(json.dumps(seconds, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
