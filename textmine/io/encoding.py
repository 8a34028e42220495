"""Encoding of a text export: detect it from a byte sample, then decode it line by line.

Chinese exports come as UTF-8 (with or without a BOM), GB18030/GBK, Big5 or
UTF-16, and files edited by hand can mix UTF-8 and GBK lines.
:func:`detect_encoding` names the encoding of a sample (BOM, then strict UTF-8,
then charset-normalizer among CANDIDATE_ENCODINGS, GB18030 and Big5 settled by
how common the decoded characters are); ``_decode_lines`` then decodes the
stream so that one bad line costs one line, counting each repair in the
ReadStats. ``textmine.io.read.open_feedback`` is the caller.

    >>> detect_encoding("意见".encode("gb18030"))
    'gb18030'
"""

import codecs
import unicodedata
from itertools import chain, repeat
from operator import add

from textmine.errors import InputError

CANDIDATE_ENCODINGS = ["gb18030", "big5", "utf_16", "utf_8"]


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



def _check_encoding_name(encoding, name):
    try:
        codecs.lookup(encoding)
    except LookupError as exc:
        raise InputError(f"{name}: unknown encoding {encoding!r}") from exc


# An encoding the user gives may fail on a line or two of a hand-edited export,
# not on more: beyond this share of the sample's lines it is the wrong encoding.
DAMAGED_LINES_SHARE = 0.02
# Characters no text table holds (controls other than whitespace, unassigned,
# private-use, lone surrogates, replaced bytes): beyond this share of a sample,
# and this many, it is binary data. Checked where the byte test above cannot
# tell: UTF-16, and an encoding the user gives (Latin-1 decodes any bytes).
NOT_TEXT_SHARE = 0.1
NOT_TEXT_MIN = 20


def check_sample_is_text(sample, encoding, name, *, explicit):
    """Raise InputError when ``sample`` is not text in ``encoding``.

    An ``explicit`` encoding (``--encoding``) that fails on more than a small
    share of lines, or garbles lines that are valid UTF-8, is refused with the
    encoding the sample looks like; a sample that, read in ``encoding``, holds
    many characters no text has is binary data (checked for UTF-16 and for an
    explicit encoding, which the byte test of ``_looks_binary`` does not cover).
    """
    if explicit:
        damaged, lines = _damaged_lines(sample, encoding)
        if damaged > max(1, DAMAGED_LINES_SHARE * lines):
            detected = detect_encoding(sample)
            looks = (f"the file looks like {detected}: give --encoding {detected} or leave --encoding out"
                     if detected and _damaged_lines(sample, detected)[0] <= max(1, DAMAGED_LINES_SHARE * lines)
                     else "the file does not look like text (binary data?)")
            raise InputError(f"{name}: {damaged} of the first {lines} lines cannot be read as {encoding}; {looks}")
    if explicit or encoding.replace("_", "-").lower().startswith("utf-16"):
        text = sample.decode(encoding, errors="replace")
        junk = sum(map(_not_text, text))
        if junk >= NOT_TEXT_MIN and junk > NOT_TEXT_SHARE * len(text):
            hint = "" if explicit else "; give --encoding if it is text"
            raise InputError(f"{name}: does not look like a text table (binary data?){hint}")


def _not_text(char):
    return char == "\ufffd" or (unicodedata.category(char) in ("Cc", "Cn", "Co", "Cs") and char not in "\t\n\r\f\v")


def _damaged_lines(sample, encoding):
    """(lines that ``encoding`` cannot decode or garbles, lines) among the sample's whole lines."""
    if encoding.replace("_", "-").lower().startswith("utf-16"):
        lines = sample.decode(encoding, errors="replace").split("\n")
        lines = lines[:-1] or lines  # the last one may be cut by the end of the sample
        return sum("\ufffd" in line for line in lines), len(lines)
    utf8 = codecs.lookup(encoding).name == "utf-8" or encoding.replace("_", "-").lower() == "utf-8-sig"
    lines = sample.split(b"\n")
    lines = lines[:-1] or lines
    damaged = 0
    for raw in lines:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            damaged += 1
            continue
        # Chinese in UTF-8 read as GB18030 or Big5 often decodes without an error, as nonsense.
        if not utf8 and max(raw, default=0) > 127 and _is_utf8(raw) and raw.decode("utf-8", "replace") != text:
            damaged += 1
    return damaged, len(lines)


def _decode_lines(stream, encoding, stats, strict_given):
    """Yield text lines, decoding line by line so one bad line costs one line.

    Exports that were edited by hand can mix UTF-8 and GBK lines; a line that
    fails the main encoding is tried in the other one before bytes are replaced.
    Lines are made a block at a time and handed out by ``chain``, so that no
    Python code runs per line on the way to the CSV reader.
    """
    return chain.from_iterable(_decoded_blocks(stream, encoding, stats, strict_given))


def _decoded_blocks(stream, encoding, stats, strict_given):
    """Lists of decoded lines, in order; see ``_decode_lines``."""
    if encoding.replace("_", "-").lower().startswith("utf-16"):
        reader = codecs.getreader(encoding)(stream, errors="replace")
        for line in reader:
            if "\ufffd" in line:
                stats.warn("bad_bytes_replaced")
            yield (line,)
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
            decoded = []
            for raw in block:
                number += 1
                decoded.append(_decode_line(raw, encoding, fallback, number, stats))
            yield decoded
            continue
        lines = text.split("\n")
        last = lines.pop()
        lines = list(map(add, lines, repeat("\n")))
        if last:
            lines.append(last)
        yield lines
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
