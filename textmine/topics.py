"""Topics: find what comments talk about that no one named in advance.

Analysts used to run gensim LDA by hand on ``jieba.lcut`` tokens and got evenly
sized word lists mixing unrelated themes: five to ten content words a comment
are too few co-occurrences for LDA. ``TopicModel`` factorises a TF-IDF matrix
instead (NMF, Kullback-Leibler loss, deterministic start), so words frequent in
a few comments outweigh words found everywhere, after keeping only words that
can name an issue: no stopwords, places, numbers, times or pronouns (jieba's
dictionary tags), negation or degree words, nor words in more than ``no_above``
of the comments (boilerplate such as 进行核验). k is picked by coherence.

Coherence is NPMI over document co-occurrence: the mean normalized PMI of every
pair of a topic's top 10 words, a word occurring in a comment that contains it.
A pair never seen together counts as seen once, and at most 0: the fixed -1 we
gave such pairs punished every extra topic and always chose the smallest k.
"""

import functools
import hashlib
import itertools
import re
import warnings
from collections import Counter
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from textmine.errors import ConfigError

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
    import jieba

    words = set()
    with jieba.Tokenizer().get_dict_file() as handle:
        for line in handle:
            parts = line.decode("utf-8").split()
            if len(parts) == 3 and parts[2] in NON_TOPIC_TAGS:
                words.add(parts[0])
    return frozenset(words)


def npmi_coherence(topic_words, documents):
    """Mean NPMI of each topic's word pairs over document co-occurrence (smoothed).

    >>> npmi_coherence([["信号", "差"]], [{"信号", "差"}, {"信号", "差"}, {"网速"}])
    1.0
    """
    documents = list(documents)
    vocab = {w: i for i, w in enumerate(dict.fromkeys(w for ws in topic_words for w in ws))}
    rows, cols = [], []
    for row, doc in enumerate(documents):
        ids = {vocab[w] for w in doc if w in vocab}
        rows.extend([row] * len(ids))
        cols.extend(sorted(ids))
    matrix = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)),
                               shape=(len(documents), len(vocab)))
    return _npmi(matrix, [[vocab[w] for w in ws] for ws in topic_words])


def _npmi(binary_docs, topic_ids):
    """NPMI coherence of id lists against a binary document x word matrix."""
    n_docs, scores = binary_docs.shape[0], []
    for ids in (ids for ids in topic_ids if len(ids) >= 2 and n_docs):
        sub = binary_docs[:, ids]
        counts = (sub.T @ sub).toarray()
        p = np.diag(counts) / n_docs
        joint = np.maximum(counts, 1) / n_docs  # never together: as if once, ...
        with np.errstate(divide="ignore", invalid="ignore"):
            npmi = np.log(joint / np.outer(p, p)) / -np.log(joint)
        npmi = np.where(joint >= 1, 1.0, np.nan_to_num(npmi, nan=-1.0))  # always together
        npmi = np.where(counts > 0, npmi, np.minimum(npmi, 0.0))  # ... but never a plus
        scores.append(float(npmi[np.triu_indices(len(ids), 1)].mean()))
    return round(float(np.mean(scores)), 6) if scores else 0.0


@dataclass(frozen=True)
class Topic:
    """One learned topic: readable label, top words with weights, documents assigned."""

    id: int
    label: str
    words: tuple
    size: int


class TopicModel:
    """NMF topics of TF-IDF weighted content words, repeatable for a ``random_state``.

    Pass content tokens (``Segmenter.content_words``); stopwords, punctuation,
    digits, ``TOPIC_NOISE`` and, with ``pos_filter``, ``non_topic_words()`` are
    filtered again, with ``stopwords`` if given.

    >>> model = TopicModel(n_topics="auto", random_state=0).fit(token_lists)
    >>> model.topics_[0].label, model.assign([["信号", "差"]])
    """

    def __init__(self, n_topics="auto", *, k_range=(4, 12), random_state=0, phrases=False,
                 phrase_min_count=10, phrase_threshold=0.7, no_below=3, no_above=0.3,
                 keep_n=20000, max_docs_for_fit=50_000, max_docs_for_k_search=20_000,
                 max_iter=400, n_top_words=10, stopwords=None, pos_filter=True,
                 chunk_size=2000, engine="nmf"):
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
    def fit(self, token_lists):
        """Learn vocabulary, k and topics; assign every given document. Returns self."""
        self._check_params()
        self._stop = frozenset(self.stopwords or ()) | TOPIC_NOISE | (
            non_topic_words() if self.pos_filter else frozenset())
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
        matrix = self._weigh(train)
        matrix = matrix[np.flatnonzero(matrix.getnnz(axis=1))]
        self.coherence_curve_, self.coherence_ = [], 0.0
        self.components_ = np.zeros((0, len(self.vocabulary_)))
        self.n_topics_ = 0
        if len(self.vocabulary_) >= 2 and matrix.shape[0] >= 2:
            self._fit_nmf(matrix)
        self._describe(docs)
        return self

    def _check_params(self):
        if self.engine != "nmf":
            raise ConfigError(f"unknown topic engine {self.engine!r}; available: 'nmf'")
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

    def _weigh(self, docs):
        """Rows of sublinear TF-IDF, L2-normalised: a long comment does not outweigh a short one."""
        rows, cols, values = [], [], []
        for row, doc in enumerate(docs):
            counts = Counter(self.vocabulary_[w] for w in doc if w in self.vocabulary_)
            for col in sorted(counts):
                rows.append(row)
                cols.append(col)
                values.append((1 + np.log(counts[col])) * self.idf_[col])
        matrix = sparse.csr_matrix((values, (rows, cols)), shape=(len(docs), len(self.vocabulary_)))
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
        return sparse.diags(1 / np.where(norms > 0, norms, 1)) @ matrix

    def _fit_nmf(self, matrix):
        binary = (matrix > 0).astype(float).tocsr()
        if self.n_topics != "auto":
            self.n_topics_ = min(self.n_topics, *matrix.shape)
            self.components_ = self._train(matrix, self.n_topics_)
        else:
            low, high = self.k_range
            high = max(1, min(high, matrix.shape[0] // 2, matrix.shape[1]))  # k <= pairs of docs
            low = min(low, high)
            rows = _sample(matrix.shape[0], self.max_docs_for_k_search, self.random_state)
            search, fits = matrix[rows], {}
            for k in range(low, high + 1):
                fits[k] = self._train(search, k)
                score = round(_npmi(binary[rows], _top_ids(fits[k], self.n_top_words)), 3)
                self.coherence_curve_.append((k, score))
            # Smaller topics are tighter, so coherence creeps up with k: take the
            # fewest topics within 5 % of the best rather than the top of the range.
            top = max(score for _, score in self.coherence_curve_)
            self.n_topics_ = min(k for k, score in self.coherence_curve_ if score >= 0.95 * top)
            same_data = len(rows) == matrix.shape[0]
            self.components_ = (fits[self.n_topics_] if same_data
                                else self._train(matrix, self.n_topics_))
        self.coherence_ = _npmi(binary, _top_ids(self.components_, self.n_top_words))

    def _train(self, matrix, k):
        from sklearn.decomposition import NMF
        # Kullback-Leibler loss (NMF as PLSA) gave smaller themes such as billing a
        # topic of their own where the squared loss merged them into the largest;
        # the nndsvda start comes from an SVD: no random draw, same topics each run.
        model = NMF(k, init="nndsvda", beta_loss="kullback-leibler", solver="mu",
                    max_iter=self.max_iter, tol=1e-4, random_state=self.random_state)
        with warnings.catch_warnings():  # "did not converge" on tiny input: coherence judges
            warnings.simplefilter("ignore")
            return model.fit(matrix).components_

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
        return [t for t in tokens if is_content_token(t, self._stop)]

    def _phrase(self, tokens):
        return list(self.phraser_[tokens]) if self.phraser_ is not None and tokens else tokens

    def _infer_many(self, docs):
        """(shares n x k, known-word counts) for filtered token lists, chunk by chunk."""
        all_probs, all_known = [np.zeros((0, self.n_topics_))], [np.zeros(0, dtype=int)]
        for chunk in _chunks(docs, self.chunk_size):
            chunk = [self._phrase(d) for d in chunk]
            all_known.append(np.array([sum(w in self.vocabulary_ for w in d) for d in chunk]))
            all_probs.append(self._infer(self._weigh(chunk)) if self.n_topics_
                             else np.zeros((len(chunk), 0)))
        probs, known = np.vstack(all_probs), np.concatenate(all_known).astype(int)
        if probs.shape[1]:
            known[probs.sum(axis=1) == 0] = 0  # only words no topic uses: unassigned
        return probs, known

    def _infer(self, matrix, sweeps=100):
        """Non-negative topic weights of each row by coordinate descent, normalised to shares.

        Solved row by row in the k-dimensional normal equations (H Hᵀ w = H x) with a
        fixed number of sweeps, so a comment's topic never depends on its batch.
        """
        gram = self.components_ @ self.components_.T
        target = np.asarray(matrix @ self.components_.T)
        weights = np.zeros_like(target)
        diagonal = np.where(np.diag(gram) > 0, np.diag(gram), 1.0)
        for _ in range(sweeps):
            for j in range(gram.shape[0]):
                step = (target[:, j] - weights @ gram[:, j]) / diagonal[j]
                weights[:, j] = np.maximum(0.0, weights[:, j] + step)
        totals = weights.sum(axis=1, keepdims=True)
        return np.round(weights / np.where(totals > 0, totals, 1), 10)


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


def _top_ids(topic_word, n):
    return [np.argsort(-row, kind="stable")[:n].tolist() for row in topic_word]


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
