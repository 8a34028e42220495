"""Rows of each input format: delimited text (CSV, TSV), JSON Lines, xlsx and Parquet.

Each ``_open_*`` handler reads the header and returns the column names and a
:class:`RowStream` of dicts (column -> str) over the data rows. Nothing is lost
silently: ragged rows, unparseable lines, bad JSON lines and extra cells are
counted in the ReadStats with a reason. ``textmine.io.read.open_feedback`` picks
the handler and hands it decoded lines (or, for xlsx and Parquet, the byte stream).

    >>> sniff_delimiter("序号,满意度,意见")
    ','
"""

import csv
import io
import json
from collections import Counter, deque
from itertools import chain
from datetime import date, datetime, time

from textmine.errors import InputError

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

    def __init__(self, generator):
        self._generator = generator
        self._peeked = deque()

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


def _unique_columns(header, stats):
    """Blank and repeated header names get a suffix, so no column is overwritten."""
    columns, seen = [], Counter()
    for index, raw in enumerate(header, 1):
        name = (raw or "").strip() or f"column_{index}"
        seen[name] += 1
        if seen[name] > 1:
            stats.warn("duplicate_column_renamed")
            name = f"{name}_{seen[name]}"
        columns.append(name)
    return columns


def sniff_delimiter(header_line):
    """Pick the delimiter that splits the header line the most.

    >>> sniff_delimiter("序号\\t满意度\\t意见")
    '\\t'
    """
    counts = {delimiter: header_line.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _open_delimited(lines, name, stats, delimiter):
    lines = iter(lines)
    first_lines = []
    for line in lines:
        first_lines.append(line)
        if line.strip():
            break
    if not any(line.strip() for line in first_lines):
        raise InputError(f"{name}: file is empty")
    delimiter = delimiter or sniff_delimiter(first_lines[-1])

    reader = csv.reader(chain(first_lines, lines), delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise InputError(f"{name}: line 1: cannot parse the header: {exc}") from exc
    columns = _unique_columns(header, stats)

    def rows():
        width = len(columns)
        read = 0  # counted locally, added to stats when the rows end: this loop is hot
        try:
            while True:
                try:
                    for fields in reader:
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
                    return
                except csv.Error as exc:
                    read += 1
                    stats.skip(f"unparseable_line: {exc}", reader.line_num)
        finally:
            stats.rows_read += read

    return columns, RowStream(rows())


def _open_jsonl(lines, name, stats):
    """JSON Lines: one object a line; columns are the keys of the first 1,000 objects."""
    parsed = RowStream(_parse_json_lines(lines, stats))
    first = parsed.peek(1000)
    if not first and stats.rows_read == 0:
        raise InputError(f"{name}: file is empty")
    columns = []
    for record in first:
        for key in record:
            if key not in columns:
                columns.append(key)

    def rows():
        known = set(columns)
        for record in parsed:
            if not known.issuperset(record):
                stats.warn("unknown_keys_dropped")
            yield {column: _to_text(record.get(column)) for column in columns}

    return columns, RowStream(rows())


def _parse_json_lines(lines, stats):
    for number, line in enumerate(lines, 1):
        text = line.strip().lstrip("\ufeff")
        if not text:
            continue
        stats.rows_read += 1
        try:
            record = json.loads(text)
        except json.JSONDecodeError:
            stats.skip("invalid_json", number)
            continue
        if not isinstance(record, dict):
            stats.skip("not_a_json_object", number)
            continue
        yield record


def _open_xlsx(stream, name, sheet, stats):
    import zipfile

    import openpyxl

    try:
        data = stream.read()
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InputError(f"{name}: not a readable .xlsx workbook ({exc})") from exc
    finally:
        stream.close()
    worksheet = _choose_sheet(workbook, sheet, name)
    cells = worksheet.iter_rows(values_only=True)
    header = None
    for values in cells:
        if values and any(value not in (None, "") for value in values):
            header = [_to_text(value) for value in values]
            break
    if header is None:
        raise InputError(f"{name}: sheet {worksheet.title!r} is empty")
    while header and header[-1] == "":
        header.pop()
    columns = _unique_columns(header, stats)

    def rows():
        width = len(columns)
        for values in cells:
            if not values or all(value in (None, "") for value in values):
                continue
            stats.rows_read += 1
            texts = [_to_text(value) for value in values]
            if len(texts) > width:
                extra = [text for text in texts[width:] if text]
                texts = texts[:width]
                if extra:
                    stats.warn("long_row_joined")
                    texts[-1] = "\t".join([texts[-1], *extra])
            texts += [""] * (width - len(texts))
            yield dict(zip(columns, texts))
        workbook.close()

    return columns, RowStream(rows()), None


PARQUET_BATCH_ROWS = 10_000  # rows converted to text at a time: memory stays bounded


def _open_parquet(stream, name, stats):
    """Parquet: the columns of the schema; cells become the text a spreadsheet would show.

    Read a batch at a time (pyarrow, the cluster extra). Text columns are taken
    as they are; numbers, dates, lists and the rest as in xlsx and JSON Lines
    cells (``_to_text``), with null and NaN empty.
    """
    try:
        import pyarrow
        import pyarrow.parquet as parquet
    except ImportError as exc:
        raise InputError(f"{name}: reading Parquet needs pyarrow: pip install 'textmine[cluster]'") from exc
    if not stream.seekable():  # stdin: Parquet's index is at the end of the file
        stream = io.BytesIO(stream.read())
    try:
        table = parquet.ParquetFile(stream)
    except (pyarrow.ArrowException, OSError) as exc:
        raise InputError(f"{name}: not a readable Parquet file ({exc})") from exc
    header = list(table.schema_arrow.names)
    if not header:
        raise InputError(f"{name}: file is empty")
    columns = _unique_columns(header, stats)
    is_text = (pyarrow.types.is_string, pyarrow.types.is_large_string)
    texts = [_parquet_text_column if any(test(field.type) for test in is_text) else _parquet_other_column
             for field in table.schema_arrow]

    def rows():
        try:
            for batch in table.iter_batches(batch_size=PARQUET_BATCH_ROWS):
                stats.rows_read += batch.num_rows
                values = [text(batch.column(index), stats) for index, text in enumerate(texts)]
                for row in zip(*values):
                    yield dict(zip(columns, row))
        except (pyarrow.ArrowException, OSError) as exc:
            raise InputError(f"{name}: cannot read the Parquet data after row {stats.rows_read}: {exc}") from exc

    return columns, RowStream(rows())


def _parquet_text_column(column, stats):
    return column.fill_null("").to_pylist()


def _parquet_other_column(column, stats):
    texts = []
    for value in column.to_pylist():
        if value.__class__ is float and value != value:  # NaN: a missing number, as pandas writes it
            value = None
        elif isinstance(value, bytes):
            try:
                value = value.decode("utf-8")
            except UnicodeDecodeError:
                stats.warn("bad_bytes_replaced")
                value = value.decode("utf-8", errors="replace")
        texts.append(_to_text(value))
    return texts


def _choose_sheet(workbook, sheet, name):
    if sheet is None:
        # A CRM export often has a cover sheet first: take the first sheet whose
        # header names a text column, else the first sheet.
        for worksheet in workbook.worksheets:
            header = next(worksheet.iter_rows(max_row=1, values_only=True), ())
            names = [_to_text(value).lower() for value in header]
            if any(wanted in name for name in names for wanted in TEXT_COLUMN_NAMES):
                return worksheet
        return workbook.worksheets[0]
    if sheet in workbook.sheetnames:
        return workbook[sheet]
    if str(sheet).isdigit() and 1 <= int(sheet) <= len(workbook.worksheets):
        return workbook.worksheets[int(sheet) - 1]
    raise InputError(f"{name}: no sheet {sheet!r}; sheets are: {', '.join(workbook.sheetnames)}")


def _to_text(value):
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
