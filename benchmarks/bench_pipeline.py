"""Benchmark: textmine annotate / analyze against the analysts' own script, on two inputs.

Every run is made on both inputs of make_inputs.py, of the same size, and the
two are reported side by side: ``survey`` (comments repeat as a survey's do:
200,000 rows hold about 78,000 distinct comments of 28 characters) and
``distinct`` (every comment different, about 70 characters: work orders, app
reviews, social posts), on which the runner's per-text cache saves nothing.

Runs, in one session and on the same machine, each as its own subprocess:

* the analyst pipeline (benchmarks/analyst_pipeline.py: pandas, jieba and
  SnowNLP per row, gensim LDA, Excel) on --analyst-size comments;
* ``python -m textmine analyze INPUT -o OUT.xlsx -q`` on the same size (the
  speed ratio analyst / textmine is the headline figure) and on --analyze-sizes;
* ``python -m textmine annotate INPUT -o OUT.csv -q`` on --annotate-sizes;

and prints, for each run, wall seconds, CPU seconds, comments per second and
peak memory, then the ratio and the issue's targets. Results also go to
benchmarks/out/bench_<time>.json (git-ignored). Inputs come from
make_inputs.py and are built on first use.

Peak memory of a run is the peak of the summed resident memory (VmRSS) of
the process and all its descendants (worker processes included), sampled
every 50 ms from /proc (the tree itself every 0.5 s), or the kernel's exact
peak of the largest single process (ru_maxrss from wait4) if that is higher.
Pages that forked workers share with their parent are counted once per
process, so the figure errs on the high side; the JSON also holds the peak
summed PSS (shared pages split between the processes sharing them; sampled
every 0.5 s, as the kernel walks every page table for it) and the sum of
every process's VmHWM (an upper bound). Linux only.

A command the CLI does not have yet is skipped with a note; a command that
fails is reported with the last line of its stderr, and the other runs go on.

With ``--repeat N`` the whole plan runs N times, one round after another, so
that the analyst pipeline and textmine alternate and see the same machine: a
shared virtual machine's speed drifts by a quarter or more within minutes.
Each command is then reported by its median run (all runs are in the JSON),
and the speed ratio is the median of the rounds' ratios.

    python benchmarks/bench_pipeline.py                      # defaults, ~10 min on 2 cores
    python benchmarks/bench_pipeline.py --analyst-size 5k    # quicker baseline, ratio on 5k
    python benchmarks/bench_pipeline.py --sizes 10k,100k,1M  # annotate and analyze at each size
    python benchmarks/bench_pipeline.py --repeat 3           # medians of three interleaved rounds
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from make_inputs import KINDS, parse_size, size_label, write_input  # noqa: E402

OUT_DIR = HERE / "out"
POLL_SECONDS = 0.05
SLOW_POLLS = 10  # the process tree and PSS: every 0.5 s
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024

# The targets of the performance issues, per input: the survey-like one first set, then the
# distinct one (review-length comments, every one different).
# (input, what, command, size, limit on seconds, limit on MB, minimum comments/s)
RATIO_TARGETS = {"survey": 20.0, "distinct": 30.0}  # analyst / textmine analyze on 20k
TARGETS = (
    ("survey", "annotate >= 20,000 comments/s and <= 1 GB on 200k", "annotate", 200_000, None, 1024, 20_000),
    ("survey", "analyze 1M comments in <= 5 min and <= 2 GB", "analyze", 1_000_000, 300, 2048, None),
    ("distinct", "annotate >= 15,000 comments/s and <= 1 GB on 200k", "annotate", 200_000, None, 1024, 15_000),
    ("distinct", "analyze 1M comments in <= 3 min and <= 2 GB", "analyze", 1_000_000, 180, 2048, None),
)


# --- measuring one subprocess ---------------------------------------------------------------

def _children_map():
    """{parent pid: [child pids]} for every process visible in /proc."""
    children = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: fields resume after the last ')'.
        ppid = int(stat[stat.rindex(b")") + 2:].split(maxsplit=2)[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def _tree(pid):
    children, tree, todo = _children_map(), [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, ()))
    return tree


def _memory_kb(pid, with_pss=True):
    """(VmRSS, VmHWM, Pss) of one process in kB (Pss 0 unless ``with_pss``), or None once it has gone."""
    rss = hwm = pss = 0
    try:
        with open(f"/proc/{pid}/status", "rb") as handle:
            for line in handle:
                if line.startswith(b"VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith(b"VmHWM:"):
                    hwm = int(line.split()[1])
        if with_pss:
            with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
                for line in handle:
                    if line.startswith(b"Pss:"):
                        pss = int(line.split()[1])
                        break
    except (OSError, ValueError):
        return None
    return rss, hwm, pss


def measure(command, *, log_path, timeout=None):
    """Run ``command``; return wall and CPU seconds, peak memory and the exit status.

    The child's stdout is discarded and its stderr kept in ``log_path``.
    """
    peak_rss = peak_pss = 0
    hwm_by_pid = {}
    with open(log_path, "wb") as log:
        start = time.perf_counter()
        # A session of its own, so a timeout can stop the worker processes with the run.
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log, cwd=ROOT,
                                   start_new_session=True)
        timed_out = False
        polls, members = 0, []
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            # The process tree and PSS (the kernel walks every page table for it) are
            # read every SLOW_POLLS polls only: read every 50 ms, they took a fifth of a
            # core and slowed the measured run itself.
            slow = polls % SLOW_POLLS == 0
            polls += 1
            if slow:
                members = _tree(process.pid)
            rss_total = pss_total = 0
            for member in members:
                memory = _memory_kb(member, with_pss=slow)
                if memory:
                    rss_total += memory[0]
                    pss_total += memory[2]
                    hwm_by_pid[member] = max(hwm_by_pid.get(member, 0), memory[1])
            peak_rss, peak_pss = max(peak_rss, rss_total), max(peak_pss, pss_total if slow else 0)
            if timeout and not timed_out and time.perf_counter() - start > timeout:
                timed_out = True
                os.killpg(process.pid, signal.SIGKILL)
            time.sleep(POLL_SECONDS)
        wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    max_single = usage.ru_maxrss  # kB on Linux: the largest single process of the tree
    return {
        "exit_code": process.returncode,
        "timed_out": timed_out,
        "seconds": round(wall, 2),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_mb": round(max(peak_rss, max_single) / 1024, 1),
        "peak_pss_mb": round(peak_pss / 1024, 1),
        "hwm_sum_mb": round(max(sum(hwm_by_pid.values()), max_single) / 1024, 1),
        "max_single_process_mb": round(max_single / 1024, 1),
        "processes_seen": len(hwm_by_pid),
    }


# --- the runs -------------------------------------------------------------------------------

def textmine_has(command):
    """True if ``python -m textmine COMMAND --help`` works (the CLI may not have it yet)."""
    result = subprocess.run([sys.executable, "-m", "textmine", command, "--help"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return result.returncode == 0


def last_line(path):
    lines = [line for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
             if line.strip()]
    return lines[-1].strip() if lines else "(no output on stderr)"


def run_one(name, size, kind, workdir, args):
    """Measure one command on the ``kind`` input of ``size`` comments; return its result record."""
    source = write_input(size, kind=kind)
    label = size_label(size)
    record = {"command": name, "size": size, "kind": kind, "input": str(source.relative_to(ROOT))}
    if name == "analyst":
        output = workdir / f"analyst_{label}.xlsx"
        command = [sys.executable, str(HERE / "analyst_pipeline.py"), str(source), "-o", str(output)]
    else:
        suffix = "csv" if name == "annotate" else "xlsx"
        output = workdir / f"{name}_{label}.{suffix}"
        command = [sys.executable, "-m", "textmine", name, str(source), "-o", str(output), "-q"]
        if args.jobs:
            command += ["-j", str(args.jobs)]
    record["argv"] = " ".join(command[1:]).replace(str(ROOT) + os.sep, "")
    record["load_before"] = round(os.getloadavg()[0], 2)
    print(f"  running {name} on {kind} {label} ...", end="", flush=True, file=sys.stderr)
    log = workdir / f"{name}_{label}.log"
    record.update(measure(command, log_path=log, timeout=args.timeout))
    record["load_after"] = round(os.getloadavg()[0], 2)
    if record["exit_code"] == 0 and not record["timed_out"]:
        record["status"] = "ok"
        record["comments_per_second"] = round(size / record["seconds"], 1)
        record["output_mb"] = round(output.stat().st_size / 1e6, 1) if output.exists() else None
        print(f" {record['seconds']:.1f} s", file=sys.stderr)
    else:
        why = "timed out" if record["timed_out"] else f"exit {record['exit_code']}"
        record["status"] = f"failed ({why}): {last_line(log)}"
        print(f" {record['status']}", file=sys.stderr)
    for path in (output, log):
        path.unlink(missing_ok=True)
    return record


def plan(args):
    """The (command, size, input kind) runs, analyst and its textmine counterpart first.

    Each command and size runs on every input kind, one kind right after the other.
    """
    runs = []
    if args.analyst_size:
        runs += [("analyst", args.analyst_size), ("analyze", args.analyst_size)]
    runs += [("analyze", size) for size in args.analyze_sizes]
    runs += [("annotate", size) for size in args.annotate_sizes]
    unique = []
    for name, size in runs:
        for kind in args.kinds:
            if (name, size, kind) not in unique:
                unique.append((name, size, kind))
    return unique


def machine_info():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            cpu = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), "")
    except OSError:
        cpu = platform.processor()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    return {"cpus": len(os.sched_getaffinity(0)), "cpu": cpu, "python": platform.python_version(),
            "platform": platform.platform(), "textmine_commit": commit or None,
            "memory_mb": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20}


# --- the report -----------------------------------------------------------------------------

def find(results, command, size, kind):
    return next((r for r in results if r["command"] == command and r["size"] == size
                 and r.get("kind", "survey") == kind and r["status"] == "ok"), None)


def speed_ratio(rounds, size, kind):
    """analyst seconds / textmine analyze seconds on the ``kind`` input of ``size`` (wall and CPU), or None.

    With several rounds, the median of the ratios of each round's own pair of runs.
    """
    ratios = []
    for results in rounds:
        analyst, analyze = find(results, "analyst", size, kind), find(results, "analyze", size, kind)
        if analyst and analyze:
            ratios.append((analyst["seconds"] / analyze["seconds"],
                           analyst["cpu_seconds"] / max(analyze["cpu_seconds"], 0.01)))
    if not ratios:
        return None
    return {"size": size, "kind": kind, "wall": round(statistics.median(wall for wall, _ in ratios), 1),
            "cpu": round(statistics.median(cpu for _, cpu in ratios), 1),
            "rounds": [round(wall, 1) for wall, _ in ratios]}


def median_runs(rounds):
    """One record per (command, size, kind): its median-time run, with every run's seconds beside it."""
    merged = []
    for record in rounds[0]:
        runs = [r for results in rounds for r in results
                if r["command"] == record["command"] and r["size"] == record["size"]
                and r.get("kind") == record.get("kind")]
        ok = sorted((r for r in runs if r["status"] == "ok"), key=lambda r: r["seconds"])
        chosen = dict(ok[(len(ok) - 1) // 2]) if ok else dict(runs[0])
        chosen["runs"] = len(runs)
        chosen["all_seconds"] = [r.get("seconds") for r in runs]
        merged.append(chosen)
    return merged


def check_targets(results, ratios):
    """(what, met: True / False / None when not measured, the figures) of every target."""
    checks = []
    for kind, target in RATIO_TARGETS.items():
        what = f"{kind}: analyze >= {target:.0f}x faster than the analyst pipeline on 20k"
        ratio = ratios.get(kind)
        if ratio is None:
            checks.append((what, None, "not measured"))
            continue
        note = f"{ratio['wall']}x on {size_label(ratio['size'])}"
        if ratio["size"] != 20_000:
            note += " (the target is set on 20k)"
        checks.append((what, ratio["wall"] >= target, note))
    for kind, what, command, size, max_seconds, max_mb, min_rate in TARGETS:
        what = f"{kind}: {what}"
        run = find(results, command, size, kind)
        if run is None:
            checks.append((what, None, "not measured"))
            continue
        ok = ((max_seconds is None or run["seconds"] <= max_seconds)
              and (max_mb is None or run["peak_mb"] <= max_mb)
              and (min_rate is None or run["comments_per_second"] >= min_rate))
        checks.append((what, ok, f"{run['comments_per_second']:,.0f}/s, {run['seconds']:.1f} s, "
                                 f"{run['peak_mb']:,.0f} MB"))
    return checks


FIGURES = ("seconds", "CPU s", "comments/s", "peak MB", "PSS MB")


def _figures(run):
    if run is None:
        return ("-",) * len(FIGURES)
    return (f"{run['seconds']:.1f}", f"{run['cpu_seconds']:.1f}", f"{run['comments_per_second']:,.0f}",
            f"{run['peak_mb']:,.0f}", f"{run['peak_pss_mb']:,.0f}")


def print_report(results, ratios, checks, info, kinds):
    """One line per command and size, the inputs side by side."""
    print(f"\n{info['cpus']} CPUs ({info['cpu']}), Python {info['python']}, textmine {info['textmine_commit']}")
    header = ("command", "size") + tuple(f"{figure} {kind}" if index == 0 else figure
                                         for kind in kinds for index, figure in enumerate(FIGURES))
    rows, notes, seen = [], [], []
    for r in results:
        if r["status"] != "ok":
            notes.append(f"{r['command']} {r.get('kind', 'survey')} {size_label(r['size'])}: {r['status']}")
        if (r["command"], r["size"]) in seen:
            continue
        seen.append((r["command"], r["size"]))
        rows.append((r["command"], size_label(r["size"]))
                    + tuple(cell for kind in kinds for cell in _figures(find(results, r["command"], r["size"], kind))))
    widths = [max(len(str(row[i])) for row in rows + [header]) for i in range(len(header))]
    for row in [header] + rows:
        print("  ".join(str(cell).ljust(widths[i]) if i < 2 else str(cell).rjust(widths[i])
                        for i, cell in enumerate(row)))
    for note in notes:
        print(note)
    if len(results) and results[0].get("runs", 1) > 1:
        print(f"(medians of {results[0]['runs']} interleaved rounds; every run's seconds and the load are in the JSON)")
    for kind, ratio in ratios.items():
        print(f"\nanalyst / textmine analyze on {kind} {size_label(ratio['size'])}: {ratio['wall']}x wall clock, "
              f"{ratio['cpu']}x CPU time")
        if len(ratio["rounds"]) > 1:
            print(f"  (median of the rounds: {', '.join(f'{r}x' for r in ratio['rounds'])})")
    print("\ntargets:")
    for what, ok, note in checks:
        mark = {True: "met", False: "NOT met", None: "-"}[ok]
        print(f"  [{mark}] {what}: {note}")


def parse_sizes(text):
    return [parse_size(part) for part in text.split(",") if part.strip()]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--analyst-size", type=lambda text: 0 if text.strip() == "0" else parse_size(text),
                        default=20_000,
                        help="comments for the analyst pipeline and the ratio (default 20k; 0 skips it)")
    parser.add_argument("--analyze-sizes", type=parse_sizes, default=[],
                        help="more sizes for textmine analyze, comma-separated (the analyst size always runs)")
    parser.add_argument("--annotate-sizes", type=parse_sizes, default=[200_000],
                        help="sizes for textmine annotate (default 200k)")
    parser.add_argument("--sizes", type=parse_sizes,
                        help="run both annotate and analyze at each of these sizes, e.g. 10k,100k,1M")
    parser.add_argument("-j", "--jobs", type=int, help="pass -j N to textmine (default: its own, all cores)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before a run is killed")
    parser.add_argument("--json", type=Path, help="where to write the results (default benchmarks/out/...)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run the whole plan this many times, interleaved; report medians (default 1)")
    parser.add_argument("--inputs", type=lambda text: [kind.strip() for kind in text.split(",") if kind.strip()],
                        default=list(KINDS), dest="kinds",
                        help="input kinds, comma-separated (default: survey,distinct, side by side)")
    args = parser.parse_args(argv)
    unknown = [kind for kind in args.kinds if kind not in KINDS]
    if unknown or not args.kinds:
        parser.error(f"--inputs: choose from {', '.join(KINDS)}")
    if args.sizes:
        args.analyze_sizes, args.annotate_sizes = args.sizes, args.sizes

    info = machine_info()
    rounds = []
    available = {name: textmine_has(name) for name in ("annotate", "analyze")}
    OUT_DIR.mkdir(exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="run-", dir=OUT_DIR))
    started = datetime.datetime.now()
    try:
        for number in range(1, max(1, args.repeat) + 1):
            if args.repeat > 1:
                print(f"round {number} of {args.repeat}", file=sys.stderr)
            results = []
            for name, size, kind in plan(args):
                if name != "analyst" and not available[name]:
                    results.append({"command": name, "size": size, "kind": kind, "status":
                                    f"skipped: `textmine {name}` is not in this CLI yet; rerun later"})
                    continue
                results.append(run_one(name, size, kind, workdir, args))
            rounds.append(results)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    results = median_runs(rounds) if len(rounds) > 1 else rounds[0]
    ratios = {}
    if args.analyst_size:
        for kind in args.kinds:
            ratio = speed_ratio(rounds, args.analyst_size, kind)
            if ratio:
                ratios[kind] = ratio
    checks = check_targets(results, ratios)
    print_report(results, ratios, checks, info, args.kinds)
    path = args.json or OUT_DIR / f"bench_{started:%Y%m%d-%H%M%S}.json"
    report = {"started": started.isoformat(timespec="seconds"), "machine": info, "results": results,
              "rounds": rounds if len(rounds) > 1 else None,
              "ratios": ratios, "targets": [{"target": t, "met": ok, "measured": note} for t, ok, note in checks],
              "memory_method": "peak of summed VmRSS over the process tree sampled every "
                               f"{POLL_SECONDS * 1000:.0f} ms (tree and PSS every "
                               f"{POLL_SECONDS * SLOW_POLLS:.1f} s), or wait4 ru_maxrss if higher"}
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"\nresults: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
