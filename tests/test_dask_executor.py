"""The Dask executor: the same bytes as a local run, a killed worker's tasks run again, clear errors.

The cluster tests start one LocalCluster of two one-thread worker processes on
127.0.0.1 for the module (about 2 s) and run the commands on it.
"""

import asyncio
import json
import os
import signal
import socket
import sys
import time

import pytest
from click.testing import CliRunner

pytest.importorskip("distributed")

from distributed import Client, LocalCluster, get_task_stream  # noqa: E402

from textmine.cli import cli  # noqa: E402
from textmine.errors import ClusterError, ConfigError, DictionaryError  # noqa: E402
from textmine.pipeline import LanguageOptions, annotate_files  # noqa: E402
from textmine.pipeline.analyze import AnalyzeOptions, analyze_files  # noqa: E402
from textmine.pipeline import _process_tuning, dask_executor  # noqa: E402
from textmine.pipeline.annotator import CommentAnnotator  # noqa: E402
from textmine.pipeline.dask_executor import AnnotatorPlugin, DaskExecutor  # noqa: E402
from textmine.pipeline.executors import LocalExecutor, open_executor  # noqa: E402

from conftest import SAMPLES  # noqa: E402

SURVEY = str(SAMPLES / "survey_export.csv")


@pytest.fixture(scope="module")
def scheduler():
    with LocalCluster(processes=True, n_workers=2, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        yield cluster.scheduler_address


@pytest.fixture(scope="module")
def watcher(scheduler):
    """A client of the test's own, to look at the workers and the tasks."""
    with Client(scheduler, set_as_default=False) as client:
        yield client


def run_cli(arguments, **env):
    return CliRunner().invoke(cli, arguments, env=env or None)


# --- without a cluster -------------------------------------------------------------------


def test_open_executor_is_local_without_a_scheduler():
    assert isinstance(open_executor(LanguageOptions(), jobs=2), LocalExecutor)
    assert isinstance(open_executor(LanguageOptions(), scheduler="tcp://127.0.0.1:8786"), DaskExecutor)


def test_without_dask_the_scheduler_option_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "textmine.pipeline.dask_executor", None)
    with pytest.raises(ConfigError, match=r"pip install '\.\[cluster\]' in textmine's folder"):
        open_executor(LanguageOptions(), scheduler="tcp://127.0.0.1:8786")


def test_the_plugin_loads_the_dictionary_files_it_carries_not_the_clients(tmp_path):
    words = tmp_path / "my_words.txt"
    words.write_text("携号转网难 5 n\n", encoding="utf-8")
    options = LanguageOptions(user_dicts=(str(words),), tokens=True)
    texts = ["携号转网难死了", "网速太慢了"]
    expected = CommentAnnotator(options).analyse(texts)
    assert "携号转网难" in expected[0].tokens
    plugin = AnnotatorPlugin(options, {str(words): words.read_bytes()})
    words.unlink()  # a worker on another machine does not see this disk
    asyncio.run(plugin.setup(worker=None))
    try:
        assert plugin.analyse(texts) == expected
    finally:
        plugin.teardown(worker=None)


def test_the_plugin_refuses_a_client_of_another_textmine_version():
    plugin = AnnotatorPlugin(LanguageOptions(), {}, version="0.0.1")
    with pytest.raises(ClusterError, match="install the same version"):
        asyncio.run(plugin.setup(worker=None))


def test_tasks_run_with_fewer_collections_and_the_heap_kept_then_the_settings_come_back(monkeypatch):
    import gc

    calls = []
    mallopt = lambda parameter, value: calls.append((parameter, value)) or 1  # noqa: E731
    monkeypatch.setattr(_process_tuning, "_worker_mallopt", lambda: (mallopt, (65536, 131072)))
    thresholds = gc.get_threshold()
    with _process_tuning.tuned_for_tasks():
        with _process_tuning.tuned_for_tasks():  # a task in a second thread
            assert gc.get_threshold()[0] == max(thresholds[0], _process_tuning.GC_YOUNG_THRESHOLD)
        assert calls == [(-3, 32 << 20), (-1, 64 << 20)]
    assert calls[2:] == [(-1, 65536), (-3, 131072)]
    assert gc.get_threshold() == thresholds


def test_malloc_is_left_alone_when_dask_set_no_trim_threshold(monkeypatch):
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    assert _process_tuning._worker_mallopt() is None
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")
    assert _process_tuning._worker_mallopt()[1] == (65536, 128 * 1024)


def test_a_bad_dictionary_line_names_the_analysts_file_before_connecting(tmp_path):
    synonyms = tmp_path / "synonyms.txt"
    synonyms.write_text("宽频\n", encoding="utf-8")
    executor = DaskExecutor(LanguageOptions(synonym_files=(str(synonyms),)), "tcp://127.0.0.1:1")
    with pytest.raises(DictionaryError, match="synonyms.txt at line 1"):
        executor.__enter__()


def test_an_unreachable_scheduler_is_one_line_and_exit_1(tmp_path, monkeypatch):
    monkeypatch.setattr(dask_executor, "CONNECT_TIMEOUT", 1)
    target = tmp_path / "out.csv"
    result = run_cli(["annotate", SURVEY, "-o", str(target), "--scheduler", "tcp://127.0.0.1:1"])
    assert result.exit_code == 1
    # Why (refused, or no answer) depends on when the timeout strikes.
    assert result.stderr.startswith("Error: cannot reach the Dask scheduler at tcp://127.0.0.1:1 within 1 s (")
    assert result.stderr.count("\n") == 1 and result.stderr.endswith(")\n")
    assert not target.exists()


def test_a_server_that_is_not_a_scheduler_is_one_line_in_time(tmp_path, monkeypatch):
    # A web server at the port accepts the connection and never sends Dask's greeting.
    monkeypatch.setattr(dask_executor, "CONNECT_TIMEOUT", 1)
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.listen()
        address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
        target = tmp_path / "out.csv"
        started = time.monotonic()
        result = run_cli(["annotate", SURVEY, "-o", str(target), "--scheduler", address])
    assert result.exit_code == 1 and time.monotonic() - started < 30
    assert result.stderr == f"Error: cannot reach the Dask scheduler at {address} within 1 s (no answer)\n"
    assert not target.exists()


def test_a_server_that_answers_garbage_is_one_line_naming_the_address(tmp_path, monkeypatch):
    # A web server's reply read as a Dask frame: lengths of exabytes, dimensions past numpy's.
    import threading

    monkeypatch.setattr(dask_executor, "CONNECT_TIMEOUT", 5)
    server = socket.create_server(("127.0.0.1", 0))

    def answer_like_a_web_server():
        while True:
            try:
                connection, _ = server.accept()
            except OSError:
                return
            with connection:
                connection.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello" * 20)

    threading.Thread(target=answer_like_a_web_server, daemon=True).start()
    address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
    try:
        result = run_cli(["annotate", SURVEY, "-o", str(tmp_path / "out.csv"), "--scheduler", address])
    finally:
        server.close()
    assert result.exit_code == 1 and result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"Error: the server at {address} did not answer as a Dask scheduler does (")
    assert not (tmp_path / "out.csv").exists()


def test_an_ingest_that_cannot_reach_its_scheduler_makes_no_store(tmp_path, monkeypatch):
    monkeypatch.setattr(dask_executor, "CONNECT_TIMEOUT", 1)
    store = tmp_path / "history.sqlite"
    result = run_cli(["ingest", SURVEY, "--store", str(store), "--scheduler", "tcp://127.0.0.1:1"])
    assert result.exit_code == 1 and "cannot reach the Dask scheduler" in result.stderr
    assert not store.exists()


def test_a_malformed_scheduler_address_is_a_usage_error_from_the_environment_too():
    result = run_cli(["topics", SURVEY], TEXTMINE_SCHEDULER="nonsense")
    assert result.exit_code == 2
    assert result.stderr == ("Error: --scheduler (or TEXTMINE_SCHEDULER) 'nonsense' is not a scheduler address "
                             "such as tcp://10.0.0.5:8786 (missing port number in address 'nonsense') "
                             "(see: cli topics --help)\n")


def test_a_tls_scheduler_is_a_usage_error_saying_why():
    result = run_cli(["topics", SURVEY, "--scheduler", "tls://127.0.0.1:8786"])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "a tls:// scheduler needs certificates, which textmine does not take" in result.stderr


def test_a_port_out_of_range_is_a_usage_error_at_once():
    result = run_cli(["topics", SURVEY, "--scheduler", "tcp://127.0.0.1:99999"])
    assert result.exit_code == 2
    assert "(port 99999 is not from 1 to 65535)" in result.stderr


# --- on a LocalCluster -------------------------------------------------------------------


def test_a_workers_address_is_one_line_saying_it_is_a_worker(watcher, tmp_path):
    worker = next(iter(watcher.scheduler_info()["workers"]))
    result = run_cli(["annotate", SURVEY, "-o", str(tmp_path / "out.csv"), "--scheduler", worker])
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {worker} is a Dask worker, not the scheduler: give the address the workers "
                             "were started with (dask worker ADDRESS)\n")
    assert not (tmp_path / "out.csv").exists()


def kill_once(watcher, pids, ours_on):
    """``(progress callback, what it killed)``: the callback SIGKILLs, once, the worker that
    ``ours_on(worker)`` finds holding most of the run's tasks."""
    killed = {}

    def kill(rows, fraction=None):
        if killed:
            return
        deadline = time.monotonic() + 10  # the scheduler hears of submitted tasks a moment later
        while True:
            held = {worker: ours_on(worker) for worker in pids}
            worker = max(held, key=held.get)
            if held[worker] or time.monotonic() > deadline:
                break
            time.sleep(0.01)
        killed.update(worker=worker, tasks=held[worker])
        os.kill(pids[worker], signal.SIGKILL)

    return kill, killed


@pytest.mark.cluster
def test_annotate_on_the_cluster_writes_the_same_bytes(scheduler, watcher, tmp_path):
    local, remote = tmp_path / "local.csv", tmp_path / "cluster.csv"
    expected = run_cli(["annotate", SURVEY, "-o", str(local), "-j", "1"])
    with get_task_stream(client=watcher) as stream:
        result = run_cli(["annotate", SURVEY, "-o", str(remote), "--scheduler", scheduler])
    assert result.exit_code == 0, result.output
    assert result.stderr == expected.stderr
    assert result.stderr.startswith("textmine: read 2,000 rows, wrote 2,000, skipped 0;")
    assert remote.read_bytes() == local.read_bytes()
    # The workers read the input themselves, a byte range each.
    ran = [task for task in stream.data if task["key"].startswith("textmine-partition-")]
    assert len(ran) >= 2 and {task["worker"] for task in ran} <= set(watcher.nthreads())
    assert not [task for task in stream.data if task["key"].startswith("textmine-analyse-")]


@pytest.mark.cluster
def test_analyze_on_the_cluster_writes_the_same_json_summary(scheduler, watcher, tmp_path):
    local, remote = tmp_path / "local.json", tmp_path / "cluster.json"
    assert run_cli(["analyze", SURVEY, "--json", str(local), "-j", "2", "-q"]).exit_code == 0
    with get_task_stream(client=watcher) as stream:
        result = run_cli(["analyze", SURVEY, "--json", str(remote), "-q"], TEXTMINE_SCHEDULER=scheduler)
    assert result.exit_code == 0, result.output
    assert remote.read_bytes() == local.read_bytes()
    # The workers read the input, a byte range each, and counted their partitions (two tasks each).
    read = [task for task in stream.data if task["key"].startswith("textmine-kept-")]
    counted = [task for task in stream.data if task["key"].startswith("textmine-on-")]
    assert len(read) >= 2 and len(counted) == 2 * len(read)
    assert {task["worker"] for task in read + counted} <= set(watcher.nthreads())
    assert not [task for task in stream.data if task["key"].startswith("textmine-analyse-")]


@pytest.mark.cluster
def test_a_worker_killed_mid_analyze_is_replaced_and_the_summary_is_the_local_one(scheduler, watcher, tmp_path):
    options = AnalyzeOptions(topics="4", segment_columns=("地区类型", "年龄段"))
    local = analyze_files([SURVEY], options, jobs=1)
    watcher.wait_for_workers(2, timeout=30)
    pids_before = watcher.run(os.getpid)
    kill, killed = kill_once(watcher, pids_before, lambda worker: sum(
        str(key).startswith("textmine-kept-") for key in watcher.has_what().get(worker, ())))
    remote = analyze_files([SURVEY], options, scheduler=scheduler, partition_bytes=8_000, progress=kill)
    assert killed["tasks"] > 0  # its partitions' comments were lost with it, and read again elsewhere
    assert remote.accounting.rows_written == 2000
    assert json.dumps(remote.summary, ensure_ascii=False) == json.dumps(local.summary, ensure_ascii=False)
    assert list(remote.comments_with_topics()) == list(local.comments_with_topics())
    watcher.wait_for_workers(2, timeout=30)
    assert set(watcher.run(os.getpid).values()) != set(pids_before.values())


@pytest.mark.cluster
def test_topics_on_the_cluster_fit_the_search_on_the_workers(scheduler, watcher, tmp_path):
    local, remote = tmp_path / "local.json", tmp_path / "cluster.json"
    assert run_cli(["topics", SURVEY, "--json", str(local), "-j", "1", "-q"]).exit_code == 0
    with get_task_stream(client=watcher) as stream:
        result = run_cli(["topics", SURVEY, "--json", str(remote), "-q", "--scheduler", scheduler])
    assert result.exit_code == 0, result.output
    assert remote.read_bytes() == local.read_bytes()
    fits = [task for task in stream.data if task["key"].startswith("textmine-map-")]
    assert len(fits) >= 9  # k = 4..12 for the topics, and the new pain points' search


@pytest.mark.cluster
def test_ingest_and_reannotate_on_the_cluster_store_what_a_local_run_stores(scheduler, watcher, tmp_path):
    local, remote = tmp_path / "local.sqlite", tmp_path / "cluster.sqlite"
    assert run_cli(["ingest", SURVEY, "--store", str(local), "-j", "1", "-q"]).exit_code == 0
    with get_task_stream(client=watcher) as stream:
        result = run_cli(["ingest", SURVEY, "--store", str(remote), "-q", "--scheduler", scheduler])
        assert result.exit_code == 0, result.output
        again = run_cli(["reannotate", "--store", str(remote), "--json", str(tmp_path / "counts.json"), "-q",
                         "--scheduler", scheduler])
    assert again.exit_code == 0, again.output
    counts = json.loads((tmp_path / "counts.json").read_text(encoding="utf-8"))
    assert counts["texts"] > 1000 and counts["texts_changed"] == 0 and counts["duplicates_changed"] == 0
    assert len([task for task in stream.data if task["key"].startswith("textmine-analyse-")]) >= 2
    summaries = [run_cli(["analyze", "--store", str(store), "--topics", "off", "--json", "-", "-q", "-j", "1"])
                 for store in (local, remote)]
    assert summaries[0].exit_code == 0 and summaries[0].stdout
    reports = [json.loads(summary.stdout) for summary in summaries]
    for report in reports:
        del report["store"]  # names the store's file and the batch's times
    assert reports[0] == reports[1]


@pytest.mark.cluster
def test_map_gives_results_in_the_order_of_the_items(scheduler):
    with DaskExecutor(LanguageOptions(), scheduler) as executor:
        assert list(executor.map(abs, range(-5, 5))) == [5, 4, 3, 2, 1, 0, 1, 2, 3, 4]
        assert executor.in_flight == 4  # two chunks for each of the two worker threads


@pytest.mark.cluster
def test_a_worker_killed_mid_run_is_replaced_and_the_output_is_complete_and_identical(
        scheduler, watcher, tmp_path):
    local, remote = tmp_path / "local.csv", tmp_path / "cluster.csv"
    annotate_files([SURVEY], str(local), jobs=1)
    pids_before = watcher.run(os.getpid)

    def ours_on(worker):
        """Chunks the client has not read yet that ``worker`` runs or holds the results of."""
        keys = [*watcher.has_what().get(worker, ()), *watcher.processing().get(worker, ())]
        return sum(str(key).startswith("textmine-partition-") for key in keys)

    kill_a_worker_holding_our_tasks, killed = kill_once(watcher, pids_before, ours_on)

    # Small partitions: many tasks, several of them on the worker when it dies.
    result = annotate_files([SURVEY], str(remote), scheduler=scheduler, partition_bytes=8_000,
                            progress=kill_a_worker_holding_our_tasks)
    assert killed["tasks"] > 0
    assert result.rows_written == 2000
    assert remote.read_bytes() == local.read_bytes()
    watcher.wait_for_workers(2, timeout=30)  # the nanny started a new worker process
    assert set(watcher.run(os.getpid).values()) != set(pids_before.values())


@pytest.mark.cluster
def test_the_dask_clients_error_log_is_quiet_during_a_run_and_restored_after(scheduler):
    """A scheduler lost mid-run is textmine's one line, not the client's reconnection tracebacks."""
    import logging

    client_log = logging.getLogger("distributed.client")
    before = client_log.level
    with DaskExecutor(LanguageOptions(), scheduler):
        assert not client_log.isEnabledFor(logging.ERROR)
    assert client_log.level == before
