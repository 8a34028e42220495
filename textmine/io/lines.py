"""The one line reader of text inputs: decoded lines, split only where the format ends a line.

CSV, TSV and JSON Lines end a line with LF (CRLF), or with a lone CR in files
from old Macs. Nothing else ends one: U+2028, U+2029, form feed, \\x1c-\\x1e
and NEL (\\x85) inside a cell are text, although Python's ``str.splitlines``
(and the UTF-16 stream reader built on it) would split there and invent rows.
So lines are cut here, in bytes for the ASCII-compatible encodings and after
incremental decoding for UTF-16, at the line end only.

Decoding runs a block of lines at a time, so that one bad line costs one line:
exports edited by hand mix UTF-8 and GBK lines, and a line that fails the main
encoding is tried in the other one before bytes are replaced, each repair
counted in the ReadStats with its line. A line longer than ``MAX_LINE_BYTES``
(a file with no line ends, or a cell of hundreds of megabytes) stops the read
with an error naming the file and line, before it is held in memory whole.

    >>> lines = decoded_lines(open("export.csv", "rb"), "gb18030", ReadStats(), name="export.csv")
"""

import codecs
from itertools import chain, repeat
from operator import add

from textmine.errors import LineError

MAX_CELL_CHARS = 32 * 1024 * 1024  # the longest cell read (32 Mi characters): a bound on memory
MAX_LINE_BYTES = 4 * MAX_CELL_CHARS  # the longest physical line, in bytes
_BLOCK_BYTES = 1 << 18


def line_end_of(sample, encoding):
    """``"\\r"`` for a file whose lines end with a lone CR, else ``"\\n"``.

    Lone CRs outnumbering LFs decide (an LF may still sit inside a quoted cell).

    >>> line_end_of(b"a,b\\r1,2\\r", "utf-8")
    '\\r'
    """
    if _is_utf16(encoding):
        sample = sample[: len(sample) // 2 * 2].decode(encoding.replace("-sig", ""), errors="replace")
    cr, lf, crlf = ("\r", "\n", "\r\n") if isinstance(sample, str) else (b"\r", b"\n", b"\r\n")
    return "\r" if sample.count(cr) - sample.count(crlf) > sample.count(lf) else "\n"


def decoded_lines(stream, encoding, stats, *, name, strict_given=False, line_end="\n"):
    """Text lines of ``stream``, each with its line end; see the module's docstring.

    Lines are made a block at a time and handed out by ``chain``, so that no
    Python code runs per line on the way to the CSV reader.
    """
    if _is_utf16(encoding):
        return chain.from_iterable(_utf16_blocks(stream, encoding, stats, name, line_end))
    return chain.from_iterable(_decoded_blocks(stream, encoding, stats, name, strict_given, line_end))


def _is_utf16(encoding):
    return encoding.replace("_", "-").lower().startswith("utf-16")


def _too_long(name, line):
    return LineError(name, line, f" is longer than {MAX_LINE_BYTES:,} bytes; textmine reads cells "
                     f"of up to {MAX_CELL_CHARS:,} characters (is this a text table with line ends?)")


def _split_blocks(chunks, separator, too_long, limit, empty):
    """Lists of whole lines (each ending with ``separator``) from the chunks of a stream.

    A line longer than ``limit`` raises ``too_long(line number)`` as soon as
    that many characters are read: a line is kept as a list of pieces until it
    ends, so a long line costs its length once, not once per chunk.
    """
    pieces, size, number = [], 0, 0
    for chunk in chunks:
        lines = chunk.split(separator)
        if len(lines) == 1:  # no line ends here: the line goes on
            pieces.append(chunk)
            size += len(chunk)
            if size > limit:
                raise too_long(number + 1)
            continue
        last = lines.pop()
        lines[0] = empty.join(pieces) + lines[0]
        if len(lines[0]) > limit:
            raise too_long(number + 1)
        number += len(lines)
        yield list(map(add, lines, repeat(separator)))
        pieces, size = ([last], len(last)) if last else ([], 0)
    if pieces:
        yield [empty.join(pieces)]


def _chunks(stream):
    while True:
        chunk = stream.read(_BLOCK_BYTES)
        if not chunk:
            return
        yield chunk


def _utf16_blocks(stream, encoding, stats, name, line_end):
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")

    def texts():
        for chunk in _chunks(stream):
            text = decoder.decode(chunk)
            if "\ufffd" in text:
                stats.warn("bad_bytes_replaced")
            yield text
        tail = decoder.decode(b"", final=True)
        if tail:
            stats.warn("bad_bytes_replaced")
            yield tail

    too_long = lambda line: _too_long(name, line)  # noqa: E731
    yield from _split_blocks(texts(), line_end, too_long, MAX_LINE_BYTES // 2, "")


def _decoded_blocks(stream, encoding, stats, name, strict_given, line_end):
    """Lists of decoded lines, in order; see ``decoded_lines``."""
    fallback = decoding_fallback(encoding, strict_given)
    if encoding.replace("_", "-").lower() in ("utf-8-sig", "utf8-sig"):
        # The BOM is stripped below; decoding as plain UTF-8 then runs in C.
        encoding = "utf-8"
        head = stream.peek(3)[:3] if hasattr(stream, "peek") else b""
        if head == codecs.BOM_UTF8:
            stream.read(3)
    separator = line_end.encode("ascii")
    too_long = lambda line: _too_long(name, line)  # noqa: E731
    number = 0
    for block in _split_blocks(_chunks(stream), separator, too_long, MAX_LINE_BYTES, b""):
        try:
            # Lines end with the separator, which no multi-byte UTF-8 or GB18030
            # character contains: a block of whole lines decodes like its lines one by one.
            text = b"".join(block).decode(encoding)
        except UnicodeDecodeError:
            decoded = []
            for raw in block:
                number += 1
                decoded.append(_decode_line(raw, encoding, fallback, number, stats))
            yield decoded
            continue
        lines = text.split(line_end)
        last = lines.pop()
        lines = list(map(add, lines, repeat(line_end)))
        if last:
            lines.append(last)
        yield lines
        number += len(block)


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


def decoding_fallback(encoding, strict_given):
    """The encoding a line that fails ``encoding`` is tried in (None when the user gave the encoding)."""
    return None if strict_given else ("gb18030" if encoding.startswith("utf") else "utf-8")


class LineRange:
    """``length`` bytes of a binary stream from where it stands, counting the line ends read.

    A partition of a large file (``textmine.pipeline.partitions``) is read
    through one: ``decoded_lines`` takes it as its stream, and ``lines`` tells,
    once ``exhausted``, how many lines the range held, so that the CSV reader
    can stop at the last record that starts inside it.
    """

    def __init__(self, stream, length, line_end="\n"):
        self._stream = stream
        self._left = max(0, length)
        self._separator = line_end.encode("ascii")
        self._last = b""
        self.line_ends = 0
        self.exhausted = self._left == 0

    def read(self, size=-1):
        if self._left == 0:
            self.exhausted = True
            return b""
        data = self._stream.read(self._left if size is None or size < 0 else min(size, self._left))
        self._left = self._left - len(data) if data else 0
        if data:
            self.line_ends += data.count(self._separator)
            self._last = data[-1:]
        if self._left == 0:
            self.exhausted = True
        return data

    @property
    def lines(self):
        """Lines read so far: one per line end, and a last line without one (at the end of the file)."""
        return self.line_ends + (1 if self._last and self._last != self._separator else 0)


class CountedLines:
    """Decoded lines read one at a time, with the bytes each took: for a header, or past a range's end.

    ``decoded_lines`` reads ahead in blocks; this reader takes no byte past
    the line it hands out, so ``bytes_read`` (and ``sizes``, the bytes of each
    line) says where the next line starts. Lines are decoded as
    ``decoded_lines`` decodes them (the fallback encoding, then replaced bytes,
    each counted with its line: ``first_number`` is the number of the first).
    """

    def __init__(self, stream, encoding, stats, *, name, strict_given=False, line_end="\n", first_number=1):
        self._stream = stream
        self._encoding = encoding
        self._fallback = decoding_fallback(encoding, strict_given)
        self._stats = stats
        self._name = name
        self._separator = line_end.encode("ascii")
        self._number = first_number - 1
        self.bytes_read = 0
        self.sizes = []

    def __iter__(self):
        while True:
            raw = self._raw_line()
            if not raw:
                return
            self._number += 1
            self.bytes_read += len(raw)
            self.sizes.append(len(raw))
            yield _decode_line(raw, self._encoding, self._fallback, self._number, self._stats)

    def _raw_line(self):
        pieces, size = [], 0
        while True:
            chunk = self._stream.peek(_BLOCK_BYTES)[:_BLOCK_BYTES]
            if not chunk:
                break
            end = chunk.find(self._separator)
            taken = self._stream.read(len(chunk) if end < 0 else end + 1)
            pieces.append(taken)
            size += len(taken)
            if size > MAX_LINE_BYTES:
                raise _too_long(self._name, self._number + 1)
            if end >= 0:
                break
        return b"".join(pieces)
