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
from textmine.io.encoding import check_encoding_name, check_sample_is_text, detect_encoding, looks_binary
from textmine.io.lines import decoded_lines, line_end_of
from textmine.io.formats import TEXT_COLUMN_NAMES, RowStream, open_delimited, open_jsonl
from textmine.io.parquet_input import open_parquet
from textmine.io.xlsx_input import open_xlsx

# Moved to read_encoding / read_formats; still importable from here.

SAMPLE_BYTES = 256 * 1024
_CJK = re.compile(r"[\u4e00-\u9fff]")
_FORMATS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".txt": "csv", ".xlsx": "xlsx",
            ".xlsm": "xlsx", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
            ".parquet": "parquet", ".parq": "parquet"}
# Documents, not tables: read as CSV they gave rows of prose (samples/README.md: 761 rows, 451 of
# them repaired), so they are refused unless --input-format says otherwise.
_DOCUMENTS = {".md": "a Markdown", ".markdown": "a Markdown", ".rst": "a reStructuredText", ".html": "an HTML",
              ".htm": "an HTML", ".xhtml": "an HTML", ".mht": "a web archive", ".mhtml": "a web archive",
              ".pdf": "a PDF", ".doc": "a Word", ".docx": "a Word", ".wps": "a WPS", ".odt": "an OpenDocument",
              ".rtf": "an RTF", ".ppt": "a PowerPoint", ".pptx": "a PowerPoint"}
_READABLE = ".csv, .tsv, .txt, .xlsx, .jsonl and .parquet"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 (.xls), and other old Office files


@dataclass
class ReadStats:
    """What happened while reading: every row read is either yielded or skipped.

    ``first_line_of`` keeps the line of the first row skipped or repaired for
    each reason, so the summary can point at it; ``notes`` are warnings that
    are not about a row (a column renamed), shown even with ``--quiet``.
    """

    rows_read: int = 0
    skipped_by_reason: Counter = field(default_factory=Counter)
    warnings: Counter = field(default_factory=Counter)
    first_line_of: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)

    def skip(self, reason, line=None):
        self.skipped_by_reason[reason] += 1
        if line is not None:
            self.first_line_of.setdefault(reason, line)

    def warn(self, reason, line=None):
        self.warnings[reason] += 1
        if line is not None:
            self.first_line_of.setdefault(reason, line)

    def note(self, message):
        self.notes.append(message)

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
    size: int | None = None  # bytes of the input file; None for stdin
    stream: object = field(default=None, repr=False, compare=False)  # the open binary file, for its position
    read_columns: list = None  # the column names as the input has them (``columns`` may be renamed since)

    def read_fraction(self):
        """How much of the input has been read, from 0 to 1 (for progress); None when unknown (stdin).

        By rows when the format knows how many there are (xlsx), else by bytes read.
            >>> source.read_fraction()
            0.25
        """
        expected = getattr(self.rows, "expected_rows", None)
        if expected:
            return min(1.0, self.stats.rows_read / expected)
        if not self.size or self.stream is None:
            return None
        try:
            return min(1.0, self.stream.tell() / self.size)
        except (OSError, ValueError):  # closed at the end of the input
            return 1.0

    def rename_columns(self, names):
        """Give the columns the new ``names`` (same order), in the rows still to come too."""
        mapping = dict(zip(self.columns, names))
        if all(old == new for old, new in mapping.items()):
            return
        rows = self.rows
        self.columns = list(names)
        self.text_column = mapping.get(self.text_column, self.text_column)
        self.rows = RowStream({mapping.get(column, column): value for column, value in row.items()}
                              for row in rows)


def detect_format(path, head=b""):
    """Guess the input format from the suffix, or from the first bytes for stdin.

    Raises InputError for a document (README.md, a .docx) and for an Excel
    97-2003 workbook, which textmine does not read.

    >>> detect_format("export.XLSX")
    'xlsx'
    """
    name = "<stdin>" if str(path) == "-" else str(path)
    suffix = Path(str(path)).suffix.lower()
    if suffix in _DOCUMENTS:
        raise InputError(f"{name}: {_DOCUMENTS[suffix]} document, not a table of comments; textmine reads "
                         f"{_READABLE} files (give --input-format if this one is a table)")
    if head.startswith(_OLE2):
        # Office's old container: an Excel 97-2003 workbook, or any workbook saved with a password.
        kind = ("a workbook saved with a password (or an Excel 97-2003 one named .xlsx)" if suffix == ".xlsx"
                else "an Excel 97-2003 workbook (.xls) or another old Office file")
        raise InputError(f"{name}: {kind}, which textmine does not read; save it from Excel as .xlsx "
                         "without a password, or as CSV")
    if suffix in _FORMATS:
        return _FORMATS[suffix]
    if suffix == ".ods":
        raise InputError(f"{name}: an OpenDocument spreadsheet, which textmine does not read; save it as .xlsx or CSV")
    # Some systems save a web page as .xls (HTML, in UTF-16 too, or Excel's single-file web page);
    # others a tab-separated table, which is read as one.
    start = head.lstrip(b"\xef\xbb\xbf\xff\xfe \r\n\t\x00")
    if suffix == ".xls" and (start.startswith(b"<") or start.upper().startswith(b"MIME-VERSION")):
        raise InputError(f"{name}: a web page saved as .xls, which textmine does not read; "
                         "open it in Excel and save it as .xlsx or CSV")
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
        columns, rows, used_encoding = open_xlsx(data_stream, name, sheet, stats)
    elif fmt == "parquet":
        if not head:
            raise InputError(f"{name}: file is empty")
        columns, rows = open_parquet(data_stream, name, stats)
        used_encoding = None
    else:
        if not head.strip(b"\xef\xbb\xbf\xff\xfe \r\n\t\x00"):
            raise InputError(f"{name}: file is empty")
        used_encoding = encoding or detect_encoding(head)
        if used_encoding is None or looks_binary(head, used_encoding):
            raise InputError(f"{name}: does not look like a text table (binary data?); "
                             "give --encoding if it is text")
        check_encoding_name(used_encoding, name)
        check_sample_is_text(head, used_encoding, name, explicit=encoding is not None)
        lines = decoded_lines(data_stream, used_encoding, stats, name=name, strict_given=encoding is not None,
                              line_end=line_end_of(head, used_encoding))
        if fmt == "jsonl":
            columns, rows = open_jsonl(lines, name, stats)
        else:
            columns, rows = open_delimited(lines, name, stats, "\t" if fmt == "tsv" else None)
    chosen = resolve_text_column(columns, text_column, rows_peek=rows, source=name)
    size = None if str(path) == "-" else Path(path).stat().st_size
    return FeedbackSource(name, fmt, used_encoding, columns, chosen, rows, stats, size, data_stream, list(columns))


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
