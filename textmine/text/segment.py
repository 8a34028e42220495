"""Word segmentation of cleaned feedback, done once per comment.

A private jieba tokenizer loaded with the telecom dictionaries keeps terms
such as 携号转网, 光猫 and 10000号 whole; the global ``jieba`` tokenizer is never
touched, so other code in the same process keeps jieba's default behaviour.

Two engines cut the same way: ``rjieba`` (jieba's algorithm and dictionary in
Rust, about 18 times faster) when it is installed, else ``jieba.Tokenizer``.
Through ``Segmenter.cut`` the two give identical tokens for every one of the
2,296 labelled comments in tests/data (benchmarks/bench_segment.py checks it).
Every later stage reuses the tokens, so this is where variants become one
canonical word (宽频 -> 宽带) and where single characters that carry a
complaint (慢, 卡, 贵) or a negation (不, 没) are kept as tokens of their own.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata

from textmine.errors import library_log_at
from textmine.memo import BoundedMemo
from textmine.text.lexicon import Lexicon

# Single characters that still say something about a pain point when a topic
# model or keyword list sees them on their own.
MEANINGFUL_CHARS = frozenset("慢卡贵差坑烂骗黑断弱乱扣吵坏堵烦")

# Negations and degree words that sentiment reads on their own. A two-character
# token made of one of these and a complaint character is split (很慢 -> 很 慢,
# 不贵 -> 不 贵), even when jieba's own dictionary lists it as a word.
_MODIFIERS = frozenset("不没无别未非很太好真超挺蛮较更最特巨贼")
# Characters that jieba's HMM guesser must not glue to a neighbour (卡有, 差有).
_KEEP_APART = MEANINGFUL_CHARS | _MODIFIERS

# Forms made by the clean and mask stages that must stay one token:
# emoji words such as [怒] and personal-data tags such as <手机号>.
_BRACKET_TOKEN = re.compile(r"(\[[\u4e00-\u9fffA-Za-z]{1,8}\]|<[\u4e00-\u9fff]{1,8}>)")
_HAN_ONLY = re.compile(r"[\u4e00-\u9fff]+")
# A run of Latin letters and digits as jieba sees it (part of its re_han_default).
_LATIN_RUN = re.compile(r"[A-Za-z0-9][A-Za-z0-9+#&._%\-]*")

# Synonym words that jieba does not know get this frequency, enough for the
# dictionary route to keep them whole in ordinary sentences.
SYNONYM_WORD_FREQ = 2000
TOKEN_CACHE_SIZE = 100_000  # distinct tokens each memo of a segmenter holds before it empties


@functools.lru_cache(maxsize=1)
def _jieba_dictionary():
    """jieba's own prefix dictionary and total, loaded once per process.

    Loading takes about a second (a marshal cache in the temp dir); copying
    the loaded dict is ten times faster, so further segmenters copy it.
    """
    import jieba  # here, not at the top: with rjieba, jieba (and its slow imports) is never needed

    tokenizer = jieba.Tokenizer()
    with library_log_at("jieba", logging.WARNING):  # no 'Building prefix dict' chatter
        tokenizer.initialize()
    return tokenizer.FREQ, tokenizer.total


def _new_tokenizer():
    """A private, initialised jieba.Tokenizer that shares nothing with jieba.dt."""
    import jieba

    freq, total = _jieba_dictionary()
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ = dict(freq)
    tokenizer.total = total
    tokenizer.initialized = True
    return tokenizer


class _JiebaEngine:
    """jieba's own Python tokenizer (the reference)."""

    name = "jieba"

    def __init__(self):
        self._tokenizer = _new_tokenizer()

    def add_word(self, word, freq=None, tag=None):
        self._tokenizer.add_word(word, freq, tag)

    def knows(self, word):
        return bool(self._tokenizer.FREQ.get(word))

    def cut(self, text, hmm):
        return self._tokenizer.cut(text, HMM=hmm)


def _rjieba_class():
    """rjieba's ``Jieba`` class, loaded without running the package's ``__init__``.

    That ``__init__`` builds a default tokenizer we never use: 0.14 s of every
    run's start-up, before any worker can start. The extension module inside
    the package is loaded on its own; if the package is laid out otherwise,
    it is imported the usual way.
    """
    import importlib.machinery
    import importlib.util
    import os
    import sys

    if "rjieba" in sys.modules:
        return sys.modules["rjieba"].Jieba
    spec = importlib.util.find_spec("rjieba")
    if spec is None:
        raise ImportError("No module named 'rjieba'")
    for directory in spec.submodule_search_locations or ():
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            path = os.path.join(directory, "rjieba" + suffix)
            if os.path.isfile(path):
                loader = importlib.machinery.ExtensionFileLoader("rjieba.rjieba", path)
                module = importlib.util.module_from_spec(importlib.util.spec_from_loader("rjieba.rjieba", loader))
                loader.exec_module(module)
                return module.Jieba
    import rjieba

    return rjieba.Jieba


class _RustEngine:
    """rjieba: the same dictionary and algorithm, compiled."""

    name = "rjieba"

    def __init__(self):
        self._jieba = _rjieba_class()()

    def add_word(self, word, freq=None, tag=None):
        self._jieba.add_word(word, freq, tag)

    def knows(self, word):
        return self._jieba.has_word(word)

    def cut(self, text, hmm):
        return self._jieba.cut(text, hmm)


def _engine(name):
    if name in ("auto", "rjieba"):
        try:
            return _RustEngine()
        except ImportError:
            if name == "rjieba":
                raise
    return _JiebaEngine()


def _is_word(token):
    """True unless the token is only whitespace, punctuation or symbols."""
    return any(unicodedata.category(ch)[0] not in "PSZC" for ch in token)


def _rebuild(lexicon, hmm, engine):
    return Segmenter(lexicon, hmm=hmm, engine=engine)


class Segmenter:
    """Cut cleaned text into telecom-aware word tokens.

    >>> segmenter = Segmenter(load_lexicon())
    >>> segmenter.cut("携号转网以后网速很慢")
    ['携号转网', '以后', '网速', '很', '慢']
    """

    def __init__(self, lexicon: Lexicon, *, hmm: bool = True, engine: str = "auto"):
        self.lexicon = lexicon
        self.hmm = hmm
        tokenizer = _engine(engine)
        self.engine = tokenizer.name
        for word, freq, tag in lexicon.user_words:
            tokenizer.add_word(word, freq, tag)
        user = {entry[0] for entry in lexicon.user_words}
        for word in sorted(set(lexicon.synonyms) | set(lexicon.synonyms.values())):
            if word not in user and not tokenizer.knows(word):
                tokenizer.add_word(word, SYNONYM_WORD_FREQ)
        self._tokenizer = tokenizer
        # engine token -> output tokens; token -> whether content_words keeps it
        self._done = BoundedMemo(TOKEN_CACHE_SIZE, self._finish)
        self._content = BoundedMemo(TOKEN_CACHE_SIZE, self._is_content_word)
        self._synonyms = dict(lexicon.synonyms)
        # Latin words are matched case-blind (volte, VOLTE -> VoLTE): people
        # type them in any case and the dictionaries spell them once.
        # Synonym groups decide the spelling; other dictionary words keep theirs.
        self._latin = {}
        for word in sorted(user):
            if word.isascii():
                self._latin.setdefault(word.lower(), word)
        for variant, canonical in lexicon.synonyms.items():
            if canonical.isascii():
                self._latin[canonical.lower()] = canonical
        for variant, canonical in lexicon.synonyms.items():
            if variant.isascii():
                self._latin[variant.lower()] = canonical
        self._keep = frozenset(
            word for word in user | set(lexicon.synonyms.values()) if word.isdigit()
        )

    def __reduce__(self):
        # The jieba tokenizer holds a lock and cannot be pickled; a worker
        # process rebuilds the segmenter from the (picklable) lexicon instead.
        return _rebuild, (self.lexicon, self.hmm, self.engine)

    def cut(self, text: str) -> list[str]:
        """All word tokens of already-cleaned text, synonyms mapped.

        Whitespace and punctuation are dropped; stopwords are kept (sentiment
        needs 不 and 没); [怒] and <手机号> stay one token.

        >>> segmenter.cut("宽频经常断线[怒]")
        ['宽带', '经常', '掉线', '[怒]']
        """
        if "[" not in text and "<" not in text:  # no bracketed token: most comments
            return self._cut_piece(text) if text else []
        tokens = []
        for index, piece in enumerate(_BRACKET_TOKEN.split(text)):
            if index % 2:
                tokens.append(piece)
            elif piece:
                tokens.extend(self._cut_piece(piece))
        return tokens

    def _latin_spelling(self, match):
        run = match.group()
        return self._latin.get(run.lower(), run)

    def _cut_piece(self, piece):
        # Respell known Latin words first (VOLTE -> VoLTE): jieba's dictionary
        # is case-sensitive and would otherwise cut VOLTE into VO + LTE.
        piece = _LATIN_RUN.sub(self._latin_spelling, piece)
        tokens, done = [], self._done
        for token in self._tokenizer.cut(piece, self.hmm):
            tokens.extend(done[token])
        return tokens

    def _finish(self, token):
        """What one engine token becomes: dropped, split or respelled (a pure function of it)."""
        if not _is_word(token):
            return ()
        if len(token) == 2 and token[0] in _MODIFIERS and token[1] in MEANINGFUL_CHARS:
            return self._canonical(token[0]), self._canonical(token[1])
        if (
            self.hmm
            and len(token) > 1
            and not self._tokenizer.knows(token)
            and _HAN_ONLY.fullmatch(token)
            and not _KEEP_APART.isdisjoint(token)
        ):
            # The HMM guessed a word around a complaint or negation
            # character (很卡, 差有); the dictionary route keeps it apart.
            return tuple(self._canonical(t) for t in self._tokenizer.cut(token, False))
        return (self._canonical(token),)

    def _canonical(self, token):
        if token.isascii():
            token = self._latin.get(token.lower(), token)
        return self._synonyms.get(token, token)

    def cut_many(self, texts) -> list[list[str]]:
        """cut() each text, in order.

        >>> segmenter.cut_many(["光猫坏了", "满意"])
        [['光猫', '坏', '了'], ['满意']]
        """
        return [self.cut(text) for text in texts]

    def content_words(self, tokens: list[str]) -> list[str]:
        """Tokens worth counting for topics and keywords.

        Drops stopwords, one-character tokens (except MEANINGFUL_CHARS such as
        慢 卡 贵), digits-only tokens (except numbers the dictionaries name,
        such as 10086), emoji words, personal-data tags and Chinese words that
        only the HMM guessed (in no dictionary).

        >>> segmenter.content_words(["您好", "网速", "很", "慢", "2024", "10086"])
        ['网速', '慢', '10086']
        """
        keep = self._content
        return [token for token in tokens if keep[token]]

    def _is_content_word(self, token):
        return (
            token not in self.lexicon.stopwords
            and (len(token) > 1 or token in MEANINGFUL_CHARS)
            and (not token.isdigit() or token in self._keep)
            and token[0] not in "[<"
            # A Chinese word no dictionary knows is the HMM's guess at a run of
            # characters (到底不管, 段时间): noise in topics and keyword lists.
            and (token.isascii() or self._tokenizer.knows(token))
        )
