"""Partitions read by the workers: the same bytes and the same row accounting as one reader over the file.

The partitioned path runs here on a LocalExecutor told to read partitions (its
``submit_partition`` runs each task in this process), with partitions of a few
bytes so that nearly every line end is a cut, many inside quoted cells.
"""

import io
import os
import random

import pytest

from textmine.pipeline import LanguageOptions, ReadOptions, annotate_files, open_sources
from textmine.pipeline.executors import LocalExecutor
from textmine.pipeline.partitions import Partition, read_partition, split_inputs, workers_see
from textmine.errors import InputError
from textmine.io.read import ReadStats

from conftest import FIXTURES, SAMPLES

ACCOUNTING = ("rows_read", "rows_written", "skipped_by_reason", "warnings", "flagged", "duplicates",
              "first_place", "notes")


@pytest.fixture
def on_partitions(monkeypatch):
    """LocalExecutor reads partitions; the number of tasks it ran is counted."""
    submitted = []
    submit = LocalExecutor.submit_partition
    monkeypatch.setattr(LocalExecutor, "reads_partitions", True)
    monkeypatch.setattr(LocalExecutor, "submit_partition",
                        lambda self, task, partition, *args: submitted.append(partition)
                        or submit(self, task, partition, *args))
    return submitted


def work_orders(path, line_end="\r\n", encoding="utf-8-sig", rows=200, seed=3):
    """A CSV of work orders: quoted cells over several lines, ragged rows, blank lines, phone numbers."""
    rng = random.Random(seed)
    texts = ["网速太慢了", "信号差\n经常断网", "客服\r\n态度好", '他说""马上好""，结果没修',
             "13800138000 打不通", "=1+1", "资费太贵，乱扣费", "家里宽带每天晚上都断网，打客服也没用"]
    lines = ["编号,电话,意见建议"]
    for number in range(rows):
        text = rng.choice(texts)
        cell = f'"{text}"' if "\n" in text or '"' in text else text
        roll = rng.random()
        if roll < 0.05:
            lines.append(f"{number},1390000{number:04d}")  # short: padded
        elif roll < 0.08:
            lines.append(f"{number},x,{cell},extra")  # long: joined
        elif roll < 0.1:
            lines.append("")
        else:
            lines.append(f"{number},1390000{number:04d},{cell}")
    if line_end == "\r":
        lines = [line.replace("\r\n", "\n") for line in lines]
    path.write_bytes(line_end.join(lines).encode(encoding) + line_end.encode())
    return path


def both_ways(paths, output, partitions, on_partitions, monkeypatch, **options):
    """The local result and bytes, then the partitioned ones."""
    results = []
    for partitioned in (False, True):
        monkeypatch.setattr(LocalExecutor, "reads_partitions", partitioned)
        stdout = io.StringIO()
        target = output.with_name(f"{'parts' if partitioned else 'local'}{output.suffix}")
        result = annotate_files([str(path) for path in paths], "-" if output.name == "-" else str(target),
                                partition_bytes=partitions, stdout=stdout, **options)
        results.append((result, stdout.getvalue() if output.name == "-" else target.read_bytes()))
    return results


def errors_both_ways(path, output, partitions, monkeypatch):
    """The InputError messages of annotate on ``path``, locally and then on partitions."""
    messages = []
    for partitioned in (False, True):
        monkeypatch.setattr(LocalExecutor, "reads_partitions", partitioned)
        with pytest.raises(InputError) as raised:
            annotate_files([str(path)], str(output), partition_bytes=partitions)
        messages.append(str(raised.value))
    return messages


@pytest.mark.parametrize("partitions", [1, 40, 1000])
@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl", "-"])
@pytest.mark.parametrize("inputs", [
    ["work_orders"], ["work_orders_cr"], ["mixed_utf8_gbk.csv"], ["ragged.csv"], ["comments.jsonl"],
    ["quoted_newlines.csv"], ["duplicate_columns.csv"], ["personal_data.csv"], ["formula.csv"],
    ["gb18030.csv"], ["big5.csv"], ["comments.tsv"], ["work_orders", "comments.jsonl", "gb18030.csv"],
])
def test_partitioned_annotate_writes_the_local_bytes_and_accounting(
        tmp_path, monkeypatch, on_partitions, inputs, suffix, partitions):
    paths = [work_orders(tmp_path / "orders.csv") if name == "work_orders"
             else work_orders(tmp_path / "orders_cr.csv", line_end="\r", encoding="gb18030")
             if name == "work_orders_cr" else FIXTURES / name for name in inputs]
    output = tmp_path / "-" if suffix == "-" else tmp_path / f"out{suffix}"
    (local, expected), (parts, written) = both_ways(paths, output, partitions, on_partitions, monkeypatch)
    assert on_partitions, "the partitioned path was not taken"
    assert written == expected
    for name in ACCOUNTING:
        assert getattr(parts, name) == getattr(local, name), name


def test_a_cut_inside_a_quoted_cell_is_read_again_from_the_previous_partitions_end(
        tmp_path, monkeypatch, on_partitions):
    path = work_orders(tmp_path / "orders.csv")
    (local, expected), (parts, written) = both_ways([path], tmp_path / "out.csv", 60, on_partitions, monkeypatch)
    assert written == expected and parts.first_place == local.first_place
    # A partition read again keeps its end and starts where the one before it stopped.
    again = len(on_partitions) - len({partition.end for partition in on_partitions})
    assert again > 0


def test_the_partitioned_path_keeps_no_mask_and_tokens(tmp_path, monkeypatch, on_partitions):
    path = work_orders(tmp_path / "orders.csv")
    (_, expected), (_, written) = both_ways([path], tmp_path / "out.csv", 100, on_partitions, monkeypatch,
                                            options=LanguageOptions(mask=False, tokens=True))
    assert written == expected and b"13800138000" in written


def test_xlsx_and_parquet_outputs_are_written_from_the_runner(tmp_path, monkeypatch, on_partitions):
    monkeypatch.setattr(LocalExecutor, "reads_partitions", True)
    annotate_files([str(SAMPLES / "survey_export.csv")], str(tmp_path / "out.xlsx"))
    assert not on_partitions


@pytest.mark.parametrize("name", ["comments.xlsx", "comments.parquet", "utf16_tab.txt"])
def test_inputs_that_cannot_be_cut_are_read_by_the_client(name):
    sources = open_sources([str(FIXTURES / name)], ReadOptions())
    assert split_inputs(sources, ReadOptions(), mask=True) is None


def test_stdin_is_read_by_the_client():
    sources = open_sources(["-"], ReadOptions(), stdin=io.BytesIO("意见建议\n网速慢\n".encode()))
    assert split_inputs(sources, ReadOptions(), mask=True) is None


def test_cuts_fall_just_after_line_ends_and_cover_the_data(tmp_path):
    path = work_orders(tmp_path / "orders.csv")
    split = split_inputs(open_sources([str(path)], ReadOptions()), ReadOptions(), mask=True)
    data = path.read_bytes()
    partitions = split.partitions(partition_bytes=500)
    assert partitions[0].start == data.index(b"\n") + 1  # after the BOM and the header
    assert [partition.end for partition in partitions[:-1]] == [partition.start for partition in partitions[1:]]
    assert partitions[-1].end == len(data)
    assert all(data[partition.start - 1:partition.start] == b"\n" for partition in partitions)


def test_a_partition_reads_its_last_record_past_its_end_and_says_where_it_stopped(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes('意见建议,地市\n"第一行\n第二行",广州\n网速慢,深圳\n'.encode())
    split = split_inputs(open_sources([str(path)], ReadOptions()), ReadOptions(), mask=True).splits[0]
    cut = path.read_bytes().index("第二行".encode())  # inside the quoted cell
    stats = ReadStats()
    rows, extent = read_partition(Partition(split, split.data_start, cut), stats)
    assert [row["意见建议"] for row in rows] == ["第一行\n第二行"]
    assert extent().stop == path.read_bytes().index("网速慢".encode()) and extent().lines == 2
    rows, extent = read_partition(Partition(split, extent().stop, len(path.read_bytes())), ReadStats())
    assert [row["地市"] for row in rows] == ["深圳"]


@pytest.mark.parametrize("partitions", [30, 400])
def test_an_error_at_a_line_names_the_line_of_the_file_not_of_the_partition(
        tmp_path, monkeypatch, on_partitions, partitions):
    import csv

    path = tmp_path / "huge.csv"
    path.write_text("意见建议,地市\n" + "".join(f"满意{number},广州\n" for number in range(40))
                    + '"' + "长\n" * 800 + '",广州\n' + "后面,北京\n", encoding="utf-8")
    limit = csv.field_size_limit(1000)
    try:
        messages = errors_both_ways(path, tmp_path / "out.csv", partitions, monkeypatch)
    finally:
        csv.field_size_limit(limit)
    assert on_partitions and messages[1] == messages[0]
    assert "huge.csv: line 542: a cell is longer than" in messages[0]


def test_inputs_the_workers_do_not_see_as_the_client_does_are_read_by_the_client(
        tmp_path, monkeypatch, on_partitions):
    path = work_orders(tmp_path / "orders.csv")
    split = split_inputs(open_sources([str(path)], ReadOptions()), ReadOptions(), mask=True)
    assert workers_see(split.splits)
    original, times = path.read_bytes(), (path.stat().st_atime_ns, path.stat().st_mtime_ns)
    path.write_bytes(original.replace(b"13900000", b"13900009"))  # another day's export: same size, header
    os.utime(path, ns=times)  # and the same time
    assert path.stat().st_size == len(original) and not workers_see(split.splits)
    path.write_bytes(original)
    os.utime(path, ns=(times[0], times[1] + 1000))  # the same bytes, put in place a microsecond later
    assert not workers_see(split.splits)
    with pytest.raises(InputError, match="orders.csv: changed while it was read"):
        read_partition(split.partitions()[0], ReadStats())
    os.utime(path, ns=times)
    assert workers_see(split.splits)
    with open(path, "ab") as handle:  # another file at that path on the worker
        handle.write(b"1,2,3\n")
    assert not workers_see(split.splits)
    with pytest.raises(InputError, match="orders.csv: changed while it was read"):
        read_partition(split.partitions()[0], ReadStats())
    first = split.partitions()[0]
    path.rename(path.with_name("moved.csv"))
    with pytest.raises(InputError, match="orders.csv: cannot be read any more .No such file"):
        read_partition(first, ReadStats())
    path.with_name("moved.csv").rename(path)
    monkeypatch.setattr("textmine.pipeline.annotate.workers_see", lambda splits: False)
    (_, expected), (_, written) = both_ways([path], tmp_path / "out.csv", 100, on_partitions, monkeypatch)
    assert written == expected and not on_partitions


def test_a_split_names_its_file_by_an_absolute_path_for_the_workers(tmp_path, monkeypatch):
    work_orders(tmp_path / "orders.csv")
    monkeypatch.chdir(tmp_path)
    split = split_inputs(open_sources(["orders.csv"], ReadOptions()), ReadOptions(), mask=True).splits[0]
    assert split.path == str(tmp_path / "orders.csv") and split.name == "orders.csv"


@pytest.mark.parametrize("opening", ['"信号差,广州\n', '屏幕5"寸,"信号差\n'])  # odd quotes, and even ones
@pytest.mark.parametrize("partitions", [30, 400])
def test_a_quote_never_closed_is_the_same_error_on_partitions(tmp_path, monkeypatch, on_partitions, partitions,
                                                              opening):
    path = tmp_path / "open.csv"
    path.write_text("意见建议,地市\n" + "".join(f"满意{number},广州\n" for number in range(40))
                    + opening + "".join(f"后面{number},北京\n" for number in range(30)), encoding="utf-8")
    messages = errors_both_ways(path, tmp_path / "out.csv", partitions, monkeypatch)
    assert on_partitions and messages[1] == messages[0]
    assert "open.csv: line 42: a quote opened on this line is never closed, so the last 31 lines" in messages[0]


@pytest.mark.parametrize("partitions", [30, 400])
def test_a_stray_quote_closed_below_is_the_same_warning_on_partitions(tmp_path, monkeypatch, on_partitions, partitions):
    rows = [f"{number},广州,评论{number}，网速慢" for number in range(40)]
    rows[10] = rows[10].replace("评论10", '"评论10')
    rows[20] = rows[20].replace("评论20", '评论20"')
    path = tmp_path / "stray.csv"
    path.write_text("编号,地市,意见建议\n" + "\n".join(rows) + "\n", encoding="utf-8")
    (local, expected), (parts, written) = both_ways([path], tmp_path / "out.csv", partitions, on_partitions,
                                                    monkeypatch)
    assert on_partitions and written == expected
    for name in ACCOUNTING:
        assert getattr(parts, name) == getattr(local, name), name
    assert local.rows_read == 30 and local.notes[0].startswith(f"{path} line 12: a quoted cell runs over lines")


@pytest.mark.parametrize("last", ["301,最后一条正常的意见\n", ""])
@pytest.mark.parametrize("partitions", [200, 4096])
def test_a_closed_quoted_cell_followed_by_a_stray_quote_reads_as_locally(
        tmp_path, monkeypatch, on_partitions, partitions, last):
    # The quotes of each record are odd in number (a literal quote after the closed cell), so a
    # partition's reader, or the file's, may end with its quotes odd although every record was closed.
    rows = [f'{number},"网速太慢了，第{number}条\n第二行"，屏幕5"的问题' for number in range(1, 301)]
    path = tmp_path / "stray_after_close.csv"
    path.write_text("序号,意见建议\n" + "\n".join(rows) + "\n" + last, encoding="utf-8")
    (local, expected), (parts, written) = both_ways([path], tmp_path / "out.csv", partitions, on_partitions,
                                                    monkeypatch)
    assert on_partitions and written == expected
    for name in ACCOUNTING:
        assert getattr(parts, name) == getattr(local, name), name
    assert local.rows_read == 300 + bool(last)
