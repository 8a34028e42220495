"""Writers: formats, BOM, formula neutralisation, xlsx cell safety, atomic files."""

import csv
import datetime
import io
import json

import openpyxl
import pytest

from textmine.io import write
from textmine.errors import OutputError
from textmine.io.write import (EXCEL_MAX_CELL_CHARS, TRUNCATION_MARKER, atomic_path, escape_formula, format_for,
                            open_row_writer, safe_xlsx_value)

COLUMNS = ["意见", "sentiment"]
HOSTILE = ['=HYPERLINK("http://evil.example","点我")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
           "\t=1", "\r=1", "-5", "+86", "正常文本"]


@pytest.mark.parametrize("value, expected", [
    ('=HYPERLINK("x")', "'=HYPERLINK(\"x\")"), ("+1+1", "'+1+1"), ("-网速慢", "'-网速慢"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("-5", "-5"), ("+86", "+86"), ("3.5%", "3.5%"), ("信号差", "信号差"), (7, 7),
])
def test_escape_formula(value, expected):
    assert escape_formula(value) == expected


@pytest.mark.parametrize("value, expected", [
    # full-width marks, and a formula after a space, a BOM or a zero-width space
    ("＝1+1", "'＝1+1"), ("＋cmd", "'＋cmd"), ("－2+3", "'－2+3"), ("＠SUM(A1)", "'＠SUM(A1)"),
    (" =1+1", "' =1+1"), ("\ufeff=1+1", "'\ufeff=1+1"), ("\u200b=HYPERLINK(\"x\")", "'\u200b=HYPERLINK(\"x\")"),
    ("\u3000＝1", "'\u3000＝1"), ("\u00a0@SUM(A1)", "'\u00a0@SUM(A1)"),
    # still plain: numbers after spaces, text with = inside, a lone space
    (" -5", " -5"), ("  3.5", "  3.5"), ("a=b", "a=b"), (" ", " "), ("网速 = 慢", "网速 = 慢"),
])
def test_escape_formula_sees_through_width_and_leading_blanks(value, expected):
    assert escape_formula(value) == expected


def test_csv_batches_escape_the_hidden_formulas_too(tmp_path):
    target = tmp_path / "out.csv"
    with open_row_writer(target, ["a"]) as writer:
        writer.write_rows([{"a": "ok"}, {"a": "＝1+1"}, {"a": "\u200b=1"}, {"a": " -5"}])
    with open(target, encoding="utf-8-sig", newline="") as handle:
        assert [row["a"] for row in csv.DictReader(handle)] == ["ok", "'＝1+1", "'\u200b=1", " -5"]


@pytest.mark.parametrize("value, expected", [
    ("信号\x00差\x07了\x1b", "信号差了"), ("tab\tand\nnewline", "tab\tand\nnewline"), (3, 3),
    ("长" * (EXCEL_MAX_CELL_CHARS + 10), "长" * (EXCEL_MAX_CELL_CHARS - len(TRUNCATION_MARKER)) + TRUNCATION_MARKER),
    # Excel counts UTF-16 units: an emoji is two, and is never cut in half.
    ("😡" * 20_000, "😡" * ((EXCEL_MAX_CELL_CHARS - len(TRUNCATION_MARKER)) // 2) + TRUNCATION_MARKER),
    ("😡" * 16_383, "😡" * 16_383),
    ("lone \udc80 surrogate \ufffe\uffff", "lone  surrogate "),
])
def test_safe_xlsx_value(value, expected):
    assert safe_xlsx_value(value) == expected
    if isinstance(value, str):
        assert len(safe_xlsx_value(value).encode("utf-16-le")) // 2 <= EXCEL_MAX_CELL_CHARS


@pytest.mark.parametrize("path, requested, expected", [
    ("a.csv", None, "csv"), ("a.XLSX", None, "xlsx"), ("a.jsonl", None, "jsonl"), ("a.json", None, "jsonl"),
    ("-", None, "csv"), ("a.out", "jsonl", "jsonl"), ("a.tsv", None, "tsv"),
])
def test_format_for(path, requested, expected):
    assert format_for(path, requested) == expected


def test_csv_file_has_bom_and_neutralised_formulas(tmp_path):
    target = tmp_path / "out.csv"
    with open_row_writer(target, COLUMNS) as writer:
        for value in HOSTILE:
            writer.write_row({"意见": value, "sentiment": "neg"})
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == COLUMNS
    cells = [row[0] for row in rows[1:]]
    assert all(not cell.startswith(("=", "+", "@", "\t", "\r")) or cell == "+86" for cell in cells)
    assert cells[-3:] == ["-5", "+86", "正常文本"]


def test_csv_escape_can_be_turned_off(tmp_path):
    target = tmp_path / "out.csv"
    with open_row_writer(target, COLUMNS, excel_escape=False) as writer:
        writer.write_row({"意见": "=1+1", "sentiment": "neg"})
    assert "=1+1" in target.read_text(encoding="utf-8-sig").splitlines()[1]
    assert "'=1+1" not in target.read_text(encoding="utf-8-sig")


def test_stdout_gets_no_bom_and_no_escape():
    stream = io.StringIO()
    with open_row_writer("-", COLUMNS, stdout=stream) as writer:
        writer.write_row({"意见": "=1+1", "sentiment": "neg"})
    assert stream.getvalue() == "意见,sentiment\n=1+1,neg\n"


def test_jsonl_keeps_text_exactly(tmp_path):
    target = tmp_path / "out.jsonl"
    with open_row_writer(target, COLUMNS) as writer:
        writer.write_row({"意见": "信号\x00差 =1", "sentiment": "neg"})
    assert json.loads(target.read_text(encoding="utf-8")) == {"意见": "信号\x00差 =1", "sentiment": "neg"}


def test_xlsx_cells_are_strings_never_formulas(tmp_path):
    target = tmp_path / "out.xlsx"
    with open_row_writer(target, COLUMNS) as writer:
        for value in HOSTILE + ["信号\x00差", "长" * 40000]:
            writer.write_row({"意见": value, "sentiment": 0.25})
    sheet = openpyxl.load_workbook(target).active
    values = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert values[0] == HOSTILE[0]
    for cell in sheet["A"][1:]:
        assert cell.data_type == "s"
    assert values[len(HOSTILE)] == "信号差"
    assert values[-1].endswith(TRUNCATION_MARKER) and len(values[-1]) == EXCEL_MAX_CELL_CHARS
    assert sheet["B2"].value == 0.25
    assert sheet.freeze_panes == "A2"


def test_xlsx_keeps_numbers_dates_and_empty_cells(tmp_path):
    target = tmp_path / "out.xlsx"
    columns = ["n", "x", "day", "list", "missing"]
    with open_row_writer(target, columns) as writer:
        writer.write_row({"n": 7, "x": float("nan"), "day": datetime.date(2026, 9, 3), "list": ["a", "b"]})
        writer.write_row({"n": True, "x": -0.5, "day": "2026-09-03", "missing": ""})
    rows = list(openpyxl.load_workbook(target).active.iter_rows(values_only=True))
    assert rows == [tuple(columns), (7, None, datetime.datetime(2026, 9, 3), "a|b", None),
                    (True, -0.5, "2026-09-03", None, None)]


def test_xlsx_rows_past_excels_limit_are_counted_with_a_note(tmp_path, monkeypatch):
    monkeypatch.setattr(write, "EXCEL_MAX_ROWS", 6)
    target = tmp_path / "capped.xlsx"
    with open_row_writer(target, ["text"]) as writer:
        for index in range(10):
            writer.write_row({"text": f"第{index}条"})
    assert (writer.rows_written, writer.rows_over_limit) == (4, 6)
    values = [row[0] for row in openpyxl.load_workbook(target).active.iter_rows(values_only=True)]
    assert values[:5] == ["text", "第0条", "第1条", "第2条", "第3条"]
    assert "另有 6 行未写入" in values[5] and len(values) == 6


def test_xlsx_to_stdout_is_refused():
    with pytest.raises(OutputError, match="cannot write xlsx to stdout"):
        with open_row_writer("-", COLUMNS, fmt="xlsx"):
            pass


def test_atomic_path_leaves_old_file_on_interrupt(tmp_path):
    target = tmp_path / "report.csv"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(target) as temporary:
            temporary.write_text("half", encoding="utf-8")
            raise KeyboardInterrupt
    assert target.read_text(encoding="utf-8") == "old"
    assert list(tmp_path.iterdir()) == [target]


def test_a_symlink_is_written_through_to_its_target(tmp_path):
    real = tmp_path / "real.csv"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    with open_row_writer(link, ["a"]) as writer:
        writer.write_row({"a": "new"})
    assert link.is_symlink() and link.resolve() == real
    assert real.read_text(encoding="utf-8-sig").splitlines() == ["a", "new"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["link.csv", "real.csv"]


def test_a_dangling_symlink_gets_its_target_made(tmp_path):
    link = tmp_path / "link.csv"
    link.symlink_to(tmp_path / "made.csv")
    with atomic_path(link) as temporary:
        temporary.write_text("x", encoding="utf-8")
    assert link.is_symlink() and (tmp_path / "made.csv").read_text(encoding="utf-8") == "x"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_fifo_is_written_into_not_replaced(tmp_path, fmt):
    import os
    import stat
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    with open_row_writer(fifo, ["a"], fmt=fmt) as writer:
        writer.write_row({"a": "网速慢"})
    reader.join(10)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert received and (b"PK" if fmt == "xlsx" else "网速慢".encode()) in received[0]
    assert [path.name for path in tmp_path.iterdir()] == ["pipe"]


def test_dev_null_stays_a_device():
    import os
    import stat

    with open_row_writer("/dev/null", ["a"]) as writer:
        writer.write_row({"a": "x"})
    with atomic_path("/dev/null") as temporary:
        assert str(temporary) == "/dev/null"
        temporary.write_text("y", encoding="utf-8")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_full_disk_is_an_output_error_naming_the_file(tmp_path):
    target = tmp_path / "out.json"
    with pytest.raises(OutputError, match=r"out.json: cannot write: No space left on device"):
        with atomic_path(target):
            with open("/dev/full", "w") as full:
                full.write("x")
                full.flush()
    assert list(tmp_path.iterdir()) == []


def test_missing_output_folder_is_a_clear_error(tmp_path):
    with pytest.raises(OutputError, match="does not exist"):
        with open_row_writer(tmp_path / "nope" / "out.csv", COLUMNS):
            pass


def test_written_files_get_the_usual_permissions_not_mkstemps(tmp_path):
    import os

    umask = os.umask(0o022)
    try:
        target = tmp_path / "out.csv"
        with atomic_path(target) as temporary:
            temporary.write_text("a\n", encoding="utf-8")
        assert target.stat().st_mode & 0o777 == 0o644
        target.chmod(0o640)  # a file replaced keeps the mode it had
        with atomic_path(target) as temporary:
            temporary.write_text("b\n", encoding="utf-8")
        assert target.stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(umask)


def test_csv_rows_missing_a_column_get_an_empty_cell_and_extra_keys_are_ignored():
    stream = io.StringIO()
    writer = write.CsvRowWriter(stream, ["a", "b", "c"], line_end="\n")
    writer.write_row({"a": "1", "b": "=2", "c": 3.5})
    writer.write_row({"c": "x", "a": "y", "extra": "z"})
    writer.write_row({})
    assert stream.getvalue().splitlines() == ["a,b,c", "1,'=2,3.5", "y,,x", ",,"]
    single = io.StringIO()
    write.CsvRowWriter(single, ["only"], line_end="\n").write_row({"only": "v"})
    assert single.getvalue() == "only\nv\n"

