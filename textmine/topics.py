"""Topics: find what comments talk about that no one named in advance.

Analysts used to run gensim LDA by hand, guess k and get unstable word lists
full of stopwords. ``TopicModel`` does the same work repeatably: it learns
frequent two-word terms (信号 差 -> 信号_差), drops rare and ubiquitous words,
picks k by coherence, trains gensim's single-process ``LdaModel`` with a fixed
seed (``LdaMulticore`` is not reproducible across processes) and assigns every
comment to its dominant topic with a deterministic inference step.

Coherence is our own NPMI over document co-occurrence: for each topic, the mean
normalized PMI of every pair of its top 10 words, where a word occurs in a
comment if the comment contains it (pairs that never co-occur score -1). It is
exact, deterministic and cheap on short comments, unlike sliding windows.
"""

import hashlib
import logging
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.special import psi

from textmine.errors import ConfigError

# Single characters that carry a complaint on their own; other 1-char tokens are noise.
MEANINGFUL_SINGLE_CHARS = frozenset("慢卡贵差坑烂断掉骗扣吵")
PHRASE_DELIMITER = "_"
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


def npmi_coherence(topic_words, documents):
    """Mean NPMI of each topic's word pairs over document co-occurrence.

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
        co = (sub.T @ sub).toarray() / n_docs
        p = np.diag(co)
        with np.errstate(divide="ignore", invalid="ignore"):
            npmi = np.log(co / np.outer(p, p)) / -np.log(co)
        npmi = np.where(co <= 0, -1.0, np.where(co >= 1, 1.0, npmi))  # never / always together
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
    """LDA topics for short comments, repeatable for a ``random_state``.

    Pass content tokens (``Segmenter.content_words``); stopwords, punctuation and
    digits are filtered again defensively, with ``stopwords`` if given.

    >>> model = TopicModel(n_topics="auto", random_state=0).fit(token_lists)
    >>> model.topics_[0].label, model.assign([["信号", "差"]])
    """

    def __init__(self, n_topics="auto", *, k_range=(3, 12), random_state=0, phrases=True,
                 phrase_min_count=5, phrase_threshold=0.5, no_below=3, no_above=0.5,
                 keep_n=20000, max_docs_for_fit=50_000, max_docs_for_k_search=5000,
                 passes=5, search_passes=3, iterations=50, doc_topic_prior=0.1,
                 topic_word_prior=0.01, train_chunk_size=256, n_top_words=10, stopwords=None,
                 chunk_size=2000, engine="gensim"):
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
        self.passes = passes
        self.search_passes = search_passes
        self.iterations = iterations
        self.doc_topic_prior = doc_topic_prior
        self.topic_word_prior = topic_word_prior
        self.train_chunk_size = train_chunk_size
        self.n_top_words = n_top_words
        self.stopwords = stopwords
        self.chunk_size = chunk_size
        self.engine = engine

    # ---- fitting -------------------------------------------------------------------------
    def fit(self, token_lists):
        """Learn phrases, vocabulary, k and topics; assign every given document. Returns self."""
        self._check_params()
        from gensim.corpora import Dictionary

        self._stop = frozenset(self.stopwords or ())
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
        self.dictionary_ = Dictionary(train)
        # Rare words cannot define a topic; on tiny corpora a fixed floor would remove all.
        no_below = max(1, min(self.no_below, len(train) // 20))
        self.dictionary_.filter_extremes(no_below=no_below, no_above=self.no_above,
                                         keep_n=self.keep_n)
        bows = [b for b in (self.dictionary_.doc2bow(d) for d in train) if b]
        self.coherence_curve_, self.coherence_ = [], 0.0
        self.lda_ = None
        self.n_topics_ = 0
        if len(self.dictionary_) >= 2 and len(bows) >= 2:
            self._fit_lda(bows)
        self._describe(docs)
        return self

    def _check_params(self):
        if self.engine != "gensim":
            raise ConfigError(f"unknown topic engine {self.engine!r}; available: 'gensim'")
        if self.n_topics != "auto" and not (isinstance(self.n_topics, int) and self.n_topics > 0):
            raise ConfigError(
                f"n_topics must be 'auto' or a positive integer, not {self.n_topics!r}")
        low, high = self.k_range
        if not 1 <= low <= high:
            raise ConfigError(
                f"k_range must be (low, high) with 1 <= low <= high, not {self.k_range}")

    def _fit_lda(self, bows):
        if self.n_topics != "auto":
            self.lda_ = self._train(bows, self.n_topics, self.passes)
            self.n_topics_ = self.n_topics
            self.coherence_ = _npmi(_binary_matrix(bows, len(self.dictionary_)),
                                    _top_ids(self.lda_.get_topics(), self.n_top_words))
            return
        low, high = self.k_range
        high = max(1, min(high, len(bows) // 2))  # no more topics than pairs of documents
        low = min(low, high)
        search = [bows[i] for i in _sample(len(bows), self.max_docs_for_k_search,
                                           self.random_state)]
        binary = _binary_matrix(search, len(self.dictionary_))
        best = None
        for k in range(low, high + 1):
            lda = self._train(search, k, self.search_passes)
            score = round(_npmi(binary, _top_ids(lda.get_topics(), self.n_top_words)), 3)
            self.coherence_curve_.append((k, score))
            if best is None or score > best[1]:  # strict, 3 decimals: a tie keeps the smaller k
                best = (k, score, lda)
        self.n_topics_ = best[0]
        same_data = len(search) == len(bows) and self.search_passes == self.passes
        self.lda_ = best[2] if same_data else self._train(bows, best[0], self.passes)
        self.coherence_ = _npmi(_binary_matrix(bows, len(self.dictionary_)),
                                _top_ids(self.lda_.get_topics(), self.n_top_words))

    def _train(self, bows, k, passes):
        from gensim.models import LdaModel

        logger = logging.getLogger("gensim")
        level = logger.level
        logger.setLevel(max(level, logging.ERROR))
        # "too few updates" warnings would clutter the CLI; coherence judges the fit.
        # Single process, fixed seed, no perplexity logging: repeatable and quiet. Small
        # online chunks give many updates per pass, which short comments need to converge.
        try:
            return LdaModel(bows, id2word=self.dictionary_, num_topics=k, passes=passes,
                            iterations=self.iterations, chunksize=self.train_chunk_size,
                            alpha=np.full(k, self.doc_topic_prior), eta=self.topic_word_prior,
                            random_state=self.random_state, eval_every=None, dtype=np.float64)
        finally:
            logger.setLevel(level)

    def _describe(self, docs):
        """Topic words and labels; assignments of all fitted documents."""
        probs, known = self._infer_many(docs)
        self.assignments_ = _dominant(probs, known)
        self._proba = probs.max(axis=1) if probs.shape[1] else np.zeros(len(docs))
        self._n_known = known
        self._doc_keys = [hashlib.blake2b("\x1f".join(d).encode(), digest_size=8).digest()
                          for d in docs]
        self.topics_ = []
        if self.lda_ is None:
            self.topic_word_ = np.zeros((0, len(self.dictionary_)))
            return
        self.topic_word_ = self.lda_.get_topics()
        sizes = Counter(a for a in self.assignments_ if a is not None)
        cfs = self.dictionary_.cfs
        freq = np.bincount(list(cfs), weights=list(cfs.values()), minlength=len(self.dictionary_))
        freq = freq / max(freq.sum(), 1)
        for topic_id, row in enumerate(self.topic_word_):
            words = []
            for word_id in np.argsort(-row, kind="stable"):
                word = self.dictionary_[int(word_id)]
                if is_content_token(word, self._stop):
                    words.append((_readable(word), round(float(row[word_id]), 4), word_id))
                if len(words) == self.n_top_words:
                    break
            label = _label(words, row, freq)
            self.topics_.append(Topic(topic_id, label, tuple((w, p) for w, p, _ in words),
                                      sizes.get(topic_id, 0)))

    # ---- assigning -----------------------------------------------------------------------
    def transform(self, token_lists):
        """Topic probabilities, one row per document (all zeros when no word is known)."""
        self._check_fitted()
        probs, _ = self._infer_many(self._filter(t) for t in token_lists)
        return probs

    def assign(self, token_lists):
        """Dominant topic id of each document, None when it has no known word.

        >>> model.assign([["信号_差", "地下室"], ["从没见过的词"]])
        [0, None]
        """
        return [topic for topic, _ in self.iter_assign(token_lists)]

    def iter_assign(self, token_lists):
        """Yield (topic id or None, probability) per document, ``chunk_size`` at a time."""
        self._check_fitted()
        for chunk in _chunks((self._filter(t) for t in token_lists), self.chunk_size):
            probs, known = self._infer_many(chunk)
            best = probs.max(axis=1) if probs.shape[1] else np.zeros(len(chunk))
            yield from zip(_dominant(probs, known), (float(p) for p in best))

    def representative_docs(self, topic_id, n=5, *, texts=None):
        """Indices of the fitted documents most typical of a topic, distinct texts.

        Ranked by topic probability (2 decimals), then by number of known words, so
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
        """(probabilities n x k, known-word counts) for filtered token lists, chunk by chunk."""
        all_probs, all_known = [np.zeros((0, self.n_topics_))], [np.zeros(0, dtype=int)]
        for chunk in _chunks(docs, self.chunk_size):
            bows = [self.dictionary_.doc2bow(self._phrase(d)) for d in chunk]
            all_known.append(np.array([sum(c for _, c in b) for b in bows], dtype=int))
            all_probs.append(self._infer(bows) if self.n_topics_ else np.zeros((len(bows), 0)))
        return np.vstack(all_probs), np.concatenate(all_known)

    def _infer(self, bows):
        """Variational E-step of LDA with a fixed start, so results never depend on call order.

        gensim's own inference draws its start from the model's random state, which
        advances at every call: assigning the same comment twice could differ.
        """
        n, k = len(bows), self.n_topics_
        rows = np.repeat(np.arange(n), [len(b) for b in bows])
        cols = np.array([w for b in bows for w, _ in b], dtype=int)
        counts = np.array([c for b in bows for _, c in b], dtype=float)
        exp_beta = self.lda_.expElogbeta  # k x V
        alpha = self.lda_.alpha
        gamma = np.ones((n, k))
        active = np.ones(n, dtype=bool)
        for _ in range(max(self.iterations, 100)):
            exp_theta = np.exp(psi(gamma) - psi(gamma.sum(axis=1, keepdims=True)))
            phinorm = np.einsum("ij,ji->i", exp_theta[rows], exp_beta[:, cols]) + 1e-100
            ratio = sparse.csr_matrix((counts / phinorm, (rows, cols)),
                                      shape=(n, exp_beta.shape[1]))
            new = alpha + exp_theta * (ratio @ exp_beta.T)
            change = np.abs(new - gamma).mean(axis=1)
            gamma[active] = new[active]  # a converged row is frozen, as if inferred alone
            active &= change >= 1e-3
            if not active.any():
                break
        probs = gamma / gamma.sum(axis=1, keepdims=True)
        probs[np.bincount(rows, minlength=n) == 0] = 0.0
        return probs


def topic_summary(model, assignments, sentiments, categories, texts, n_examples=5):
    """One dict per topic for reports, from plain per-document lists.

    ``categories`` holds each document's category codes (empty = 'other');
    ``texts`` are shown as examples as given (the caller masks personal data).
    Examples are the model's representative documents when ``assignments``
    are those of the fitted documents, otherwise the first distinct texts.

    >>> topic_summary(model, model.assignments_, sentiments, categories, masked_texts)[0]["label"]
    '信号差/地下室'
    """
    aligned = list(assignments) == list(getattr(model, "assignments_", []))
    members = {}
    for i, topic in enumerate(assignments):
        if topic is not None:
            members.setdefault(topic, []).append(i)
    summaries = []
    for topic in model.topics_:
        docs = members.get(topic.id, [])
        if aligned:
            examples = model.representative_docs(topic.id, n_examples, texts=texts)
        else:
            examples = list({texts[i]: i for i in reversed(docs)}.values())[::-1][:n_examples]
        cats = Counter(c for i in docs for c in set(_codes(categories[i])))
        top, overlap = (None, 0.0)
        if cats:
            top = min(cats, key=lambda c: (-cats[c], c))
            overlap = round(cats[top] / len(docs), 4)
        negative = (round(sum(sentiments[i] == "neg" for i in docs) / len(docs), 4)
                    if docs and sentiments is not None else None)
        summaries.append({"id": topic.id, "label": topic.label, "words": list(topic.words),
                          "size": len(docs), "negative_share": negative, "top_category": top,
                          "category_overlap": overlap, "examples": [texts[i] for i in examples]})
    return summaries


def new_issue_topics(token_lists, texts, *, sentiments=None, min_docs=30, n_topics="auto",
                     k_range=(2, 8), random_state=0, n_examples=5, **params):
    """Topics of comments no category covers (candidate new pain points).

    Pass only the 'other' comments. Fewer than ``min_docs`` gives [] because
    topics of a handful of comments are noise.

    >>> others = [i for i, c in enumerate(categories) if not c]
    >>> new_issue_topics([tokens[i] for i in others], [masked[i] for i in others])
    """
    token_lists, texts = list(token_lists), list(texts)
    if len(token_lists) != len(texts):
        raise ConfigError(f"{len(token_lists)} token lists but {len(texts)} texts")
    if len(token_lists) < min_docs:
        return []
    model = TopicModel(n_topics, k_range=k_range, random_state=random_state, **params)
    model.fit(token_lists)
    return topic_summary(model, model.assignments_, sentiments, [[] for _ in texts], texts,
                         n_examples)


# ---- helpers -----------------------------------------------------------------------------
def _chunks(items, size):
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _sample(n, limit, seed):
    """Deterministic sorted sample of ``limit`` of ``n`` indices (all when n <= limit)."""
    if n <= limit:
        return list(range(n))
    return sorted(np.random.RandomState(seed).choice(n, limit, replace=False).tolist())


def _binary_matrix(bows, n_words):
    rows = [i for i, b in enumerate(bows) for _ in b]
    cols = [w for b in bows for w, _ in b]
    return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(bows), n_words))


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


def _codes(value):
    if isinstance(value, str):
        return [c for c in value.split("|") if c] or ["other"]
    return list(value) or ["other"]
