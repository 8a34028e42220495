"""Tests for textmine.topics.engines: the arithmetic behind TopicModel, engine by engine."""

import warnings

import numpy as np
import pytest
from scipy import sparse

from textmine.errors import ConfigError
from textmine.topics import engines
from textmine.topics.engines import (ENGINES, LdaEngine, NmfEngine, _document_clusters, _kl_nmf,
                                    _nndsvda, _product_at, _truncated_svd, make_engine)


def random_counts(n_rows=120, n_words=40, density=0.08, seed=0):
    """A sparse count matrix with every row non-empty, like comments after filtering."""
    rng = np.random.RandomState(seed)
    matrix = sparse.random(n_rows, n_words, density=density, random_state=rng, format="lil")
    for row in range(n_rows):
        matrix[row, rng.randint(n_words)] = 1.0
    matrix = sparse.csr_matrix(matrix)
    matrix.data = np.ceil(matrix.data * 3)
    return matrix


def planted_counts(n_per_topic=40, seed=0):
    """Rows drawing 4 words from one of 3 disjoint 8-word blocks; returns (matrix, truth)."""
    rng = np.random.RandomState(seed)
    rows, truth = [], []
    for _ in range(n_per_topic):
        for topic in range(3):
            row = np.zeros(24)
            row[rng.choice(8, 4, replace=False) + 8 * topic] = 1
            rows.append(row)
            truth.append(topic)
    return sparse.csr_matrix(np.array(rows)), np.array(truth)


@pytest.mark.parametrize("shape", [(200, 30), (30, 200)])  # both orientations of the sketch
def test_truncated_svd_is_scikit_learns_randomized_svd(shape):
    from sklearn.utils.extmath import randomized_svd

    matrix = random_counts(*shape, density=0.2)
    u, s, vt = _truncated_svd(matrix, 6, seed=3)
    u_ref, s_ref, vt_ref = randomized_svd(matrix, 6, random_state=3)
    assert np.allclose(s, s_ref, atol=1e-10)
    assert np.allclose(np.abs(u), np.abs(u_ref), atol=1e-8)  # signs are free
    assert np.allclose(np.abs(vt), np.abs(vt_ref), atol=1e-8)


@pytest.mark.parametrize("k, tol", [(3, 1e-4), (6, 1e-3)])
def test_kl_nmf_is_scikit_learns_multiplicative_update(k, tol):
    from sklearn.decomposition import NMF

    matrix = random_counts()
    start = _nndsvda(matrix, *_truncated_svd(matrix, k, seed=0))
    ours = _kl_nmf(matrix, start[0].copy(), start[1].copy(), max_iter=400, tol=tol)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = NMF(k, init="custom", solver="mu", beta_loss="kullback-leibler", max_iter=400,
                    tol=tol)
        reference = model.fit(matrix, W=start[0].copy(), H=start[1].copy()).components_
    assert np.allclose(ours, reference, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("block", [7, 64, 10_000])  # many blocks, a last short one, one block
def test_product_at_the_entries_is_the_same_sum_in_blocks(monkeypatch, block):
    matrix = random_counts()
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    rng = np.random.RandomState(1)
    w, h = rng.rand(matrix.shape[0], 5), rng.rand(5, matrix.shape[1])
    # The sum the blocks must repeat to the last bit: column by column, over all entries.
    expected = np.zeros(matrix.nnz)
    for w_column, h_row in zip(w.T, h):
        expected += w_column.take(rows) * h_row.take(matrix.indices)
    monkeypatch.setattr(engines, "_PRODUCT_BLOCK", block)
    got = _product_at(rows, matrix.indices, w, h)
    assert matrix.nnz % block != 0 or block > matrix.nnz
    assert np.array_equal(got, expected)
    assert np.allclose(got, (w @ h)[rows, matrix.indices], rtol=1e-12)


def test_nmf_fit_many_gives_one_fit_per_k():
    matrix = NmfEngine().weigh(random_counts(), np.ones(40))
    fits = NmfEngine(random_state=0).fit_many(matrix, [2, 3, 4])
    assert sorted(fits) == [2, 3, 4]
    assert all(fits[k].shape == (k, 40) and (fits[k] >= 0).all() for k in fits)


@pytest.mark.parametrize("engine", ENGINES)
def test_engine_fits_are_identical_for_a_seed(engine):
    matrix, _ = planted_counts()
    model = make_engine(engine, random_state=5)
    weighted = model.weigh(matrix, np.ones(matrix.shape[1]))
    first, second = model.fit(weighted, 3), make_engine(engine, random_state=5).fit(weighted, 3)
    assert np.array_equal(first, second)


@pytest.mark.parametrize("engine", ENGINES)
def test_engine_recovers_planted_blocks(engine):
    matrix, truth = planted_counts()
    model = make_engine(engine, random_state=0)
    weighted = model.weigh(matrix, np.ones(matrix.shape[1]))
    components = model.fit(weighted, 3)
    assigned = model.infer(weighted, components).argmax(axis=1)
    assert len(set(zip(truth, assigned))) == 3 and len(set(assigned)) == 3
    blocks = {int(np.argmax(row)) // 8 for row in components}
    assert blocks == {0, 1, 2}


@pytest.mark.parametrize("engine", ENGINES)
def test_infer_gives_shares_independent_of_the_batch(engine):
    matrix, _ = planted_counts()
    matrix = sparse.vstack([matrix, sparse.csr_matrix((1, matrix.shape[1]))]).tocsr()  # empty row
    model = make_engine(engine, random_state=0)
    weighted = model.weigh(matrix, np.ones(matrix.shape[1]))
    components = model.fit(weighted[:-1], 3)
    whole = model.infer(weighted, components)
    parts = np.vstack([model.infer(weighted[:7], components),
                       model.infer(weighted[7:], components)])
    assert np.array_equal(whole, parts)
    assert np.allclose(whole[:-1].sum(axis=1), 1.0)
    assert whole[-1].sum() == 0  # no known word: no share


def test_lda_refine_continues_from_given_topics():
    matrix, _ = planted_counts()
    engine = LdaEngine(random_state=0)
    components = engine.fit(matrix[:60], 3)
    refined = engine.refine(matrix, components)
    assert refined.shape == components.shape
    assert [int(np.argmax(r)) // 8 for r in refined] == [int(np.argmax(r)) // 8 for r in components]


def test_document_clusters_follow_the_planted_blocks():
    matrix, truth = planted_counts()
    clusters = _document_clusters(matrix, 3, seed=0)
    assert len(set(zip(truth, clusters))) == 3


def test_unknown_engine_is_a_config_error():
    with pytest.raises(ConfigError, match="available: nmf, lda"):
        make_engine("sklearn")
