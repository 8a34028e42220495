"""Tests for textmine/aggregate/stats.py: the statistics on plain counts, without an Aggregator."""

import math
from collections import Counter
from types import SimpleNamespace

import pytest

from textmine.aggregate.stats import (
    benjamini_hochberg, rising_alerts, score_drivers, segment_tests, short_board)

NAMES = {"coverage": "信号覆盖", "billing": "计费扣费"}


def counts(rows=0, neg=0, cat=None, cat_neg=None):
    """The counts the Aggregator keeps for one slice of the rows."""
    return SimpleNamespace(rows=rows, neg=neg, cat=Counter(cat or {}), cat_neg=Counter(cat_neg or {}))


# ------------------------------------------------------------------ short board
@pytest.mark.parametrize("group, total, expected", [
    # 60 % of the group's negative comments against 10 % elsewhere: lift 6.
    (counts(neg=40, cat_neg={"coverage": 24, "billing": 16}),
     counts(neg=240, cat_neg={"coverage": 44, "billing": 196}), ("coverage", 6.0, 0.6, 0.1)),
    # Nobody else mentions it: the lift is infinite, the test still decides.
    (counts(neg=10, cat_neg={"coverage": 10}),
     counts(neg=60, cat_neg={"coverage": 10, "billing": 50}), ("coverage", math.inf, 1.0, 0.0)),
    # Four negative comments are below the minimum support of five.
    (counts(neg=4, cat_neg={"coverage": 4}), counts(neg=200, cat_neg={"coverage": 4}), None),
    # The group is every negative comment: nothing to compare with.
    (counts(neg=50, cat_neg={"coverage": 50}), counts(neg=50, cat_neg={"coverage": 50}), None),
])
def test_short_board(group, total, expected):
    tests = segment_tests(group, total, ["coverage", "billing"], min_support=5)
    best = short_board(tests, benjamini_hochberg([test[2] for test in tests]), alpha=0.05)
    if expected is None:
        assert best is None
    else:
        code, lift, p, adjusted, share_in, share_out = best
        assert (code, lift, share_in, share_out) == pytest.approx(expected)
        assert p <= adjusted < 0.001


def test_every_category_of_the_group_is_tested_unadjusted():
    tests = segment_tests(counts(neg=40, cat_neg={"coverage": 24, "billing": 16}),
                          counts(neg=240, cat_neg={"coverage": 44, "billing": 196}), ["coverage", "billing", "speed"],
                          min_support=5)
    assert [test[0] for test in tests] == ["coverage", "billing"]  # speed: none in the group
    assert tests[1][2] > 0.99  # under-represented: one-sided p near 1


@pytest.mark.parametrize("p_values, expected", [
    ([0.01, 0.04, 0.03, 0.5], [0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.5]),
    ([0.001] * 3, [0.001] * 3),
    ([0.9, 0.02], [0.9, 0.04]),
    ([0.3, 0.6], [0.6, 0.6]),  # step-up: never above a larger p-value's adjusted value
    ([], []),
])
def test_benjamini_hochberg(p_values, expected):
    assert benjamini_hochberg(p_values) == pytest.approx(expected)


def test_a_short_board_needs_its_adjusted_p_value_below_alpha():
    tests = [("coverage", 3.0, 0.01, 0.3, 0.1), ("billing", 2.0, 0.001, 0.2, 0.1)]
    assert short_board(tests, [0.04, 0.004], alpha=0.05)[0] == "coverage"  # significant: the larger lift wins
    assert short_board(tests, [0.06, 0.004], alpha=0.05)[0] == "billing"
    assert short_board(tests, [0.06, 0.06], alpha=0.05) is None


# ------------------------------------------------------------------ alerts
def months(billing_per_month, total=100):
    return {"month": {f"2026-{m:02d}": counts(rows=total, cat={"billing": n})
                      for m, n in zip(range(6, 12), billing_per_month)}}


@pytest.mark.parametrize("billing, expected", [
    ([5, 5, 5, 5, 5, 20], [(20, 5.0, 4.0)]),          # expected = 25 / 500 x 100
    ([0, 0, 0, 0, 0, 8], [(8, 0.1, 80.0)]),           # never seen: half a comment in the baseline
    ([5, 5, 5, 5, 5, 9], []),                         # 1.8 x, but p = 0.07
    ([5, 20], []),                                    # fewer than three periods
])
def test_rising_alerts(billing, expected):
    alerts = rising_alerts(months(billing), ["coverage", "billing"], NAMES, baseline={"month": 6},
                           alert_p=0.01, alert_min_count=5, alert_min_ratio=1.5)
    assert [(a["count"], a["expected"], a["ratio"]) for a in alerts] == expected
    assert all(a["category"] == "billing" and a["name"] == "计费扣费" for a in alerts)


# ------------------------------------------------------------------ drivers
@pytest.mark.parametrize("per_category, expected", [
    # billing: with 3.0, without (700 - 30) / 90 = 7.4444; (7.4444 - 3) x 10 / 100
    ({"billing": (10, 30.0)}, [("billing", 0.4444)]),
    # coverage has four rows: below the minimum support.
    ({"billing": (10, 30.0), "coverage": (4, 0.0)}, [("billing", 0.4444)]),
    # Equal impact: report order decides (coverage before billing).
    ({"billing": (10, 30.0), "coverage": (10, 30.0)}, [("coverage", 0.4444), ("billing", 0.4444)]),
])
def test_score_drivers(per_category, expected):
    order = ["coverage", "billing"].index
    drivers = score_drivers(per_category, 100, 700.0, ["coverage", "billing"], NAMES, order,
                            basis="score", min_support=5)
    assert [(d["category"], d["impact"]) for d in drivers] == expected
