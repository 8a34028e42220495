"""Clean feedback text for analysis: small pure ``str -> str`` functions.

Each function does one thing, takes its options as keyword-only arguments and
can be composed with :func:`make_pipeline`; :func:`clean_text` is the default
composition used before segmentation. Cleaned text is for analysis only:
callers keep and write out the original text. Every regex and table is built
once, here, because this runs on millions of comments.

>>> clean_text("寬頻斷線！！！！😡😡😡 &nbsp;垃圾垃圾垃圾")
'宽频断线！[怒] 垃圾'
"""

import html
import re
from functools import lru_cache

__all__ = [
    "EMOJI_TAGS",
    "clean_text",
    "junk_reason",
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
_WIDE_ANY = re.compile("[\uff01-\uff64\u3000]")

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
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

# --- emoji -------------------------------------------------------------------
# Emoji become a bracketed word kept as a sentiment signal, in the style of the
# Weibo codes ([微笑] [怒]) that are left as they are. Words are at most two
# characters so that squeeze_repeats can fold "[怒][怒][怒]" into "[怒]".
# Polarity per tag, for sentiment lexicons: pos, neg or amb (context decides).
EMOJI_TAGS = {
    "[笑]": "pos", "[爱心]": "pos", "[赞]": "pos", "[鼓掌]": "pos", "[鲜花]": "pos",
    "[庆祝]": "pos", "[拜托]": "amb", "[笑哭]": "amb", "[微笑]": "amb", "[思考]": "amb",
    "[怒]": "neg", "[差评]": "neg", "[失望]": "neg", "[哭]": "neg", "[无语]": "neg",
    "[汗]": "neg", "[吐]": "neg", "[心碎]": "neg", "[惊]": "neg", "[捂脸]": "neg",
}
_EMOJI_WORDS = {
    "[笑]": "😀😃😄😁😆😊☺😇😋😎😉🤗😺😸",
    "[爱心]": "❤💕💖💗💓💞💘💝🧡💛💚💙💜🥰😍😘😻",
    "[赞]": "👍👌💯✌💪🆗",
    "[鼓掌]": "👏🙌",
    "[鲜花]": "🌹💐🌸🌷",
    "[庆祝]": "🎉🎊🥳",
    "[拜托]": "🙏",
    "[笑哭]": "😂🤣😹",
    # In Chinese online usage 🙂 (微笑) usually reads as cold or sarcastic.
    "[微笑]": "🙂🙃",
    "[思考]": "🤔",
    "[怒]": "😡😠🤬😤👿💢👊🖕",
    "[差评]": "👎💩",
    "[失望]": "😞😔😟🙁☹😣😖😫😩😕😒",
    "[哭]": "😭😢😿🥺",
    "[无语]": "🙄😑😐😶🤐😪💤",
    "[汗]": "😓😰😥😅",
    "[吐]": "🤮🤢",
    "[心碎]": "💔",
    "[惊]": "😱😨😮😲😧😦🙀",
    "[捂脸]": "🤦🤷",
}
_EMOJI_MAP = {ch: tag for tag, chars in _EMOJI_WORDS.items() for ch in chars}
# One emoji "cluster": a base symbol plus modifiers, variation selectors,
# keycaps and ZWJ-joined parts (👨‍👩‍👧, 🤦🏻‍♂️); looked up by its first symbol.
_EMOJI_BASE = (
    "\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u231a\u231b\u23e9-\u23fa"
    "\u3030\u303d\u3297\u3299"
)
_EMOJI_MOD = "\ufe0e\ufe0f\u20e3\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f"
_EMOJI = re.compile(
    f"[{_EMOJI_BASE}][{_EMOJI_MOD}]*(?:\u200d[{_EMOJI_BASE}\u2640\u2642][{_EMOJI_MOD}]*)*"
    f"|[{_EMOJI_MOD}\u200d]+"
)
# ★☆ and ✓✔ are rating and check marks in reviews, not emoji: keep them.
_NOT_EMOJI = set("★☆✓✔✗✘※")
# Emoticons and kaomoji, written with ASCII or full-width punctuation.
_EMOTICONS = [
    (r"[:：]-?[)）](?![\w)）])|\^[_\-o.]?\^|(?<![A-Za-z0-9])(?:XD|[:：]D)(?![A-Za-z0-9])", "[笑]"),
    (r"[:：]-?[(（](?![\w(（])|(?<![A-Za-z0-9])(?:T[_\-.^vo]T|QAQ|QwQ)(?![A-Za-z0-9])"
     r"|[╥ππ][﹏_][╥ππ]", "[哭]"),
    (r"(?<![A-Za-z0-9])(?:orz|OTZ|Orz)(?![A-Za-z0-9])", "[失望]"),
    (r"-_-+\|*|(?<![=\w])= ?=(?![=\w])|[@＠]_[@＠]|╮\(╯[_▽]╰\)╭", "[无语]"),
    (r"\(╯[°‵'][□Д][°′']\)╯︵?\s*┻━┻|┻━┻", "[怒]"),
]
_EMOTICON = re.compile("|".join(f"(?P<e{i}>{p})" for i, (p, _) in enumerate(_EMOTICONS)))
_EMOTICON_TAG = {f"e{i}": tag for i, (_, tag) in enumerate(_EMOTICONS)}
# Every emoticon above holds one of these; most comments hold none of them.
_EMOTICON_CHARS = frozenset("()（）^_=DTQzZ┻╥π")
_EMOJI_HINT = re.compile(f"[{_EMOJI_BASE}{_EMOJI_MOD}\u200d]")

# --- junk --------------------------------------------------------------------
_LETTER = re.compile(r"[^\W\d_]")
_NOT_LETTER = re.compile(r"[\W\d_]+")
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890")
# A keyboard-row run of five keys anywhere, or of four at the start (asdf...,
# qwer...); four anywhere would flag real words such as "property".
_KEYBOARD_SEQS = [seq for row in _KEYBOARD_ROWS for seq in (row, row[::-1])]
_KEYBOARD_RUN = re.compile(
    "|".join(seq[i : i + 5] for seq in _KEYBOARD_SEQS for i in range(len(seq) - 4))
    + "|^(?:"
    + "|".join(seq[i : i + 4] for seq in _KEYBOARD_SEQS for i in range(len(seq) - 3))
    + ")"
)
_VOWEL = re.compile("[aeiouy]")
_INTERJECTIONS_ONLY = re.compile(r"[啊阿哦噢喔呃额哈呵嘿嘻\W_]+")
# Spreadsheet and database markers of an empty cell.
_NULL_MARKERS = {"nan", "null", "none", "n/a", "#n/a", "na", "#value!", "#ref!", "#div/0!", "nil"}
_URL_OR_CONTACT = re.compile(
    r"https?://|www\.|\b[\w-]+\.(?:com|cn|net|top|xyz|vip|cc|me|io)\b"
    r"|(?:加|\+|\b)(?:微信|薇信|威信|vx|VX|wx|V信|v信|QQ|qq|扣扣|群)[号:： ]*[A-Za-z0-9_-]{5,}"
    r"|(?:加|\+)(?:微信|薇信|威信|vx|VX|wx|V|v|Q|q)(?![\w])"
)
_AD_WORDS = re.compile(
    "兼职|刷单|日结|日赚|月入|返利|返现|代理|加盟|招聘|优惠券|点击链接|免费领|领取|红包|赚钱"
    "|博彩|贷款|套现|推广|引流|粉丝|特价|秒杀|扫码"
)
# A complaint that quotes a spam message is feedback, not spam.
_COMPLAINT_WORDS = re.compile("骚扰|诈骗|举报|投诉|被骗|骗子|垃圾短信|怎么回事|为什么")


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
    text = _CHAR_RUN.sub(_squeeze_char, text)
    text = _MARK_RUN.sub(_squeeze_mark, text)
    return _PHRASE_RUN.sub(r"\1", text)


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
    """Remove C0/C1 control characters (NUL included) and lone surrogates.

    Tabs and newlines stay; a carriage return becomes a newline.

    >>> remove_control_chars("网速\\x00慢\\r\\n信号\\x1b差\\t!")
    '网速慢\\n信号差\\t!'
    """
    if text.isprintable():
        return text  # fast path: the common case, checked in C
    if "\r" in text:
        text = _NEWLINE_CR.sub("\n", text)
    return _CONTROL.sub("", text)


def _emoji_tag(match):
    cluster = match.group()
    first = cluster[0]
    if first in _NOT_EMOJI:
        return cluster
    return _EMOJI_MAP.get(first, "")


def replace_emoji(text, *, unknown=""):
    """Replace emoji and emoticons by bracketed words kept as a sentiment signal.

    😡 -> [怒], 👍 -> [赞], 😂 -> [笑哭] (ambiguous), :( -> [哭]; see EMOJI_TAGS
    for the polarity of each word. Weibo codes such as [微笑] are left as they
    are. An emoji not in the table is removed (``unknown=""``): it carries no
    known polarity and a generic [表情] token would only add noise to topics;
    pass ``unknown="[表情]"`` to keep a trace of it.

    >>> replace_emoji("客服态度😡👎 ，网速还行👍🏻 :)")
    '客服态度[怒][差评] ，网速还行[赞] [笑]'
    """
    if not text.isascii() and _EMOJI_HINT.search(text):
        if unknown:
            text = _EMOJI.sub(lambda m: _emoji_tag(m) or unknown, text)
        else:
            text = _EMOJI.sub(_emoji_tag, text)
    if not _EMOTICON_CHARS.isdisjoint(text):
        text = _EMOTICON.sub(lambda m: _EMOTICON_TAG[m.lastgroup], text)
    return text


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


_DEFAULT_PIPELINE = make_pipeline(
    remove_control_chars,
    normalize_width,  # before strip_html: "＜ｂ＞" is a tag once folded
    strip_html,
    to_simplified,
    replace_emoji,
    squeeze_repeats,
    normalize_whitespace,
)


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


def _is_keyboard_mash(letters):
    # letters: lower-case ASCII letters only. Short words (ok, no, 5g) pass.
    if len(letters) < 4:
        return False
    return (
        len(set(letters)) <= 2
        or _KEYBOARD_RUN.search(letters) is not None
        or _VOWEL.search(letters) is None
    )


_SURVEY_SCORE = re.compile(r"\s*(?:10|[0-9]|１０|[０-９])\s*分?\s*")


def junk_reason(text):
    """Say why a comment carries no analysable content, or return None.

    'empty': nothing but whitespace, or a spreadsheet null marker (nan, #N/A).
    'meaningless': only digits, punctuation or symbols, keyboard mashing (asdfgh, jjjjjj, qwerqwer) or interjections only
    (啊啊啊, 哈哈). Short real answers (无, 好, 满意, 一般, ok) are kept, and so
    is a comment that is only a known emoji (👍, [赞]): it is a sentiment.
    'spam': a link or contact handle together with advert words (兼职 刷单
    加微信...), unless the text complains about it (骚扰, 诈骗, 投诉); or ten
    or more characters made of at most two distinct characters (flooding).
    Works on raw or cleaned text.

    >>> [junk_reason(t) for t in ["  ", "10", "123456", "asdfgh", "满意", "兼职刷单日结加微信abc123"]]
    ['empty', None, 'meaningless', 'meaningless', None, 'spam']
    """
    if not text or text.isspace():
        return "empty"
    if _SURVEY_SCORE.fullmatch(text):
        return None
    if len(text) <= 12 and text.strip().lower() in _NULL_MARKERS:
        return "empty"
    if not _LETTER.search(text):
        if not text.isascii() and any(ch in _EMOJI_MAP for ch in text):
            return None
        if not _EMOTICON_CHARS.isdisjoint(text) and _EMOTICON.search(text):
            return None
        return "meaningless"
    if text.isascii():
        if _is_keyboard_mash(_NOT_LETTER.sub("", text).lower()):
            return "meaningless"
    elif _INTERJECTIONS_ONLY.fullmatch(text):
        return "meaningless"
    if (
        _AD_WORDS.search(text)
        and _URL_OR_CONTACT.search(text)
        and not _COMPLAINT_WORDS.search(text)
    ):
        return "spam"
    if len(text) >= 10:
        distinct = set(text)
        distinct.discard(" ")
        if len(distinct) <= 2:
            return "spam"
    return None
