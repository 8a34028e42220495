"""Emoji and emoticons in feedback: replaced by bracketed words that keep their sentiment.

Part of the clean stage (``textmine.text.clean.clean_text`` runs :func:`replace_emoji`).
EMOJI_TAGS gives the polarity of each word for sentiment lexicons; the tables
and regexes are built once, here.

    >>> replace_emoji("网速还行👍🏻 客服😡")
    '网速还行[赞] 客服[怒]'
"""

import re

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
