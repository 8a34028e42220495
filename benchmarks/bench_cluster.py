"""Local run vs a Dask scheduler with two one-thread workers, same input: the cluster path's cost.

Starts ``dask scheduler`` and two ``dask worker --nthreads 1`` processes on
127.0.0.1, then runs each command on each input as a subprocess, once locally
(``--jobs 2``) and once with ``--scheduler``, rounds interleaved; checks that
both write the same bytes (annotate's CSV, analyze's JSON summary) and reports
the overhead of the cluster path in % of the local wall time. It also measures
what the plan for large inputs (benchmarks/README.md) is built on: the cost of
one partition of 20,000 distinct texts on one core, its bytes in and out, the
client's CPU time per row, and the memory of a worker.

Inputs (make_inputs.py): ``benchmarks/data/survey_<N>.csv`` (rows repeat as
real ones do, about 40 % of the texts are distinct) and ``distinct_<N>.csv``
(``--kind distinct``: every comment different, review-length, so every row is
work for the workers).

With ``--baseline DIR`` (a checkout of another commit, e.g. ``git worktree add
--detach ../base main``) a second scheduler and workers run that code, and
each command runs a third time on them, in the same rounds: the cluster path
before and after a change, the client's CPU time a row above all.

    python benchmarks/bench_cluster.py                      # 3 rounds, about 3 minutes on 2 cores
    python benchmarks/bench_cluster.py --repeat 1 --distinct-size 20k
    python benchmarks/bench_cluster.py --survey-size 200k --distinct-size 200k --baseline ../base
"""

import argparse
import csv
import json
import os
import pickle
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from bench_pipeline import OUT_DIR, _memory_kb, measure  # noqa: E402
from make_inputs import parse_size, size_label, write_input  # noqa: E402

PARTITION_TEXTS = 20_000  # the DaskExecutor's chunk size


class Cluster:
    """``dask scheduler`` and ``workers`` one-thread ``dask worker`` processes on 127.0.0.1."""

    def __init__(self, workers, folder, code=ROOT):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.code = Path(code)
        self.scheduler_file = self.folder / "scheduler.json"
        self.processes = []
        dask = [sys.executable, "-m", "dask"]
        self._start(dask + ["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                            "--scheduler-file", str(self.scheduler_file)], "scheduler")
        deadline = time.time() + 60
        while not self.scheduler_file.exists() and time.time() < deadline:
            time.sleep(0.2)
        for number in range(workers):
            self._start(dask + ["worker", "--scheduler-file", str(self.scheduler_file), "--nthreads", "1",
                                "--no-dashboard", "--name", f"worker-{number}"], f"worker-{number}")
        from distributed import Client

        self.client = Client(scheduler_file=str(self.scheduler_file), set_as_default=False)
        self.client.wait_for_workers(workers, timeout=120)
        self.address = self.client.scheduler.address
        self.worker_pids = list(self.client.run(os.getpid).values())

    def _start(self, command, name):
        log = open(self.folder / f"{name}.log", "wb")
        # The code's folder first on the path (python -m puts the working folder there).
        env = {**os.environ, "PYTHONPATH": str(self.code)}
        self.processes.append((subprocess.Popen(command, stdout=log, stderr=log, cwd=self.code, env=env), log))

    def worker_cpu_seconds(self):
        total = 0.0
        for pid in self.worker_pids:
            with open(f"/proc/{pid}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def worker_peak_mb(self):
        return [round((_memory_kb(pid, with_pss=False) or (0, 0, 0))[1] / 1024, 1) for pid in self.worker_pids]

    def close(self):
        self.client.close()
        for process, log in reversed(self.processes):
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()


# Chunks of texts; partitions read on the workers (annotate); partitions read and kept, and tasks on them (analyze).
TASK_PREFIXES = ("textmine-analyse-", "textmine-partition-", "textmine-kept-", "textmine-on-")


def run_pair(command, path, clusters, workdir, jobs):
    """The command locally and on each cluster; their times, the tasks, and whether the outputs agree.

    ``clusters``: {"cluster": this code's, "baseline": another checkout's (optional)}.
    """
    results = {}
    for where in ("local", *clusters):
        cluster = clusters.get(where, clusters["cluster"])
        output = workdir / f"{where}.{'csv' if command == 'annotate' else 'json'}"
        argv = [sys.executable, "-m", "textmine", command, str(path), "-q"]
        argv += ["-o", str(output)] if command == "annotate" else ["--json", str(output)]
        argv += ["--jobs", str(jobs)] if where == "local" else ["--scheduler", cluster.address]
        if cluster.code != ROOT:
            argv = ["env", "-C", str(cluster.code), f"PYTHONPATH={cluster.code}", *argv]
        cpu_before = cluster.worker_cpu_seconds()
        from distributed import get_task_stream

        with get_task_stream(client=cluster.client) as stream:
            run = measure(argv, log_path=workdir / f"{where}.log")
        if run["exit_code"]:
            raise SystemExit(f"{' '.join(argv)} failed: {(workdir / f'{where}.log').read_text()[-500:]}")
        run["worker_cpu_seconds"] = round(cluster.worker_cpu_seconds() - cpu_before, 2)
        tasks = [task for task in stream.data if str(task["key"]).startswith(TASK_PREFIXES)]
        computes = [sum(stop - start for action, start, stop in
                        ((part["action"], part["start"], part["stop"]) for part in task["startstops"])
                        if action == "compute") for task in tasks]
        run["analyse_tasks"] = len(tasks)
        run["task_kind"] = sorted({str(task["key"]).rsplit("-", 1)[0] for task in tasks})
        run["task_compute_seconds"] = [round(seconds, 3) for seconds in computes]
        run["map_tasks"] = sum(str(task["key"]).startswith("textmine-map-") for task in stream.data)
        run["output"] = output.read_bytes()
        results[where] = run
    local = results["local"].pop("output")
    # Per cluster: a baseline of other code may rightly differ (its note says why).
    same = {where: results[where].pop("output") == local for where in clusters}
    return results, same


def partition_costs(path, repeat=3):
    """One partition of 20,000 distinct texts on one core, as a worker runs it: seconds, bytes in and out."""
    from textmine.pipeline import CommentAnnotator, LanguageOptions
    from textmine.pipeline._process_tuning import long_lived_objects_frozen
    from textmine.pipeline.dask_executor import DaskExecutor

    assert DaskExecutor.chunk_size == PARTITION_TEXTS
    with open(path, encoding="utf-8-sig", newline="") as handle:
        texts = list(dict.fromkeys(row["意见建议"] for row in csv.DictReader(handle)))[:PARTITION_TEXTS]
    costs = {"texts": len(texts), "mean_characters": round(statistics.mean(map(len, texts)), 1), "stages": {}}
    for name, options in (("annotate", LanguageOptions()), ("analyze", LanguageOptions(content_words=True))):
        seconds = []
        for _ in range(repeat):  # a fresh annotator each time: its memos must not have seen the texts
            annotator = CommentAnnotator(options)
            with long_lived_objects_frozen():  # the models frozen, as on a worker
                start = time.process_time()
                annotations = annotator.analyse(texts)
                seconds.append(time.process_time() - start)
        costs["stages"][name] = {
            "cpu_seconds": round(statistics.median(seconds), 3),
            "microseconds_per_text": round(statistics.median(seconds) / len(texts) * 1e6, 1),
            "bytes_in": len(pickle.dumps(texts, protocol=pickle.HIGHEST_PROTOCOL)),
            "bytes_out": len(pickle.dumps(annotations, protocol=pickle.HIGHEST_PROTOCOL)),
        }
    costs["annotate_partition"] = read_partition_cost(path, repeat)
    costs["analyze_partition"] = analyze_partition_cost(path, repeat)
    return costs


def analyze_partition_cost(path, repeat=3):
    """One partition of PARTITION_BYTES through analyze's two worker tasks, and the client's merge of it.

    The workers' CPU for reading (read, mask, analyse) and counting (aggregates, samples, spool
    batches), the bytes each sends back, and the client's CPU to unpickle and merge the partial.
    """
    from textmine.io.cells import OutputColumns
    from textmine.painpoints.taxonomy import Taxonomy
    from textmine.pipeline import CommentAnnotator, LanguageOptions, ReadOptions, open_sources
    from textmine.pipeline._columns import resolve_columns
    from textmine.pipeline._process_tuning import long_lived_objects_frozen
    from textmine.pipeline.analyze import AnalyzeOptions, start_first_pass
    from textmine.pipeline.analyze_partitions import count_partition, read_partition
    from textmine.pipeline.partitions import PARTITION_BYTES, PartitionAnalyser, split_inputs

    sources = open_sources([str(path)], ReadOptions(), mask=True)
    taxonomy, options = Taxonomy.load(), AnalyzeOptions()
    detected = resolve_columns(sources, options, taxonomy)
    partition = split_inputs(sources, ReadOptions(), mask=True).partitions(PARTITION_BYTES)[0]
    timings = {"read": [], "count": [], "merge": []}
    for _ in range(repeat):
        analyser = PartitionAnalyser(CommentAnnotator(LanguageOptions(content_words=True)))
        first_pass = start_first_pass(detected, OutputColumns(sources), options, taxonomy)
        with long_lived_objects_frozen():
            start = time.process_time()
            kept = read_partition(analyser, partition)
            timings["read"].append(time.process_time() - start)
            start = time.process_time()
            counted = count_partition(kept, 1, {}, first_pass.partial())
            timings["count"].append(time.process_time() - start)
        sent = pickle.dumps(counted, protocol=pickle.HIGHEST_PROTOCOL)
        start = time.process_time()
        first_pass.merge(pickle.loads(sent))
        timings["merge"].append(time.process_time() - start)
    rows = len(kept.comments)
    cost = {"bytes": partition.end - partition.start, "rows": rows,
            "signatures_bytes_out": len(pickle.dumps(kept.signatures_only(), protocol=pickle.HIGHEST_PROTOCOL)),
            "partial_bytes_out": len(sent)}
    for name, seconds in timings.items():
        cost[f"{name}_cpu_seconds"] = round(statistics.median(seconds), 3)
        cost[f"{name}_microseconds_per_row"] = round(statistics.median(seconds) / rows * 1e6, 1)
    return cost


def read_partition_cost(path, repeat=3):
    """One partition of PARTITION_BYTES read on a worker for annotate: read, mask, analyse, format; bytes back."""
    from textmine.io.cells import OutputColumns
    from textmine.io.line_format import text_line_format
    from textmine.pipeline import CommentAnnotator, LanguageOptions, ReadOptions, open_sources
    from textmine.pipeline._process_tuning import long_lived_objects_frozen
    from textmine.pipeline.annotate_partitions import annotate_partition
    from textmine.pipeline.partitions import PARTITION_BYTES, PartitionAnalyser, split_inputs

    sources = open_sources([str(path)], ReadOptions(), mask=True)
    partition = split_inputs(sources, ReadOptions(), mask=True).partitions(PARTITION_BYTES)[0]
    layout, line_format = OutputColumns(sources), text_line_format("out.csv")
    seconds = []
    for _ in range(repeat):
        analyser = PartitionAnalyser(CommentAnnotator(LanguageOptions()))
        with long_lived_objects_frozen():
            start = time.process_time()
            result = annotate_partition(analyser, partition, layout, line_format)
            seconds.append(time.process_time() - start)
    return {"bytes": partition.end - partition.start, "rows": result.rows,
            "cpu_seconds": round(statistics.median(seconds), 3),
            "microseconds_per_row": round(statistics.median(seconds) / result.rows * 1e6, 1),
            "bytes_out": len(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))}


def spool_bytes_per_row(path):
    """Bytes a row takes in analyze's spool, the temporary file on the client (topics off)."""
    from textmine.pipeline.analyze import AnalyzeOptions, analyze_files

    run = analyze_files([str(path)], AnalyzeOptions(topics="off"), jobs=2)
    try:
        return round(os.fstat(run.spool._comments.fileno()).st_size / run.spool.count, 1)
    finally:
        run.close()


def summarise(rounds, rows_of, wheres=("cluster",)):
    """Median wall and CPU per (command, input, where), the overhead in %, and the client's cost a row.

    The client's CPU a row leaves out its start-up: the CPU of the same command on 10 rows.
    """
    table = []

    def median_of(key, where, measure_name):
        return statistics.median(results[where][measure_name] for round_ in rounds
                                 for command, name, results, _ in round_ if (command, name) == key)

    for key in sorted({(command, name) for round_ in rounds for command, name, _, _ in round_}):
        runs = [(results, same) for round_ in rounds for command, name, results, same in round_
                if (command, name) == key]
        local = median_of(key, "local", "seconds")
        row = {"command": key[0], "input": key[1], "rows": rows_of[key[1]], "local_seconds": local,
               "local_cpu_seconds": statistics.median(results["local"]["cpu_seconds"] for results, _ in runs),
               "identical_output": {where: all(same[where] for _, same in runs) for where in wheres}}
        for where in wheres:
            remote = median_of(key, where, "seconds")
            client_cpu = median_of(key, where, "cpu_seconds")
            start_up = median_of((key[0], "survey_10"), where, "cpu_seconds")
            computes = [seconds for results, _ in runs for seconds in results[where]["task_compute_seconds"]]
            row[where] = {
                "seconds": remote,
                "overhead_percent": round((remote / local - 1) * 100, 1),
                # CPU of the client and the workers against that of the local run and its workers:
                # steadier than wall time on a machine shared with other work.
                "cpu_overhead_percent": round(statistics.median(
                    (results[where]["cpu_seconds"] + results[where]["worker_cpu_seconds"])
                    / results["local"]["cpu_seconds"] - 1 for results, _ in runs) * 100, 1),
                "client_cpu_seconds": client_cpu,
                "worker_cpu_seconds": statistics.median(results[where]["worker_cpu_seconds"] for results, _ in runs),
                "client_start_up_cpu_seconds": start_up,
                "client_cpu_microseconds_per_row": round((client_cpu - start_up) / rows_of[key[1]] * 1e6, 1)
                if rows_of[key[1]] > 10 else None,
                "client_peak_mb": max(results[where]["peak_mb"] for results, _ in runs),
                "tasks": runs[0][0][where]["analyse_tasks"],
                "task_kind": runs[0][0][where].get("task_kind"),
                "median_task_compute_seconds": round(statistics.median(computes), 3) if computes else None,
                "map_tasks": runs[0][0][where]["map_tasks"],
            }
        table.append(row)
    return table


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="interleaved rounds; medians are reported")
    parser.add_argument("--survey-size", type=parse_size, default=parse_size("20k"))
    parser.add_argument("--distinct-size", type=parse_size, default=parse_size("100k"))
    parser.add_argument("--commands", default="annotate,analyze")
    parser.add_argument("--workers", type=int, default=2, help="one-thread worker processes")
    parser.add_argument("--baseline", type=Path, default=None,
                        help="a checkout of another commit: its cluster path runs in the same rounds")
    parser.add_argument("--partition-only", action="store_true",
                        help="only the cost of one partition on one core (no cluster, no runs)")
    args = parser.parse_args(argv)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    # survey_10: start-up alone (connecting, loading the models), to be taken off the per-row figures.
    survey = f"survey_{size_label(args.survey_size)}"
    distinct = f"distinct_{size_label(args.distinct_size)}"
    inputs = {"survey_10": write_input(10), survey: write_input(args.survey_size),
              distinct: write_input(args.distinct_size, kind="distinct")}
    rows_of = {"survey_10": 10, survey: args.survey_size, distinct: args.distinct_size}
    OUT_DIR.mkdir(exist_ok=True)
    if args.partition_only:
        print(json.dumps(partition_costs(inputs[distinct]), indent=2))
        return 0
    started = time.strftime("%Y%m%d-%H%M%S")
    rounds = []
    wheres = ("cluster", "baseline") if args.baseline else ("cluster",)
    loads = []
    with tempfile.TemporaryDirectory(dir=OUT_DIR) as folder:
        clusters = {}
        try:
            clusters["cluster"] = Cluster(args.workers, Path(folder) / "cluster")
            if args.baseline:
                clusters["baseline"] = Cluster(args.workers, Path(folder) / "baseline", code=args.baseline.resolve())
            for number in range(args.repeat):
                round_ = []
                for command in args.commands.split(","):
                    for name, path in inputs.items():
                        loads.append(os.getloadavg()[0])
                        results, same = run_pair(command, path, clusters, Path(folder), args.workers)
                        round_.append((command, name, results, same))
                        print(f"round {number + 1}: {command} {name}: local {results['local']['seconds']} s, "
                              + ", ".join(f"{where} {results[where]['seconds']} s "
                                          f"(client CPU {results[where]['cpu_seconds']} s)" for where in wheres)
                              + f", same output: {same}", flush=True)
                rounds.append(round_)
            worker_peak_mb = {where: cluster.worker_peak_mb() for where, cluster in clusters.items()}
        finally:
            for cluster in clusters.values():
                cluster.close()
    partition = partition_costs(inputs[distinct])
    partition["spool_bytes_per_row"] = {name: spool_bytes_per_row(inputs[name]) for name in (survey, distinct)}
    table = summarise(rounds, rows_of, wheres)
    print(f"\n{'command':9} {'input':15} {'where':9} {'local s':>8} {'cluster s':>9} {'overhead':>9} {'CPU':>7} "
          f"{'client CPU s':>12} {'client µs/row':>13} {'tasks':>5} {'task s':>6} same")
    for row in table:
        for where in wheres:
            cell = row[where]
            print(f"{row['command']:9} {row['input']:15} {where:9} {row['local_seconds']:8.2f} "
                  f"{cell['seconds']:9.2f} {cell['overhead_percent']:8.1f}% {cell['cpu_overhead_percent']:6.1f}% "
                  f"{cell['client_cpu_seconds']:12.2f} {cell['client_cpu_microseconds_per_row'] or 0:13.1f} "
                  f"{cell['tasks']:5d} {cell['median_task_compute_seconds'] or 0:6.2f} {row['identical_output'][where]}")
    print(f"\nload average (1 min) at the runs' starts: {min(loads):.1f} to {max(loads):.1f}")
    print(f"worker peak memory (MB): {worker_peak_mb}")
    print(f"one partition of {partition['texts']:,} distinct texts on one core: " + "; ".join(
        f"{name} {cost['cpu_seconds']} s ({cost['microseconds_per_text']} µs a text), "
        f"{cost['bytes_in'] / 1e6:.1f} MB in, {cost['bytes_out'] / 1e6:.1f} MB out"
        for name, cost in partition["stages"].items()))
    read = partition["annotate_partition"]
    print(f"one partition read on a worker for annotate ({read['bytes'] / 1e6:.1f} MB, {read['rows']:,} rows): "
          f"{read['cpu_seconds']} s ({read['microseconds_per_row']} µs a row), {read['bytes_out'] / 1e6:.1f} MB back")
    counted = partition["analyze_partition"]
    print(f"one partition through analyze's tasks ({counted['bytes'] / 1e6:.1f} MB, {counted['rows']:,} rows): "
          f"read {counted['read_cpu_seconds']} s ({counted['read_microseconds_per_row']} µs a row), "
          f"{counted['signatures_bytes_out'] / 1e6:.2f} MB back; count {counted['count_cpu_seconds']} s "
          f"({counted['count_microseconds_per_row']} µs a row), {counted['partial_bytes_out'] / 1e6:.1f} MB back; "
          f"the client's merge {counted['merge_cpu_seconds']} s ({counted['merge_microseconds_per_row']} µs a row)")
    print(f"analyze's spool on the client, bytes a row: {partition['spool_bytes_per_row']}")
    report = {
        "started": started, "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                        "load_averages": loads},
        "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                 text=True).stdout.strip(),
        "baseline_commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=args.baseline,
                                          capture_output=True, text=True).stdout.strip() if args.baseline else None,
        "workers": args.workers, "table": table, "worker_peak_mb": worker_peak_mb, "partition": partition,
        "rounds": [[{"command": command, "input": name, "same": same, **results}
                    for command, name, results, same in round_] for round_ in rounds],
    }
    path = OUT_DIR / f"cluster_{started}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwritten to {path.relative_to(ROOT)}")
    return 0 if all(row["identical_output"] for row in table) else 1


if __name__ == "__main__":
    sys.exit(main())
