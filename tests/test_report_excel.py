import errno
import gc
import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from conftest import aggregator, as_comment, as_comments
from textmine.report import excel as report_excel
from textmine.io import xlsx_stream
from textmine.aggregate.aggregator import Aggregator
from textmine.errors import OutputError
from textmine.report.excel import safe_xlsx_value, write_workbook
from textmine.io.write import TRUNCATION_MARKER

SHEETS = ["概览", "痛点", "情感", "客群短板", "趋势与预警", "驱动因素", "主题", "典型原声", "明细"]
DAYS = ["2026-06-10", "2026-07-10", "2026-08-10", "2026-09-10", "2026-10-10", "2026-11-10"]


def annotated_rows():
    rows = []
    for month, day in enumerate(DAYS):
        for i in range(40):
            billing = i < (15 if month == 5 else 3)
            rural = i % 4 == 0
            categories = ["billing"] if billing else ["coverage"] if rural and i % 8 == 0 else ["speed"]
            negative = i % 3 != 0
            rows.append({"序号": str(len(rows) + 1), "地区类型": "农村" if rural else "城市",
                         "text": f"第{i}条，网速慢，乱扣费" if negative else "挺好的",
                         "categories": categories, "sentiment": "neg" if negative else "pos",
                         "sentiment_score": 0.1 if negative else 0.9, "duplicate_of": "", "flag": "",
                         "date": day, "score": 3 if negative else 9, "topic": i % 2})
    rows[0]["text"] = '=HYPERLINK("http://example.invalid","点我")'
    rows[1]["text"] = "控制\x00字符\x07在这里\x1f"
    rows[2]["text"] = "长" * 40_000
    rows[3]["地区类型"] = "+cmd|' /C calc'!A0"
    return rows


@pytest.fixture(scope="module")
def workbook_path(tmp_path_factory):
    rows = annotated_rows()
    result = aggregator(segment_columns=["地区类型"], score_scale="0-10").add_many(as_comments(rows)).result(
        rows_read=len(rows), topics=[{"id": 0, "label": "网速", "words": [("网速", 0.6), ("慢", 0.4)]}])
    result.new_topics = [{"id": 1, "label": "5G/耗电", "words": [("5G", 0.5), ("耗电", 0.4)], "size": 12,
                          "negative": 9, "negative_share": 0.75, "examples": ["5G耗电太快", "一开5G就发烫"]}]
    path = tmp_path_factory.mktemp("xlsx") / "report.xlsx"
    write_workbook(result, path, annotated_rows=rows,
                   columns=["序号", "地区类型", "text", "categories", "sentiment", "score"])
    return path


@pytest.fixture(scope="module")
def book(workbook_path):
    return load_workbook(workbook_path)


def test_sheets_in_order(book):
    assert book.sheetnames == SHEETS


@pytest.mark.parametrize("sheet, charts", [("痛点", 1), ("情感", 1), ("趋势与预警", 2), ("驱动因素", 1)])
def test_native_charts(book, sheet, charts):
    assert len(book[sheet]._charts) == charts


def test_headers_frozen_and_segment_colour_scale(book):
    assert book["痛点"]["A1"].value == "代码" and book["痛点"].freeze_panes == "A2"
    assert book["明细"].freeze_panes == "A2"
    assert book["客群短板"].conditional_formatting
    assert book["典型原声"].column_dimensions["F"].width == 80


def detail(book):
    sheet = book["明细"]
    header = [cell.value for cell in sheet[1]]
    return sheet, header


def test_detail_header_styled_and_columns_sized(book):
    sheet, header = detail(book)
    assert header == ["序号", "地区类型", "text", "categories", "sentiment", "score"]
    assert sheet["A1"].font.b and sheet["A1"].fill.fgColor.rgb.endswith("1F4E78")
    assert [sheet.column_dimensions[letter].width for letter in "ABCDEF"] == [14, 14, 40, 14, 14, 14]


def test_detail_cells_keep_their_types(book):
    sheet, header = detail(book)
    row = dict(zip(header, next(sheet.iter_rows(min_row=6, max_row=6, values_only=True))))
    assert row == {"序号": "5", "地区类型": "农村", "text": "第4条，网速慢，乱扣费", "categories": "speed",
                   "sentiment": "neg", "score": 3}


def test_formula_like_text_stays_a_string(book):
    sheet, header = detail(book)
    cell = sheet.cell(row=2, column=header.index("text") + 1)
    assert cell.value == '=HYPERLINK("http://example.invalid","点我")'
    assert cell.data_type == "s"
    segment = sheet.cell(row=5, column=header.index("地区类型") + 1)
    assert segment.value.startswith("+cmd") and segment.data_type == "s"


def test_no_formula_anywhere(book):
    assert not [cell.coordinate for sheet in book for r in sheet.iter_rows() for cell in r if cell.data_type == "f"]


def test_control_characters_removed_and_long_cells_cut(book):
    sheet, header = detail(book)
    column = header.index("text") + 1
    assert sheet.cell(row=3, column=column).value == "控制字符在这里"
    long_value = sheet.cell(row=4, column=column).value
    assert len(long_value) == 32_767 and long_value.endswith(TRUNCATION_MARKER)


def test_summary_values(book):
    overview = {r[0]: r[1] for r in book["概览"].iter_rows(min_row=3, values_only=True) if r[0]}
    assert overview["读取行数"] == 240 and overview["分析行数"] == 240
    trends = [r for r in book["趋势与预警"].iter_rows(values_only=True)]
    assert trends[2][:3] == ("计费扣费", "2026-11", 15)
    assert book["明细"].max_row == 241
    assert [r[:3] for r in book["主题"].iter_rows(min_row=2, max_row=2, values_only=True)] == [(0, "网速", "网速 慢")]


def test_segments_sheet_says_how_many_tests_were_made(book):
    rows = list(book["客群短板"].iter_rows(values_only=True))
    assert rows[0][8:10] == ("p 值", "校正后 p 值")
    notes = [row[0] for row in rows if row[0] and str(row[0]).startswith("共 ")]
    assert notes == ["共 5 次检验（每个分群字段的每个取值 × 每个痛点），Benjamini-Hochberg 校正，错误发现率 5%；短板 2 个。"]


def test_topics_sheet_lists_the_candidate_new_pain_points(book):
    rows = list(book["主题"].iter_rows(values_only=True))
    header = next(index for index, row in enumerate(rows) if row[5:6] == ("典型评论（已脱敏）",))
    assert rows[header + 1] == (1, "5G/耗电", "5G 耗电", 12, 0.75, "5G耗电太快\n一开5G就发烫")


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "=1+1"),
    ("ok\x00\x0b", "ok"),
    (float("nan"), None),
    (float("inf"), None),
    (3.5, 3.5),
    (7, 7),
    (None, None),
    (["speed", "billing"], "speed|billing"),
    ({"a": 1}, "{'a': 1}"),
    ("x" * 32_767, "x" * 32_767),
    ("x" * 32_768, "x" * (32_767 - len(TRUNCATION_MARKER)) + TRUNCATION_MARKER),
])
def test_safe_xlsx_value(value, expected):
    assert safe_xlsx_value(value) == expected


def test_detail_rows_capped_with_a_note(tmp_path, monkeypatch):
    monkeypatch.setattr(report_excel, "EXCEL_MAX_ROWS", 6)
    rows = [{"text": f"第{i}条"} for i in range(10)]
    path = tmp_path / "capped.xlsx"
    write_workbook(aggregator().add_many([]).result(), path, annotated_rows=rows)
    values = [r[0] for r in load_workbook(path)["明细"].iter_rows(values_only=True)]
    assert values[:5] == ["text", "第0条", "第1条", "第2条", "第3条"]
    assert "另有 6 行未写入" in values[5] and len(values) == 6


def test_empty_result_still_writes_every_sheet(tmp_path):
    path = tmp_path / "empty.xlsx"
    write_workbook(aggregator().result(rows_read=0), path)
    assert load_workbook(path).sheetnames == SHEETS


def test_unwritable_path_raises_output_error(tmp_path):
    with pytest.raises(OutputError, match="cannot write"):
        write_workbook(aggregator().result(), tmp_path / "missing" / "report.xlsx")


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_full_disk_is_an_output_error(tmp_path, monkeypatch):
    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(xlsx_stream.tempfile, "TemporaryFile", no_space)
    with pytest.raises(OutputError, match="cannot write the workbook: No space left on device"):
        write_workbook(aggregator().result(), tmp_path / "report.xlsx", annotated_rows=[{"text": "网速慢"}])
    gc.collect()  # openpyxl's unfinished sheets complain when collected: let them do it here


@pytest.mark.skipif(not (shutil.which("soffice") or shutil.which("libreoffice")), reason="LibreOffice not installed")
def test_libreoffice_converts_the_workbook(workbook_path, tmp_path):
    office = shutil.which("soffice") or shutil.which("libreoffice")
    subprocess.run([office, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(workbook_path)],
                   check=True, capture_output=True, timeout=180)
    assert (tmp_path / "report.pdf").stat().st_size > 1000
