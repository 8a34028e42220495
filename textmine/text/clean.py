"""Clean feedback text for analysis: small pure ``str -> str`` functions.

Each function does one thing, takes its options as keyword-only arguments and
can be composed with :func:`make_pipeline`; :func:`clean_text` is the default
composition used before segmentation. Cleaned text is for analysis only:
callers keep and write out the original text. Every regex and table is built
once, here, because this runs on millions of comments.

Emoji replacement (:func:`replace_emoji`) lives in ``textmine.text.emoji``
and junk detection (``junk_reason``, which returns a verdict, not text) in
``textmine.text.junk``.

>>> clean_text("寬頻斷線！！！！😡😡😡 &nbsp;垃圾垃圾垃圾")
'宽频断线！[怒] 垃圾'
"""

import html
import re
from bisect import bisect_right
from functools import lru_cache
from itertools import accumulate, count
from operator import add

import numpy as np

from textmine.text.emoji import _EMOJI_HINT, _EMOTICON_CHARS, replace_emoji
from textmine.text.invisible import remove_invisible

__all__ = [
    "clean_text",
    "clean_texts",
    "make_pipeline",
    "normalize_whitespace",
    "normalize_width",
    "remove_control_chars",
    "replace_emoji",
    "squeeze_repeats",
    "strip_html",
    "to_simplified",
]

# --- width -------------------------------------------------------------------
# Full-width forms U+FF01..U+FF5E map to ASCII by a fixed offset. Chinese
# sentence punctuation (，！？：；（）) stays full-width: it is the normal form
# in Chinese text, and sentence splitting downstream keys on it. NFKC is not
# used because it also rewrites ① ² ㎡ ™ and compatibility ideographs, which
# changes numbers ("10²" -> "102") and words.
_KEEP_FULL_WIDTH = set("，！？：；（）")
_WIDTH_TABLE = {
    cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F) if chr(cp) not in _KEEP_FULL_WIDTH
}
_WIDTH_TABLE.update({0x3000: " ", 0xFF61: "。", 0xFF62: "「", 0xFF63: "」", 0xFF64: "、"})
# Only characters the table changes: most comments hold no more than the kept punctuation.
_WIDE_ANY = re.compile("[" + "".join(re.escape(chr(cp)) for cp in sorted(_WIDTH_TABLE)) + "]")

_NEWLINE_CR = re.compile("\r\n?")
_SURROGATE = re.compile("[\ud800-\udfff]")

_HTML_DROP = re.compile(r"<(script|style)\b.*?</\1\s*>|<!--.*?-->", re.I | re.S)
_HTML_BREAK = re.compile(r"</?(?:br|p|div|li|tr|h[1-6]|table|ul|ol)\b[^<>]*>", re.I)
# Tags start with an ASCII letter, so masking tags such as <手机号> survive.
_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]*)?/?>")

# Zero-width characters are removed; ZWJ too (emoji sequences are handled earlier).
_ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\ufeff]+")
_LINEBREAK_RUN = re.compile(r"\s*[\n\v\f\u2028\u2029\x1c-\x1e\x85]\s*")
_SPACE_RUN = re.compile(r"[^\S\n]+")

# --- repeats -----------------------------------------------------------------
# Digits are never squeezed: 10086, 1000000 and 888 are numbers, not noise.
_CHAR_RUN = re.compile(r"(\w)\1\1+")  # 好好好好 -> 好好 (好好 慢慢 are words); jjjjjj -> jj
_MARK_RUN = re.compile(r"([^\w\s])\1+")  # !!!!!! -> !, ---- -> -, 。。。 -> …
_PHRASE_RUN = re.compile(r"([^\d\s]{2,4}?)\1\1+")  # 垃圾垃圾垃圾 -> 垃圾
_SENTENCE_MARKS = frozenset("!?！？~～")
_ELLIPSIS_MARKS = frozenset(".。…")


def normalize_width(text):
    """Turn full-width letters, digits, symbols and spaces into ASCII.

    Chinese sentence punctuation (，！？：；（）) stays full-width.

    >>> normalize_width("ＶＩＰ客户１０８６元，网速１００Ｍ")
    'VIP客户1086元，网速100M'
    """
    if not _WIDE_ANY.search(text):
        return text
    return text.translate(_WIDTH_TABLE)


@lru_cache(maxsize=1)
def _converter():
    # Created lazily and once: building an OpenCC converter reads its dictionaries.
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text):
    """Convert traditional Chinese (HK/TW users) to simplified.

    >>> to_simplified("寬頻斷線訊號很差")
    '宽频断线讯号很差'
    """
    if text.isascii():
        return text
    convert = _converter().convert
    try:
        return convert(text)
    except UnicodeEncodeError:
        # Lone surrogates cannot reach the C++ library: convert around them.
        parts = _SURROGATE.split(text)
        marks = _SURROGATE.findall(text)
        out = [convert(parts[0])]
        for mark, part in zip(marks, parts[1:]):
            out += [mark, convert(part)]
        return "".join(out)


def squeeze_repeats(text):
    """Fold flooding repeats: characters, punctuation runs and short phrases.

    Chinese characters keep two copies (好好 and 慢慢 are words), Latin letters
    two from a run of four (so "www" stays), sentence marks one, and a 2-4
    character phrase repeated three or more times one copy. Digits are never
    touched.

    >>> squeeze_repeats("好好好好好！！！！！垃圾垃圾垃圾，打10086")
    '好好！垃圾，打10086'
    """
    return _squeeze_phrases(_squeeze_runs(text))


def _squeeze_phrases(text):
    """``squeeze_repeats`` of the phrases only: 垃圾垃圾垃圾 -> 垃圾."""
    return _PHRASE_RUN.sub(r"\1", text)


def _squeeze_runs(text):
    """``squeeze_repeats`` without the phrases: character and punctuation runs."""
    text = _CHAR_RUN.sub(_squeeze_char, text)
    return _MARK_RUN.sub(_squeeze_mark, text)


def _phrase_run_candidates(texts):
    """Positions of the texts that may hold a phrase of 2-4 characters three times in a row.

    A superset of those ``_PHRASE_RUN`` matches in: such a phrase of width w
    makes 2w characters in a row equal to the character w further on, which
    numpy finds for the whole batch at once. The regex scans every position
    of every comment and was a third of cleaning; it now runs only on these.
    """
    if not texts:
        return []
    codes = np.frombuffer("\x00".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    found = []
    for width in (2, 3, 4):
        run = 2 * width
        # Where a character equals the one `width` further on (a few in a hundred);
        # a phrase run starts where `run` of these follow one another.
        same = np.flatnonzero(codes[:-width] == codes[width:])
        if len(same) >= run:
            found.append(same[:len(same) - run + 1][same[run - 1:] - same[:len(same) - run + 1] == run - 1])
    starts = np.concatenate(found) if found else ()
    if not len(starts):
        return []
    ends = np.cumsum(np.fromiter(map(len, texts), dtype=np.intp, count=len(texts)) + 1)
    return sorted(set(np.searchsorted(ends, starts, side="right").tolist()))


def _squeeze_char(match):
    run = match.group()
    ch = run[0]
    if ch.isdigit():
        return run
    if ch.isascii():
        # "www" stays; "jjjjjj" and "sooooo" lose the flood; "___" is punctuation.
        return run if ch != "_" and len(run) < 4 else (ch if ch == "_" else ch * 2)
    return ch * 2


def _squeeze_mark(match):
    run = match.group()
    ch = run[0]
    if ch in _SENTENCE_MARKS:
        return ch
    if ch in _ELLIPSIS_MARKS:
        return "…" if len(run) >= 3 or ch == "…" else run
    # Two slashes or dashes are syntax (http://, --), three or more are flooding.
    return ch if len(run) >= 3 else run


def strip_html(text):
    """Remove HTML tags, comments and scripts; decode entities (&nbsp; &amp;).

    Block tags (<br>, <p>, <div>) become line breaks so sentences stay apart.

    >>> strip_html("<p>网速&nbsp;慢</p><br/>A&amp;B")
    '\\n网速\\xa0慢\\n\\nA&B'
    """
    if "<" in text:
        text = _HTML_DROP.sub("", text)
        text = _HTML_BREAK.sub("\n", text)
        text = _HTML_TAG.sub("", text)
    if "&" in text:
        text = html.unescape(text)
    return text


def normalize_whitespace(text):
    """Collapse whitespace: line-break runs to one newline, other runs to one space.

    Zero-width characters are removed and the ends are stripped.

    >>> normalize_whitespace("  网速\\u3000 慢\\r\\n\\n 信号\\u200b差 ")
    '网速 慢\\n信号差'
    """
    if text.isprintable() and "  " not in text:
        return text.strip(" ")  # fast path: no control, zero-width or non-ASCII space
    text = _ZERO_WIDTH.sub("", text)
    text = _LINEBREAK_RUN.sub("\n", text)
    return _SPACE_RUN.sub(" ", text).strip()


def remove_control_chars(text):
    """Remove control and zero-width characters (``textmine.text.invisible``) and lone surrogates.

    Tabs and newlines stay; a carriage return becomes a newline. It runs
    first, before masking, so that a NUL or a zero-width space inside a phone
    number cannot hide it from the masker.

    >>> remove_control_chars("网速\\x00慢\\r\\n信号\\x1b差\\t!")
    '网速慢\\n信号差\\t!'
    """
    if text.isprintable():
        return text  # fast path: the common case, checked in C
    if "\r" in text:
        text = _NEWLINE_CR.sub("\n", text)
    return _SURROGATE.sub("", remove_invisible(text))


def make_pipeline(*funcs):
    """Compose ``str -> str`` functions into one, applied left to right.

    >>> make_pipeline(strip_html, normalize_whitespace)("<b>网速</b>  慢")
    '网速 慢'
    """

    def pipeline(text):
        for func in funcs:
            text = func(text)
        return text

    return pipeline


# The default pipeline; clean_texts runs the same steps a whole batch at a time.
_BEFORE_PHRASES = make_pipeline(
    remove_control_chars,
    normalize_width,  # before strip_html: "＜ｂ＞" is a tag once folded
    strip_html,
    to_simplified,
    replace_emoji,
    _squeeze_runs,  # squeeze_repeats, less the phrases
)
_DEFAULT_PIPELINE = make_pipeline(_BEFORE_PHRASES, _squeeze_phrases, normalize_whitespace)

# What each step looks for, as one character class: a text without any of these
# leaves the step as it came. None of them holds a newline, which joins the batch.
_HTML_ANY = re.compile("[<&]")
_EMOJI_ANY = re.compile(_EMOJI_HINT.pattern[:-1] + re.escape("".join(sorted(_EMOTICON_CHARS))) + "]")


def clean_texts(texts):
    """``[clean_text(text) for text in texts]``, each step run on a whole batch at once.

    Most steps change few comments (full-width forms, HTML, emoji, repeats: under
    a sixth of them each). Each step finds the texts it may change in one scan
    of the batch joined by newlines (a regex for one character class, numpy for
    repeats) and runs on those alone; traditional characters are converted in
    one OpenCC call. On 20,000 review-length comments that took cleaning from
    11.3 to 5.3 µs a comment (CPU, medians of two interleaved runs of
    benchmarks/profile_stages.py): the steps' own tests, text by text, were most of it.

    >>> clean_texts(["垃圾垃圾垃圾", "寬頻斷線"])
    ['垃圾', '宽频断线']
    """
    texts = list(texts)
    if not "".join(texts).isprintable():  # a control or zero-width character somewhere: rare
        texts = [remove_control_chars(text) for text in texts]
    for index in texts_matching(_WIDE_ANY, texts):
        texts[index] = normalize_width(texts[index])
    for index in texts_matching(_HTML_ANY, texts):
        texts[index] = strip_html(texts[index])
    texts = _simplified_batch(texts)
    for index in texts_matching(_EMOJI_ANY, texts):
        texts[index] = replace_emoji(texts[index])
    for index in _repeat_candidates(texts):
        texts[index] = _squeeze_runs(texts[index])
    for index in _phrase_run_candidates(texts):
        texts[index] = _squeeze_phrases(texts[index])
    if "".join(texts).isprintable() and "  " not in "\n".join(texts):
        return [text.strip(" ") for text in texts]  # normalize_whitespace's own fast path, for all
    return [normalize_whitespace(text) for text in texts]


def texts_matching(pattern, texts):
    """Positions in ``texts`` of those in which ``pattern`` (never matching a newline) finds something.

    One scan over all of them joined by newlines: for thousands of short texts that is several
    times faster than one search each (cleaning's steps, masking's cheap test).
    """
    ends = list(map(add, accumulate(map(len, texts)), count()))  # end of each text, joined by newlines
    found = []
    for match in pattern.finditer("\n".join(texts)):
        index = bisect_right(ends, match.start())
        if not found or found[-1] != index:
            found.append(index)
    return found


def _simplified_batch(texts):
    """``[to_simplified(text) for text in texts]`` in one call of the converter.

    No entry of OpenCC's dictionaries holds a newline, so no conversion spans
    the newlines that join the texts, and the count of newlines stays: each
    text is found again by its own newlines.
    """
    chinese = [index for index, text in enumerate(texts) if not text.isascii()]
    if not chinese:
        return texts
    try:
        converted = _converter().convert("\n".join([texts[index] for index in chinese])).split("\n")
    except UnicodeEncodeError:  # a lone surrogate: to_simplified converts around it
        converted = None
    if converted is None or len(converted) != len(chinese) + sum(texts[index].count("\n") for index in chinese):
        return [to_simplified(text) for text in texts]
    texts = list(texts)
    start = 0
    for index in chinese:
        end = start + texts[index].count("\n") + 1
        texts[index] = converted[start] if end == start + 1 else "\n".join(converted[start:end])
        start = end
    return texts


def _repeat_candidates(texts):
    """Positions of the texts in which ``_squeeze_runs`` may change something.

    A superset: the texts with a character three times in a row, or twice in a
    row when it is neither a Chinese character nor an ASCII letter or digit
    (those fold only from three). Two in a row (好好, 慢慢) are common; runs of
    three are not.
    """
    if not texts:
        return []
    codes = np.frombuffer("\n".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    pairs = np.flatnonzero(codes[:-1] == codes[1:])  # a character equal to the next one
    chars = codes[pairs]
    wordlike = ((chars >= 0x4E00) & (chars <= CJK_WORD_LAST)) | ((chars < 128) & _ASCII_WORD[np.minimum(chars, 127)])
    starts = np.concatenate([pairs[~wordlike], pairs[:-1][np.diff(pairs) == 1]])  # marks twice; all thrice
    if not len(starts):
        return []
    ends = np.cumsum(np.fromiter(map(len, texts), dtype=np.intp, count=len(texts)) + 1)
    return sorted(set(np.searchsorted(ends, starts, side="right").tolist()))


_ASCII_WORD = np.array([chr(code).isalnum() for code in range(128)])  # ASCII letters and digits: they fold only from three
# The last of the unified Chinese characters that this Python's Unicode data makes a word
# character (U+9FFC on Python 3.10, U+9FFF from 3.11): the ones after it fold from two.
CJK_WORD_LAST = max(code for code in range(0x9F00, 0xA000) if re.match(r"\w", chr(code)))


def clean_text(text):
    """Clean one comment for analysis with the default pipeline.

    Order: control characters, width, HTML, traditional -> simplified, emoji,
    repeats, whitespace (width first so that full-width "＜ｂ＞" or "＆ａｍｐ;"
    are handled by the same run). Running it twice gives the same text for
    ordinary feedback; rare inputs (entities escaped twice, such as
    "&amp;amp;") change once more because each run decodes one level.

    >>> clean_text("<p>寬頻ＡＤＳＬ斷線了！！！😡😡</p>")
    '宽频ADSL断线了！[怒][怒]'
    """
    return _DEFAULT_PIPELINE(text)
