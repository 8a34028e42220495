import datetime as dt

import pytest

from textmine.io.columns import (
    auto_period, detect_date_column, detect_score_column, detect_segment_columns, names_categories, number_or_none,
    parse_date, period_bounds, period_end, period_of,
)
from textmine.painpoints.taxonomy import OTHER, Taxonomy

CATEGORY_NAMES = {code: name for code, name in Taxonomy.load().names.items() if code != OTHER}


# ------------------------------------------------------------------ dates and columns
@pytest.mark.parametrize("value, expected", [
    ("2026-11-03", dt.date(2026, 11, 3)),
    ("2026/11/3", dt.date(2026, 11, 3)),
    ("2026.11.03", dt.date(2026, 11, 3)),
    ("2026年11月5日", dt.date(2026, 11, 5)),
    ("2026年11月5日 14:05", dt.date(2026, 11, 5)),
    ("20261103", dt.date(2026, 11, 3)),
    (20261103, dt.date(2026, 11, 3)),
    ("2026-11-03 14:22:10", dt.date(2026, 11, 3)),
    ("2026-11-03T14:22:10+08:00", dt.date(2026, 11, 3)),
    (46329, dt.date(2026, 11, 3)),  # Excel serial
    ("46329", dt.date(2026, 11, 3)),
    (46329.75, dt.date(2026, 11, 3)),
    (dt.datetime(2026, 11, 3, 9, 30), dt.date(2026, 11, 3)),
    (dt.date(2026, 11, 3), dt.date(2026, 11, 3)),
    (" 2026-6-1 ", dt.date(2026, 6, 1)),
    ("2026-02-30", None),
    ("2026-13-01", None),
    ("昨天", None),
    ("", None),
    (None, None),
    (7, None),
    (float("nan"), None),
    (True, None),
    ("13912345678", None),
])
def test_parse_date(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("day, by, expected", [
    (dt.date(2026, 11, 22), "week", "2026-W47"),
    (dt.date(2026, 11, 22), "month", "2026-11"),
    (dt.date(2027, 1, 1), "week", "2026-W53"),
])
def test_period_of(day, by, expected):
    assert period_of(day, by) == expected


@pytest.mark.parametrize("period, by, expected", [
    ("2026-11", "month", dt.date(2026, 11, 30)),
    ("2026-12", "month", dt.date(2026, 12, 31)),
    ("2028-02", "month", dt.date(2028, 2, 29)),
    ("2026-W47", "week", dt.date(2026, 11, 22)),
    ("2026-W53", "week", dt.date(2027, 1, 3)),
])
def test_period_end(period, by, expected):
    assert period_end(period, by) == expected
    assert period_of(expected, by) == period and period_of(expected + dt.timedelta(days=1), by) != period


SURVEY_HEADER = ["序号", "满意度", "地市", "地区类型", "年龄段", "日期", "意见建议"]


def survey_rows(n=60):
    cities, areas, ages = ["广州", "深圳", "梅州"], ["城市", "县城", "农村"], ["18-25", "60以上"]
    return [{"序号": str(i), "满意度": str(i % 11), "地市": cities[i % 3], "地区类型": areas[i % 3],
             "年龄段": ages[i % 2], "日期": "2026/11/3" if i % 7 else "2026年11月5日",
             "意见建议": f"第{i}条：家里信号太差了，打电话要跑到阳台上，希望尽快解决"} for i in range(1, n + 1)]


def test_detect_columns_on_a_survey_export():
    rows = survey_rows()
    assert detect_date_column(SURVEY_HEADER, rows) == "日期"
    assert detect_score_column(SURVEY_HEADER, rows) == ("满意度", "0-10")
    assert detect_segment_columns(SURVEY_HEADER, rows) == ["地市", "地区类型", "年龄段"]


def test_detect_columns_accepts_sequences_aligned_with_the_header():
    rows = [[r[c] for c in SURVEY_HEADER] for r in survey_rows()]
    assert detect_date_column(SURVEY_HEADER, rows) == "日期"
    assert detect_segment_columns(SURVEY_HEADER, rows) == ["地市", "地区类型", "年龄段"]


@pytest.mark.parametrize("values, expected", [
    (["1", "5", "4", "3"], ("评分", "1-5")),
    (["0", "10", "7"], ("评分", "0-10")),
    (["4.5", "3", "5"], ("评分", "1-5")),
    (["11", "5", "3"], None),
    (["很好", "一般", "差"], None),
])
def test_detect_score_scale(values, expected):
    assert detect_score_column(["评分"], [{"评分": v} for v in values]) == expected


def test_detect_score_ignores_ids_and_dates_ignore_plain_numbers():
    rows = [{"编号": str(i), "工单号": str(40000 + i), "内容": "x"} for i in range(1, 10)]
    assert detect_score_column(["编号", "工单号", "内容"], rows) is None
    assert detect_date_column(["编号", "工单号", "内容"], rows) is None


def test_detect_segments_excludes_ids_text_and_high_cardinality():
    rows = [{"工单编号": f"TS{i:05d}", "手机号尾号": f"{i:04d}", "渠道": ["APP", "营业厅"][i % 2],
             "客户编码": f"C{i}", "投诉内容": "用户来电反映网速慢，要求处理" * 3} for i in range(40)]
    assert detect_segment_columns(list(rows[0]), rows) == ["渠道"]


@pytest.mark.parametrize("value, expected", [
    ("7", 7.0), (" 7.5 ", 7.5), (9, 9.0), (True, None), ("nan", None), ("十", None), (None, None),
])
def test_number_or_none(value, expected):
    assert number_or_none(value) == expected


def test_detect_complaint_order_columns():
    header = ["工单编号", "受理时间", "地市", "投诉类别", "投诉内容"]
    rows = [{"工单编号": f"TS2026{i:06d}", "受理时间": f"2026-11-{1 + i % 20:02d} {8 + i % 10}:{i % 60:02d}:00",
             "地市": ["广州", "深圳", "佛山"][i % 3], "投诉类别": ["网络", "资费"][i % 2],
             "投诉内容": "用户来电反映家中宽带经常断网，要求尽快上门处理"} for i in range(40)]
    assert detect_date_column(header, rows) == "受理时间"
    assert detect_score_column(header, rows) is None
    assert detect_segment_columns(header, rows) == ["地市", "投诉类别"]


# ------------------------------------------------------------------ columns that name the categories
@pytest.mark.parametrize("values, expected", [
    # 投诉类型 of samples/complaint_orders.xlsx: names and near-names of the categories, some blank.
    (["计费争议", "服务质量", "装维服务", "资费套餐", "网络质量", "信息安全", "业务办理", "营销问题", ""], True),
    (["网络", "资费", "服务", "网络"], True),
    (["billing", "coverage", "speed"], True),
    (["畅享套餐58元", "畅享套餐128元", "宽带融合套餐", "大王卡", "老年卡"], False),  # all say 套餐: one category
    (["营业厅", "10086热线", "APP", "短信", "客服热线", "网上营业厅"], False),
    (["城市", "县城", "农村"], False), (["18-25", "60以上"], False), (["广州", "深圳"], False), ([], False),
    (["装维服务", "广州", "深圳", "佛山", "东莞"], False),  # one cell of five
])
def test_names_categories(values, expected):
    assert names_categories(values, CATEGORY_NAMES) is expected


def test_a_complaint_type_column_is_not_a_customer_group():
    header = ["工单编号", "地市", "投诉类型", "投诉内容"]
    types = ["计费争议", "服务质量", "装维服务", "资费套餐", "网络质量", "", "业务办理"]
    rows = [{"工单编号": f"GD{i}", "地市": ["广州", "深圳", "佛山"][i % 3], "投诉类型": types[i % len(types)],
             "投诉内容": "用户来电反映信号差"} for i in range(40)]
    assert detect_segment_columns(header, rows, category_names=CATEGORY_NAMES) == ["地市"]
    assert detect_segment_columns(header, rows) == ["地市", "投诉类型"]  # without the taxonomy, as before


@pytest.mark.parametrize("label, first, last", [
    ("2026-11", dt.date(2026, 11, 1), dt.date(2026, 11, 30)), ("2026-12", dt.date(2026, 12, 1), dt.date(2026, 12, 31)),
    ("2028-02", dt.date(2028, 2, 1), dt.date(2028, 2, 29)), ("2026-W47", dt.date(2026, 11, 16), dt.date(2026, 11, 22)),
    ("2026-W01", dt.date(2025, 12, 29), dt.date(2026, 1, 4)), ("2026-W53", dt.date(2026, 12, 28), dt.date(2027, 1, 3)),
])
def test_period_bounds(label, first, last):
    assert period_bounds(label) == (first, last)
    assert period_of(first, "week" if "W" in label else "month") == label


@pytest.mark.parametrize("days, expected", [(1, "week"), (183, "week"), (184, "month"), (400, "month")])
def test_auto_period(days, expected):
    first = dt.date(2026, 1, 1)
    assert auto_period(first, first + dt.timedelta(days=days - 1)) == expected
