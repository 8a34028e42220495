"""Junk detection: say why a comment carries no analysable content (empty, meaningless, spam).

Part of the clean stage: the pipeline asks :func:`junk_reason` of each comment
and flags it instead of analysing it. It knows the emoji tables of
``clean_emoji`` so that a comment that is only 👍 or :( counts as a sentiment,
not as junk.

    >>> junk_reason("asdfgh"), junk_reason("满意")
    ('meaningless', None)
"""

import re

from textmine.text.emoji import _EMOJI_MAP, _EMOTICON, _EMOTICON_CHARS

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
    if len(text) >= 10 and _few_distinct_chars(text[:_HEAD]) and _few_distinct_chars(text):
        return "spam"
    return None


# Flooding is looked for in the first characters first: the set of a whole
# review-length comment took longer than the rest of junk_reason.
_HEAD = 16


def _few_distinct_chars(text):
    """True when the text holds at most two distinct characters besides spaces."""
    distinct = set(text)
    distinct.discard(" ")
    return len(distinct) <= 2
