"""Topic engines: turn a document x word count matrix into topics, and documents into shares.

``TopicModel`` (topics.py) owns the words: filtering, phrases, vocabulary,
the choice of k, labels. An engine owns the arithmetic:

* ``weigh(counts, idf)``: the matrix the engine learns from;
* ``fit(matrix, k)`` and ``fit_many(matrix, ks, parallel_map=map)``: topic x
  word weights (``components``), non-negative, one row per topic; the fits
  of ``fit_many`` are independent and may run side by side in other
  processes; ``refine(matrix, components)`` continues a fit from a subsample
  on the whole matrix;
* ``infer(matrix, components)``: each row's topic shares, summing to 1, or all
  zeros for a row without a known word. A row's shares never depend on the
  other rows of its batch, so a comment gets the same topic however it is
  chunked.

Both engines are repeatable: the same matrix and ``random_state`` give the
same topics in any process (single-threaded, no parallel update).

    >>> engine = make_engine("lda", random_state=0)
    >>> components = engine.fit(engine.weigh(counts, idf), 8)
"""

import logging
from contextlib import contextmanager
from functools import partial

import numpy as np
from scipy import sparse

from textmine.errors import ConfigError

ENGINES = ("nmf", "lda")


def make_engine(name, *, random_state=0, max_iter=400):
    """The engine called ``name`` ('nmf' or 'lda').

    >>> make_engine("nmf").name
    'nmf'
    """
    if name == "nmf":
        return NmfEngine(random_state=random_state, max_iter=max_iter)
    if name == "lda":
        return LdaEngine(random_state=random_state)
    raise ConfigError(f"unknown topic engine {name!r}; available: {', '.join(ENGINES)}")


@contextmanager
def single_threaded():
    """Run BLAS on one thread: on matrices this small, extra threads only spin.

    Measured on a 20k-comment sample with scikit-learn's NMF: the auto-k search
    took 7 s of CPU with two OpenBLAS threads and 2.5 s with one, same topics.
    """
    try:
        from threadpoolctl import threadpool_limits  # installed with scikit-learn
    except ImportError:  # slower, same topics
        yield
        return
    with threadpool_limits(1):
        yield


class NmfEngine:
    """NMF with Kullback-Leibler loss on sublinear TF-IDF rows.

    KL loss (NMF as PLSA) gave smaller themes such as billing a topic of their
    own where the squared loss merged them into the largest; the start is an
    SVD (nndsvda): no random draw. The updates are scikit-learn's
    ``NMF(solver="mu", beta_loss="kullback-leibler")``, same result to 1e-14,
    written for sparse input (``_kl_nmf``): two to four times faster.
    """

    name = "nmf"

    def __init__(self, *, random_state=0, max_iter=400, tol=1e-4, search_tol=1e-3):
        self.random_state = random_state
        self.max_iter = max_iter
        self.tol = tol
        self.search_tol = search_tol

    def weigh(self, counts, idf):
        """Rows of sublinear TF-IDF, L2-normalised: a long comment does not outweigh a short one."""
        matrix = counts.astype(float, copy=True)
        matrix.data = (1 + np.log(matrix.data)) * idf[matrix.indices]
        return _normalise_rows(matrix)

    def fit(self, matrix, k):
        return self._fit(matrix, [k], self.tol)[k]

    def fit_many(self, matrix, ks, parallel_map=map):
        """Components for every k in ``ks`` (the auto-k search), cheaper than one fit each.

        One SVD serves every k: the leading singular vectors of the largest k are
        those of every smaller k. The fits stop at a looser tolerance: the
        coherence curve and the topics did not change on the samples.
        """
        return self._fit(matrix, ks, self.search_tol, parallel_map)

    def refine(self, matrix, components):
        """Continue from ``components`` (fitted on a subsample) on the whole matrix."""
        matrix = _sorted_csr(matrix)
        start = np.asarray(matrix @ components.T)  # each row's match to each topic: its start
        start[start <= 0] = _EPSILON
        return _kl_nmf(matrix, start, components.copy(), max_iter=self.max_iter, tol=self.tol)

    def _fit(self, matrix, ks, tol, parallel_map=map):
        matrix = _sorted_csr(matrix)
        ks = sorted(ks)
        u, s, vt = _truncated_svd(matrix, ks[-1], self.random_state)
        fit_one = partial(_nmf_from_svd, matrix, u[:, :ks[-1]], s, vt, max_iter=self.max_iter, tol=tol)
        return _by_k(ks, parallel_map, fit_one)

    def infer(self, matrix, components, sweeps=100):
        """Non-negative topic weights of each row by coordinate descent, normalised to shares.

        Solved row by row in the k-dimensional normal equations (H Hᵀ w = H x) with a
        fixed number of sweeps, so a comment's topic never depends on its batch.
        """
        gram = components @ components.T
        target = np.asarray(matrix @ components.T)
        weights = np.zeros_like(target)
        diagonal = np.where(np.diag(gram) > 0, np.diag(gram), 1.0)
        for _ in range(sweeps):
            for j in range(gram.shape[0]):
                step = (target[:, j] - weights @ gram[:, j]) / diagonal[j]
                weights[:, j] = np.maximum(0.0, weights[:, j] + step)
        return _shares(weights)


class LdaEngine:
    """Latent Dirichlet allocation on word counts: gensim ``LdaModel``, one process.

    ``LdaMulticore`` hands chunks to worker processes in arrival order, so two
    runs can differ; ``LdaModel`` with a fixed ``random_state`` gives the same
    topics in every process. Training passes over the data ``passes`` times in
    batches of ``chunksize`` comments. Sparse priors (alpha, eta < 1) suit
    comments of a few content words: a comment is about one or two things,
    a topic about a few dozen words. Documents are assigned by our own
    variational inference (below), started from the same point for every
    comment, because gensim's starts from a random draw that depends on what
    was inferred before.
    """

    name = "lda"

    def __init__(self, *, random_state=0, alpha=0.05, eta=0.05, passes=10, iterations=50,
                 chunksize=2000):
        self.random_state = random_state
        self.alpha = alpha
        self.eta = eta
        self.passes = passes
        self.iterations = iterations
        self.chunksize = chunksize

    def weigh(self, counts, idf):
        return counts.astype(float, copy=True)

    def fit(self, matrix, k):
        """Topic x word pseudo-counts (gensim's lambda), one row per topic."""
        return self._train(matrix, k, self.passes)

    def fit_many(self, matrix, ks, parallel_map=map):
        return _by_k(sorted(ks), parallel_map, partial(_single_threaded_call, self.fit, matrix))

    def refine(self, matrix, components):
        """A few more passes from ``components`` (gensim's lambda) over the whole matrix."""
        return self._train(matrix, components.shape[0], max(1, self.passes // 4), components)

    def _start(self, matrix, k):
        """Starting topics: the word counts of k clusters of similar comments, plus a little noise.

        gensim starts every topic as near-uniform noise, and on comments of a few
        words LDA then often settles with two themes in one topic and another
        split in two (3 of 6 seeds on the planted test corpus). Clusters from
        spherical k-means give each topic a theme to start from (6 of 6 seeds;
        coherence 0.11 -> 0.20 and overlap 0.45 -> 0.70 on the sample survey).
        """
        matrix = sparse.csr_matrix(matrix)
        clusters = _document_clusters(matrix, k, self.random_state)
        n_rows, n_words = matrix.shape
        membership = sparse.csr_matrix((np.ones(n_rows), (clusters, np.arange(n_rows))),
                                       shape=(k, n_rows))
        noise = np.random.RandomState(self.random_state).gamma(100.0, 1 / 1000, (k, n_words))
        return np.asarray((membership @ matrix).todense()) + self.eta + noise

    def _train(self, matrix, k, passes, start=None):
        from gensim.matutils import Sparse2Corpus
        from gensim.models import LdaModel

        if start is None:
            start = self._start(matrix, k)
        corpus = Sparse2Corpus(sparse.csr_matrix(matrix), documents_columns=False)
        gensim_log = logging.getLogger("gensim")
        level = gensim_log.level
        gensim_log.setLevel(logging.ERROR)  # "too few updates" warnings on small input
        try:
            model = LdaModel(num_topics=k, id2word={i: str(i) for i in range(matrix.shape[1])},
                             alpha=self.alpha, eta=self.eta, iterations=self.iterations,
                             chunksize=self.chunksize, random_state=self.random_state,
                             eval_every=None, dtype=np.float64)
            # gensim keeps lambda - eta as its sufficient statistics
            model.state.sstats[...] = np.maximum(start - self.eta, 1e-12)
            model.sync_state()
            model.update(corpus, passes=passes)
        finally:
            gensim_log.setLevel(level)
        return model.state.get_lambda().copy()

    def infer(self, matrix, components, iterations=60):
        """Topic shares by variational Bayes, every row started at the same point.

        The update of gensim and scikit-learn (gamma = alpha + sum over words of
        count x phi) run a fixed number of times for all rows at once.
        """
        from scipy.special import digamma

        matrix = sparse.csr_matrix(matrix)
        n_docs, k = matrix.shape[0], components.shape[0]
        log_beta = digamma(components) - digamma(components.sum(axis=1, keepdims=True))
        beta = np.exp(log_beta)  # k x words
        rows = np.repeat(np.arange(n_docs), np.diff(matrix.indptr))
        word_beta = beta[:, matrix.indices].T  # one row per stored (doc, word)
        lengths = np.asarray(matrix.sum(axis=1)).ravel()
        gamma = np.tile(self.alpha + lengths[:, None] / max(k, 1), (1, k))
        for _ in range(iterations):
            theta = np.exp(digamma(gamma) - digamma(gamma.sum(axis=1, keepdims=True)))
            norm = np.einsum("ij,ij->i", theta[rows], word_beta) + 1e-100
            weighted = sparse.csr_matrix((matrix.data / norm, matrix.indices, matrix.indptr),
                                         shape=matrix.shape)
            gamma = self.alpha + theta * np.asarray(weighted @ beta.T)
        gamma[lengths == 0] = 0.0
        return _shares(gamma)


_EPSILON = np.finfo(np.float32).eps  # scikit-learn's floor for W H
_PRODUCT_BLOCK = 8192   # entries of X whose W H is summed at a time (see _product_at)


def _shares(weights):
    totals = weights.sum(axis=1, keepdims=True)
    return np.round(weights / np.where(totals > 0, totals, 1), 10)


def _normalise_rows(matrix):
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    return sparse.csr_matrix(sparse.diags(1 / np.where(norms > 0, norms, 1)) @ matrix)


def _nndsvda(matrix, u, s, vt):
    """scikit-learn's nndsvda start (W, H) from a given truncated SVD."""
    w, h = np.zeros_like(u), np.zeros_like(vt)
    w[:, 0], h[0] = np.sqrt(s[0]) * np.abs(u[:, 0]), np.sqrt(s[0]) * np.abs(vt[0])
    for j in range(1, len(s)):
        x, y = u[:, j], vt[j]
        x_p, y_p = np.maximum(x, 0), np.maximum(y, 0)
        x_n, y_n = -np.minimum(x, 0), -np.minimum(y, 0)
        m_p = np.linalg.norm(x_p) * np.linalg.norm(y_p)
        m_n = np.linalg.norm(x_n) * np.linalg.norm(y_n)
        a, b, sigma = (x_p, y_p, m_p) if m_p > m_n else (x_n, y_n, m_n)
        scale = np.sqrt(s[j] * sigma)
        w[:, j] = scale * a / max(np.linalg.norm(a), 1e-12)
        h[j] = scale * b / max(np.linalg.norm(b), 1e-12)
    eps = np.finfo(float).eps
    w[w < eps], h[h < eps] = 0, 0
    average = matrix.mean()
    w[w == 0], h[h == 0] = average, average
    return w, h


def _sorted_csr(matrix):
    matrix = sparse.csr_matrix(matrix, dtype=float)
    matrix.sort_indices()
    return matrix


def _document_clusters(matrix, k, seed, iterations=10):
    """Spherical k-means of the rows (k-means++ start, seeded): a cluster number per row."""
    rows = _normalise_rows(matrix)
    n_rows, random = rows.shape[0], np.random.RandomState(seed)
    centres = [rows[random.randint(n_rows)].toarray().ravel()]
    distance = 2 - 2 * (rows @ centres[0])  # squared distance between unit vectors
    for _ in range(1, k):
        weights = np.maximum(distance, 0)
        pick = (random.choice(n_rows, p=weights / weights.sum()) if weights.sum() > 0
                else random.randint(n_rows))
        centres.append(rows[pick].toarray().ravel())
        distance = np.minimum(distance, 2 - 2 * (rows @ centres[-1]))
    centres = np.array(centres)
    for _ in range(iterations):
        nearest = np.asarray(rows @ centres.T).argmax(axis=1)
        members = sparse.csr_matrix((np.ones(n_rows), (nearest, np.arange(n_rows))),
                                    shape=(k, n_rows))
        sums = np.asarray((members @ rows).todense())
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        centres = np.where(norms > 0, sums / np.where(norms > 0, norms, 1), centres)
    return np.asarray(rows @ centres.T).argmax(axis=1)


def _truncated_svd(matrix, k, seed, oversamples=10):
    """The k leading singular triplets, largest first: scikit-learn's randomized SVD.

    The same steps and random draws as ``sklearn.utils.extmath.randomized_svd``
    (Halko et al.: a seeded Gaussian sketch, power iterations normalised by LU,
    the SVD of the small projection), so NMF starts where scikit-learn's
    nndsvda would; signs do not matter to nndsvda. Written out because
    importing scikit-learn took longer than the whole search.
    """
    from scipy import linalg

    iterations = 7 if k < 0.1 * min(matrix.shape) else 4
    transpose = matrix.shape[0] < matrix.shape[1]
    m = matrix.T if transpose else matrix
    q = np.random.RandomState(seed).normal(size=(m.shape[1], k + oversamples))
    for _ in range(iterations):
        q, _ = linalg.lu(m @ q, permute_l=True, check_finite=False)
        q, _ = linalg.lu(m.T @ q, permute_l=True, check_finite=False)
    q, _ = linalg.qr(m @ q, mode="economic", check_finite=False)
    u_small, s, vt = linalg.svd(np.asarray((m.T @ q).T), full_matrices=False, check_finite=False)
    u = q @ u_small
    if transpose:
        return vt[:k].T, s[:k], u[:, :k].T
    return u[:, :k], s[:k], vt[:k]


def _by_k(ks, parallel_map, fit_one):
    """{k: fit_one(k)} for ascending ``ks``; the largest k, the longest fit, is started first."""
    largest_first = ks[::-1]
    return dict(sorted(zip(largest_first, parallel_map(fit_one, largest_first))))


def _single_threaded_call(function, *args, **kwargs):
    """``function(*args, **kwargs)`` with BLAS on one thread, in whatever process runs it."""
    with single_threaded():
        return function(*args, **kwargs)


def _nmf_from_svd(matrix, u, s, vt, k, *, max_iter, tol):
    """One fit of the auto-k search, from the leading k singular vectors (a worker's task)."""
    with single_threaded():
        return _kl_nmf(matrix, *_nndsvda(matrix, u[:, :k], s[:k], vt[:k]), max_iter=max_iter, tol=tol)


def _product_at(rows, cols, w, h):
    """(W H)[rows[i], cols[i]] for every i: the product only where X has an entry.

    Taken a block of entries at a time, so that what one block gathers from W
    and H stays in the cache for the next column: on 20,000 distinct comments
    (k 12, 281,000 entries) one product took 14 ms, against 89 ms over all
    entries at once. The sums are added in the same order either way.
    """
    w_columns = np.ascontiguousarray(w.T)
    total = np.empty(len(rows))
    for start in range(0, len(rows), _PRODUCT_BLOCK):
        block_rows, block_cols = rows[start:start + _PRODUCT_BLOCK], cols[start:start + _PRODUCT_BLOCK]
        summed = np.zeros(len(block_rows))
        for w_column, h_row in zip(w_columns, h):
            summed += w_column.take(block_rows) * h_row.take(block_cols)
        total[start:start + _PRODUCT_BLOCK] = summed
    return total


def _kl_nmf(matrix, w, h, *, max_iter, tol):
    """Multiplicative updates for ||X - WH|| in KL divergence, X sparse; returns H.

    scikit-learn's algorithm and stopping rule (relative decrease of the
    divergence, checked every 10 steps, below ``tol``). W H is needed only at
    the stored entries of X: k gathers of one column each, no sparse matrix
    rebuilt from coordinates at every step.
    """
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    cols, data, indptr = matrix.indices, matrix.data, matrix.indptr
    by_column = np.argsort(cols, kind="stable")  # the stored entries of Xᵀ, in CSR order
    column_ptr = np.concatenate([[0], np.cumsum(np.bincount(cols, minlength=matrix.shape[1]))])
    rows_by_column = rows[by_column]

    def product():  # (W H) at the stored entries
        return np.maximum(_product_at(rows, cols, w, h), _EPSILON)

    def divergence():
        value = data @ np.log(data / product()) + w.sum(axis=0) @ h.sum(axis=1) - data.sum()
        return np.sqrt(2 * max(value, 0.0))

    at_start = previous = divergence()
    for step in range(1, max_iter + 1):
        ratio = sparse.csr_matrix((data / product(), cols, indptr), shape=matrix.shape)
        h_sums = h.sum(axis=1)
        w *= (ratio @ h.T) / np.where(h_sums == 0, _EPSILON, h_sums)
        ratio = data / product()
        ratio_t = sparse.csr_matrix((ratio[by_column], rows_by_column, column_ptr),
                                    shape=matrix.shape[::-1])
        w_sums = w.sum(axis=0)
        h *= (ratio_t @ w).T / np.where(w_sums == 0, 1.0, w_sums)[:, None]
        h[h < np.finfo(float).eps] = 0.0
        if tol > 0 and step % 10 == 0:
            error = divergence()
            if at_start == 0 or (previous - error) / at_start < tol:
                break
            previous = error
    return h
