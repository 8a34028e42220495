"""Find the date, score and segment columns of an export, and read its dates.

Exports from CRM systems, survey tools and Excel name their columns freely
(日期 / 受理时间 / 提交时间, 满意度 / 评分, 地市 / 年龄段 / 套餐) and write a day in
many ways, so ``analyze`` detects the columns from a sample of rows instead of
asking the analyst to name them. Kept apart from the aggregation so each stays
small and can be tested alone.

    >>> detect_date_column(["序号", "受理时间"], [{"序号": "1", "受理时间": "2026/11/3 09:12"}])
    '受理时间'
"""

import datetime as dt
import math
import re

# ---------------------------------------------------------------- dates
_EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01, Lotus leap-year bug included
_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:(?:\s+|T)\d{1,2}[:：]\d{2}.*)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:\s*\d{2}:?\d{2}(?::?\d{2})?)?$")
_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")


def parse_date(value):
    """Return a ``datetime.date`` for the many ways exports write a day, else None.

    Accepts dates, datetimes, ``2026-11-03``, ``2026/11/3``, ``2026年11月5日``,
    ``20261103``, with or without a time, and Excel serial numbers (5 digits).
        >>> parse_date("2026年11月5日"), parse_date(46329)
        (datetime.date(2026, 11, 5), datetime.date(2026, 11, 3))
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        return _from_number(value)
    text = str(value).strip()
    match = _YMD.match(text) or _COMPACT.match(text)
    if match:
        try:
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return None
    if _SERIAL.match(text):
        return _from_number(float(text))
    return None


def _from_number(number):
    if 19000101 <= number <= 21001231 and float(number).is_integer():
        return parse_date(str(int(number)))
    if 20000 <= number < 80000:  # 1954 .. 2119: plausible feedback dates only
        return _EXCEL_EPOCH + dt.timedelta(days=int(number))
    return None


def period_of(day, by="month"):
    """'2026-11' for a month, '2026-W47' for an ISO week."""
    if by == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day.year}-{day.month:02d}"


def period_end(period, by="month"):
    """The last day of a period named by ``period_of``.

        >>> period_end("2026-02"), period_end("2026-W47", "week")
        (datetime.date(2026, 2, 28), datetime.date(2026, 11, 22))
    """
    if by == "week":
        year, week = period.split("-W")
        return dt.date.fromisocalendar(int(year), int(week), 7)
    year, month = map(int, period.split("-"))
    return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
# ``--period auto``: weeks while the dates span up to about half a year (26 weeks of
# points on a chart, each with enough comments), months beyond.
AUTO_WEEKS_MAX_DAYS = 183


def auto_period(first_day, last_day):
    """'week' when the days from ``first_day`` to ``last_day`` span at most half a year, else 'month'.

        >>> auto_period(dt.date(2026, 6, 1), dt.date(2026, 11, 22))
        'week'
    """
    if first_day is None or last_day is None:
        return "month"
    return "week" if (last_day - first_day).days + 1 <= AUTO_WEEKS_MAX_DAYS else "month"


def period_bounds(label):
    """The first and last day of a period named by ``period_of``.

        >>> period_bounds("2026-11"), period_bounds("2026-W47")
        ((datetime.date(2026, 11, 1), datetime.date(2026, 11, 30)), (datetime.date(2026, 11, 16), datetime.date(2026, 11, 22)))
    """
    year, _, rest = label.partition("-")
    if rest.startswith("W"):
        start = dt.date.fromisocalendar(int(year), int(rest[1:]), 1)
        return start, start + dt.timedelta(days=6)
    start = dt.date(int(year), int(rest), 1)
    following = dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return start, following - dt.timedelta(days=1)


# ---------------------------------------------------------------- columns
_DATE_HINT = re.compile(r"日期|时间|date|time|受理|创建|提交|day", re.I)
_SCORE_HINT = re.compile(r"满意|评分|得分|分数|打分|评价分|score|rating|csat|nps|推荐", re.I)
_ID_HINT = re.compile(r"编号|序号|单号|工单号|流水|尾号|手机|号码|电话|账号|^id$|_id$|^no\.?$", re.I)
_TEXT_HINT = re.compile(r"内容|意见|建议|文本|评论|留言|回复|描述|原因|结果|备注|text|comment|feedback", re.I)
ANNOTATION_COLUMNS = frozenset({"text", "sentiment_score", "sentiment", "categories", "evidence", "aspects",
                                "duplicate_of", "flag", "topic", "tokens", "source_file", "date", "score"})


def _columns(header, sample_rows):
    """{column: [non-empty values]} whether rows are dicts or sequences aligned with header."""
    values = {column: [] for column in header}
    for row in sample_rows:
        items = row.items() if isinstance(row, dict) else zip(header, row)
        for column, value in items:
            if column in values and value is not None and str(value).strip() != "":
                values[column].append(value)
    return values


def number_or_none(value):
    """A finite float for a number or numeric text (' 7 ', 7, 7.5), else None; bools are not numbers."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def detect_date_column(header, sample_rows):
    """The column whose values are mostly dates (a name such as 日期 breaks ties), or None.

        >>> detect_date_column(["序号", "日期"], [{"序号": "1", "日期": "2026/11/3"}])
        '日期'
    """
    best, best_key = None, None
    for column, values in _columns(header, sample_rows).items():
        if not values or column in ANNOTATION_COLUMNS - {"date"}:
            continue
        hinted = bool(_DATE_HINT.search(str(column)))
        # A bare number is only a date (Excel serial, 20261103) in a column named like one.
        parsed = sum(1 for v in values if (hinted or number_or_none(v) is None) and parse_date(v))
        rate = parsed / len(values)
        if rate >= 0.8:
            key = (hinted, rate)
            if best_key is None or key > best_key:
                best, best_key = column, key
    return best


def detect_score_column(header, sample_rows):
    """``(column, '0-10' | '1-5')`` for a numeric satisfaction score, or None.

    A column named like a score (满意度, 评分, score) wins; otherwise a small-integer
    column within 0-10 that is not an id. '1-5' only when no value is below 1 or above 5.
        >>> detect_score_column(["满意度"], [{"满意度": "9"}, {"满意度": "0"}])
        ('满意度', '0-10')
    """
    candidates = []
    for column, values in _columns(header, sample_rows).items():
        if not values or _ID_HINT.search(str(column)) or column in ANNOTATION_COLUMNS - {"score"}:
            continue
        numbers = [n for n in map(number_or_none, values) if n is not None]
        if len(numbers) < 0.9 * len(values) or not numbers or min(numbers) < 0 or max(numbers) > 10:
            continue
        hinted = bool(_SCORE_HINT.search(str(column)))
        integers = all(n.is_integer() for n in numbers)
        if not hinted and not (integers and len(set(numbers)) >= 3):
            continue
        scale = "1-5" if min(numbers) >= 1 and max(numbers) <= 5 else "0-10"
        candidates.append(((hinted, len(numbers)), column, scale))
    if not candidates:
        return None
    _, column, scale = max(candidates, key=lambda item: item[0])
    return column, scale


MAX_SEGMENT_COLUMNS = 20  # detected customer-group columns: beyond this a report compares nothing readable

# A column names the categories when this share of its cells name one, and they name this many.
CATEGORY_CELLS_SHARE = 0.5
CATEGORY_NAMES_MIN = 3


def _named_categories(value, category_names):
    """The categories a cell names: its code or name, or a name sharing two Chinese characters in a row
    (计费争议 / 计费扣费, 网络质量 / 网络稳定性, 服务质量 / 客服服务)."""
    text = str(value).strip().lower()
    named = set()
    for code, name in category_names.items():
        if text in (str(code).lower(), name) or any(
                _is_cjk(text[i:i + 2]) and text[i:i + 2] in name for i in range(len(text) - 1)):
            named.add(code)
    return named


def _is_cjk(pair):
    return all("\u4e00" <= char <= "\u9fff" for char in pair)


def names_categories(values, category_names):
    """True when a column's values are the pain-point categories themselves (a 投诉类型 column).

    Its "short boards" would only restate the category (投诉类型=装维服务: 装维服务 100 %), so it
    is no customer group. ``category_names``: code -> name. Most cells must name a category, and
    the cells together several different ones (a 套餐 column whose packages all say 套餐 is a group).

        >>> names_categories(["计费争议", "装维服务", "网络质量", ""], {"billing": "计费扣费",
        ...     "repair_install": "装维服务", "stability": "网络稳定性"})
        True
    """
    cells = [str(value).strip() for value in values if value is not None and str(value).strip()]
    if not cells or not category_names:
        return False
    named = {cell: _named_categories(cell, category_names) for cell in set(cells)}
    naming = sum(1 for cell in cells if named[cell])
    distinct = set().union(*named.values())
    return naming >= CATEGORY_CELLS_SHARE * len(cells) and len(distinct) >= min(CATEGORY_NAMES_MIN,
                                                                               len(category_names))


def detect_segment_columns(header, sample_rows, *, max_values=30, category_names=None,
                           max_columns=MAX_SEGMENT_COLUMNS):
    """Low-cardinality categorical columns (地市, 地区类型, 年龄段, 套餐, 渠道), in header order.

    Text, id, date, score and annotation columns are left out, and so is a column
    whose values name the pain-point categories (``category_names``: code -> name;
    see ``names_categories``); at most ``max_columns`` are found (a wide export
    would otherwise get a table per column: ``--segment-column`` names more).
        >>> detect_segment_columns(["地区类型", "意见建议"], rows)
        ['地区类型']
    """
    sample_rows = list(sample_rows)
    excluded = {detect_date_column(header, sample_rows)}
    score = detect_score_column(header, sample_rows)
    excluded.add(score[0] if score else None)
    found = []
    for column, values in _columns(header, sample_rows).items():
        name = str(column)
        if column in excluded or column in ANNOTATION_COLUMNS or _ID_HINT.search(name) or _TEXT_HINT.search(name):
            continue
        if len(values) < max(3, 0.5 * len(sample_rows)) or _DATE_HINT.search(name):
            continue
        texts = [str(v).strip() for v in values]
        distinct = set(texts)
        if len(distinct) > max_values or len(distinct) < 2 or sum(map(len, texts)) / len(texts) > 20:
            continue
        if len(texts) >= 20 and len(distinct) > 0.5 * len(texts):
            continue
        if all(number_or_none(t) is not None for t in distinct) and len(distinct) > 12:
            continue  # a numeric measure, not a group
        if category_names and names_categories(texts, category_names):
            continue  # the complaint type itself, not a group of customers
        found.append(column)
        if len(found) >= max_columns:
            break
    return found
