"""Read feedback exports: CSV, TSV, XLSX, JSONL, Parquet or stdin, in any encoding a CRM uses.

One entry point owns input handling, so every command reads files the same way:
the encoding is detected (BOM, then strict UTF-8, then charset-normalizer among
the encodings Chinese exports use), the delimiter is sniffed from the header,
the text column is found by name or by content, and nothing is lost silently:
ragged rows, undecodable bytes and bad JSON lines are counted with a reason.

This module opens the input and finds the text column (:func:`open_feedback`,
:func:`resolve_text_column`); ``read_encoding`` detects and decodes the
encoding and ``read_formats`` turns each format into rows.

    >>> source = open_feedback("samples/survey_export.csv")
    >>> source.text_column, source.encoding
    ('意见建议', 'gb18030')
"""

import io
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from textmine.errors import InputError, MissingColumnError
from textmine.io.encoding import (
    _check_encoding_name, _decode_lines, _looks_binary, detect_encoding)
from textmine.io.formats import (
    TEXT_COLUMN_NAMES, RowStream, _open_delimited, _open_jsonl, _open_parquet, _open_xlsx)

# Moved to read_encoding / read_formats; still importable from here.

SAMPLE_BYTES = 256 * 1024
_CJK = re.compile(r"[\u4e00-\u9fff]")
_FORMATS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".txt": "csv", ".xlsx": "xlsx",
            ".xlsm": "xlsx", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
            ".parquet": "parquet", ".parq": "parquet"}


@dataclass
class ReadStats:
    """What happened while reading: every row read is either yielded or skipped."""

    rows_read: int = 0
    skipped_by_reason: Counter = field(default_factory=Counter)
    warnings: Counter = field(default_factory=Counter)
    first_line_of: dict = field(default_factory=dict)

    def skip(self, reason, line=None):
        self.skipped_by_reason[reason] += 1
        self.first_line_of.setdefault(reason, line)

    def warn(self, reason, line=None):
        self.warnings[reason] += 1
        self.first_line_of.setdefault(reason, line)

    @property
    def rows_skipped(self):
        return sum(self.skipped_by_reason.values())


@dataclass
class FeedbackSource:
    """One opened input: its columns, the text column and a row iterator."""

    name: str
    format: str
    encoding: str | None
    columns: list
    text_column: str
    rows: "RowStream"  # iterator of dicts, column -> str, with peek()
    stats: ReadStats


def detect_format(path, head=b""):
    """Guess the input format from the suffix, or from the first bytes for stdin.

    >>> detect_format("export.XLSX")
    'xlsx'
    """
    suffix = Path(str(path)).suffix.lower()
    if suffix in _FORMATS:
        return _FORMATS[suffix]
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"{"):
        return "jsonl"
    return "csv"



def open_feedback(path, *, fmt=None, encoding=None, sheet=None, text_column=None, stdin=None):
    """Open one input file (or ``-`` for stdin) and find its text column.

    Raises InputError for a missing, empty or unreadable file and
    MissingColumnError (listing the columns found) for a bad ``text_column``.

    >>> source = open_feedback("replies.csv", text_column="回复内容")
    >>> next(source.rows)["回复内容"]
    """
    name = "<stdin>" if str(path) == "-" else str(path)
    data_stream = _open_binary(path, name, stdin)
    head = data_stream.peek(SAMPLE_BYTES)[:SAMPLE_BYTES] if hasattr(data_stream, "peek") else b""
    fmt = fmt or detect_format(name, head)
    stats = ReadStats()
    if fmt == "xlsx":
        columns, rows, used_encoding = _open_xlsx(data_stream, name, sheet, stats)
    elif fmt == "parquet":
        if not head:
            raise InputError(f"{name}: file is empty")
        columns, rows = _open_parquet(data_stream, name, stats)
        used_encoding = None
    else:
        if not head.strip(b"\xef\xbb\xbf\xff\xfe \r\n\t\x00"):
            raise InputError(f"{name}: file is empty")
        used_encoding = encoding or detect_encoding(head)
        if used_encoding is None or _looks_binary(head, used_encoding):
            raise InputError(f"{name}: does not look like a text table (binary data?); "
                             "give --encoding if it is text")
        _check_encoding_name(used_encoding, name)
        lines = _decode_lines(data_stream, used_encoding, stats, strict_given=encoding is not None)
        if fmt == "jsonl":
            columns, rows = _open_jsonl(lines, name, stats)
        else:
            columns, rows = _open_delimited(lines, name, stats, "\t" if fmt == "tsv" else None)
    chosen = resolve_text_column(columns, text_column, rows_peek=rows, source=name)
    return FeedbackSource(name, fmt, used_encoding, columns, chosen, rows, stats)


def _open_binary(path, name, stdin):
    if str(path) == "-":
        raw = stdin if stdin is not None else sys.stdin.buffer
        return raw if hasattr(raw, "peek") else io.BufferedReader(_RawWrapper(raw), SAMPLE_BYTES)
    file_path = Path(path)
    if not file_path.exists():
        raise InputError(f"{name}: no such file")
    if file_path.is_dir():
        raise InputError(f"{name}: is a folder, not a file")
    try:
        return open(file_path, "rb", buffering=SAMPLE_BYTES)
    except OSError as exc:
        raise InputError(f"{name}: cannot open: {exc.strerror}") from exc


class _RawWrapper(io.RawIOBase):
    """Give any binary stream the raw interface BufferedReader needs (for peek)."""

    def __init__(self, stream):
        self._stream = stream

    def readable(self):
        return True

    def readinto(self, buffer):
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)



def resolve_text_column(columns, requested=None, rows_peek=None, source=None):
    """Return the column holding the comments: the one asked for, or found.

    By name first (意见建议, 投诉内容, comment, ...), then by content: the column
    whose first rows hold the most Chinese characters.

    >>> resolve_text_column(["序号", "满意度", "意见建议"])
    '意见建议'
    """
    if requested is not None:
        if requested in columns:
            return requested
        if requested.isdigit() and 1 <= int(requested) <= len(columns):
            return columns[int(requested) - 1]
        raise MissingColumnError(requested, columns, source)
    lowered = {column.lower(): column for column in columns}
    for wanted in TEXT_COLUMN_NAMES:
        if wanted in lowered:
            return lowered[wanted]
    for wanted in TEXT_COLUMN_NAMES:
        for column in columns:
            if wanted in column.lower():
                return column
    sample = rows_peek.peek(200) if rows_peek is not None else []
    scores = {column: sum(len(_CJK.findall(row.get(column, ""))) for row in sample) for column in columns}
    if scores and max(scores.values()) > 0:
        return max(columns, key=lambda column: scores[column])
    if len(columns) == 1:
        return columns[0]
    raise InputError(
        f"{source or 'input'}: cannot tell which column holds the text; "
        f"give --text-column (columns are: {', '.join(columns)})"
    )
