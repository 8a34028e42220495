"""Encoding of a text export, detected from a byte sample.

Chinese exports come as UTF-8 (with or without a BOM), GB18030/GBK, Big5 or
UTF-16 (with or without a BOM), and files edited by hand can mix UTF-8 and GBK
lines. :func:`detect_encoding` names the encoding of a sample (BOM, then strict
UTF-8, then UTF-16 that reads as a table, then the encoding most lines are
in, with charset-normalizer among CANDIDATE_ENCODINGS in between, GB18030 and
Big5 settled by how common the decoded characters are); ``textmine.io.lines``
then decodes the stream so that one bad line costs one line.
``textmine.io.read.open_feedback`` is the caller.

    >>> detect_encoding("意见".encode("gb18030"))
    'gb18030'
"""

import codecs
import unicodedata
import re

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
    utf8 = _is_utf8(sample)
    # UTF-16 without a BOM: ASCII in it is valid UTF-8 (with NULs), so NULs send it here too.
    utf16 = _bomless_utf16(sample) if not utf8 or b"\x00" in sample else None
    if utf16:
        return utf16
    if utf8:
        return "utf-8"
    lines = _lines_with_high_bytes(sample)
    if _share_decoding(lines, "utf-8") > 0.5:
        # A UTF-8 export with a few lines pasted in from a GBK file: read it as
        # UTF-8; textmine.io.lines retries the odd lines in GB18030.
        return "utf-8"
    import charset_normalizer

    best = charset_normalizer.from_bytes(sample, cp_isolation=CANDIDATE_ENCODINGS).best()
    if best is not None:
        encoding = best.encoding.replace("_", "-")
        if encoding in ("big5", "gb18030"):
            encoding = _gb_or_big5(sample, encoding)
        # GBK and GB2312 are subsets of GB18030: reading as GB18030 never loses a character.
        return "gb18030" if encoding in ("gbk", "gb2312", "cp936") else encoding
    # charset-normalizer gives up on a GBK export with a few UTF-8 lines and on a
    # short GB18030 file dense in four-byte characters (emoji, rare names): the
    # encoding most lines are in decides, and the odd lines are retried.
    for encoding in ("gb18030", "big5"):
        if _share_decoding(lines, encoding) > 0.5:
            return _gb_or_big5(b"\n".join(line for line in lines if _decodes(line, encoding)), encoding)
    return None


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


def _lines_with_high_bytes(sample):
    """The lines of a sample (cut at CR or LF, the last one left out: it may be cut) that are not ASCII."""
    return [line for line in re.split(rb"[\r\n]", sample)[:-1] if max(line, default=0) > 127]


def _decodes(line, encoding):
    try:
        line.decode(encoding)
        return True
    except UnicodeDecodeError:
        return False


def _share_decoding(lines, encoding):
    """The share of ``lines`` that decode strictly in ``encoding`` (0 for none)."""
    if not lines:
        return 0.0
    return sum(_decodes(line, encoding) for line in lines) / len(lines)


def _bomless_utf16(sample):
    """``"utf-16-le"`` or ``"utf-16-be"`` when the sample reads as a table in it, else None.

    A table has line ends, and its characters are mostly ASCII, Chinese,
    punctuation or emoji; text in another encoding read as UTF-16 gives neither
    (GB18030 or UTF-8 bytes never make the two bytes of an LF, 0A 00).
    """
    even = sample[: len(sample) // 2 * 2]
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = even.decode(encoding)
        except UnicodeDecodeError as exc:
            if exc.start < len(even) - 4:  # not just a surrogate pair cut by the end of the sample
                continue
            text = even[: exc.start].decode(encoding)
        if ("\n" in text or "\r" in text) and _share_of_table_chars(text) >= 0.9:
            return encoding
    return None


def _share_of_table_chars(text):
    plausible = sum(1 for char in text if char in "\t\r\n" or _TABLE_CHARS.match(char))
    return plausible / max(1, len(text))


_TABLE_CHARS = re.compile("[\x20-\x7e\u00a0-\u024f\u2000-\u206f\u2190-\u27bf\u2e80-\u2fdf\u3000-\u33ff"
                          "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
                          "\U0001f000-\U0001faff\U00020000-\U0002fa1f]")


def looks_binary(sample, encoding):
    """True when a sample is mostly control bytes: not a text table, whatever its encoding is said to be."""
    if encoding and encoding.replace("_", "-").lower().startswith("utf-16"):
        return False
    if not sample:
        return False
    controls = sum(1 for byte in sample[:4096] if byte < 9 or 13 < byte < 32)
    return controls > len(sample[:4096]) * 0.1


def check_encoding_name(encoding, name):
    """An InputError naming the file for an encoding Python does not know."""
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
        _check_chinese_not_garbled(sample, encoding, name)
    if explicit or encoding.replace("_", "-").lower().startswith("utf-16"):
        text = sample.decode(encoding, errors="replace")
        junk = sum(map(_not_text, text))
        if junk >= NOT_TEXT_MIN and junk > NOT_TEXT_SHARE * len(text):
            hint = "" if explicit else "; give --encoding if it is text"
            raise InputError(f"{name}: does not look like a text table (binary data?){hint}")


def _single_byte(encoding):
    """True for an encoding that reads every byte as one character (latin-1, cp1252): any bytes decode."""
    try:
        text = bytes(range(128, 256)).decode(encoding, errors="replace")
    except LookupError:
        return False
    return len(text) == 128 and text.count("\ufffd") < 16


def _check_chinese_not_garbled(sample, encoding, name):
    """Refuse a single-byte ``--encoding`` for a file that holds Chinese in another encoding.

    Latin-1 or cp1252 decode any bytes without an error, so GB18030 or UTF-8
    Chinese read that way passes the line test and comes out as Latin letters
    (ÐòºÅ). When the encoding the sample looks like reads it cleanly and mostly
    as Chinese, the given one would garble every comment.
    """
    if not _single_byte(encoding):
        return
    detected = detect_encoding(sample)
    if not detected or _single_byte(detected):
        return
    damaged, lines = _damaged_lines(sample, detected)
    if damaged > max(1, DAMAGED_LINES_SHARE * lines):
        return
    wide = [char for char in sample.decode(detected, errors="replace") if ord(char) > 127]
    chinese = sum("\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff" for char in wide)
    if wide and chinese >= 0.5 * len(wide):
        raise InputError(f"{name}: read as {encoding}, its Chinese would come out garbled: the file looks like "
                         f"{detected}; give --encoding {detected} or leave --encoding out")


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
