"""Effect tracking (textmine.aggregate.effect): parsing measures, the test, the counts before and after."""

import datetime as dt
import math

import pytest

from textmine.aggregate.effect import EffectTracker, parse_measure, two_proportion_test
from textmine.errors import MissingColumnError, OptionError
from textmine.painpoints.taxonomy import Taxonomy

from conftest import as_comments


@pytest.mark.parametrize("spec, expected", [
    ("billing:2026-10-01", ("billing", dt.date(2026, 10, 1), None, None)),
    (" coverage:地区类型=农村:2026/9/15 ", ("coverage", dt.date(2026, 9, 15), "地区类型", "农村")),
    ("speed:套餐=不限量:卡:2026年10月1日", ("speed", dt.date(2026, 10, 1), "套餐", "不限量:卡")),
])
def test_parse_measure(spec, expected):
    measure = parse_measure(spec)
    assert (measure.category, measure.day, measure.segment_column, measure.segment_value) == expected


@pytest.mark.parametrize("spec", ["billing", "billing:soon", ":2026-10-01", "billing:农村:2026-10-01",
                                  "billing:=农村:2026-10-01"])
def test_bad_measures_are_one_line_errors(spec):
    with pytest.raises(OptionError, match="--measure"):
        parse_measure(spec)


@pytest.mark.parametrize("spec", ["billing:2026-13-01", "coverage:地区类型=农村:2026-02-30"])
def test_a_measure_whose_day_does_not_exist_says_so(spec):
    with pytest.raises(OptionError, match=r"is not a day \(YYYY-MM-DD"):
        parse_measure(spec)


def test_two_proportion_test_matches_the_normal_approximation():
    # 30/100 against 10/100: z = -3.536, two-sided p = erfc(3.536 / sqrt 2).
    assert two_proportion_test(30, 100, 10, 100) == pytest.approx(math.erfc(0.2 / math.sqrt(0.0032) / math.sqrt(2)))
    assert two_proportion_test(5, 50, 5, 50) == pytest.approx(1.0)
    assert two_proportion_test(0, 10, 0, 10) == 1.0
    assert two_proportion_test(1, 0, 1, 10) is None


def rows(date, count, categories, sentiment="neg", **cells):
    return [{"date": date, "categories": categories, "sentiment": sentiment, **cells}] * count


def test_a_category_that_fell_after_the_measure():
    comments = as_comments(rows("2026-09-10", 40, "billing") + rows("2026-09-12", 60, "speed", "pos")
                           + rows("2026-10-05", 8, "billing", "neu") + rows("2026-10-06", 92, "speed"))
    tracker = EffectTracker([parse_measure("billing:2026-10-01")], date_column="date")
    for comment in comments:
        tracker.add(comment)
    (effect,) = tracker.results(Taxonomy.load())
    assert effect["before"]["comments"] == 100 and effect["before"]["with_category"] == 40
    assert (effect["before"]["share"], effect["after"]["share"]) == (0.4, 0.08)
    assert (effect["before"]["negative_share"], effect["after"]["negative_share"]) == (1.0, 0.0)
    assert effect["share_change"] == -0.32 and effect["share_p_value"] < 1e-6
    assert effect["verdict"] == "fell" and effect["name"] == "计费扣费"
    assert (effect["before"]["first_date"], effect["after"]["last_date"]) == ("2026-09-10", "2026-10-06")


def test_a_segment_measure_counts_only_that_group_and_undated_rows_are_left_out():
    comments = as_comments(rows("2026-09-10", 10, "coverage", 地区="农村") + rows("2026-09-10", 10, "coverage", 地区="城市")
                           + rows("2026-10-10", 10, "coverage", 地区="农村") + rows("", 5, "coverage", 地区="农村"))
    tracker = EffectTracker([parse_measure("coverage:地区=农村:2026-10-01")], date_column="date")
    for comment in comments:
        tracker.add(comment)
    (effect,) = tracker.results(Taxonomy.load())
    assert (effect["before"]["comments"], effect["after"]["comments"]) == (10, 10)
    assert effect["verdict"] == "no significant change" and effect["small_sample"]
    assert tracker.undated == 5


def test_a_category_given_by_its_name_is_counted_as_its_code():
    comments = as_comments(rows("2026-09-10", 10, "billing") + rows("2026-10-10", 10, "speed"))
    tracker = EffectTracker([parse_measure("计费扣费:2026-10-01")], date_column="date")
    tracker.check(Taxonomy.load(), ["date"])
    for comment in comments:
        tracker.add(comment)
    (effect,) = tracker.results(Taxonomy.load())
    assert effect["category"] == "billing" and effect["measure"] == "计费扣费:2026-10-01"
    assert (effect["before"]["with_category"], effect["after"]["with_category"]) == (10, 0)


def test_unknown_category_or_column_is_refused():
    taxonomy = Taxonomy.load()
    with pytest.raises(OptionError, match="unknown category 'bills'"):
        EffectTracker([parse_measure("bills:2026-10-01")], date_column="date").check(taxonomy, ["date"])
    with pytest.raises(MissingColumnError, match="城乡"):
        EffectTracker([parse_measure("billing:城乡=农村:2026-10-01")], date_column="date").check(taxonomy, ["date"])
    with pytest.raises(OptionError, match="date column"):
        EffectTracker([parse_measure("billing:2026-10-01")], date_column=None).check(taxonomy, [])


@pytest.mark.parametrize("measure, warning", [
    ("billing:地区类型=火星:2026-10-01", "--measure billing:地区类型=火星:2026-10-01: no dated, analysed comment in "
                                       "地区类型=火星; the groups of 地区类型 are: 农村、城市、县城"),
    ("billing:2027-10-01", "--measure billing:2027-10-01: no dated, analysed comment from 2027-10-01 "
                           "(the comments are dated 2026-06-01 to 2026-11-22)"),
    ("计费扣费:2020-01-01", "--measure 计费扣费:2020-01-01: no dated, analysed comment before 2020-01-01"),
])
def test_a_measure_with_nothing_on_one_side_warns(measure, warning):
    from click.testing import CliRunner
    from textmine.cli import cli
    from conftest import SAMPLES

    result = CliRunner().invoke(cli, ["analyze", str(SAMPLES / "survey_export.csv"), "--topics", "off",
                                      "--measure", measure, "--json", "-", "-q", "-j", "1"])
    assert result.exit_code == 0, result.output
    assert f"textmine: warning: {warning}" in result.stderr
