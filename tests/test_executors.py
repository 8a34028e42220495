"""The local executor: workers stopped cleanly, started only when the input is big enough."""

import multiprocessing
import signal

import pytest

from textmine.pipeline import LanguageOptions, LocalExecutor

TEXTS = [f"第{i}条：信号太差了，网速也慢，客服态度不好，乱扣费，希望尽快解决" for i in range(2000)]


def sigint_handler(_):
    return signal.getsignal(signal.SIGINT)


def test_an_error_lets_the_analyses_in_flight_finish_before_the_workers_stop():
    """Stopping a worker while it sends a result can hang Pool.terminate for ever (``| head``)."""
    with pytest.raises(BrokenPipeError):
        with LocalExecutor(LanguageOptions(), jobs=2) as executor:
            pending = [executor.analyse(TEXTS[start::4]) for start in range(4)]
            raise BrokenPipeError
    assert all(result.ready() for result in pending)
    assert multiprocessing.active_children() == []


def test_workers_leave_ctrl_c_to_the_parent():
    with LocalExecutor(LanguageOptions(), jobs=2) as executor:
        assert set(executor.map(sigint_handler, range(4))) == {signal.SIG_IGN}
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
from textmine.pipeline.executors import WORKERS_AFTER_CHARS

SMALL_TEXTS = ["网速太慢了", "客服态度很好", "宽带经常断网，打客服也没用", "满意"]


def _analysed(jobs, **kwargs):
    with LocalExecutor(LanguageOptions(), jobs, **kwargs) as executor:
        pending = [executor.analyse(SMALL_TEXTS[:2]), executor.analyse(SMALL_TEXTS[2:])]
        annotations = [annotation for result in pending for annotation in result.result()]
        return annotations, executor.workers_started, multiprocessing.active_children()


def test_a_small_input_is_analysed_in_this_process_whatever_the_jobs():
    assert sum(map(len, SMALL_TEXTS)) < WORKERS_AFTER_CHARS
    alone, started_alone, _ = _analysed(1)
    annotations, started, children = _analysed(2)
    assert annotations == alone and len(annotations) == len(SMALL_TEXTS)
    assert not started_alone and not started and children == []


def test_workers_start_once_the_texts_pass_the_threshold():
    alone, _, _ = _analysed(1)
    # The first list (10 characters) is analysed here and passes the threshold; the second goes to workers.
    annotations, started, children = _analysed(2, workers_after_chars=5)
    assert started and len(children) == 2
    assert annotations == alone
    assert multiprocessing.active_children() == []  # stopped on leaving


def test_map_starts_the_workers():
    with LocalExecutor(LanguageOptions(), 2) as executor:
        assert not executor.workers_started
        assert list(executor.map(len, ["网速", "满意了"])) == [2, 3]
        assert executor.workers_started


def test_one_job_never_starts_workers():
    with LocalExecutor(LanguageOptions(), 1, workers_after_chars=0) as executor:
        executor.analyse(SMALL_TEXTS).result()
        assert list(executor.map(len, ["网速"])) == [2]
        assert not executor.workers_started and multiprocessing.active_children() == []


def _kill_a_worker_then(operation):
    """Run ``operation(executor)`` after SIGKILL of one of two workers that each hold a task; the error and seconds."""
    import os
    import time

    from textmine.errors import WorkerDied

    with pytest.raises(WorkerDied) as raised:
        with LocalExecutor(LanguageOptions(), jobs=2, workers_after_chars=0) as executor:
            executor.map(len, ["网速"])  # the workers start
            victim = multiprocessing.active_children()[0]
            os.kill(victim.pid, signal.SIGKILL)
            started = time.monotonic()
            operation(executor)
    elapsed = time.monotonic() - started
    assert multiprocessing.active_children() == []
    return str(raised.value), elapsed


@pytest.mark.parametrize("operation", [
    lambda executor: [pending.result() for pending in [executor.analyse(TEXTS) for _ in range(4)]],
    lambda executor: list(executor.map(time_sleep, [2.0] * 4)),
], ids=["analyse", "map"])
def test_a_worker_killed_mid_run_is_one_error_not_a_wait_for_ever(operation):
    # The pool replaces a dead worker but not its task: without a watch, result() waits for ever.
    message, elapsed = _kill_a_worker_then(operation)
    assert message.startswith("a worker process was killed by signal 9 (SIGKILL)")
    assert elapsed < 30


def time_sleep(seconds):
    import time

    time.sleep(seconds)
    return seconds
