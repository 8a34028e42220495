"""The language side of textmine's sentiment engine: lexicon, clauses and answer rules.

Everything here looks at text only (no model weights): the hand-written lexicon
(textmine/models/sentiment.lexicon.json), clause splitting with contrast and
concession weights, tokens per clause, sarcasm markers, and the rules for
one-word survey answers and 0-10 scores. The model features are built on top
of these in sentiment_features.py (reference) and sentiment_model.py (fast).
"""

import json
import re
from functools import lru_cache

import ahocorasick_rs

from textmine.resources import model_file

LEXICON_FILE = "sentiment.lexicon.json"

# Clauses end at punctuation; a contrast word starts a new clause and marks the
# clauses before it (in the same sentence) as the weaker half of the comment.
_SOFT_BREAK = r"[，,、\s~～…]"
_SENTENCE_END = r"[。！？!?；;\n]"
_ANY_BREAK = r"[，,。！？!?；;、\s~～…]"
_CONTRAST_WORDS = r"(?<!不)(?:但是|可是|不过|然而|就是|只是|但|却)"
# One pass finds all three: group 1 is a punctuation run that ends a sentence,
# group 2 one that does not, and a match with no group is a contrast word.
_CLAUSE_BREAK = re.compile(f"({_SOFT_BREAK}*{_SENTENCE_END}{_ANY_BREAK}*)|({_SOFT_BREAK}+)|{_CONTRAST_WORDS}")
# Whether a comment holds a contrast word at all: the same test as _CONTRAST_WORDS,
# written to start with one character class, which the regex engine skips ahead to in C.
_CONTRAST = re.compile("[但可不然就只却](?<!不.)(?:(?<=但)|(?<=可)是|(?<=不)过|(?<=然)而|(?<=就)是|(?<=只)是|(?<=却))")
_PIECE = re.compile(r"[^，,。！？!?；;、\s~～…]+")  # what lies between punctuation runs
_QUOTED = re.compile(r"[\"“”'‘’「」『』]\s*([^\"“”'‘’「」『』]{1,4})\s*[\"“”'‘’「」『』]")
_SCORE_ANSWER = re.compile(r"^(?:打|给|评)?(10|[0-9]|十|[零〇一二两三四五六七八九])分?$")
_SCORE_IN_TEXT = re.compile(r"(?<![0-9])(10|[0-9]|十|[零〇一二两三四五六七八九])分")
_ANSWER_STRIP = re.compile(r"[\s，,。.！!？?~～…、；;:：\"“”'‘’]+|[吧啊呀了的哈嘛呢哦]+$")
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_FULL_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")

NEGATION_REACH = 3  # chars between a negator and the word it negates (不是很满意)
PRE_CONTRAST_WEIGHT = 0.4  # how much the clauses before 但是 / after 虽然 count
LONGEST_ANSWER = 12  # longer texts are never one-word answers

_KIND_CODES = (("ignore", "x"), ("intensifiers", "i"), ("positive", "+"),
               ("negative", "-"), ("negators", "n"))


def _matcher(words):
    """Aho-Corasick matcher of the words, giving leftmost-longest matches as (word index, start, end).

    Same matches as a longest-first regex alternation of the words, several times as
    fast (ahocorasick_rs, compiled; 2.5 against 4.0 µs a clause for pyahocorasick's
    iter_long, with the same matches on all 173,421 distinct clauses of the benchmark
    inputs and the labelled data).
    """
    return ahocorasick_rs.AhoCorasick(list(words), matchkind=ahocorasick_rs.MATCHKIND_LEFTMOST_LONGEST)


class Lexicon:
    """The hand-written word lists, compiled once into Aho-Corasick automata."""

    def __init__(self, data):
        self.kind = {}
        # Later lists win on duplicates, so a word listed as negator stays a negator.
        for name, code in _KIND_CODES:
            for word in data.get(name, ()):
                self.kind[word] = code
        self.words = _matcher(self.kind)
        self.word_kinds = tuple(self.kind.values())  # the kind code of each word, by word index
        self.sarcasm = _matcher(dict.fromkeys(data["sarcasm"]))
        self.quoted_positive = frozenset(data["positive"]) | frozenset(data["quoted_positive"])
        self.concession = tuple(data["concession"])
        self.token_negators = frozenset(data["negators"])
        self.answers = {}
        for name, value in (("neutral_answers", 0.5), ("positive_answers", 0.9),
                            ("negative_answers", 0.1)):
            for word in data[name]:
                self.answers[word.lower()] = value


@lru_cache(maxsize=1)
def lexicon():
    """The packaged sentiment lexicon, loaded once per process."""
    with model_file(LEXICON_FILE).open(encoding="utf-8") as handle:
        return Lexicon(json.load(handle))


def negation_marked(tokens, negators):
    """The tokens, "!"-marked within three tokens after a negator (不是不满意 flips twice).

    >>> list(negation_marked(["不太", "好"], {"不太"}))
    ['不太', '!好']
    """
    left, parity = 0, 0
    for tok in tokens:
        if tok in negators:
            parity = (parity ^ 1) if left else 1
            left = 3
        elif left:
            left -= 1
            if parity:
                tok = "!" + tok
        yield tok


def lexicon_hits(clause, lex):
    """(feature name, start of the negated span or None, end) of each lexicon word in a clause.

    The name is L+ or L-, with n when a negator within NEGATION_REACH chars
    negates the word (a second negator in reach cancels the first: 不是不满意)
    and i when an intensifier ends right where the word starts.

    >>> list(lexicon_hits("不太好", lexicon()))
    [('L+n', 0, 3)]
    """
    neg_start, neg_end, parity, int_end = 0, -99, 0, -99
    kinds = lex.word_kinds
    for word, start, end in lex.words.find_matches_as_indexes(clause):
        kind = kinds[word]
        if kind == "n":
            if start - neg_end <= NEGATION_REACH:
                parity ^= 1
            else:
                parity, neg_start = 1, start
            neg_end = end
        elif kind == "i":
            int_end = end
        elif kind != "x":
            negated = parity and start - neg_end <= NEGATION_REACH
            yield ("L" + kind + ("n" if negated else "") + ("i" if start == int_end else ""),
                   neg_start if negated else None, end)


def split_clauses(text):
    """Split a comment into (start, end, weight) clause spans.

    Clauses before a contrast word (但是, 就是, 不过 ...) in the same sentence, and
    clauses that open with a concession (虽然), get PRE_CONTRAST_WEIGHT.
    >>> [(t[s:e], w) for t in ["虽然便宜，但是信号差"] for s, e, w in split_clauses(t)]
    [('虽然便宜', 0.4), ('但是信号差', 1.0)]
    """
    concession = lexicon().concession
    if _CONTRAST.search(text) is None:
        # No contrast word (most comments): the clauses are the pieces between punctuation.
        return [(start, end, PRE_CONTRAST_WEIGHT if text.startswith(concession, start) else 1.0)
                for start, end in map(re.Match.span, _PIECE.finditer(text))]
    starts, ends, weights = [], [], []
    sentence_first = 0
    piece_start = 0
    for match in _CLAUSE_BREAK.finditer(text + "。"):
        start, end = match.span()
        if start > piece_start:
            starts.append(piece_start)
            ends.append(start)
            weights.append(PRE_CONTRAST_WEIGHT if text.startswith(concession, piece_start) else 1.0)
        kind = match.lastindex
        if kind is None:
            # A contrast word: what came before it in this sentence weighs less.
            for i in range(sentence_first, len(weights)):
                weights[i] = PRE_CONTRAST_WEIGHT
            piece_start = start
        else:
            if kind == 1:
                sentence_first = len(weights)
            piece_start = end
    return list(zip(starts, ends, weights))


def tokens_by_clause(text, tokens, spans):
    """Put each token in the clause where it occurs (tokens not found stay in the current one).

    >>> tokens_by_clause("网速快，就是贵", ["网速", "快", "就是", "贵"], split_clauses("网速快，就是贵"))
    [['网速', '快'], ['就是', '贵']]
    """
    if len(spans) < 2:
        return [list(tokens)] if spans else []
    out = [[] for _ in spans]
    last = len(spans) - 1
    clause, cursor = 0, 0
    clause_end = spans[0][1]
    find = text.find
    current = out[0]
    rest = iter(tokens)
    for tok in rest:
        pos = find(tok, cursor)
        if 0 <= pos - cursor < 8:
            cursor = pos + len(tok)
            if pos >= clause_end:
                while clause < last and pos >= spans[clause][1]:
                    clause += 1
                current = out[clause]
                if clause == last:
                    # The rest can only go here: not looked for (a sixth of the tokens).
                    current.append(tok)
                    current.extend(rest)
                    return out
                clause_end = spans[clause][1]
        current.append(tok)
    return out


def is_sarcastic(text, lex=None):
    """True when the text carries an irony marker (呵呵, 谢谢你全家, a quoted "好").

    >>> is_sarcastic("呵呵，网速真快"), is_sarcastic('真是"好"网速'), is_sarcastic("网速真快")
    (True, True, False)
    """
    lex = lex or lexicon()
    if lex.sarcasm.find_matches_as_indexes(text):
        return True
    if _QUOTED.search(text) is None:
        return False
    return any(m.group(1).strip() in lex.quoted_positive for m in _QUOTED.finditer(text))


def length_bucket(n):
    """Feature name for a comment of n characters (len:1, len:2, len:4 ... len:L)."""
    return "len:" + ("1" if n <= 1 else "2" if n <= 2 else "4" if n <= 4 else
                     "8" if n <= 8 else "16" if n <= 16 else "32" if n <= 32 else "L")


def score_in_text(text):
    """Band (0, 1, 2) of a 0-10 score written in the text (给5分), else None."""
    if "分" not in text:
        return None
    found = _SCORE_IN_TEXT.search(text.translate(_FULL_DIGITS))
    return score_band(found.group(1)) if found else None


def score_band(number):
    """0 for a 0-4 score, 1 for 5-7, 2 for 8-10 (digits or Chinese numerals)."""
    value = _CN_DIGITS.get(number)
    value = int(number) if value is None else value
    return 0 if value <= 4 else 1 if value <= 7 else 2


def answer_score(text):
    """Score of a one-word survey or SMS answer (满意, 一般, 无, 9, 10分), else None.

    Short answers carry no context for the model, and a 0-10 score means what the
    survey scale says: 0-4 negative, 5-7 neutral, 8-10 positive.
    >>> answer_score("10分"), answer_score("一般"), answer_score("网速慢")
    (0.9, 0.5, None)
    """
    if len(text) > LONGEST_ANSWER:
        return None
    short = _ANSWER_STRIP.sub("", text.translate(_FULL_DIGITS)).lower()
    if not short:
        return 0.5 if not text.strip() else None
    found = _SCORE_ANSWER.match(short)
    if found:
        return (0.1, 0.5, 0.9)[score_band(found.group(1))]
    return lexicon().answers.get(short)


def apply_rules(scores, texts, sarcastic):
    """Overwrite model scores in place where a rule knows better; return them.

    One-word answers take answer_score; irony (呵呵, 谢谢你全家, 真是"好"网速)
    praises in words and means the opposite, so it is capped at 0.15.
    """
    for i, (text, sarcasm) in enumerate(zip(texts, sarcastic)):
        answer = answer_score(text) if len(text) <= LONGEST_ANSWER else None
        if answer is not None:
            scores[i] = answer
        elif sarcasm:
            scores[i] = min(scores[i], 0.15)
    return scores
