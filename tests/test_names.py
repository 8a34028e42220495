"""textmine.io.names: every column keeps a name of its own, in time linear in the columns."""

import time

import pytest

from textmine.io.names import UniqueNames, unique_names


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["a", "b"], ["a", "b"]),
        (["a", "a", "a"], ["a", "a_2", "a_3"]),
        (["a", "a", "a_2"], ["a", "a_3", "a_2"]),  # a later a_2 keeps its own name
        (["备注", "备注_2", "备注", "备注"], ["备注", "备注_2", "备注_3", "备注_4"]),
    ],
)
def test_repeats_get_the_first_free_suffix(names, expected):
    assert unique_names(names) == expected
    assert len(set(unique_names(names))) == len(names)


def test_claim_skips_taken_names():
    names = UniqueNames(["categories", "categories_input"])
    assert names.claim("categories_input") == "categories_input_2"
    assert names.claim("categories_input") == "categories_input_3"
    assert names.claim("other") == "other"


@pytest.mark.parametrize("columns", [10_000, 100_000])
def test_a_hundred_thousand_repeats_take_well_under_a_second(columns):
    started = time.perf_counter()
    names = unique_names(["备注"] * columns)
    assert time.perf_counter() - started < 1.0
    assert len(set(names)) == columns
