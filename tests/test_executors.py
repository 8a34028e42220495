"""The local executor: models loaded once, workers started only when the input is big enough."""

import multiprocessing

from textmine.pipeline import LanguageOptions, LocalExecutor
from textmine.pipeline.executors import WORKERS_AFTER_CHARS

TEXTS = ["网速太慢了", "客服态度很好", "宽带经常断网，打客服也没用", "满意"]


def _analysed(jobs, **kwargs):
    with LocalExecutor(LanguageOptions(), jobs, **kwargs) as executor:
        pending = [executor.analyse(TEXTS[:2]), executor.analyse(TEXTS[2:])]
        annotations = [annotation for result in pending for annotation in result.result()]
        return annotations, executor.workers_started, multiprocessing.active_children()


def test_a_small_input_is_analysed_in_this_process_whatever_the_jobs():
    assert sum(map(len, TEXTS)) < WORKERS_AFTER_CHARS
    alone, started_alone, _ = _analysed(1)
    annotations, started, children = _analysed(2)
    assert annotations == alone and len(annotations) == len(TEXTS)
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
        executor.analyse(TEXTS).result()
        assert list(executor.map(len, ["网速"])) == [2]
        assert not executor.workers_started and multiprocessing.active_children() == []
