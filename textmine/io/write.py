"""Write annotated rows as CSV, JSON Lines, XLSX or Parquet, safely and atomically.

Safety rules that hold for every file textmine writes:
- a file appears only when complete: rows go to a temporary file in the same
  folder, which is renamed over the target at the end (a killed run leaves the
  old file, or nothing);
- CSV meant for spreadsheets starts with a UTF-8 BOM (Excel reads it as UTF-8)
  and neutralises cells that a spreadsheet would run as a formula; stdout gets
  neither, because it feeds other programs;
- XLSX cells never become formulas, lose control characters Excel refuses,
  and are cut at Excel's 32,767-character limit with a visible marker
  (the rows of a big sheet are streamed by ``textmine.io.xlsx_stream``);
- Parquet (``textmine.io.parquet_writer``) is one file, or a folder of parts
  past a million rows.

    >>> with open_row_writer("out.csv", ["意见", "sentiment"]) as writer:
    ...     writer.write_row({"意见": "=1+1", "sentiment": "neg"})
"""

import csv
import io
import json
import os
import re
import sys
import tempfile
from contextlib import contextmanager
from operator import itemgetter
from pathlib import Path

from textmine.errors import OutputError, note_where
from textmine.io.formats import CSV_TAKES_NUL, NUL_STAND_IN, nul_safe
from textmine.io.outputs import is_special_file, outputs_in_place
# What an xlsx cell can hold, shared with xlsx_stream; public here.
from textmine.io._xlsx_values import (  # noqa: F401
    EXCEL_MAX_CELL_CHARS, EXCEL_MAX_COLUMNS, TRUNCATION_MARKER, columns_that_fit, safe_xlsx_value)

EXCEL_MAX_ROWS = 1_048_576
FORMATS = ("csv", "tsv", "jsonl", "xlsx", "parquet")

# What a spreadsheet may read as the start of a formula: = + - @ (also full-width,
# which some spreadsheets fold to ASCII), tab and CR; and what it may skip before
# one: spaces, a BOM, zero-width characters.
_FORMULA_MARKS = "=+\\-@\t\r＝＋－＠"
_SKIPPED_BEFORE = " \u00a0\u3000\ufeff\u200b-\u200d\u2060"
_FORMULA_START = re.compile(f"[{_SKIPPED_BEFORE}]*[{_FORMULA_MARKS}]")
_FORMULA_FIRST = frozenset("=+-@\t\r＝＋－＠ \u00a0\u3000\ufeff\u200b\u200c\u200d\u2060")
# Cells of a column joined after a newline: where a cell may start a formula
# (or a cell holds a newline; both are then checked one by one). A search for a
# pattern that starts with a plain character skips ahead in C.
_FORMULA_AFTER_NEWLINE = re.compile(f"\n[{_SKIPPED_BEFORE}]*[{_FORMULA_MARKS}]")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?%?\Z")


def format_for(path, requested=None):
    """Output format from ``--format`` or the file suffix; stdout defaults to CSV.

    >>> format_for("report.xlsx")
    'xlsx'
    """
    if requested:
        return requested
    suffix = Path(str(path)).suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix
    if suffix in ("json", "ndjson"):
        return "jsonl"
    if suffix == "parq":
        return "parquet"
    return "csv"


def escape_formula(value):
    """Neutralise a cell a spreadsheet would evaluate, with a leading apostrophe.

    Plain numbers such as -5 or +86 stay as they are: they are not formulas.
    Full-width ＝＋－＠ count too, and so does a formula after leading spaces,
    a BOM or a zero-width space.

    >>> escape_formula('=HYPERLINK("http://x","点我")')
    '\\'=HYPERLINK("http://x","点我")'
    """
    if isinstance(value, str) and _FORMULA_START.match(value) and not _PLAIN_NUMBER.match(value.lstrip(" ")):
        return "'" + value
    return value


def string_cell(worksheet, value):
    """A write-only cell that holds ``value`` as text, never as a formula."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(worksheet, value=safe_xlsx_value(value))
    if isinstance(cell.value, str):
        cell.data_type = "s"
    return cell


@contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; rename it over ``path`` on success.

    On any error, KeyboardInterrupt and SIGTERM (``textmine.cli``) included,
    the temporary file is removed and ``path`` is left untouched; an OSError
    (a full disk) becomes an OutputError naming ``path``. A symbolic link is
    written through: its target is replaced, the link stays. A FIFO or a
    device (``-o /dev/null``) is written directly, never replaced by a file.
    """
    target = Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)
    if is_special_file(target):
        with errors_named(path):
            yield target
        return
    if target.is_dir():
        raise OutputError(f"{path}: is a folder")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"{path}: folder {folder} does not exist")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write in {folder}: {exc.strerror or exc}") from exc
    os.close(handle)
    with errors_named(path):
        try:
            yield Path(temporary)
            # mkstemp makes the file private (0600); give it the mode any new file gets
            # (the umask's), or the one the file it replaces had.
            os.chmod(temporary, _mode_for(target))
            os.replace(temporary, target)
            outputs_in_place.append(str(path))
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


@contextmanager
def errors_named(path):
    """An OSError in the block (a full disk) becomes an OutputError naming ``path``; any other
    error is noted as happening while ``path`` was written (``textmine.errors.note_where``)."""
    try:
        yield
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from exc
    except Exception as exc:
        note_where(exc, f"writing {path}")
        raise


def _mode_for(target):
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def values_getter(columns):
    """A function: row -> its values in ``columns`` order, as a sequence; KeyError if one is missing."""
    if len(columns) < 2:  # itemgetter of one key gives the value itself, not a 1-tuple
        return lambda row: tuple(row[column] for column in columns)
    return itemgetter(*columns)


class CsvRowWriter:
    """CSV or TSV rows; ``excel_escape`` neutralises formula-like cells.

    Files for spreadsheets end lines with CRLF (RFC 4180); stdout ends them with
    LF for Unix tools. Either way the csv module is run with CRLF, because it
    quotes only cells holding a character of its line terminator: with LF alone
    a cell holding a lone CR would be written bare and split the row.
    """

    def __init__(self, stream, columns, *, delimiter=",", excel_escape=True, line_end="\r\n"):
        self.columns = list(columns)
        self._escape = excel_escape
        self._stream = stream
        self._line_end = line_end
        # CRLF files are written straight to the stream; other line ends go through a buffer,
        # and so does everything where the csv module cannot write a NUL (``nul_safe``).
        self._buffer = stream if line_end == "\r\n" and CSV_TAKES_NUL else io.StringIO()
        self._writer = csv.writer(self._buffer, delimiter=delimiter, lineterminator="\r\n")
        self._write([escape_formula(c) if excel_escape else c for c in self.columns])
        self._values_of = values_getter(self.columns)
        self.rows_written = 0

    def _write(self, values):
        self._writer.writerow(values if CSV_TAKES_NUL else nul_safe(values))
        if self._buffer is not self._stream:
            line = self._buffer.getvalue()
            self._buffer.seek(0)
            self._buffer.truncate()
            if not CSV_TAKES_NUL:
                line = line.replace(NUL_STAND_IN, "\x00")
            self._stream.write(line[:-2] + self._line_end)

    def write_row(self, row):
        values = self._values_with_blanks(row)
        if self._escape:
            # Most cells cannot start a formula: test the first character before the full check.
            values = [escape_formula(value) if value.__class__ is str and value[:1] in _FORMULA_FIRST
                      else value for value in values]
        self._write(values)
        self.rows_written += 1

    def write_rows(self, rows):
        """Write a batch of rows: one C call for the values and one for the lines.

        Formula-like cells are looked for one column at a time, in all the
        batch's cells at once.
        """
        values_of = self._values_of
        try:
            values = list(map(values_of, rows))  # one C call a row when it has every column
        except KeyError:
            values = [self._values_with_blanks(row) for row in rows]
        if self._escape:
            values = formulas_escaped(values)
        if self._buffer is self._stream:
            self._writer.writerows(values)
        else:
            for row_values in values:
                self._write(row_values)
        self.rows_written += len(values)

    def write_formatted(self, text, rows):
        """Write ``rows`` rows already formatted as this writer would (``formatted_lines``)."""
        self._stream.write(text)
        self.rows_written += rows

    def _values_with_blanks(self, row):
        try:
            return self._values_of(row)
        except KeyError:
            get = row.get
            return [get(column, "") for column in self.columns]


def formulas_escaped(rows_values):
    """``rows_values`` (one sequence of cells a row) with ``escape_formula`` applied to every cell.

    Most columns hold no cell that could start a formula; those are found with
    one search each and left as they are.
    """
    if not rows_values:
        return rows_values
    columns = list(zip(*rows_values))
    escaped = False
    for index, column in enumerate(columns):
        try:
            joined = "\n".join(column)
        except TypeError:  # numbers: only the strings among them can be formulas
            joined = "\n".join([value for value in column if value.__class__ is str])
        if _FORMULA_AFTER_NEWLINE.search("\n" + joined):
            columns[index] = list(map(escape_formula, column))
            escaped = True
    return list(zip(*columns)) if escaped else rows_values


class JsonlRowWriter:
    """One JSON object a line, keys in column order, text kept exactly."""

    def __init__(self, stream, columns):
        self.columns = list(columns)
        self._stream = stream
        self.rows_written = 0

    def write_row(self, row):
        record = {column: row.get(column, "") for column in self.columns}
        self._stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.rows_written += 1

    def write_rows(self, rows):
        for row in rows:
            self.write_row(row)

    def write_formatted(self, text, rows):
        """Write ``rows`` rows already formatted as this writer would (``formatted_lines``)."""
        self._stream.write(text)
        self.rows_written += rows


class XlsxRowWriter:
    """One 明细 sheet capped at Excel's row and column limits; rows stream to disk (``textmine.io.xlsx_stream``).

    Past 16,384 columns the ``keep_columns`` stay and the first others fill the
    rest (``columns_left_out`` counts the others).
    """

    def __init__(self, path, columns, *, sheet_title="明细", keep_columns=()):
        from openpyxl import Workbook

        from textmine.io.xlsx_stream import SheetRows

        self.columns, self.columns_left_out = columns_that_fit(columns, keep_columns)
        self._path = path
        self._workbook = Workbook(write_only=True)
        self._sheet = self._workbook.create_sheet(sheet_title)
        self._sheet.freeze_panes = "A2"
        self._sheet.append([string_cell(self._sheet, column) for column in self.columns])
        self._rows = SheetRows(self._sheet, first_row=2, last_row=EXCEL_MAX_ROWS)
        self.rows_written = 0

    @property
    def rows_over_limit(self):
        return self._rows.left_out

    def write_row(self, row):
        if self._rows.append([row.get(column, "") for column in self.columns]):
            self.rows_written += 1

    def write_rows(self, rows):
        for row in rows:
            self.write_row(row)

    def close(self):
        from textmine.io.xlsx_stream import save_with_rows

        # Opened here, for writing only: zipfile opens a path read-write, which a FIFO
        # accepts before any reader is there, then refuses as not seekable.
        with open(self._path, "wb") as handle:
            save_with_rows(self._workbook, self._sheet, self._rows, handle)

    def discard(self):
        """Drop the workbook after a failure, quietly (see ``discard_workbook``)."""
        from textmine.io.xlsx_stream import discard_workbook

        self._rows.close()
        discard_workbook(self._workbook)


@contextmanager
def open_row_writer(path, columns, *, fmt=None, excel_escape=True, bom=None, stdout=None, keep_columns=()):
    """Open a writer for annotated rows at ``path`` (or ``-`` for stdout).

    Files are written atomically. CSV and TSV start with a UTF-8 BOM, which
    Excel needs to read them as UTF-8, in files and not on stdout unless
    ``bom`` says otherwise. Yields an object with ``write_row(dict)``,
    ``write_rows(dicts)`` and ``rows_written``.
    ``keep_columns``: the columns an xlsx sheet keeps when there are more than Excel holds.
    """
    fmt = format_for(path, fmt)
    delimited = fmt in ("csv", "tsv")
    if str(path) == "-":
        if fmt == "xlsx":
            raise OutputError("cannot write xlsx to stdout; give -o report.xlsx")
        if fmt == "parquet":
            raise OutputError("cannot write parquet to stdout; give -o annotated.parquet")
        stream = stdout or sys.stdout
        if bom and delimited:
            stream.write("\ufeff")
        writer = _text_writer(stream, columns, fmt, excel_escape=False, line_end="\n")
        yield writer
        stream.flush()
        return
    if fmt == "parquet":
        from textmine.io.parquet_writer import ParquetRowWriter

        if is_special_file(path):  # its parts are renamed into place, which would replace a FIFO or device
            raise OutputError(f"{path}: Parquet is written as a file or a folder of parts, not into a FIFO or a device")

        with errors_named(path), ParquetRowWriter.open(path, columns) as writer:
            yield writer
        return
    if Path(path).is_dir():
        raise OutputError(f"{path}: is a folder; give a file name")
    try:
        with atomic_path(path) as temporary:
            if fmt == "xlsx":
                writer = XlsxRowWriter(temporary, columns, keep_columns=keep_columns)
                try:
                    yield writer
                    writer.close()
                except BaseException:
                    writer.discard()
                    raise
            else:
                # The BOM by hand: Python encodes "utf-8" in C but "utf-8-sig" write by write.
                with open(temporary, "w", encoding="utf-8", newline="", buffering=1 << 16) as stream:
                    if delimited and bom is not False:
                        stream.write("\ufeff")
                    yield _text_writer(stream, columns, fmt, excel_escape=excel_escape)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from exc


def _text_writer(stream, columns, fmt, *, excel_escape, line_end="\r\n"):
    if fmt == "jsonl":
        return JsonlRowWriter(stream, columns)
    return CsvRowWriter(stream, columns, delimiter="\t" if fmt == "tsv" else ",", excel_escape=excel_escape,
                        line_end=line_end)


def write_json_summary(summary, path, *, stdout=None):
    """Write a JSON summary to ``path`` atomically, or to ``stdout`` for ``-`` (UTF-8, indented).

    >>> write_json_summary({"rows": {"read": 3}}, "summary.json")
    """
    text = json.dumps(summary, ensure_ascii=False, indent=2, default=str) + "\n"
    if str(path) == "-":
        stream = stdout or sys.stdout
        stream.write(text)
        stream.flush()
        return
    try:
        with atomic_path(path) as temporary:
            temporary.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from exc
