"""Topics: find what comments talk about that no one named in advance.

Analysts used to run gensim LDA by hand on ``jieba.lcut`` tokens and got evenly
sized word lists mixing unrelated themes. ``TopicModel`` keeps only words that
can name an issue: no stopwords, places, numbers, times or pronouns (jieba's
dictionary tags), negation or degree words, nor words in more than ``no_above``
of the comments (boilerplate such as 进行核验); k is picked by coherence. Two
engines learn the topics (topic_engines.py), both repeatable for a seed:

* ``nmf`` (default): NMF with Kullback-Leibler loss on TF-IDF rows, so words
  frequent in a few comments outweigh words found everywhere;
* ``lda``: gensim LDA on word counts, started from clusters of comments.

Why NMF is the default, measured with benchmarks/bench_topics.py at the same k
(NPMI on the comment text / pain-point overlap / top words kept from seed to seed):
sample survey, k=12: nmf 0.182 / 0.70 / 0.81, lda 0.220 / 0.71 / 0.37 (seed 1,
k=11: nmf 0.173 / 0.70, lda 0.197 / 0.61); generated 20k, k=12: nmf 0.206 /
0.90 / 0.85, lda 0.195 / 0.79 / 0.55. LDA's words are a little more coherent on
the survey, but its topics match pain points as well or up to 11 points worse,
change with the seed, and cost 6-30 times the CPU. Plain LDA on ``jieba.lcut``
tokens: 0.097 / 0.43, and 91 % of its top words are stopwords or punctuation.
Phrases (gensim ``Phrases``, ``phrases=True``) are off for both engines: they
lowered coherence of both on both corpora (survey: nmf 0.172, lda 0.202), and
the telecom dictionary already keeps most two-word complaints as one token
(信号差, 网速慢). Coherence, which picks k: topic_coherence.py.
"""

import functools
import hashlib
import itertools
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from textmine.errors import ConfigError
from textmine.memo import BoundedMemo
from textmine.topics.coherence import npmi_coherence, npmi_of_ids, top_word_ids  # noqa: F401
from textmine.topics.engines import ENGINES, make_engine, single_threaded

DEFAULT_ENGINE = "nmf"
SEARCH_DOCS = 20_000  # comments the auto-k search fits on (see _fit_components)
TOKEN_CACHE_SIZE = 200_000  # distinct tokens whose topic filter verdict a model remembers
# What only the fit and its summaries (topic words, examples) read: for_assigning leaves it out.
_FIT_ONLY = frozenset({"fit_indices_", "assignments_", "_proba", "_n_known", "_doc_keys", "topic_word_",
                       "_keeps"})

# Single characters that carry a complaint on their own; other 1-char tokens are noise.
MEANINGFUL_SINGLE_CHARS = frozenset("慢卡贵差坑烂断掉骗扣吵")
PHRASE_DELIMITER = "_"
# The segmenter keeps negation, degree and frequency words for sentiment; in a
# topic they say how, not what (没有 led a topic of 'no comment' answers).
TOPIC_NOISE = frozenset("没有 不是 不了 不到 没什么 非常 特别 十分 比较 根本 经常 总是 老是 从来 "
                        "一直 暂时 很快 真是 确实 直接 突然".split())
# jieba dictionary tags of words that are context, not an issue: places, numbers,
# quantities, times, pronouns, conjunctions, prepositions, particles, directions.
NON_TOPIC_TAGS = frozenset("ns m mq q t r c p u uj ul ud uz ug uv y e f x".split())
_NOT_CONTENT = re.compile(r"^[\W_\d]*$")  # punctuation, symbols, digits only (or empty)


def is_content_token(token, stopwords=frozenset()):
    """True if ``token`` may appear in a topic: not a stopword, punctuation or digits.

    >>> is_content_token("信号_差"), is_content_token("的"), is_content_token("，")
    (True, False, False)
    """
    parts = token.split(PHRASE_DELIMITER) if PHRASE_DELIMITER in token.strip("_") else [token]
    if token in stopwords or all(p in stopwords for p in parts):
        return False
    for part in parts:
        if _NOT_CONTENT.match(part) or (len(part) == 1 and part not in MEANINGFUL_SINGLE_CHARS):
            return False
    return True


@functools.lru_cache(maxsize=1)
def non_topic_words():
    """Words jieba's dictionary tags as places, numbers, times, pronouns (read once).

    >>> {"广州", "十月份", "我家"} <= non_topic_words(), "信号" in non_topic_words()
    (True, False)
    """
    # The file is found without importing jieba, whose import costs a tenth of a second.
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("jieba")
    text = (Path(spec.submodule_search_locations[0]) / "dict.txt").read_text(encoding="utf-8")
    # One regex over the whole file: a loop over its 349k lines took a second.
    tags = "|".join(sorted(NON_TOPIC_TAGS))
    return frozenset(re.findall(rf"^(\S+) \d+ (?:{tags})\r?$", text, re.MULTILINE))


@dataclass(frozen=True)
class Topic:
    """One learned topic: readable label, top words with weights, documents assigned."""

    id: int
    label: str
    words: tuple
    size: int


class TopicModel:
    """Topics of content words by ``engine`` ('nmf' or 'lda'), repeatable for a ``random_state``.

    Pass content tokens (``Segmenter.content_words``); stopwords, punctuation,
    digits, ``TOPIC_NOISE`` and, with ``pos_filter``, ``non_topic_words()`` are
    filtered again, with ``stopwords`` if given. Fitted on a seeded sample of at
    most ``max_docs_for_fit`` documents; ``iter_assign`` then streams any number.

    >>> model = TopicModel(n_topics="auto", random_state=0).fit(token_lists)
    >>> model.topics_[0].label, model.assign([["信号", "差"]])
    """

    def __init__(self, n_topics="auto", *, k_range=(4, 12), random_state=0, phrases=False,
                 phrase_min_count=10, phrase_threshold=0.7, no_below=3, no_above=0.3,
                 keep_n=20000, max_docs_for_fit=50_000, max_docs_for_k_search=SEARCH_DOCS,
                 max_iter=400, n_top_words=10, stopwords=None, pos_filter=True,
                 chunk_size=2000, engine=DEFAULT_ENGINE):
        self.n_topics = n_topics
        self.k_range = k_range
        self.random_state = random_state
        self.phrases = phrases
        self.phrase_min_count = phrase_min_count
        self.phrase_threshold = phrase_threshold
        self.no_below = no_below
        self.no_above = no_above
        self.keep_n = keep_n
        self.max_docs_for_fit = max_docs_for_fit
        self.max_docs_for_k_search = max_docs_for_k_search
        self.max_iter = max_iter
        self.n_top_words = n_top_words
        self.stopwords = stopwords
        self.pos_filter = pos_filter
        self.chunk_size = chunk_size
        self.engine = engine

    # ---- fitting -------------------------------------------------------------------------
    def fit(self, token_lists, parallel_map=map):
        """Learn vocabulary, k and topics; assign every given document. Returns self.

        ``parallel_map`` runs the fits of the auto-k search, which are
        independent: a pool's ``imap`` runs them side by side, same topics.
        """
        self._check_params()
        self.engine_ = make_engine(self.engine, random_state=self.random_state,
                                   max_iter=self.max_iter)
        self._stop = frozenset(self.stopwords or ()) | TOPIC_NOISE | (
            non_topic_words() if self.pos_filter else frozenset())
        keeps = functools.partial(is_content_token, stopwords=self._stop)
        self._keeps = BoundedMemo(TOKEN_CACHE_SIZE, keeps)
        docs = [self._filter(tokens) for tokens in token_lists]
        sample = _sample(len(docs), self.max_docs_for_fit, self.random_state)
        self.fit_indices_ = sample
        self.phraser_ = None
        if self.phrases and len(sample) > 0:
            from gensim.models.phrases import Phrases

            self.phraser_ = Phrases([docs[i] for i in sample], min_count=self.phrase_min_count,
                                    threshold=self.phrase_threshold, scoring="npmi",
                                    delimiter=PHRASE_DELIMITER).freeze()
        train = [self._phrase(docs[i]) for i in sample]
        self._build_vocabulary(train)
        counts = self._counts(train)
        counts = counts[np.flatnonzero(counts.getnnz(axis=1))]
        self.coherence_curve_, self.coherence_ = [], 0.0
        self.components_ = np.zeros((0, len(self.vocabulary_)))
        self.n_topics_ = 0
        with single_threaded():
            if len(self.vocabulary_) >= 2 and counts.shape[0] >= 2:
                self._fit_components(counts, parallel_map)
            self._describe(docs)
        return self

    def _check_params(self):
        if self.engine not in ENGINES:
            raise ConfigError(f"unknown topic engine {self.engine!r}; available: "
                              + ", ".join(ENGINES))
        if self.n_topics != "auto" and not (isinstance(self.n_topics, int) and self.n_topics > 0):
            raise ConfigError(
                f"n_topics must be 'auto' or a positive integer, not {self.n_topics!r}")
        low, high = self.k_range
        if not 1 <= low <= high:
            raise ConfigError(
                f"k_range must be (low, high) with 1 <= low <= high, not {self.k_range}")

    def _build_vocabulary(self, train):
        """Words in at least no_below and at most no_above of the comments, sorted."""
        df = Counter(w for doc in train for w in set(doc))
        # Rare words cannot define a topic; on tiny corpora a fixed floor would remove all.
        no_below = max(1, min(self.no_below, len(train) // 20))
        limit = max(self.no_above * len(train), no_below)
        kept = sorted((w for w, n in df.items() if no_below <= n <= limit),
                      key=lambda w: (-df[w], w))[:self.keep_n]
        self.vocabulary_ = {w: i for i, w in enumerate(sorted(kept))}
        n = max(len(train), 1)
        self.idf_ = np.log((1 + n) / (1 + np.array([df[w] for w in sorted(kept)], dtype=float))) + 1

    def _counts(self, docs):
        """Document x word count matrix over the vocabulary (CSR, sorted indices)."""
        vocabulary, indices, indptr = self.vocabulary_, [], [0]
        for doc in docs:
            indices.extend(vocabulary[w] for w in doc if w in vocabulary)
            indptr.append(len(indices))
        matrix = sparse.csr_matrix((np.ones(len(indices)), indices, indptr),
                                   shape=(len(docs), len(vocabulary)))
        matrix.sum_duplicates()
        return matrix

    def _fit_components(self, counts, parallel_map=map):
        matrix = self.engine_.weigh(counts, self.idf_)
        binary = (counts > 0).astype(float).tocsr()
        if self.n_topics != "auto":
            self.n_topics_ = min(self.n_topics, *matrix.shape)
            self.components_ = self.engine_.fit(matrix, self.n_topics_)
        else:
            low, high = self.k_range
            high = max(1, min(high, matrix.shape[0] // 2, matrix.shape[1]))  # k <= pairs of docs
            low = min(low, high)
            # One fit per k, on at most max_docs_for_k_search comments. Smaller
            # subsamples made the choice of k noisy on the generated 20k (nmf on
            # 8k: k from 7 to 12 with the seed; lda on 5k: k=4, on 20k: k=11).
            rows = _sample(matrix.shape[0], self.max_docs_for_k_search, self.random_state)
            fits = self.engine_.fit_many(matrix[rows], range(low, high + 1), parallel_map)
            for k, components in fits.items():
                top = top_word_ids(components, self.n_top_words)
                score = round(npmi_of_ids(binary[rows], top), 3)
                self.coherence_curve_.append((k, score))
            # Smaller topics are tighter, so coherence creeps up with k: take the
            # fewest topics within 5 % of the best rather than the top of the range.
            top = max(score for _, score in self.coherence_curve_)
            near = top - 0.05 * abs(top)  # 0.95 * top would exclude every k of a negative curve
            self.n_topics_ = min(k for k, score in self.coherence_curve_ if score >= near)
            # The topics the curve scored, refined on every comment: a fresh fit
            # could land elsewhere (on the generated 20k: overlap 0.83 instead of 0.90).
            self.components_ = self.engine_.refine(matrix, fits[self.n_topics_])
        self.coherence_ = npmi_of_ids(binary, top_word_ids(self.components_, self.n_top_words))

    def _describe(self, docs):
        """Topic words and labels; assignments of all fitted documents."""
        probs, known = self._infer_many(docs)
        self.assignments_ = _dominant(probs, known)
        self._proba = probs.max(axis=1) if probs.shape[1] else np.zeros(len(docs))
        self._n_known = known
        self._doc_keys = [hashlib.blake2b("\x1f".join(d).encode(), digest_size=8).digest()
                          for d in docs]
        self.topics_ = []
        totals = self.components_.sum(axis=1, keepdims=True)
        self.topic_word_ = self.components_ / np.where(totals > 0, totals, 1)
        if not self.n_topics_:
            return
        sizes = Counter(a for a in self.assignments_ if a is not None)
        freq = self.topic_word_.mean(axis=0)
        words_of = sorted(self.vocabulary_, key=self.vocabulary_.get)
        for topic_id, row in enumerate(self.topic_word_):
            words = [(_readable(words_of[i]), round(float(row[i]), 4), i)
                     for i in np.argsort(-row, kind="stable")[:self.n_top_words] if row[i] > 0]
            self.topics_.append(Topic(topic_id, _label(words, row, freq),
                                      tuple((w, p) for w, p, _ in words), sizes.get(topic_id, 0)))

    # ---- assigning -----------------------------------------------------------------------
    def transform(self, token_lists):
        """Topic shares, one row per document (all zeros when no word is known)."""
        self._check_fitted()
        probs, _ = self._infer_many(self._filter(t) for t in token_lists)
        return probs

    def assign(self, token_lists):
        """Dominant topic id of each document, None when it has no known word.

        >>> model.assign([["信号", "地下室"], ["从没见过的词"]])
        [0, None]
        """
        return [topic for topic, _ in self.iter_assign(token_lists)]

    def for_assigning(self):
        """A copy that assigns as this model does, without what only the fit's summaries need.

        The fitted comments' assignments and keys are left out and the token memo starts
        empty (fitted on 20,000 distinct comments: 0.6 MB pickled, against 1.4 MB): it is
        what a worker process is sent.
        """
        self._check_fitted()
        copy = object.__new__(type(self))
        copy.__dict__.update({name: value for name, value in self.__dict__.items() if name not in _FIT_ONLY})
        copy._keeps = BoundedMemo(self._keeps.limit, self._keeps.compute)
        return copy

    def iter_assign(self, token_lists):
        """Yield (topic id or None, share) per document, ``chunk_size`` at a time."""
        self._check_fitted()
        for chunk in _chunks((self._filter(t) for t in token_lists), self.chunk_size):
            probs, known = self._infer_many(chunk)
            best = probs.max(axis=1) if probs.shape[1] else np.zeros(len(chunk))
            yield from zip(_dominant(probs, known), (float(p) for p in best))

    def representative_docs(self, topic_id, n=5, *, texts=None):
        """Indices of the fitted documents most typical of a topic, distinct texts.

        Ranked by topic share (2 decimals), then by number of known words, so
        that a one-word comment does not crowd out an informative one.

        >>> model.representative_docs(0, n=3)
        [17, 4, 250]
        """
        self._check_fitted()
        members = [i for i, a in enumerate(self.assignments_) if a == topic_id]
        members.sort(key=lambda i: (-round(float(self._proba[i]), 2), -int(self._n_known[i]), i))
        keys = texts if texts is not None else self._doc_keys
        seen, chosen = set(), []
        for i in members:
            if keys[i] not in seen:
                seen.add(keys[i])
                chosen.append(i)
                if len(chosen) == n:
                    break
        return chosen

    def _check_fitted(self):
        if not hasattr(self, "topics_"):
            raise ConfigError("TopicModel is not fitted yet: call fit(token_lists) first")

    def _filter(self, tokens):
        keeps = self._keeps
        return [t for t in tokens if keeps[t]]

    def _phrase(self, tokens):
        return list(self.phraser_[tokens]) if self.phraser_ is not None and tokens else tokens

    def _infer_many(self, docs):
        """(shares n x k, known-word counts) for filtered token lists, chunk by chunk."""
        all_probs, all_known = [np.zeros((0, self.n_topics_))], [np.zeros(0, dtype=int)]
        with single_threaded():
            for chunk in _chunks(docs, self.chunk_size):
                chunk = [self._phrase(d) for d in chunk]
                counts = self._counts(chunk)
                all_known.append(np.diff(counts.indptr))  # stored (distinct) known words
                all_probs.append(
                    self.engine_.infer(self.engine_.weigh(counts, self.idf_), self.components_)
                    if self.n_topics_ else np.zeros((len(chunk), 0)))
        probs, known = np.vstack(all_probs), np.concatenate(all_known).astype(int)
        if probs.shape[1]:
            known[probs.sum(axis=1) == 0] = 0  # only words no topic uses: unassigned
        return probs, known


# ---- helpers -----------------------------------------------------------------------------
def _chunks(items, size):
    items = iter(items)
    while chunk := list(itertools.islice(items, size)):
        yield chunk


def _sample(n, limit, seed):
    """Deterministic sorted sample of ``limit`` of ``n`` indices (all when n <= limit)."""
    if n <= limit:
        return list(range(n))
    return sorted(np.random.RandomState(seed).choice(n, limit, replace=False).tolist())


def _dominant(probs, known):
    if probs.shape[1] == 0:
        return [None] * len(known)
    best = probs.argmax(axis=1)
    return [int(t) if n > 0 else None for t, n in zip(best, known)]


def _readable(word):
    return word.replace(PHRASE_DELIMITER, "")


def _label(words, row, freq, relevance_weight=0.6, max_chars=12):
    """2-3 most distinctive top words by LDAvis relevance, joined with '/'.

    Relevance mixes how likely the word is in the topic with its lift over the
    corpus, so that a word frequent everywhere does not name every topic.
    """
    def relevance(item):
        word_id = item[2]
        lift = np.log(row[word_id] / max(freq[word_id], 1e-12))
        return relevance_weight * np.log(row[word_id]) + (1 - relevance_weight) * lift

    chosen = []
    for word, _, _ in sorted(words, key=lambda it: (-relevance(it), it[2])):
        if any(word in c or c in word for c in chosen):
            continue  # 信号 adds nothing next to 信号差
        if len(chosen) >= 2 and sum(map(len, chosen)) + len(word) > max_chars:
            break
        chosen.append(word)
        if len(chosen) == 3:
            break
    return "/".join(chosen)
