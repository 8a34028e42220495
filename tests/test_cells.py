"""textmine.io.cells: a Comment as CSV cells and as the workbook's readable, typed cells."""

import datetime as dt
from types import SimpleNamespace

import pytest

from textmine.io.cells import OutputColumns, ReadableCells, typed_value
from textmine.record import Annotation, Comment

NAMES = {"speed": "网速", "billing": "计费扣费", "other": "其他"}


def source(columns, text_column="意见"):
    return SimpleNamespace(columns=columns, text_column=text_column)


def comment(row, *, categories=(("speed", ("网速慢", "卡")), ("billing", ())), aspects=(("speed", "neg"),),
            sentiment="neg", flag="", duplicate_of=None, number=1, source_name="a.csv"):
    annotation = Annotation(0.12, sentiment, categories, aspects, flag, None, None, tokens=("网速", "慢"))
    return Comment(number, source_name, row, row.get("意见", ""), annotation, duplicate_of)


@pytest.mark.parametrize("value, expected", [
    ("8", 8), (" 7.5 ", 7.5), ("-3", -3), ("0", 0), ("0.25", 0.25),
    ("007", "007"),  # an id with a leading zero stays text
    ("1234567890123456", "1234567890123456"),  # over 15 digits: a spreadsheet would change it
    ("2026-11-03", dt.date(2026, 11, 3)), ("2026/11/3", dt.date(2026, 11, 3)),
    ("2026年11月5日", dt.date(2026, 11, 5)), ("2026/11/3 09:12", dt.datetime(2026, 11, 3, 9, 12)),
    ("2026-02-30", "2026-02-30"),  # no such day
    ("20261103", 20261103),  # a bare number is a number, not a date
    ("26-35", "26-35"), ("60以上", "60以上"), ("1e5", "1e5"), ("", ""), (None, None), (5, 5),
])
def test_typed_value(value, expected):
    assert typed_value(value) == expected and type(typed_value(value)) is type(expected)


def test_readable_cells_name_codes_and_type_inputs():
    layout = OutputColumns([source(["序号", "满意度", "日期", "意见"])], tokens=True).with_topic()
    readable = ReadableCells(layout, NAMES, {3: "网速/卡"})
    assert readable.columns == ["序号", "满意度", "日期", "意见", "情感得分", "情感", "痛点", "依据词", "分项情感",
                                "重复于第几条", "无效原因", "分词", "主题"]
    assert readable.text_columns == ("意见",)
    row = {"序号": "12", "满意度": "3", "日期": "2026-11-03", "意见": "123"}  # a comment of digits stays text
    assert readable.values(comment(row, duplicate_of=4), 3) == [
        12, 3, dt.date(2026, 11, 3), "123", 0.12, "负面", "网速、计费扣费", "网速：网速慢、卡", "网速：负面",
        4, "", "网速 慢", "网速/卡"]
    other = readable.values(comment(row, categories=(), aspects=(), sentiment="pos", flag="spam"), -1)
    assert other[5:7] == ["正面", "其他"] and other[10] == "灌水" and other[-1] == ""


def test_legend_gives_each_added_column_its_csv_name():
    layout = OutputColumns([source(["意见"]), source(["意见", "情感"])])
    readable = ReadableCells(layout, NAMES)
    legend = {header: column for header, column, _ in readable.legend}
    assert legend["来源文件"] == "source_file" and legend["痛点"] == "categories"
    # The input's own 情感 column keeps its name; textmine's gets a suffix.
    assert legend["情感（分析）"] == "sentiment" and "情感" in readable.columns
    values = readable.values(comment({"意见": "网速慢", "情感": "差"}, source_name="b.csv"))
    assert values[:3] == ["b.csv", "网速慢", "差"]


def test_input_columns_renamed_for_annotation_names_read_their_own_cells():
    layout = OutputColumns([source(["sentiment", "意见"])])
    readable = ReadableCells(layout, NAMES)
    assert readable.columns[:2] == ["sentiment_input", "意见"]
    assert readable.values(comment({"sentiment": "5", "意见": "x"}))[:2] == [5, "x"]
