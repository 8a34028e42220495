"""The two one-sided tests ``analyze`` runs, computed from ``scipy.special``.

``scipy.stats`` would give the same numbers, but importing it takes most of a
second: more than every test of a large run costs together. Both functions
match ``scipy.stats`` to about 1e-9 relative (see tests/test_significance.py).

    >>> poisson_at_least(44, 10.3) < 1e-12
    True
"""

import numpy as np
from scipy.special import gammainc, gammaln


def poisson_at_least(count, expected):
    """P(X >= count) for X ~ Poisson(expected); ``scipy.stats.poisson.sf(count - 1, expected)``.

    >>> poisson_at_least(0, 3.0), round(poisson_at_least(2, 1.0), 4)
    (1.0, 0.2642)
    """
    if count <= 0:
        return 1.0
    if expected <= 0:
        return 0.0
    # The regularised lower incomplete gamma function is the Poisson upper tail.
    return float(gammainc(count, expected))


def fisher_greater(table):
    """One-sided ('greater') Fisher exact test of a 2x2 table [[a, b], [c, d]]: its p-value.

    The chance of ``a`` or more in the top-left cell with the margins fixed:
    ``scipy.stats.fisher_exact(table, alternative="greater")[1]``.

    >>> round(fisher_greater([[8, 2], [1, 5]]), 4)
    0.0245
    """
    (a, b), (c, d) = table
    if min(a, b, c, d) < 0:
        raise ValueError(f"a contingency table holds counts, not {table}")
    total, column, row = a + b + c + d, a + c, a + b
    lowest = max(0, row - (total - column))
    highest = min(column, row)
    if a <= lowest:
        return 1.0
    if a > highest:
        return 0.0
    x = np.arange(a, highest + 1, dtype=float)
    log_terms = (gammaln(column + 1) - gammaln(x + 1) - gammaln(column - x + 1)
                 + gammaln(total - column + 1) - gammaln(row - x + 1)
                 - gammaln(total - column - row + x + 1)
                 - gammaln(total + 1) + gammaln(row + 1) + gammaln(total - row + 1))
    top = log_terms.max()
    return float(min(1.0, np.exp(top) * np.exp(log_terms - top).sum()))
