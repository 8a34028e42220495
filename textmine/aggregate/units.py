"""Sums of scores as integers, so that they do not depend on how the rows are grouped.

A run whose partitions are counted apart and merged (``Aggregator.merge``)
must give the figures of one that adds every row in turn. Float sums differ
in their last bits with the grouping, and a rounded mean can then differ in
its last place; integer sums are the same whatever the grouping.
"""

import math

SCORE_UNITS = 1_000_000  # a millionth of a score point
SENTIMENT_UNITS = 10_000  # sentiment scores have four places


def score_units(score):
    """A score as an integer of ``SCORE_UNITS`` (exact for scores of up to six places)."""
    return round(score * SCORE_UNITS) if abs(score) < 1e9 else int(score) * SCORE_UNITS


def mean_of_units(units, n, unit=SCORE_UNITS):
    """The mean of values summed as ``units``, rounded once: what a float sum gave wherever it was exact."""
    return as_float(units, n * unit)


def as_float(units, unit=SCORE_UNITS):
    """``units / unit`` as a float; past the float range (a score of 1e300 squared) an infinity,
    as a float sum would have given, not an OverflowError."""
    try:
        return units / unit
    except OverflowError:
        return math.inf if units > 0 else -math.inf
