"""Every hostile input is processed with each row accounted for, or refused with one line.

One test runs every fixture through ``annotate`` (csvkit's shared "bad input"
idea): exit 0 with rows read = rows written + rows skipped, or exit 1 with a
single line naming the file. Never a traceback.
"""

import io
import json
import re
from types import SimpleNamespace

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from textmine.pipeline import annotate as pipeline_annotate
from textmine.cli import cli
from textmine.io.write import open_row_writer

from conftest import FIXTURES, SAMPLES, dict_rows

INPUTS = sorted(path.name for path in FIXTURES.iterdir() if path.suffix in (".csv", ".txt", ".tsv", ".jsonl", ".xlsx"))
ACCOUNTING = re.compile(r"^textmine: read ([\d,]+) rows, wrote ([\d,]+), skipped ([\d,]+)", re.M)


def number(text):
    return int(text.replace(",", ""))


@pytest.mark.parametrize("name", INPUTS)
def test_every_fixture_is_processed_or_refused_cleanly(name, tmp_path):
    target = tmp_path / "out.csv"
    result = CliRunner().invoke(cli, ["annotate", str(FIXTURES / name), "-o", str(target), "-j", "1"])
    assert "Traceback" not in result.output
    if result.exit_code == 0:
        read, written, skipped = map(number, ACCOUNTING.search(result.stderr).groups())
        assert read == written + skipped
        with open(target, encoding="utf-8-sig", newline="") as handle:
            assert len(dict_rows(handle)) == written
    else:
        assert result.exit_code == 1
        assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
        assert name in result.stderr
        assert not target.exists()


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "jsonl"])
def test_control_chars_formulas_and_long_cells_in_every_format(tmp_path, fmt):
    target = tmp_path / f"out.{fmt}"
    inputs = [str(FIXTURES / name) for name in ("control_chars.csv", "formula.csv", "long_cell.csv")]
    result = CliRunner().invoke(cli, ["annotate", *inputs, "-o", str(target), "-j", "1"])
    assert result.exit_code == 0, result.output
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(target).active
        column = [cell.value for cell in sheet[1]].index("意见建议")
        texts = [row[column] for row in sheet.iter_rows(min_row=2, values_only=True)]
        assert texts[0] == "信号差了"
        assert texts[2].startswith("=HYPERLINK(")
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
        assert texts[-1].endswith("…[截断]") and len(texts[-1]) == 32767
    elif fmt == "csv":
        rows = dict_rows(io.StringIO(target.read_text(encoding="utf-8-sig")))
        texts = [row["意见建议"] for row in rows]
        assert texts[0] == "信号\x00差\x07了\x1b"
        assert texts[2].startswith("'=HYPERLINK(") and texts[6] == "-5"
        assert len(texts[-1]) == 45000
    else:
        rows = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
        assert rows[0]["意见建议"] == "信号\x00差\x07了\x1b" and rows[2]["意见建议"].startswith("=HYPERLINK(")
        assert len(rows[-1]["意见建议"]) == 45000


def test_ctrl_c_exits_130_and_leaves_no_file(tmp_path, monkeypatch):
    def interrupted(*args, **kwargs):
        yield from ()
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline_annotate, "comment_chunks", interrupted)
    target = tmp_path / "out.csv"
    result = CliRunner().invoke(cli, ["annotate", str(FIXTURES / "utf8.csv"), "-o", str(target), "-j", "1"])
    assert result.exit_code == 130
    assert "interrupted" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_unexpected_error_is_one_line_and_traceback_only_with_debug(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(pipeline_annotate, "comment_chunks", broken)
    path = str(FIXTURES / "utf8.csv")
    quiet = CliRunner().invoke(cli, ["annotate", path, "-j", "1"])
    assert quiet.exit_code == 1
    assert quiet.stderr == "Error: unexpected error: RuntimeError: boom (run with --debug for the traceback)\n"
    loud = CliRunner().invoke(cli, ["--debug", "annotate", path, "-j", "1"])
    assert loud.exit_code == 1 and "Traceback" in loud.stderr


TEXT = st.text(st.characters(blacklist_categories=["Cs"]), max_size=60)


@settings(max_examples=60, deadline=None)
@given(st.lists(TEXT, min_size=0, max_size=8))
def test_written_csv_and_jsonl_keep_every_row(tmp_path_factory, texts):
    folder = tmp_path_factory.mktemp("rows")
    for fmt in ("csv", "jsonl"):
        target = folder / f"out.{fmt}"
        with open_row_writer(target, ["text"], excel_escape=False) as writer:
            for text in texts:
                writer.write_row({"text": text})
        if fmt == "csv":
            with open(target, encoding="utf-8-sig", newline="") as handle:
                back = [row["text"] for row in dict_rows(handle)]
        else:
            back = [json.loads(line)["text"] for line in target.read_text(encoding="utf-8").split("\n") if line]
        assert back == texts


@settings(max_examples=30, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=5))
def test_written_xlsx_keeps_every_row(tmp_path_factory, texts):
    target = tmp_path_factory.mktemp("xlsx") / "out.xlsx"
    with open_row_writer(target, ["text"]) as writer:
        for text in texts:
            writer.write_row({"text": text})
    rows = list(openpyxl.load_workbook(target).active.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(texts)


def test_a_full_disk_during_analyze_names_the_temporary_folder(monkeypatch, tmp_path):
    # The spool of analyze filled /tmp: "unexpected error OSError" named no file.
    from textmine.pipeline import _spool

    monkeypatch.setattr(_spool, "tempfile", SimpleNamespace(TemporaryFile=lambda: open("/dev/full", "w+b"),
                                                            gettempdir=_spool.tempfile.gettempdir))
    result = CliRunner().invoke(cli, ["analyze", str(SAMPLES / "survey_export.csv"), "-j", "1", "--topics", "off"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: temporary file in ") and "No space left on device" in result.stderr
    assert "unexpected" not in result.stderr


def test_a_full_disk_while_writing_the_workbook_names_it(monkeypatch, tmp_path):
    from textmine.io import xlsx_stream

    monkeypatch.setattr(xlsx_stream, "tempfile", SimpleNamespace(
        TemporaryFile=lambda *args, **kwargs: open("/dev/full", "w+", encoding="utf-8", newline="")))
    target = tmp_path / "report.xlsx"
    result = CliRunner().invoke(cli, ["analyze", str(FIXTURES / "utf8.csv"), "-o", str(target), "-j", "1",
                                      "--topics", "off"])
    assert result.exit_code == 1
    assert result.stderr == f"Error: {target}: cannot write the workbook: No space left on device\n"
    assert list(tmp_path.iterdir()) == []


def test_an_unexpected_reading_error_names_the_file(monkeypatch):
    from textmine.io import formats

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(formats, "cell_text", broken)  # used for every JSON Lines cell
    result = CliRunner().invoke(cli, ["annotate", str(FIXTURES / "comments.jsonl"), "-j", "1"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {FIXTURES / 'comments.jsonl'}: cannot read the rows after row 0")


def test_a_header_clash_keeps_both_values_and_warns_on_stderr(tmp_path):
    # 意见建议,categories,categories_input wrote categories_input twice and lost the first value.
    path = tmp_path / "clash.csv"
    path.write_text("意见建议,categories,categories_input\n网速慢,a,b\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["annotate", str(path), "-j", "1", "-q"])
    assert result.exit_code == 0
    row = dict_rows(io.StringIO(result.stdout))[0]
    assert (row["categories_input_2"], row["categories_input"], row["categories"]) == ("a", "b", "speed")
    assert result.stderr == ("textmine: warning: input column 'categories' is written as 'categories_input_2': "
                             "textmine writes a column 'categories' of its own\n")


@pytest.mark.parametrize("command", ["annotate", "analyze"])
def test_more_input_columns_than_excel_holds_keep_the_comment_and_its_annotation(tmp_path, command):
    columns = ["意见建议"] + [f"c{number}" for number in range(17_000)]
    path = tmp_path / "wide.csv"
    path.write_text(",".join(columns) + "\n" + ",".join(["网速太慢"] + ["1"] * 17_000) + "\n", encoding="utf-8")
    target = tmp_path / "out.xlsx"
    result = CliRunner().invoke(cli, [command, str(path), "-o", str(target), "-j", "1", "-q"]
                                + (["--topics", "off"] if command == "analyze" else []))
    assert result.exit_code == 0, result.output
    assert "input column(s) left out of the sheet (Excel holds 16,384 columns)" in result.stderr
    book = openpyxl.load_workbook(target, read_only=True)
    sheet = book["明细"]
    header = next(sheet.iter_rows(max_row=1, values_only=True))
    assert len(header) == 16_384 and header[0] == "意见建议" and ("categories" if command == "annotate" else "痛点") in header
    assert header[-1].startswith("另有 ") and "完整结果请输出为 CSV 或 JSONL" in header[-1]
    book.close()


def _raise_in_the_junk_stage(monkeypatch):
    from textmine.pipeline import annotator

    def broken(text):
        raise RuntimeError("boom")

    monkeypatch.setattr(annotator, "junk_reason", broken)


@pytest.mark.parametrize("command, extra", [("annotate", []), ("annotate", ["-o", "{tmp}/out.xlsx"]),
                                            ("analyze", ["-o", "{tmp}/report.xlsx"]),
                                            ("topics", []), ("ingest", ["--store", "{tmp}/h.sqlite"])])
def test_an_unexpected_error_in_a_stage_names_the_input(monkeypatch, tmp_path, command, extra):
    _raise_in_the_junk_stage(monkeypatch)
    path = str(FIXTURES / "utf8.csv")
    args = [command, path, "-j", "1", *(arg.format(tmp=tmp_path) for arg in extra)]
    quiet = CliRunner().invoke(cli, args)
    assert quiet.exit_code == 1
    assert quiet.stderr == (f"Error: unexpected error while processing {path}: RuntimeError: boom "
                            "(run with --debug for the traceback)\n")
    assert [entry.name for entry in tmp_path.iterdir()] in ([], ["h.sqlite"])  # no output, no temporary file
    loud = CliRunner().invoke(cli, ["--debug", *args])
    assert loud.exit_code == 1 and "Traceback" in loud.stderr and f"textmine: while processing {path}" in loud.stderr


def test_an_unexpected_error_in_the_aggregator_names_the_input(monkeypatch):
    from textmine.aggregate.aggregator import Aggregator

    def broken(self, comment):
        raise KeyError("segment")

    monkeypatch.setattr(Aggregator, "add", broken)
    path = str(FIXTURES / "utf8.csv")
    result = CliRunner().invoke(cli, ["analyze", path, "-j", "1", "--topics", "off"])
    assert result.exit_code == 1
    assert result.stderr == (f"Error: unexpected error while processing {path}: KeyError: 'segment' "
                             "(run with --debug for the traceback)\n")


def test_an_unexpected_error_writing_the_workbook_names_it(monkeypatch, tmp_path):
    from textmine.report import excel

    def broken(*args, **kwargs):
        raise ValueError("chart broke\nsecond line")

    monkeypatch.setattr(excel, "write_workbook", broken)
    target = tmp_path / "report.xlsx"
    result = CliRunner().invoke(cli, ["analyze", str(FIXTURES / "utf8.csv"), "-o", str(target), "-j", "1",
                                      "--topics", "off", "-q"])
    assert result.exit_code == 1
    assert result.stderr == (f"Error: unexpected error while writing {target}: ValueError: chart broke … "
                             "(run with --debug for the traceback)\n")
    assert list(tmp_path.iterdir()) == []
