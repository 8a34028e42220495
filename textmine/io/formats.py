"""Rows of each input format: delimited text (CSV, TSV) and JSON Lines (xlsx: ``textmine.io.xlsx_input``, Parquet: ``textmine.io.parquet_input``).

Each ``open_*`` handler reads the header and returns the column names and a
:class:`RowStream` of dicts (column -> str) over the data rows. Nothing is lost
silently: ragged rows, unparseable lines, bad JSON lines and extra cells are
counted in the ReadStats with a reason. ``textmine.io.read.open_feedback`` picks
the handler and hands it decoded lines (or, for xlsx and Parquet, the byte stream).

    >>> sniff_delimiter("序号,满意度,意见")
    ','
"""

import csv
import json
import re
import sys
from collections import deque
from itertools import chain
from datetime import date, datetime, time

from textmine.errors import InputError, LineError
from textmine.io.lines import MAX_CELL_CHARS
from textmine.io.names import unique_names

# The csv module's default (131,072 characters) would skip a long quoted comment
# and read its lines as rows; cells up to MAX_CELL_CHARS are read whole instead.
csv.field_size_limit(MAX_CELL_CHARS)

DELIMITERS = [",", "\t", ";", "|"]

# Header names that hold the free text, best first (matched after lower-casing;
# an exact match wins over a name that only contains one of these). They find the
# text column (textmine.io.read.resolve_text_column) and the sheet of a workbook.
TEXT_COLUMN_NAMES = [
    "意见建议", "投诉内容", "问题描述", "回复内容", "评论内容", "反馈内容", "内容", "评论", "意见",
    "建议", "反馈", "评价", "留言", "描述", "原文", "诉求", "备注",
    "text", "comment", "comments", "review", "content", "feedback", "message", "body",
]


class RowStream:
    """An iterator of rows that can show its first rows without consuming them.

    Column detection (``textmine.io.read`` and ``analyze``) looks at the first rows; they
    are then yielded again as if never read.
    """

    def __init__(self, generator, expected_rows=None):
        self._generator = generator
        self._peeked = deque()
        self.expected_rows = expected_rows  # data rows the input says it holds, when it says (xlsx)

    def peek(self, count):
        """The first ``count`` rows still to come (fewer at the end of the input)."""
        while len(self._peeked) < count:
            try:
                self._peeked.append(next(self._generator))
            except StopIteration:
                break
        return list(self._peeked)[:count]

    def __iter__(self):
        # The peeked rows, then the generator's own: no Python call per row after them.
        peeked, self._peeked = self._peeked, deque()
        return chain(peeked, self._generator)

    def __next__(self):
        if self._peeked:
            return self._peeked.popleft()
        return next(self._generator)


def unique_columns(header, stats, name):
    """Blank and repeated header names get a suffix, so no column is overwritten; a note says which."""
    raw = [(str(value or "")).strip() or f"column_{index}" for index, value in enumerate(header, 1)]
    columns = unique_names(raw)
    renamed = [f"{old!r} -> {new!r}" for old, new in zip(raw, columns) if old != new]
    if renamed:
        for _ in renamed:
            stats.warn("duplicate_column_renamed")
        shown = ", ".join(renamed[:5]) + (f" and {len(renamed) - 5:,} more" if len(renamed) > 5 else "")
        stats.note(f"{name}: repeated column names renamed, every value kept: {shown}")
    return columns


def sniff_delimiter(header_line):
    """Pick the delimiter that splits the header line the most.

    >>> sniff_delimiter("序号\\t满意度\\t意见")
    '\\t'
    """
    counts = {delimiter: header_line.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def open_delimited(lines, name, stats, delimiter):
    tracked = TrackedLines(lines)
    columns, delimiter, reader = read_delimited_header(tracked, name, stats, delimiter)
    if tracked.nul_seen:
        columns = _with_nuls(columns)
    return columns, RowStream(delimited_rows(reader, columns, delimiter, stats, name, tracked))


def read_delimited_header(lines, name, stats, delimiter=None):
    """``(columns, delimiter, csv reader)``: the header read, the reader standing on the first data line.

    Leading blank lines are skipped and the delimiter is sniffed from the first
    line that is not blank (unless given). A quote opened in the header and never
    closed would make the whole file its last cell, and no row: an error.
    """
    tracked = lines if isinstance(lines, TrackedLines) else TrackedLines(lines)
    first_lines = []
    for line in tracked:
        first_lines.append(line)
        if line.strip():
            break
    if not any(line.strip() for line in first_lines):
        raise InputError(f"{name}: file is empty")
    delimiter = delimiter or sniff_delimiter(first_lines[-1])

    reader = csv.reader(chain(first_lines, tracked), delimiter=delimiter)
    try:
        header = next(reader)
        while not any(cell.strip() for cell in header):  # the blank lines before it
            header = next(reader)
    except csv.Error as exc:
        raise InputError(f"{name}: line 1: cannot parse the header: {exc}") from exc
    if tracked.ended and _ends_in_a_line_break(header):
        raise LineError(name, len(first_lines), ": a quote opened in the header is never closed, so the whole "
                        "file would be read as the header; close the quote and run again")
    return unique_columns(header, stats, name), delimiter, reader


# A quoted cell that holds lines looking like rows of their own (as many delimiters as a row
# has, give or take one) may be rows swallowed by a stray quote: counted under this reason, and
# said in a warning with its first line (``textmine.pipeline.runner``).
ROW_LIKE_CELL = "quoted_cell_with_row_like_lines"


# Python's csv module reads and writes NUL characters from 3.11 on; before, a line holding
# one is an error. There a character no export holds stands in for NUL, in the lines read
# and in the cells written, and NUL is put back in the cells read and the lines written.
CSV_TAKES_NUL = sys.version_info >= (3, 11)
NUL_STAND_IN = "\U0010fffd"


def nul_safe(values):
    """``values`` with NUL in text cells replaced by ``NUL_STAND_IN`` (for the csv module before 3.11)."""
    return [value.replace("\x00", NUL_STAND_IN) if value.__class__ is str and "\x00" in value else value
            for value in values]


class TrackedLines:
    """The lines a CSV reader reads, noting when they run out.

    A record left open by a quote that never closes runs to the end of the
    input as one cell, and the csv module says nothing; while reading it, the
    csv module asks for a line past the last one (``ended``), which it never
    does for a closed record (given at its last line's end). ``delimited_rows``
    and ``read_delimited_header`` check it. (Before Python 3.11 it also hides
    NULs from the csv module: ``NUL_STAND_IN``.)
    """

    __slots__ = ("_lines", "nul_seen", "ended")

    def __init__(self, lines):
        self._lines = iter(lines)
        self.nul_seen = False
        self.ended = False

    def __iter__(self):
        return self

    def __next__(self):
        try:
            line = next(self._lines)
        except StopIteration:
            self.ended = True
            raise
        if not CSV_TAKES_NUL and "\x00" in line:
            self.nul_seen = True
            line = line.replace("\x00", NUL_STAND_IN)
        return line


def _with_nuls(fields):
    return [field.replace(NUL_STAND_IN, "\x00") for field in fields]


def delimited_rows(reader, columns, delimiter, stats, name, tracked=None):
    """Rows (dicts) of the records of a CSV ``reader``; ragged rows repaired and counted with their line.

    ``reader`` is a ``csv.reader`` or anything iterating like one with a
    ``line_num`` (a partition's reader, ``textmine.pipeline.partitions``).
    ``tracked``: the ``TrackedLines`` the reader reads its lines from, when there
    is one, so that a quote never closed is an error naming its line, not the
    rest of the file read as one cell. A quoted cell whose lines look like rows
    of their own (a stray quote closed by another below) is read as the quotes
    say and counted under ``ROW_LIKE_CELL`` with its first line.
    """
    width = len(columns)
    read = 0  # counted locally, added to stats when the rows end: this loop is hot
    ended = reader.line_num  # the line the previous record (or the header) ended on
    open_at = None  # (first line, lines) of the last record, when a quote opened in its last cell never closed
    try:
        while True:
            try:
                for fields in reader:
                    open_at = None
                    if tracked is not None and tracked.nul_seen:
                        fields = _with_nuls(fields)
                    if reader.line_num - ended > 1:  # a quoted cell over several lines, or a quote left open
                        if _holds_row_like_lines(fields, width, delimiter):
                            stats.warn(ROW_LIKE_CELL, ended + 1)
                        # Odd quotes do not say a quote was left open (屏幕5" after a closed cell), nor
                        # even ones that it was not (屏幕5"寸,"开了不关): a record over several lines that the
                        # reader ended only because the input ran out does.
                        if tracked is not None and tracked.ended and _ends_in_a_line_break(fields):
                            open_at = (ended + 1, reader.line_num - ended)
                    ended = reader.line_num
                    if len(fields) == width and (width > 1 or fields[0].strip()):
                        read += 1
                        yield dict(zip(columns, fields))
                        continue
                    if not fields or (len(fields) == 1 and not fields[0].strip()):
                        continue  # blank lines are not rows
                    read += 1
                    if len(fields) < width:
                        stats.warn("short_row_padded", reader.line_num)
                        fields = fields + [""] * (width - len(fields))
                    else:
                        # Usually an unquoted delimiter inside the last cell: keep every value.
                        stats.warn("long_row_joined", reader.line_num)
                        fields = fields[: width - 1] + [delimiter.join(fields[width - 1 :])]
                    yield dict(zip(columns, fields))
                if open_at is not None:
                    # The last record ran to the end of the input, its last cell over several lines:
                    # a quote opened in that cell never closed.
                    first, lines = open_at
                    raise LineError(name, first, f": a quote opened on this line is never closed, so the last "
                                    f"{lines:,} lines would be read as one cell; close the quote (or double a quote "
                                    'inside a quoted cell: "") and run again')
                return
            except csv.Error as exc:
                if "field larger than field limit" in str(exc):
                    # Carrying on would read the rest of the cell's lines as rows.
                    raise LineError(name, reader.line_num, f": a cell is longer than {MAX_CELL_CHARS:,} "
                                    "characters, the most textmine reads (is a closing quote missing?)") from exc
                read += 1
                ended = reader.line_num
                stats.skip(f"unparseable_line: {exc}", reader.line_num)
    finally:
        stats.rows_read += read


def _holds_row_like_lines(fields, width, delimiter):
    """True when a cell's second and later lines look like rows of their own (two at least, or all)."""
    if width < 2:
        return False
    least = max(1, width - 2)  # a row's delimiters, one short row allowed
    lines = [line for cell in fields if "\n" in cell for line in cell.split("\n")[1:] if line.strip()]
    row_like = sum(line.count(delimiter) >= least for line in lines)
    return row_like >= 2 or (row_like and row_like == len(lines))


def _ends_in_a_line_break(fields):
    """True when the last cell holds a line break: where a quote never closed takes the input's end.

    (A record whose line breaks are in an earlier, quoted cell, with a literal quote after it
    in the last cell, 屏幕5" 的, was closed.)
    """
    return bool(fields) and ("\n" in fields[-1] or "\r" in fields[-1])


def open_jsonl(lines, name, stats):
    """JSON Lines: one object a line; columns are the keys of the first 1,000 objects."""
    parsed = RowStream(parse_json_lines(lines, stats))
    first = parsed.peek(1000)
    if not first and stats.rows_read == 0:
        raise InputError(f"{name}: file is empty")
    columns = list(dict.fromkeys(key for record in first for key in record))  # in order of appearance
    return columns, RowStream(jsonl_rows(parsed, columns, stats))


def jsonl_rows(records, columns, stats, names=None):
    """Rows (dicts) of parsed JSON objects: the cells of ``columns``, under ``names`` when given.

    Keys that are not among ``columns`` are dropped and counted.
    """
    known = set(columns)
    pairs = list(zip(names, columns)) if names is not None and list(names) != list(columns) else None
    for record in records:
        if not known.issuperset(record):
            stats.warn("unknown_keys_dropped")
        if pairs is None:
            yield {column: cell_text(record.get(column)) for column in columns}
        else:
            yield {name: cell_text(record.get(column)) for name, column in pairs}


def _int_or_digits(digits):
    # Python refuses to make an int of more than 4,300 digits (a guard against slow
    # conversions); such a number is kept as its digits, which is what a cell shows.
    return int(digits) if len(digits) <= 4000 else digits


_JSON = json.JSONDecoder(parse_int=_int_or_digits)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")  # \ud800 written out: maybe a lone surrogate
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _without_lone_surrogates(value):
    """``value`` with every lone surrogate (``"\\ud800"``, which no UTF-8 file can hold) made U+FFFD."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_without_lone_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {_without_lone_surrogates(key): _without_lone_surrogates(item) for key, item in value.items()}
    return value


def parse_json_lines(lines, stats):
    """JSON objects of lines (numbered from 1 for the reasons of those skipped), counted as read."""
    for number, line in enumerate(lines, 1):
        text = line.strip().lstrip("\ufeff")
        if not text:
            continue
        stats.rows_read += 1
        try:
            record = _JSON.decode(text)
        except RecursionError:
            stats.skip("json_nested_too_deeply", number)
            continue
        except ValueError:  # JSONDecodeError, or a number Python cannot hold
            stats.skip("invalid_json", number)
            continue
        if not isinstance(record, dict):
            stats.skip("not_a_json_object", number)
            continue
        if _SURROGATE_ESCAPE.search(text):
            cleaned = _without_lone_surrogates(record)
            if cleaned != record:
                stats.warn("lone_surrogate_replaced", number)
                record = cleaned
        yield record


def cell_text(value):
    """Cell values become the text a spreadsheet would show."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.time() != time(0) else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
