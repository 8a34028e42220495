"""textmine.aggregate.significance gives scipy.stats' p-values without importing scipy.stats."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import fisher_exact, poisson

from textmine.aggregate.significance import fisher_greater, poisson_at_least


def close(mine, reference):
    return math.isclose(mine, reference, rel_tol=1e-8, abs_tol=1e-300)


@pytest.mark.parametrize("table", [
    [[0, 0], [0, 0]], [[5, 0], [0, 5]], [[0, 5], [5, 0]], [[8, 2], [1, 5]], [[1, 9], [11, 3]],
    [[44, 100], [10, 900]], [[3000, 4000], [20000, 900000]], [[120, 880], [13000, 86000]],
    [[7, 300], [260, 9400]], [[1, 0], [0, 0]], [[0, 0], [0, 1]],
])
def test_fisher_greater_matches_scipy(table):
    assert close(fisher_greater(table), fisher_exact(table, alternative="greater")[1])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 400), min_size=4, max_size=4))
def test_fisher_greater_matches_scipy_on_any_table(cells):
    table = [cells[:2], cells[2:]]
    assert close(fisher_greater(table), fisher_exact(table, alternative="greater")[1])


@pytest.mark.parametrize(("count", "expected"), [
    (0, 3.0), (1, 0.5), (5, 5.0), (44, 10.3), (200, 120.0), (3, 20.0), (10_000, 9_500.0),
])
def test_poisson_at_least_matches_scipy(count, expected):
    assert close(poisson_at_least(count, expected), float(poisson.sf(count - 1, expected)))


def test_negative_counts_are_refused():
    with pytest.raises(ValueError):
        fisher_greater([[-1, 2], [3, 4]])
