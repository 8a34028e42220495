"""Parquet output: one file or a folder of parts, typed number columns, atomic."""

import pytest

pytest.importorskip("pyarrow")

from pyarrow import parquet  # noqa: E402

from textmine.errors import OutputError  # noqa: E402
from textmine.io import parquet_writer  # noqa: E402
from textmine.io.write import open_row_writer  # noqa: E402

COLUMNS = ["意见", "sentiment_score", "duplicate_of", "topic"]


def rows(count):
    return [{"意见": f"=第{number}条", "sentiment_score": number / 100, "duplicate_of": "" if number % 3 else "1",
             "topic": number % 4 or ""} for number in range(1, count + 1)]


def test_a_small_output_is_one_file_with_text_and_number_columns(tmp_path):
    target = tmp_path / "out.parquet"
    with open_row_writer(target, COLUMNS) as writer:
        writer.write_rows(rows(5))
        writer.write_row(rows(6)[-1])
    assert writer.rows_written == 6
    assert target.is_file()
    table = parquet.read_table(target)
    assert [str(field.type) for field in table.schema] == ["string", "double", "int64", "int64"]
    assert table.to_pylist()[:3] == [
        {"意见": "=第1条", "sentiment_score": 0.01, "duplicate_of": None, "topic": 1},  # no formula escaping
        {"意见": "=第2条", "sentiment_score": 0.02, "duplicate_of": None, "topic": 2},
        {"意见": "=第3条", "sentiment_score": 0.03, "duplicate_of": 1, "topic": 3},
    ]
    assert table.column("topic").to_pylist()[3] is None
    assert [entry.name for entry in tmp_path.iterdir()] == ["out.parquet"]  # no temporary left


def test_a_large_output_is_a_folder_of_parts_read_back_as_one_dataset(tmp_path, monkeypatch):
    monkeypatch.setattr(parquet_writer, "PART_ROWS", 40)
    target = tmp_path / "out.parquet"
    with open_row_writer(target, COLUMNS) as writer:
        for start in range(0, 100, 30):  # batches that cross the end of a part
            writer.write_rows(rows(100)[start:start + 30])
    assert sorted(entry.name for entry in target.iterdir()) == [
        "part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    assert [parquet.read_metadata(part).num_rows for part in sorted(target.iterdir())] == [40, 40, 20]
    assert [row["意见"] for row in parquet.read_table(target).to_pylist()] == [row["意见"] for row in rows(100)]


def test_a_folder_of_parts_and_a_single_file_replace_each_other(tmp_path, monkeypatch):
    target = tmp_path / "out.parquet"
    monkeypatch.setattr(parquet_writer, "PART_ROWS", 10)
    with open_row_writer(target, COLUMNS) as writer:
        writer.write_rows(rows(25))
    assert target.is_dir()
    monkeypatch.setattr(parquet_writer, "PART_ROWS", 1000)
    with open_row_writer(target, COLUMNS) as writer:
        writer.write_rows(rows(3))
    assert target.is_file() and parquet.read_metadata(target).num_rows == 3
    monkeypatch.setattr(parquet_writer, "PART_ROWS", 2)
    with open_row_writer(target, COLUMNS) as writer:
        writer.write_rows(rows(3))
    assert target.is_dir() and parquet.read_table(target).num_rows == 3
    assert sorted(entry.name for entry in tmp_path.iterdir()) == ["out.parquet"]


def test_an_empty_output_still_has_the_columns(tmp_path):
    target = tmp_path / "out.parquet"
    with open_row_writer(target, COLUMNS):
        pass
    table = parquet.read_table(target)
    assert table.num_rows == 0 and table.column_names == COLUMNS


def test_a_failed_run_leaves_the_old_output_and_no_temporary(tmp_path):
    target = tmp_path / "out.parquet"
    with open_row_writer(target, COLUMNS) as writer:
        writer.write_rows(rows(2))
    before = target.read_bytes()
    with pytest.raises(KeyboardInterrupt):
        with open_row_writer(target, COLUMNS) as writer:
            writer.write_rows(rows(5))
            raise KeyboardInterrupt
    assert target.read_bytes() == before
    assert [entry.name for entry in tmp_path.iterdir()] == ["out.parquet"]


def test_a_folder_that_is_not_a_parquet_output_is_never_replaced(tmp_path):
    target = tmp_path / "reports.parquet"
    target.mkdir()
    (target / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(OutputError, match="is a folder that is not a Parquet output"):
        with open_row_writer(target, COLUMNS) as writer:
            writer.write_rows(rows(1))
    assert (target / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_parquet_cannot_go_to_stdout():
    with pytest.raises(OutputError, match="cannot write parquet to stdout"):
        with open_row_writer("-", COLUMNS, fmt="parquet"):
            pass
