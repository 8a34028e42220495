"""Numeric customer groups in readable bands: monthly spend (ARPU), age, tenure.

Operators compare customers by value band (<50, 50-100, 100-200, 200-500,
>=500 yuan a month), not one group per amount. A numeric segment column is cut
at round edges: either given (``--bins 月ARPU=0,50,100,200,500``) or chosen from
the column's quantiles, each rounded to a 1-2-5 step (…, 20, 50, 100, 200, …).

    >>> bands = ValueBands.from_values([12.5, 38, 49.9, 88, 130, 260, 610] * 20)
    >>> bands.label("75.5")
    '50-100'
"""

import math
from bisect import bisect_right

from textmine.errors import OptionError
from textmine.io.columns import number_or_none

DEFAULT_BANDS = 5  # bands chosen from quantiles when no edges are given
NUMERIC_SHARE = 0.9  # share of non-empty cells that must be numbers for a column to be banded
MIN_DISTINCT = 12  # fewer distinct numbers: each value is a group of its own (a 1-5 rating)


def round_edge(value):
    """The 1-2-5 step nearest to ``value`` (0 stays 0; negatives mirror positives).

        >>> [round_edge(v) for v in (37, 74, 160, 430, 1)]
        [50, 50, 200, 500, 1]
    """
    if value == 0:
        return 0
    sign = -1 if value < 0 else 1
    magnitude = 10 ** math.floor(math.log10(abs(value)))
    steps = [1, 2, 5, 10]
    best = min(steps, key=lambda step: abs(abs(value) - step * magnitude))
    edge = best * magnitude
    return sign * (int(edge) if edge >= 1 else edge)


def _format(edge):
    return str(int(edge)) if float(edge).is_integer() else f"{edge:g}"


class ValueBands:
    """Edges ``e1 < e2 < … < ek`` and the labels ``<e1``, ``e1-e2``, …, ``>=ek``."""

    def __init__(self, edges):
        edges = sorted(set(float(edge) for edge in edges))
        if not edges:
            raise OptionError("value bands need at least one edge")
        self.edges = edges
        texts = [_format(edge) for edge in edges]
        self.labels = [f"<{texts[0]}"] + [f"{low}-{high}" for low, high in zip(texts, texts[1:])] \
            + [f">={texts[-1]}"]

    @classmethod
    def from_values(cls, values, bands=DEFAULT_BANDS):
        """Edges at the quantiles of ``values`` (numbers), rounded to 1-2-5 steps."""
        numbers = sorted(values)
        if not numbers:
            raise OptionError("value bands need numbers")
        edges = []
        for step in range(1, bands):
            edge = round_edge(numbers[min(len(numbers) - 1, len(numbers) * step // bands)])
            if edge > numbers[0] and edge not in edges:
                edges.append(edge)
        return cls(edges or [round_edge(numbers[len(numbers) // 2]) or 1])

    @classmethod
    def parse(cls, text):
        """Edges from ``0,50,100,200,500``; a clear error for anything else."""
        try:
            edges = [float(part) for part in text.split(",") if part.strip()]
        except ValueError:
            raise OptionError(f"--bins edges must be numbers separated by commas, not {text!r}") from None
        return cls(edges)

    def label(self, value):
        """The band of a cell, or None when it holds no number."""
        number = number_or_none(value)
        if number is None:
            return None
        return self.labels[bisect_right(self.edges, number)]

    def order(self, label):
        """Sort key: bands low to high, anything else after."""
        return self.labels.index(label) if label in self.labels else len(self.labels)


def numeric_column(values):
    """True when ``values`` (the cells of a column) hold numbers worth banding.

    Most non-empty cells are numbers and there are too many distinct ones to be
    categories (a 1-5 rating is not banded).
    """
    cells = [value for value in values if value is not None and str(value).strip()]
    if not cells:
        return False
    numbers = [number for number in map(number_or_none, cells) if number is not None]
    return len(numbers) >= NUMERIC_SHARE * len(cells) and len(set(numbers)) >= MIN_DISTINCT
