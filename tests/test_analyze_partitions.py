"""``analyze`` over partitions read by the workers: the summary, the comments and the accounting of a local run.

As in test_partitions, the partitioned path runs on a LocalExecutor told to read
partitions (its tasks run in this process), with partitions of a few bytes so
that nearly every line end is a cut, many inside quoted cells; the cluster
tests (test_dask_executor) run it on a LocalCluster.
"""

import json
import pickle

import pytest

from textmine.pipeline import LanguageOptions
from textmine.pipeline.analyze import AnalyzeOptions, analyze_files
from textmine.pipeline.executors import LocalExecutor

from conftest import SAMPLES
from test_partitions import ACCOUNTING, work_orders

SURVEY = SAMPLES / "survey_export.csv"


def run_both_ways(paths, monkeypatch, partitions, options=AnalyzeOptions(topics="4")):
    runs = []
    for partitioned in (False, True):
        monkeypatch.setattr(LocalExecutor, "reads_partitions", partitioned)
        runs.append(analyze_files([str(path) for path in paths], options, language=LanguageOptions(),
                                  partition_bytes=partitions))
    return runs


def assert_same_run(local, parts):
    assert json.dumps(parts.summary, ensure_ascii=False, default=str) == \
        json.dumps(local.summary, ensure_ascii=False, default=str)
    assert list(parts.comments_with_topics()) == list(local.comments_with_topics())
    for name in ACCOUNTING:
        assert getattr(parts.accounting, name) == getattr(local.accounting, name), name


@pytest.mark.parametrize("partitions", [1, 40, 1000])
@pytest.mark.parametrize("line_end", ["\r\n", "\r"])
def test_work_orders_cut_anywhere_give_the_local_run(tmp_path, monkeypatch, partitions, line_end):
    path = work_orders(tmp_path / "orders.csv", line_end=line_end, rows=300)
    local, parts = run_both_ways([path, path], monkeypatch, partitions)  # the same file twice: all duplicates
    assert parts.accounting.rows_written == local.accounting.rows_written > 500
    assert local.accounting.duplicates > 50
    assert_same_run(local, parts)


def test_the_survey_with_every_analysis_gives_the_local_run(monkeypatch):
    options = AnalyzeOptions(topics="5", segment_columns=("地区类型", "年龄段", "套餐"),
                             measures=("coverage:2026-06-15",), reasons=("年龄段=60以上:billing",))
    local, parts = run_both_ways([SURVEY], monkeypatch, 9_000, options)
    assert local.summary["effects"] and local.summary["kano"]
    assert_same_run(local, parts)


def test_a_partition_sends_back_its_partial_and_spool_as_bytes(monkeypatch):
    from textmine.pipeline.analyze_partitions import count_partition, read_partition

    sent = []
    monkeypatch.setattr(LocalExecutor, "reads_partitions", True)
    monkeypatch.setattr(LocalExecutor, "submit_on", lambda self, function, kept, *arguments: _Sent(
        sent, function(kept, *arguments)))
    analyze_files([str(SURVEY)], AnalyzeOptions(topics="off"), partition_bytes=30_000)
    kinds = [type(value).__name__ for value in sent]
    assert kinds.count("ReadPartition") == kinds.count("FirstPass") > 2
    for value in sent:
        if type(value).__name__ == "ReadPartition":
            assert isinstance(value.comments, int)  # the client gets the signatures, not the comments
        else:
            assert isinstance(value.spool.comments, bytes)
            pickle.loads(pickle.dumps(value))  # what a worker sends back pickles
    assert read_partition and count_partition


class _Sent:
    def __init__(self, sent, value):
        sent.append(value)
        self.value = value

    def result(self):
        return self.value
