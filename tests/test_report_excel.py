import datetime as dt
import errno
import gc
import re
import shutil
import subprocess
import zipfile
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from conftest import aggregator, as_comments
from textmine.errors import OutputError
from textmine.io import xlsx_stream
from textmine.io.cells import DetailRows, OutputColumns, ReadableCells
from textmine.io.write import TRUNCATION_MARKER
from textmine.painpoints.taxonomy import Taxonomy
from textmine.report import excel as report_excel
from textmine.report.excel import safe_xlsx_value, topic_keywords, write_workbook

SHEETS = ["概览", "痛点", "情感", "客群短板", "趋势与预警", "驱动因素", "KANO", "主题", "典型原声", "明细", "字段说明"]
DAYS = ["2026-06-10", "2026-07-10", "2026-08-10", "2026-09-10", "2026-10-10", "2026-11-10"]
TOPICS = [{"id": 0, "label": "网速/慢", "words": [("网速", 0.3012), ("慢", 0.2)], "size": 120, "negative_share": 0.7,
           "top_category": "speed", "category_overlap": 0.8},
          {"id": 1, "label": "扣费", "words": [("扣费", 0.5)], "size": 120, "negative_share": 0.5,
           "top_category": "billing", "category_overlap": 0.6}]
# What a manager must never read: category codes, English sentiment and flag values, Python reprs.
CODES = set(Taxonomy.load().codes) | {"pos", "neu", "neg", "empty", "meaningless", "spam"}
PYTHON_REPR = re.compile(r"\(\s*'|\[\s*[(\[']|\{\s*'|\bNone\b|\bnan\b")
MANAGER_SHEETS = SHEETS[:-1]  # 字段说明 holds the codes on purpose: it is the legend for CSV users


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
                         "date": day, "score": str(3 if negative else 9)})
    rows[0]["text"] = '=HYPERLINK("http://example.invalid","点我")'
    rows[1]["text"] = "控制\x00字符\x07在这里\x1f"
    rows[2]["text"] = "长" * 40_000
    rows[3]["地区类型"] = "+cmd|' /C calc'!A0"
    rows[5]["date"] = "2026/6/10 09:30"
    rows[6]["序号"] = "007"  # an id with a leading zero stays text
    return rows


def details_of(comments, result):
    source = SimpleNamespace(columns=["序号", "地区类型", "text", "date", "score"], text_column="text")
    readable = ReadableCells(OutputColumns([source]).with_topic(), result.category_names,
                             {t["id"]: t["label"] for t in TOPICS})
    rows = [readable.values(comment, comment.number % 2) for comment in comments]
    return DetailRows(readable.columns, rows, readable.legend, readable.text_columns, len(rows))


@pytest.fixture(scope="module")
def result():
    comments = as_comments(annotated_rows())
    analysis = aggregator(segment_columns=["地区类型"], score_scale="0-10").add_many(comments).result(
        rows_read=len(comments), topics=TOPICS)
    analysis.new_topics = [{"id": 1, "label": "5G/耗电", "words": [("5G", 0.5), ("耗电", 0.4)], "size": 12,
                            "negative": 9, "negative_share": 0.75, "examples": ["5G耗电太快", "一开5G就发烫"]}]
    return comments, analysis


@pytest.fixture(scope="module")
def workbook_path(tmp_path_factory, result):
    comments, analysis = result
    path = tmp_path_factory.mktemp("xlsx") / "report.xlsx"
    seen = []
    write_workbook(analysis, path, details=details_of(comments, analysis), progress=seen.append)
    assert sum(seen) == len(comments)  # the progress bar was told of every row of 明细
    return path


@pytest.fixture(scope="module")
def book(workbook_path):
    return load_workbook(workbook_path)


def cells(sheet):
    return [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]


def test_sheets_in_order(book):
    assert book.sheetnames == SHEETS


@pytest.mark.parametrize("sheet, charts", [("痛点", 1), ("情感", 1), ("趋势与预警", 2), ("驱动因素", 1)])
def test_native_charts(book, sheet, charts):
    assert len(book[sheet]._charts) == charts


@pytest.mark.parametrize("sheet, frozen", [("概览", "A3"), ("痛点", "A2"), ("情感", "A2"), ("客群短板", "C2"),
                                           ("趋势与预警", "A3"), ("驱动因素", "A2"), ("主题", "A2"),
                                           ("典型原声", "A2"), ("明细", "A2"), ("字段说明", "A2")])
def test_every_sheet_has_a_frozen_header(book, sheet, frozen):
    assert book[sheet].freeze_panes == frozen


@pytest.mark.parametrize("sheet", SHEETS[1:])
def test_every_table_sheet_has_an_autofilter_on_its_header(book, sheet):
    ref = book[sheet].auto_filter.ref
    assert ref, sheet
    header_row = int(re.match(r"A(\d+):", ref).group(1))
    assert book[sheet].cell(row=header_row, column=1).font.b  # the filter starts on a header


def test_the_autofilter_of_details_covers_every_row(book):
    assert book["明细"].auto_filter.ref == "A1:M241"


@pytest.mark.parametrize("sheet", SHEETS)
def test_every_number_has_a_number_format(book, sheet):
    general = [cell.coordinate for cell in cells(book[sheet])
               if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool)
               and cell.number_format == "General"]
    assert general == []


def column_of(sheet, header, header_row=1):
    names = [cell.value for cell in sheet[header_row]]
    index = names.index(header) + 1
    return [row[0] for row in sheet.iter_rows(min_row=header_row + 1, min_col=index, max_col=index)
            if row[0].value is not None]


@pytest.mark.parametrize("sheet, header, number_format", [
    ("痛点", "占比", "0.0%"), ("痛点", "有此痛点平均分", "0.00"), ("痛点", "提及数", "#,##0"),
    ("客群短板", "p 值", "0.0E+00"), ("客群短板", "提升倍数", "0.00"), ("客群短板", "组内占比", "0.0%"),
    ("驱动因素", "对均分的拖累（分）", "+0.00;-0.00;0.00"), ("驱动因素", "提及占比", "0.0%"),
    ("主题", "负面占比", "0.0%"), ("典型原声", "情感得分", "0.00"), ("明细", "情感得分", "0.00"),
    ("明细", "序号", "0"), ("明细", "score", "0")])
def test_number_formats_by_kind(book, sheet, header, number_format):
    column = column_of(book[sheet], header)
    assert column and {cell.number_format for cell in column if not isinstance(cell.value, str)} == {number_format}


def test_alert_p_values_in_scientific_format(book):
    sheet = book["趋势与预警"]
    assert [c.value for c in sheet[2]][:6] == ["痛点", "期间", "提及数", "预期", "倍数", "p 值"]
    assert sheet["F3"].number_format == "0.0E+00" and sheet["D3"].number_format == "0.0"


@pytest.mark.parametrize("sheet", MANAGER_SHEETS)
def test_no_code_or_python_repr_where_a_manager_reads(book, sheet):
    found = []
    for cell in cells(book[sheet]):
        if isinstance(cell.value, str):
            words = set(re.split(r"[、；：|,/ ]+", cell.value))
            if words & CODES or PYTHON_REPR.search(cell.value):
                found.append((cell.coordinate, cell.value[:40]))
    assert found == []


def test_detail_headers_in_chinese_and_the_legend_gives_the_csv_names(book):
    header = [cell.value for cell in book["明细"][1]]
    assert header == ["序号", "地区类型", "text", "date", "score", "情感得分", "情感", "痛点", "依据词", "分项情感",
                      "重复于第几条", "无效原因", "主题"]  # the input columns keep their names
    legend = {row[0]: row[1] for row in book["字段说明"].iter_rows(min_row=2, values_only=True) if row[0]}
    assert legend["情感"] == "sentiment" and legend["痛点"] == "categories" and legend["主题"] == "topic"
    assert legend["信号覆盖"] == "coverage" and legend["负面"] == "neg"


def test_detail_cells_typed_and_named(book):
    sheet = book["明细"]
    header = [cell.value for cell in sheet[1]]
    row = dict(zip(header, next(sheet.iter_rows(min_row=6, max_row=6, values_only=True))))
    assert row == {"序号": 5, "地区类型": "农村", "text": "第4条，网速慢，乱扣费", "date": dt.datetime(2026, 6, 10),
                   "score": 3, "情感得分": 0.1, "情感": "负面", "痛点": "网速", "依据词": None, "分项情感": None,
                   "重复于第几条": None, "无效原因": None, "主题": "扣费"}
    assert sheet.cell(row=7, column=4).value == dt.datetime(2026, 6, 10, 9, 30)
    assert sheet.cell(row=8, column=1).value == "007"
    assert sheet.cell(row=6, column=4).number_format.startswith("yyyy-mm-dd")


def test_header_styled_and_comment_columns_wide_and_wrapped(book):
    sheet = book["明细"]
    assert sheet["A1"].font.b and sheet["A1"].fill.fgColor.rgb.endswith("1F4E78")
    assert sheet.column_dimensions["C"].width >= 40 and sheet["C10"].alignment.wrap_text
    verbatims = book["典型原声"]
    text_column = [c.value for c in verbatims[1]].index("原声（已脱敏）") + 1
    letter = verbatims.cell(row=1, column=text_column).column_letter
    assert verbatims.column_dimensions[letter].width >= 40
    assert verbatims.cell(row=2, column=text_column).alignment.wrap_text


def test_rows_of_long_wrapped_text_grow(book):
    sheet = book["明细"]
    assert sheet.row_dimensions[4].height and sheet.row_dimensions[4].height > 100  # the 40,000-character cell
    assert not sheet.row_dimensions[6].height  # a short comment keeps the default height


def test_overview_shows_whole_labels_and_notes(book):
    sheet = book["概览"]
    labels = [row[0] for row in sheet.iter_rows(min_row=3, values_only=True) if row[0]]
    widest = max(sum(2 if ord(ch) > 0x2E80 else 1 for ch in label) for label in labels)
    assert sheet.column_dimensions["A"].width >= widest
    notes = [cell for cell in column_of(sheet, "数值", 2) if isinstance(cell.value, str) and len(cell.value) > 40]
    assert notes and all(cell.alignment.wrap_text for cell in notes)
    assert all(sheet.row_dimensions[cell.row].height for cell in notes if len(cell.value) > 60)


def test_topic_keywords_readable(book):
    rows = {row[1]: row for row in book["主题"].iter_rows(min_row=2, max_row=3, values_only=True)}
    assert rows["网速/慢"][6] == "网速 0.30、慢 0.20"
    assert rows["网速/慢"][4] == "网速" and rows["扣费"][4] == "计费扣费"


@pytest.mark.parametrize("words, expected", [
    ([("信号", 0.1258), ("手机", 0.0592)], "信号 0.13、手机 0.06"),
    ([["信号", 0.1]], "信号 0.10"),
    (["信号", "手机"], "信号、手机"),
    ([], ""),
])
def test_topic_keywords(words, expected):
    assert topic_keywords({"words": words}) == expected


C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"


def charts(path, kind):
    """The plot elements of ``kind`` (pieChart, lineChart, barChart) in the workbook's chart parts."""
    from xml.etree import ElementTree

    with zipfile.ZipFile(path) as archive:
        trees = [ElementTree.fromstring(archive.read(name)) for name in archive.namelist()
                 if name.startswith("xl/charts/chart")]
    return [plot for tree in trees for plot in tree.iter(C + kind)]


def value(element, path):
    found = element.find(path)
    return None if found is None else found.get("val")


def test_pie_has_fixed_sentiment_colours(workbook_path):
    (pie,) = charts(workbook_path, "pieChart")
    points = pie.findall(f"{C}ser/{C}dPt")
    colours = [(value(point, C + "idx"), value(point, f"{C}spPr/{A}solidFill/{A}srgbClr")) for point in points]
    # The table's order is 正面, 中性, 负面: green, grey, red.
    assert colours == [("0", "4E9A3F"), ("1", "A5A5A5"), ("2", "D64541")]


def test_lines_are_straight_and_the_partial_period_is_dashed(workbook_path):
    lines = charts(workbook_path, "lineChart")
    assert len(lines) == 2
    for line in lines:
        series = line.findall(C + "ser")
        assert len(series) == 3  # the fixture's three categories
        assert [value(ser, C + "smooth") for ser in series] == ["0"] * 3
        dashes = [value(ser, f"{C}dPt/{C}spPr/{A}ln/{A}prstDash") for ser in series]
        assert dashes == ["dash"] * 3
        colours = [value(ser, f"{C}spPr/{A}ln/{A}solidFill/{A}srgbClr") for ser in series]
        assert len(set(colours)) == 3 and not {"D64541", "4E9A3F"} & set(colours)  # red and green mean sentiment


def test_bar_charts_name_every_category(workbook_path):
    bars = charts(workbook_path, "barChart")
    assert len(bars) == 2
    for bar in bars:
        assert value(bar, C + "barDir") == "bar"
    with zipfile.ZipFile(workbook_path) as archive:
        parts = [archive.read(name).decode() for name in archive.namelist() if name.startswith("xl/charts/")]
    bar_parts = [part for part in parts if "barChart" in part]
    assert all('<tickLblSkip val="1"/>' in part or '<c:tickLblSkip val="1"/>' in part for part in bar_parts)


def test_partial_last_period_marked_in_the_sheet_and_the_result(book, result):
    _, analysis = result
    assert analysis.trends["month"]["partial_last"] and analysis.trends["month"]["last_date"] == "2026-11-10"
    periods = [row[0] for row in book["趋势与预警"].iter_rows(values_only=True) if row[0]]
    assert "2026-11（截至11-10）" in periods and "2026-10" in periods
    assert any(str(value).startswith("注：2026-11 的数据截至 2026-11-10") for value in periods)


def test_formula_like_text_stays_a_string(book):
    sheet = book["明细"]
    assert sheet["C2"].value == '=HYPERLINK("http://example.invalid","点我")' and sheet["C2"].data_type == "s"
    assert sheet["B5"].value.startswith("+cmd") and sheet["B5"].data_type == "s"


def test_no_formula_anywhere(book):
    assert not [cell.coordinate for sheet in book for r in sheet.iter_rows() for cell in r if cell.data_type == "f"]


def test_control_characters_removed_and_long_cells_cut(book):
    sheet = book["明细"]
    assert sheet["C3"].value == "控制字符在这里"
    assert len(sheet["C4"].value) == 32_767 and sheet["C4"].value.endswith(TRUNCATION_MARKER)


def test_summary_values(book):
    overview = {r[0]: r[1] for r in book["概览"].iter_rows(min_row=3, values_only=True) if r[0]}
    assert overview["读取行数"] == 240 and overview["分析行数"] == 240
    assert overview["数据截至"] == "2026-11-10（2026-11 不是完整的一个月）"
    trends = [r for r in book["趋势与预警"].iter_rows(values_only=True)]
    assert trends[2][:3] == ("计费扣费", "2026-11", 15)
    assert book["明细"].max_row == 241


def test_segments_sheet_says_how_many_tests_were_made(book):
    rows = list(book["客群短板"].iter_rows(values_only=True))
    assert rows[0][8:10] == ("p 值", "校正后 p 值")
    notes = [row[0] for row in rows if row[0] and str(row[0]).startswith("共 ")]
    assert len(notes) == 1 and "Benjamini-Hochberg 校正，错误发现率 5%" in notes[0]


def test_topics_sheet_lists_the_candidate_new_pain_points(book):
    rows = list(book["主题"].iter_rows(values_only=True))
    header = next(index for index, row in enumerate(rows) if row[6:7] == ("关键词；典型评论（已脱敏）",))
    assert rows[header + 1] == (1, "5G/耗电", 12, 0.75, None, None, "5G 耗电\n5G耗电太快\n一开5G就发烫")


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
    path = tmp_path / "capped.xlsx"
    details = DetailRows(["意见"], [[f"第{i}条"] for i in range(10)])
    write_workbook(aggregator().add_many([]).result(), path, details=details)
    values = [r[0] for r in load_workbook(path)["明细"].iter_rows(values_only=True)]
    assert values[:5] == ["意见", "第0条", "第1条", "第2条", "第3条"]
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
        write_workbook(aggregator().result(), tmp_path / "report.xlsx", details=DetailRows(["意见"], [["网速慢"]]))
    gc.collect()  # openpyxl's unfinished sheets complain when collected: let them do it here


@pytest.mark.skipif(not (shutil.which("soffice") or shutil.which("libreoffice")), reason="LibreOffice not installed")
def test_libreoffice_converts_the_workbook(workbook_path, tmp_path):
    office = shutil.which("soffice") or shutil.which("libreoffice")
    subprocess.run([office, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(workbook_path)], check=True, capture_output=True, timeout=180)
    assert (tmp_path / "report.pdf").stat().st_size > 1000


def test_segments_sheet_shows_the_reasons_header_whole_and_examples_as_wide_as_comments(tmp_path):
    from textmine.report._sheet import display_width

    rows = [{"地区类型": "农村" if number % 2 else "城市", "text": f"农村信号太差了{number}", "score": 3,
             "categories": "coverage", "sentiment": "neg"} for number in range(40)]
    result = aggregator(segment_columns=["地区类型"]).add_many(as_comments(rows)).result()
    entry = result.segments["地区类型"][0]
    entry.update(short_board_reasons=[{"term": "信号", "score": 3.1, "count": 20}],
                 short_board_examples=["农村信号太差了", "家里没有信号"])
    path = tmp_path / "report.xlsx"
    write_workbook(result, path)
    sheet = load_workbook(path)["客群短板"]
    header = [cell.value for cell in sheet[1]]
    reasons = sheet.cell(row=1, column=header.index("该群体特有的说法（得分，条数）") + 1)
    examples = sheet.cell(row=1, column=header.index("例句（已脱敏）") + 1)
    assert sheet.column_dimensions[reasons.column_letter].width >= display_width(reasons.value) + 2
    assert sheet.column_dimensions[examples.column_letter].width >= 40


def test_overview_notes_name_the_correction_the_run_made(book):
    """The 说明 of 客群短板 describes the test the run made (BH over the run), not an older one."""
    notes = {r[0]: r[1] for r in book["概览"].iter_rows(min_row=3, values_only=True) if r[0]}
    assert "Benjamini-Hochberg" in notes["客群短板"] and "错误发现率 5%" in notes["客群短板"]
    assert "Bonferroni" not in notes["客群短板"]
    assert "情感得分" not in notes["驱动因素"]  # the fixture has scores: drivers are of the score


def test_overview_says_drivers_without_scores_are_of_the_sentiment_score(tmp_path):
    rows = [{**row, "score": ""} for row in annotated_rows()]
    comments = as_comments(rows)
    analysis = aggregator(segment_columns=["地区类型"]).add_many(comments).result(rows_read=len(comments))
    assert analysis.drivers and analysis.drivers[0]["basis"] == "sentiment"
    path = tmp_path / "no_scores.xlsx"
    write_workbook(analysis, path, details=details_of(comments, analysis))
    notes = {r[0]: r[1] for r in load_workbook(path)["概览"].iter_rows(min_row=3, values_only=True) if r[0]}
    assert "情感得分×10" in notes["驱动因素"]
    assert "拉低满意度最多（按情感得分×10，无评分列）" in notes
