"""Benchmark: the history store against the commands without it.

Two targets, each command run as its own subprocess from the repository root
(times include Python's start-up and the loading of the models, as a cron
job's do; peak memory is summed over the worker processes, as in
bench_pipeline.py, whose ``measure`` this uses):

* ``textmine ingest INPUT --store new.sqlite`` against ``textmine annotate
  INPUT -o out.csv`` on the same input (--size, default 200k): ingest within
  20 % of annotate. With ``--repeat N`` the two alternate N times and the
  medians are compared (the machine's speed drifts). An ingest of the same
  input again (every row already stored) is timed too.
* ``textmine analyze --store STORE -o report.xlsx`` over --stored comments
  (default 1M; the store is built by one ingest of an input of that size,
  timed as well): under 2 minutes and 2 GB.

    python benchmarks/bench_store.py                          # 200k and 1M, about 6 minutes on 2 cores
    python benchmarks/bench_store.py --size 20k --stored 100k # quicker
    python benchmarks/bench_store.py --repeat 3 --stored 0    # only ingest against annotate
    python benchmarks/bench_store.py --repeat 3 --stored 0 --kind distinct -j 1   # every comment distinct, one process
"""

import argparse
import datetime
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from bench_pipeline import last_line, machine_info, measure  # noqa: E402
from make_inputs import parse_size as parse_positive_size, size_label, write_input  # noqa: E402

INGEST_SLOWER_AT_MOST = 0.20
ANALYZE_SECONDS_AT_MOST = 120
ANALYZE_MB_AT_MOST = 2048


def parse_size(text):
    """A size such as 200k or 1M; 0 skips that part."""
    return 0 if str(text).strip() == "0" else parse_positive_size(text)


def run(name, command, workdir, size):
    log = workdir / f"{name}.log"
    print(f"  {name} ...", end="", flush=True, file=sys.stderr)
    record = {"name": name, "size": size, "argv": " ".join(command[1:]).replace(str(ROOT) + os.sep, ""),
              "load_before": round(os.getloadavg()[0], 2)}
    record.update(measure(command, log_path=log))
    record["ok"] = record["exit_code"] == 0
    record["comments_per_second"] = round(size / record["seconds"], 1) if size else None
    record["stderr"] = last_line(log)
    print(f" {record['seconds']:.1f} s, {record['peak_mb']:.0f} MB" if record["ok"] else f" failed: {record['stderr']}",
          file=sys.stderr)
    return record


def textmine(*arguments, jobs=None):
    command = [sys.executable, "-m", "textmine", *map(str, arguments), "-q"]
    return command + (["-j", str(jobs)] if jobs else [])


def ingest_against_annotate(size, repeat, jobs, workdir, kind="survey"):
    source = write_input(size, kind=kind)
    records = []
    for round_number in range(repeat):
        store = workdir / f"round{round_number}.sqlite"
        records.append(run("annotate", textmine("annotate", source, "-o", workdir / "out.csv", jobs=jobs), workdir,
                           size))
        records.append(run("ingest", textmine("ingest", source, "--store", store, jobs=jobs), workdir, size))
        (workdir / "out.csv").unlink(missing_ok=True)
    records.append(run("ingest again", textmine("ingest", source, "--store", store, jobs=jobs), workdir, size))
    for path in workdir.glob("round*.sqlite*"):
        path.unlink()
    return records


def analyze_over_store(stored, jobs, workdir, store=None):
    """Build a store of ``stored`` comments (unless ``store`` exists already), then time analyze over it."""
    records = []
    if store is None or not Path(store).exists():
        store = Path(store) if store else workdir / "history.sqlite"
        records.append(run("ingest (build the store)",
                           textmine("ingest", write_input(stored), "--store", store, jobs=jobs), workdir, stored))
    records.append(run("analyze --store", textmine("analyze", "--store", store, "-o", workdir / "report.xlsx",
                                                   jobs=jobs), workdir, stored))
    records[-1]["store_mb"] = round(store.stat().st_size / 1e6, 1)
    return records


def median(records, name, key="seconds"):
    values = [record[key] for record in records if record["name"] == name and record["ok"]]
    return statistics.median(values) if values else None


def report(records):
    print(f"\n{'command':<26} {'comments':>9} {'seconds':>8} {'CPU s':>7} {'comments/s':>11} {'peak MB':>8}")
    for record in records:
        if record["ok"]:
            print(f"{record['name']:<26} {size_label(record['size']):>9} {record['seconds']:>8.1f} "
                  f"{record['cpu_seconds']:>7.1f} {record['comments_per_second']:>11,.0f} {record['peak_mb']:>8.0f}")
        else:
            print(f"{record['name']:<26} {size_label(record['size']):>9} failed: {record['stderr']}")
    checks = []
    # Both clocks: on a shared machine the CPU seconds (the process tree's) are the steadier.
    for key, unit in (("seconds", "s"), ("cpu_seconds", "CPU s")):
        annotate, ingest = median(records, "annotate", key), median(records, "ingest", key)
        if annotate and ingest:
            slower = ingest / annotate - 1
            checks.append(f"ingest {ingest:.1f} {unit} against annotate {annotate:.1f} {unit} (medians): "
                          f"{slower:+.0%} (target at most +{INGEST_SLOWER_AT_MOST:.0%}): "
                          f"{'met' if slower <= INGEST_SLOWER_AT_MOST else 'NOT met'}")
    analyze = [record for record in records if record["name"] == "analyze --store" and record["ok"]]
    for record in analyze:
        met = record["seconds"] <= ANALYZE_SECONDS_AT_MOST and record["peak_mb"] <= ANALYZE_MB_AT_MOST
        checks.append(f"analyze --store over {record['size']:,} stored comments: {record['seconds']:.1f} s, "
                      f"{record['peak_mb']:.0f} MB (targets {ANALYZE_SECONDS_AT_MOST} s, {ANALYZE_MB_AT_MOST} MB): "
                      f"{'met' if met else 'NOT met'}; the store file is {record['store_mb']:,} MB")
    print("\n" + "\n".join(checks))
    return checks


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=parse_size, default=parse_size("200k"),
                        help="comments for ingest against annotate (default 200k; 0: skip)")
    parser.add_argument("--stored", type=parse_size, default=parse_size("1M"),
                        help="comments in the store that analyze --store reads (default 1M; 0: skip)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds of annotate and ingest, alternating")
    parser.add_argument("--kind", choices=("survey", "distinct"), default="survey",
                        help="input of ingest against annotate (make_inputs.py; default survey)")
    parser.add_argument("-j", "--jobs", type=int, help="worker processes (default: textmine's, all cores)")
    parser.add_argument("--store-path", type=Path,
                        help="keep the store of --stored comments here, and reuse it when it exists")
    args = parser.parse_args(argv)
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    records = []
    with tempfile.TemporaryDirectory(dir=out) as folder:
        workdir = Path(folder)
        if args.size:
            records += ingest_against_annotate(args.size, args.repeat, args.jobs, workdir, args.kind)
        if args.stored:
            records += analyze_over_store(args.stored, args.jobs, workdir, args.store_path)
    checks = report(records)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = out / f"bench_store_{stamp}.json"
    path.write_text(json.dumps({"machine": machine_info(), "runs": records, "checks": checks}, indent=2,
                               ensure_ascii=False), encoding="utf-8")
    print(f"results: {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
