"""KANO classes by penalty-reward contrast analysis, on data with planted effects."""

import random

import pytest

from textmine.aggregate.kano import KanoModel, kano_class


def planted(n=3000, seed=5):
    """Scores 0-10: stability only hurts when bad; speed hurts and helps; service only helps."""
    rng = random.Random(seed)
    model = KanoModel(["stability", "speed", "customer_service", "pricing"])
    for _ in range(n):
        aspects, score = {}, 7.0
        for code, penalty, reward in (("stability", -3.0, 0.0), ("speed", -2.0, 1.5),
                                      ("customer_service", 0.0, 2.0), ("pricing", 0.0, 0.0)):
            draw = rng.random()
            if draw < 0.12:
                aspects[code] = "neg"
                score += penalty
            elif draw < 0.24:
                aspects[code] = "pos"
                score += reward
        model.add(aspects, min(10.0, max(0.0, score + rng.gauss(0, 1.0))))
    return model


@pytest.fixture(scope="module")
def classes():
    return {entry["category"]: entry for entry in planted().result()}


def test_planted_classes_are_found(classes):
    assert classes["stability"]["class"] == "must-be"
    assert classes["speed"]["class"] == "one-dimensional"
    assert classes["customer_service"]["class"] == "attractive"
    assert classes["pricing"]["class"] == "indifferent"


def test_estimates_come_with_intervals_that_hold_the_planted_effect(classes):
    stability = classes["stability"]
    assert abs(stability["penalty"] - (-3.0)) < 0.3
    assert stability["penalty_low"] < stability["penalty"] < stability["penalty_high"] < 0
    assert stability["n_pos"] > 100 and stability["n_neg"] > 100


def test_too_few_mentions_is_insufficient():
    model = KanoModel(["billing"])
    for i in range(50):
        model.add({"billing": "neg"} if i < 4 else {}, 3.0 if i < 4 else 8.0)
    assert model.result()[0]["class"] == "insufficient"
    assert kano_class((1.0, 0.1), (-1.0, 0.1), 5, 50) == "insufficient"


def test_no_scores_give_no_estimates():
    assert KanoModel(["billing"]).result() == []


def test_a_score_past_the_float_range_squared_gives_no_overflow_error():
    import warnings

    from textmine.aggregate.kano import KanoModel

    kano = KanoModel(["billing", "speed"])
    for index in range(60):
        kano.add({"billing": "neg" if index % 2 else "pos", "speed": "pos" if index % 3 else "neg"},
                 1e300 if index == 0 else float(index % 10))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a float sum gave these too: the figures are not finite
        assert [entry["category"] for entry in kano.result()] == ["billing", "speed"]
