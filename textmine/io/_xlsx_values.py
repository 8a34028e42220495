"""What an xlsx cell can hold: Excel's cell limit, the characters XML refuses, and the
cleaning that makes any value fit.

Shared by ``textmine.io.write`` (openpyxl cells) and ``textmine.io.xlsx_stream``
(rows streamed as XML); it imports neither, so the two depend on it one way.
``textmine.io.write`` is the public face of these names.

    >>> safe_xlsx_value("ok\x00"), safe_xlsx_value(float("nan"))
    ('ok', None)
"""

import datetime
import math
import re

EXCEL_MAX_CELL_CHARS = 32_767
EXCEL_MAX_COLUMNS = 16_384  # column XFD
TRUNCATION_MARKER = "…[截断]"
# The characters XML 1.0 cannot hold: control characters, lone surrogates (from
# undecodable bytes), U+FFFE and U+FFFF.
ILLEGAL_XLSX_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def safe_xlsx_value(value):
    """Make a value safe for an xlsx cell: what Excel can hold, nothing more.

    Control characters are removed, text over 32,767 characters is cut with a
    visible ``…[截断]`` (counted as Excel counts, in UTF-16 units), NaN and
    infinity become empty, lists are joined with '|'. Strings must still be
    stored as string cells so that text starting with '=' never becomes a formula.

    >>> safe_xlsx_value("ok\x00"), safe_xlsx_value(float("nan"))
    ('ok', None)
    """
    if value is None or isinstance(value, (bool, int, datetime.datetime, datetime.date, datetime.time)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (list, tuple, set, frozenset)):
        value = "|".join(str(item) for item in value)
    text = ILLEGAL_XLSX_CHARS.sub("", str(value))
    if len(text) > EXCEL_MAX_CELL_CHARS // 2 and _excel_length(text) > EXCEL_MAX_CELL_CHARS:
        text = _cut_to_excel_length(text, EXCEL_MAX_CELL_CHARS - len(TRUNCATION_MARKER)) + TRUNCATION_MARKER
    return text


def _excel_length(text):
    # Excel counts UTF-16 code units: a character outside the BMP (an emoji) is two.
    return len(text.encode("utf-16-le")) // 2


def _cut_to_excel_length(text, units):
    # Cutting the UTF-16 bytes may split a surrogate pair; "ignore" drops the half.
    return text.encode("utf-16-le")[: 2 * units].decode("utf-16-le", errors="ignore")


LINE_HEIGHT = 15.0  # points a line of 11-point text takes in a row (CJK fallback fonts included)
MAX_ROW_HEIGHT = 409.0  # Excel's limit, in points


def wrapped_height(text, column_width):
    """The row height (points) that shows ``text`` whole, wrapped in a column ``column_width`` wide.

    Spreadsheets do not all grow a row for wrapped text on opening (LibreOffice keeps
    the default height), so the writers give such rows their height. The width of the
    text is estimated in C: a CJK character (3 bytes in UTF-8) counts two units, ASCII one.
        >>> wrapped_height("网速" * 30, 42)
        45.0
    """
    usable = max(column_width - 1.5, 1.0)
    lines = 0
    for part in str(text).split("\n"):
        units = (len(part) + len(part.encode("utf-8", "surrogatepass"))) / 2
        lines += max(1, math.ceil(units / usable))
    return min(MAX_ROW_HEIGHT, lines * LINE_HEIGHT)
def columns_that_fit(columns, keep=()):
    """``(columns, left_out)``: at most Excel's 16,384 columns for a sheet of rows.

    The ``keep`` columns (the comment and its annotation) always stay, then the
    first others; a last column's header says how many were left out (its
    cells stay empty: rows are read by column name).

    >>> columns_that_fit(["a", "b"])
    (['a', 'b'], 0)
    """
    columns = list(columns)
    if len(columns) <= EXCEL_MAX_COLUMNS:
        return columns, 0
    keep = set(keep)
    room = EXCEL_MAX_COLUMNS - 1 - sum(1 for column in columns if column in keep)
    chosen = []
    for column in columns:
        if column in keep:
            chosen.append(column)
        elif room > 0:
            chosen.append(column)
            room -= 1
    left_out = len(columns) - len(chosen)
    chosen.append(f"另有 {left_out:,} 列未写入（Excel 最多 {EXCEL_MAX_COLUMNS:,} 列），完整结果请输出为 CSV 或 JSONL")
    return chosen, left_out
