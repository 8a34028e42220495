"""The local executor's workers: stopped cleanly when the run ends early."""

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
