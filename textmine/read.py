"""Read feedback exports: CSV, TSV, XLSX, JSONL or stdin, in any encoding a CRM uses.

One module owns input handling, so every command reads files the same way:
the encoding is detected (BOM, then strict UTF-8, then charset-normalizer among
the encodings Chinese exports use), the delimiter is sniffed from the header,
the text column is found by name or by content, and nothing is lost silently:
ragged rows, undecodable bytes and bad JSON lines are counted with a reason.

    >>> source = open_feedback("samples/survey_export.csv")
    >>> source.text_column, source.encoding
    ('意见建议', 'gb18030')
"""

import codecs
import csv
import io
import json
import re
import sys
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from textmine.errors import InputError, MissingColumnError

SAMPLE_BYTES = 256 * 1024
CANDIDATE_ENCODINGS = ["gb18030", "big5", "utf_16", "utf_8"]
DELIMITERS = [",", "\t", ";", "|"]

# Header names that hold the free text, best first (matched after lower-casing;
# an exact match wins over a name that only contains one of these).
TEXT_COLUMN_NAMES = [
    "意见建议", "投诉内容", "问题描述", "回复内容", "评论内容", "反馈内容", "内容", "评论", "意见",
    "建议", "反馈", "评价", "留言", "描述", "原文", "诉求", "备注",
    "text", "comment", "comments", "review", "content", "feedback", "message", "body",
]
_CJK = re.compile(r"[\u4e00-\u9fff]")
_FORMATS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".txt": "csv", ".xlsx": "xlsx",
            ".xlsm": "xlsx", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}


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
    if head.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"{"):
        return "jsonl"
    return "csv"


def detect_encoding(sample):
    """Name the encoding of a byte sample from an export.

    A BOM decides; otherwise text that is valid UTF-8 is UTF-8 (a cut at the
    end of the sample is allowed); otherwise charset-normalizer chooses among
    the encodings Chinese exports come in.

    >>> detect_encoding("意见".encode("gb18030"))
    'gb18030'
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if _is_utf8(sample):
        return "utf-8"
    if _looks_like_bomless_utf16(sample):
        return "utf-16-le" if sample[1:2] == b"\x00" else "utf-16-be"
    import charset_normalizer

    if _mostly_utf8_lines(sample):
        # A UTF-8 export with a few lines pasted in from a GBK file: read it as
        # UTF-8; _decode_lines retries the odd lines in GB18030.
        return "utf-8"
    best = charset_normalizer.from_bytes(sample, cp_isolation=CANDIDATE_ENCODINGS).best()
    if best is None:
        return None
    encoding = best.encoding.replace("_", "-")
    if encoding in ("big5", "gb18030"):
        encoding = _gb_or_big5(sample, encoding)
    # GBK and GB2312 are subsets of GB18030: reading as GB18030 never loses a character.
    return "gb18030" if encoding in ("gbk", "gb2312", "cp936") else encoding


def _gb_or_big5(sample, guess):
    """Settle GB18030 against Big5 when both decode a (short) sample cleanly.

    Bytes read in the wrong one of the two give rare characters; read in the
    right one they give common ones. "Common" is GB2312's level 1 (the 3,755
    most frequent characters), after converting Big5 text to simplified.
    """
    texts = {}
    for encoding in ("gb18030", "big5"):
        try:
            texts[encoding] = sample.decode(encoding)
        except UnicodeDecodeError:
            return guess
    import opencc

    texts["big5"] = opencc.OpenCC("t2s").convert(texts["big5"])
    common = {encoding: _share_of_common_chars(text) for encoding, text in texts.items()}
    return max(("gb18030", "big5"), key=lambda encoding: (common[encoding], encoding == guess))


def _share_of_common_chars(text):
    chars = [char for char in text if "\u4e00" <= char <= "\u9fff"]
    if not chars:
        return 0.0
    common = 0
    for char in chars:
        try:
            common += b"\xb0\xa1" <= char.encode("gb2312") <= b"\xd7\xf9"
        except UnicodeEncodeError:
            pass
    return common / len(chars)


def _is_utf8(sample):
    try:
        sample.decode("utf-8")
        return True
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the end of the sample is still UTF-8.
        return exc.start >= len(sample) - 3 and exc.reason == "unexpected end of data"


def _mostly_utf8_lines(sample):
    lines = [line for line in sample.split(b"\n")[:-1] if max(line, default=0) > 127]
    good = sum(1 for line in lines if _is_utf8(line))
    return bool(lines) and good * 2 > len(lines)


def _looks_like_bomless_utf16(sample):
    head = sample[:200]
    return len(head) >= 4 and (head[1::2].count(0) > len(head) // 4 or head[0::2].count(0) > len(head) // 4)


def _looks_binary(sample, encoding):
    if encoding and encoding.startswith("utf-16"):
        return False
    if not sample:
        return False
    controls = sum(1 for byte in sample[:4096] if byte < 9 or 13 < byte < 32)
    return controls > len(sample[:4096]) * 0.1


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


def _check_encoding_name(encoding, name):
    try:
        codecs.lookup(encoding)
    except LookupError as exc:
        raise InputError(f"{name}: unknown encoding {encoding!r}") from exc


def _decode_lines(stream, encoding, stats, strict_given):
    """Yield text lines, decoding line by line so one bad line costs one line.

    Exports that were edited by hand can mix UTF-8 and GBK lines; a line that
    fails the main encoding is tried in the other one before bytes are replaced.
    """
    if encoding.replace("_", "-").lower().startswith("utf-16"):
        reader = codecs.getreader(encoding)(stream, errors="replace")
        for line in reader:
            if "\ufffd" in line:
                stats.warn("bad_bytes_replaced")
            yield line
        return
    fallback = None if strict_given else ("gb18030" if encoding.startswith("utf") else "utf-8")
    if encoding.replace("_", "-").lower() in ("utf-8-sig", "utf8-sig"):
        # The BOM is stripped below; decoding as plain UTF-8 then runs in C.
        encoding = "utf-8"
        head = stream.peek(3)[:3] if hasattr(stream, "peek") else b""
        if head == codecs.BOM_UTF8:
            stream.read(3)
    number = 0
    while True:
        block = stream.readlines(_BLOCK_BYTES)
        if not block:
            return
        try:
            # Lines end with b"\n", which no multi-byte UTF-8 or GB18030 character
            # contains: a block of whole lines decodes like its lines one by one.
            text = b"".join(block).decode(encoding)
        except UnicodeDecodeError:
            for raw in block:
                number += 1
                yield _decode_line(raw, encoding, fallback, number, stats)
            continue
        lines = text.split("\n")
        last = lines.pop()
        for line in lines:
            yield line + "\n"
        if last:
            yield last
        number += len(block)


_BLOCK_BYTES = 1 << 18


def _decode_line(raw, encoding, fallback, number, stats):
    """One line that its block could not decode: try the fallback encoding, then replace bad bytes."""
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError:
        pass
    if fallback:
        try:
            line = raw.decode(fallback)
            stats.warn(f"line_in_{fallback}", number)
            return line
        except UnicodeDecodeError:
            pass
    stats.warn("bad_bytes_replaced", number)
    return raw.decode(encoding, errors="replace")


class RowStream:
    """An iterator of rows that can show its first rows without consuming them.

    Column detection (here and in ``analyze``) looks at the first rows; they
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
        return self

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

    def all_lines():
        yield from first_lines
        yield from lines

    reader = csv.reader(all_lines(), delimiter=delimiter)
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
