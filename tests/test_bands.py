"""Numeric customer groups cut into readable value bands."""

import random

import pytest

from textmine.aggregate.bands import ValueBands, numeric_column, round_edge
from textmine.errors import OptionError as ConfigError


@pytest.mark.parametrize("value, edge", [(37, 50), (74, 50), (160, 200), (430, 500), (1, 1), (0, 0), (12, 10)])
def test_edges_are_rounded_to_1_2_5_steps(value, edge):
    assert round_edge(value) == edge


def test_arpu_amounts_become_a_few_bands_not_one_group_per_amount():
    rng = random.Random(1)
    amounts = [round(rng.lognormvariate(4.3, 0.8), 2) for _ in range(600)]
    bands = ValueBands.from_values(amounts)
    assert 3 <= len(bands.labels) <= 6
    assert all(bands.label(str(amount)) in bands.labels for amount in amounts)
    assert bands.label("") is None and bands.label("未知") is None


def test_given_edges():
    bands = ValueBands.parse("0,50,100,200,500")
    assert bands.labels == ["<0", "0-50", "50-100", "100-200", "200-500", ">=500"]
    assert bands.label("49.9") == "0-50" and bands.label("500") == ">=500" and bands.label(" 88 ") == "50-100"
    with pytest.raises(ConfigError):
        ValueBands.parse("0,fifty")


def test_numeric_columns_are_told_from_ratings_and_text():
    assert numeric_column([f"{x * 3.7:.2f}" for x in range(50)])
    assert not numeric_column(["1", "2", "3", "4", "5"] * 20)  # a rating: each value a group
    assert not numeric_column(["城市", "农村"] * 30)
