"""The 明细 sheet of a large run, rendered by worker processes, is the workbook this process would write."""

import datetime
import pickle
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from textmine.io.xlsx_stream import SheetRows, save_with_rows
from textmine.pipeline import analyze as analyze_module
from textmine.pipeline.analyze import AnalyzeOptions, analyze_files
from textmine.report import excel
from textmine.report.excel import write_workbook

from conftest import SAMPLES

SURVEY = SAMPLES / "survey_export.csv"  # 2,000 rows: dates, scores, groups, masked comments


def _workbook(tmp_path, name, jobs, monkeypatch, *, from_rows):
    monkeypatch.setattr(analyze_module, "DETAILS_IN_WORKERS_FROM", from_rows)
    run = analyze_files([str(SURVEY)], AnalyzeOptions(topics="6"), jobs=jobs)
    try:
        details = run.details()
        path = tmp_path / name
        left_out = write_workbook(run.result, path, details=details)
    finally:
        run.close()
    return path, details.render is not None, left_out


def _parts(path):
    """Every part of the package but its timestamp."""
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist() if name != "docProps/core.xml"}


@pytest.mark.parametrize("max_rows", [None, 1500], ids=["all rows", "sheet full"])
def test_rows_rendered_by_workers_give_the_same_workbook(tmp_path, monkeypatch, max_rows):
    if max_rows:  # Excel's limit brought down to the sample: the rows past it are counted in the note
        monkeypatch.setattr(excel, "EXCEL_MAX_ROWS", max_rows)
    here, rendered_here, _ = _workbook(tmp_path, "here.xlsx", 1, monkeypatch, from_rows=10)
    workers, rendered_by_workers, _ = _workbook(tmp_path, "workers.xlsx", 2, monkeypatch, from_rows=10)
    assert not rendered_here and rendered_by_workers
    assert _parts(workers) == _parts(here)
    sheet = load_workbook(workers, read_only=True)["明细"]
    rows = list(sheet.values)
    if max_rows:
        # The header, 1,498 rows, the note: 502 rows left out.
        assert len(rows) == max_rows and "另有 502 行未写入" in rows[-1][0]
    else:
        assert len(rows) == 2001 and isinstance(rows[1][rows[0].index("日期")], datetime.datetime)
        assert any(row[-1] for row in rows[1:])  # the topic column is filled in


def test_a_small_run_is_rendered_here(tmp_path, monkeypatch):
    _, rendered, _ = _workbook(tmp_path, "small.xlsx", 2, monkeypatch, from_rows=20_000)
    assert not rendered


class _Day(datetime.date):
    """A subclass of date: formatted as a date."""


class _Moment(datetime.datetime):
    """A subclass of datetime (pandas' Timestamp is one): formatted as a datetime, not as a date."""


def test_a_pickled_row_renderer_writes_the_rows_as_the_sheet_does(tmp_path):
    rows = [["=1+1", 3, 2.5, None, "", " 空格 ", datetime.date(2026, 11, 3),
             datetime.datetime(2026, 11, 3, 8, 30), _Day(2026, 1, 2), "很长" * 40],
            ["a<b & c\r", -1, float("nan"), True, "x", "y", None, _Moment(2026, 1, 2, 9, 15), None, "短"]]

    def sheet_rows():
        book = Workbook(write_only=True)
        sheet = book.create_sheet("明细")
        sheet.append(["h"] * 10)
        return book, sheet, SheetRows(sheet, first_row=2, number_formats={int: "0", float: "0.00"},
                                      wrapped_columns={9: 20}, top_aligned=True)

    book, sheet, here = sheet_rows()
    here.register_date_styles()
    for values in rows:
        here.append(values)
    save_with_rows(book, sheet, here, tmp_path / "here.xlsx")

    book, sheet, there = sheet_rows()
    renderer = pickle.loads(pickle.dumps(there.renderer(10)))  # as a worker gets it
    there.append_rendered(renderer.rows(there.next_row, rows), len(rows))
    assert there.next_row == 4
    save_with_rows(book, sheet, there, tmp_path / "there.xlsx")

    assert _parts(tmp_path / "there.xlsx") == _parts(tmp_path / "here.xlsx")
    values = list(load_workbook(tmp_path / "there.xlsx")["明细"].values)
    # Text stays text; the subclass of date is a date.
    assert values[1][0] == "=1+1" and values[1][8] == datetime.datetime(2026, 1, 2)
