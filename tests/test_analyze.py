import datetime as dt
import json

import pytest

from conftest import aggregator, as_comment, as_comments
from textmine.aggregate.aggregator import Aggregator
from textmine.aggregate.result import to_json_summary
from textmine.painpoints.taxonomy import Taxonomy


def row(categories=(), sentiment="neg", score=None, date=None, text="评论", **extra):
    """One annotated row as the pipeline hands it over."""
    sentiment_score = {"neg": 0.1, "neu": 0.5, "pos": 0.9}[sentiment]
    return {"text": text, "categories": categories if isinstance(categories, str) else list(categories),
            "sentiment": sentiment,
            "sentiment_score": extra.pop("sentiment_score", sentiment_score), "duplicate_of": "", "flag": "",
            "date": date, "score": score, "topic": None, **extra}


# ------------------------------------------------------------------ short boards
def segment_rows(group_negative, group_coverage, other_negative=200, other_coverage=20, column="地区类型",
                 group="农村"):
    rows = [row(["coverage"] if i < group_coverage else ["pricing"], **{column: group})
            for i in range(group_negative)]
    rows += [row(["coverage"] if i < other_coverage else ["pricing"], **{column: "城市"})
             for i in range(other_negative)]
    rows += [row(["speed"], sentiment="pos", **{column: "城市"}) for _ in range(50)]
    return rows


def segment(result, value, column="地区类型"):
    return next(e for e in result.segments[column] if e["value"] == value)


def test_short_board_found_when_over_represented_and_significant():
    result = aggregator(segment_columns=["地区类型"]).add_many(as_comments(segment_rows(40, 24))).result()
    rural = segment(result, "农村")
    assert rural["short_board"] == "coverage"
    assert rural["top_pain_point"] == "coverage"
    assert rural["p_value"] < 0.001
    assert rural["lift"] == pytest.approx(0.6 / 0.1, rel=1e-3)
    assert rural["share_in_group"] == 0.6 and rural["share_elsewhere"] == 0.1
    boards = [e["short_board"] is not None for e in result.segments["地区类型"]]
    assert boards == sorted(boards, reverse=True)  # groups with a short board come first


def test_short_boards_are_corrected_over_every_test_of_the_run():
    """Alone, 农村's 9 coverage complaints of 30 against 10 % elsewhere are a short board (p = 0.005,
    adjusted over 4 tests 0.011); among 20 more segment columns tested in the same run they are not."""
    rows = segment_rows(30, 9)
    alone = aggregator(segment_columns=["地区类型"]).add_many(as_comments(rows)).result()
    assert segment(alone, "农村")["short_board"] == "coverage"
    assert alone.fdr == {"method": "benjamini-hochberg", "level": 0.05, "tests": 4, "short_boards": 2}  # and 城市
    noise = [f"字段{i}" for i in range(20)]
    crowded_rows = [{**r, **{column: str(n % 2) for column in noise}} for n, r in enumerate(rows)]
    crowded = aggregator(segment_columns=["地区类型", *noise]).add_many(as_comments(crowded_rows)).result()
    rural = segment(crowded, "农村")
    assert rural["short_board"] is None
    assert crowded.fdr["tests"] > 40 and crowded.fdr["short_boards"] == 0
    summary = to_json_summary(alone)
    board = next(e for e in summary["segments"]["地区类型"] if e["value"] == "农村")
    assert board["p_value"] < board["p_adjusted"] < 0.05 and summary["fdr"]["tests"] == 4


@pytest.mark.parametrize("group_negative, group_coverage, reason", [
    (4, 4, "below the minimum support of 5 negative comments"),
    (12, 2, "not over-represented (17 % vs 10 %, not significant)"),
])
def test_no_short_board_without_support_or_significance(group_negative, group_coverage, reason):
    result = aggregator(segment_columns=["地区类型"]).add_many(as_comments(segment_rows(group_negative, group_coverage))).result()
    assert segment(result, "农村")["short_board"] is None, reason


def test_top_pain_point_counts_negative_comments_only():
    rows = [row(["speed"], sentiment="pos", 渠道="APP") for _ in range(10)]
    rows += [row(["billing"], 渠道="APP") for _ in range(3)]
    result = aggregator(segment_columns=["渠道"]).add_many(as_comments(rows)).result()
    assert segment(result, "APP", "渠道")["top_pain_point"] == "billing"


def test_segment_values_are_capped_and_empty_values_named():
    rows = [row(["speed"], 地市=f"城{i}") for i in range(10)] + [row(["speed"], 地市="")]
    result = aggregator(segment_columns=["地市"], max_segment_values=5).add_many(as_comments(rows)).result()
    values = {e["value"]: e["rows"] for e in result.segments["地市"]}
    assert len(values) == 6 and values["(其他值)"] == 6


# ------------------------------------------------------------------ alerts
MONTHS = ["2026-06-15", "2026-07-15", "2026-08-15", "2026-09-15", "2026-10-15", "2026-11-15"]


def monthly_rows(billing_per_month, total=100):
    rows = []
    for day, billing in zip(MONTHS, billing_per_month):
        rows += [row(["billing"], date=day) for _ in range(billing)]
        rows += [row(["speed"], date=day) for _ in range(total - billing)]
    return rows


def month_alerts(rows):
    return [a for a in aggregator().add_many(as_comments(rows)).result().alerts if a["granularity"] == "month"]


def test_alert_fires_on_a_rise_in_the_last_period():
    alerts = month_alerts(monthly_rows([5, 4, 6, 5, 5, 20]))
    assert [(a["category"], a["period"], a["count"], a["expected"]) for a in alerts] == [
        ("billing", "2026-11", 20, 5.0)]
    assert alerts[0]["p_value"] < 1e-5 and alerts[0]["ratio"] == 4.0


def test_alert_compares_shares_so_a_bigger_last_month_is_not_a_rise():
    rows = monthly_rows([5, 4, 6, 5, 5, 0])
    rows += [row(["billing"], date="2026-11-20") for _ in range(10)]
    rows += [row(["speed"], date="2026-11-20") for _ in range(190)]
    assert month_alerts(rows) == []


@pytest.mark.parametrize("series", [
    [5, 4, 6, 5, 5, 6],  # flat
    [5, 4, 6, 5, 5, 0],  # falling
    [0, 0, 0, 0, 0, 4],  # new but under the minimum count of 5
    [20, 20, 20, 20, 20, 28],  # up 40 %: below the ratio of 1.5
])
def test_no_alert_on_flat_falling_or_small_changes(series):
    assert month_alerts(monthly_rows(series)) == []


def test_new_issue_with_enough_comments_alerts():
    alerts = month_alerts(monthly_rows([0, 0, 0, 0, 0, 8]))
    assert [a["category"] for a in alerts] == ["billing"]


def six_weeks(last_week_billing, last_week_days=7):
    """Six weeks of 2026 from Monday 10-12, 10 comments a day, 1 a day about billing; the last week
    stops after ``last_week_days`` days, with ``last_week_billing`` billing comments a day."""
    rows = []
    for offset in range(35 + last_week_days):
        day = (dt.date(2026, 10, 12) + dt.timedelta(days=offset)).isoformat()
        billing = last_week_billing if offset >= 35 else 1
        rows += [row(["billing"], date=day) for _ in range(billing)] + [row(["speed"], date=day)] * (10 - billing)
    return aggregator().add_many(as_comments(rows)).result()


def test_auto_period_is_week_for_six_weeks_and_a_partial_last_week_is_marked():
    result = six_weeks(last_week_billing=1, last_week_days=3)
    assert result.period == {"granularity": "week", "requested": "auto", "first_date": "2026-10-12",
                             "last_date": "2026-11-18"}
    week = result.trends["week"]
    assert week["periods"][-1] == "2026-W47" and week["totals"][-3:] == [70, 70, 30]
    assert week["partial"] == [False] * 5 + [True] and week["days_covered"] == [7] * 5 + [3]
    assert result.trends["month"]["partial"] == [True, True]  # 10-12..10-31 and 11-01..11-18


def test_a_partial_last_week_is_compared_by_its_own_comments():
    """Three days of the same mix are no fall and no rise; three days of a billing spike are an alert."""
    assert [a for a in six_weeks(1, 3).alerts if a["granularity"] == "week"] == []
    alerts = [a for a in six_weeks(4, 3).alerts if a["granularity"] == "week"]
    assert [(a["period"], a["count"], a["expected"], a["partial"], a["days_covered"], a["days_in_period"])
            for a in alerts] == [("2026-W47", 12, 3.0, True, 3, 7)]


def test_auto_period_is_month_beyond_half_a_year():
    rows = [row(["speed"], date=day) for day in ("2026-01-05", "2026-07-20")]
    assert aggregator().add_many(as_comments(rows)).result().period["granularity"] == "month"
    rows = [row(["speed"], date=day) for day in ("2026-01-05", "2026-07-04")]  # 181 days
    assert aggregator().add_many(as_comments(rows)).result().period["granularity"] == "week"
    assert aggregator(period="month").add_many(as_comments(rows)).result().period["granularity"] == "month"
    assert aggregator().result().period == {"granularity": "month", "requested": "auto", "first_date": None,
                                            "last_date": None}


def test_weekly_alerts_use_iso_weeks():
    rows = []
    for week in range(10):
        day = (dt.date(2026, 9, 14) + dt.timedelta(weeks=week)).isoformat()
        billing = 15 if week == 9 else 2
        rows += [row(["billing"], date=day) for _ in range(billing)] + [row(["speed"], date=day)] * (40 - billing)
    alerts = [a for a in aggregator().add_many(as_comments(rows)).result().alerts if a["granularity"] == "week"]
    assert [(a["category"], a["period"]) for a in alerts] == [("billing", "2026-W47")]


@pytest.mark.parametrize("last_day, month_partial, week_partial", [
    ("2026-11-22", True, False),  # a Sunday: the ISO week is whole, November is not
    ("2026-11-30", False, True),  # a Monday: November is whole, its week has only begun
    ("2026-11-18", True, True),
])
def test_the_last_period_is_partial_when_the_data_ends_before_it(last_day, month_partial, week_partial):
    rows = monthly_rows([5, 4, 6, 5, 5, 5]) + [row(["speed"], date=last_day)]
    trends = aggregator().add_many(as_comments(rows)).result().trends
    assert trends["month"]["last_date"] == trends["week"]["last_date"] == last_day
    assert (trends["month"]["partial_last"], trends["week"]["partial_last"]) == (month_partial, week_partial)
    assert "partial_last" in to_json_summary(aggregator().add_many(as_comments(rows)).result())["trends"]["month"]


def test_no_dates_no_partial_period():
    trends = Aggregator().add_many(as_comments([row(["speed"])])).result().trends
    assert (trends["month"]["periods"], trends["month"]["last_date"], trends["month"]["partial_last"]) == (
        [], None, False)


# ------------------------------------------------------------------ drivers and NPS
def test_drivers_rank_by_score_gap_times_share():
    rows = [row(["customer_service"], score=2) for _ in range(10)]
    rows += [row(["pricing"], score=6) for _ in range(30)]
    rows += [row([], sentiment="pos", score=8) for _ in range(60)]
    drivers = aggregator().add_many(as_comments(rows)).result().drivers
    assert [d["category"] for d in drivers] == ["customer_service", "pricing"]
    # customer_service: without = (30*6 + 60*8) / 90 = 7.3333; (7.3333 - 2) * 10 / 100
    assert drivers[0]["impact"] == pytest.approx(0.5333, abs=1e-4)
    # pricing: without = (10*2 + 60*8) / 70 = 7.1429; (7.1429 - 6) * 30 / 100
    assert drivers[1]["impact"] == pytest.approx(0.3429, abs=1e-4)
    assert drivers[0]["basis"] == "score"


def test_drivers_fall_back_to_sentiment_without_scores():
    rows = [row(["stability"], sentiment_score=0.1) for _ in range(10)]
    rows += [row([], sentiment="pos", sentiment_score=0.9) for _ in range(10)]
    drivers = aggregator().add_many(as_comments(rows)).result().drivers
    assert drivers[0]["basis"] == "sentiment" and drivers[0]["impact"] == pytest.approx(4.0)


@pytest.mark.parametrize("scores, scale, nps, average", [
    ([10, 9, 8, 7, 6, 0], None, 0.0, 6.6667),
    ([10, 10, 9, 3], "0-10", 50.0, 8.0),
    ([0, 1, 2, 6], "0-10", -100.0, 2.25),
    ([5, 4, 1], "1-5", None, 3.3333),
    (["9", "", None, "10"], None, 100.0, 9.5),
])
def test_nps_and_average_score(scores, scale, nps, average):
    rows = [row([], sentiment="neu", score=s) for s in scores]
    overview = aggregator(score_scale=scale).add_many(as_comments(rows)).result().overview
    assert overview["nps"] == nps
    assert overview["average_score"] == pytest.approx(average, abs=1e-4)


# ------------------------------------------------------------------ accounting, verbatims, summary
def test_duplicates_and_flagged_rows_are_counted_not_analysed():
    rows = [row(["speed"]), {**row(["speed"]), "duplicate_of": "1"}, {**row([]), "flag": "empty"},
            {**row([]), "flag": "spam"}, row([], sentiment="pos")]
    result = aggregator().add_many(as_comments(rows)).result(rows_read=7, skipped_by_reason={"blank_line": 2})
    assert result.rows == {"read": 7, "analyzed": 2, "skipped": 2, "skipped_by_reason": {"blank_line": 2},
                           "excluded": 3, "excluded_by_reason": {"duplicate": 1, "empty": 1, "spam": 1}}
    assert result.sentiment == {"pos": 1, "neu": 0, "neg": 1}
    assert result.overview["duplicates"] == 1 and result.overview["flagged"] == 2


@pytest.mark.parametrize("categories, expected", [
    ("speed|billing", ["billing", "speed"]),
    ("other", ["other"]),
    ("", ["other"]),
    (["speed", "speed"], ["speed"]),
])
def test_categories_as_list_or_pipeline_string(categories, expected):
    agg = aggregator()
    agg.add(as_comment(row(categories)))
    counted = sorted(c["code"] for c in agg.result().categories if c["count"])
    assert counted == expected


def test_category_table_shares_and_order():
    rows = [row(["speed"]) for _ in range(6)] + [row(["billing", "speed"], sentiment="pos") for _ in range(2)]
    rows += [row([], sentiment="neu") for _ in range(2)]
    table = aggregator().add_many(as_comments(rows)).result().categories
    assert [(c["code"], c["count"], c["share"], c["negative_share"]) for c in table[:2]] == [
        ("speed", 8, 0.8, 0.75), ("billing", 2, 0.2, 0.0)]
    assert table[-1]["code"] == "other" and table[-1]["count"] == 2


def test_verbatims_are_capped_most_negative_first():
    rows = [row(["billing"], text=f"扣费{i}", sentiment_score=i / 100) for i in range(50, 0, -1)]
    verbatims = aggregator(verbatims_per_category=3).add_many(as_comments(rows)).result().verbatims["billing"]
    assert [v["text"] for v in verbatims] == ["扣费1", "扣费2", "扣费3"]


def test_verbatims_show_each_text_once():
    # Five customers wrote the same short reply (not a duplicate: short texts are not marked).
    rows = [row(["billing"], text="乱扣费", sentiment_score=0.01) for _ in range(5)]
    rows += [row(["billing"], text=f"扣费{i}", sentiment_score=i / 100) for i in range(5, 1, -1)]
    verbatims = aggregator(verbatims_per_category=3).add_many(as_comments(rows)).result().verbatims["billing"]
    assert [v["text"] for v in verbatims] == ["乱扣费", "扣费2", "扣费3"]


def test_verbatims_show_each_reply_once_however_written():
    # Traditional and simplified, punctuation (repeated, full- or half-width), letter case: one reply each.
    texts = ["滿意", "满意", "满意！！！", "满意!", "ＯＫ", "ok", "太差了！", "太差了!", "还行"]
    rows = [row(["other"], text=text, sentiment_score=0.9) for text in texts]
    verbatims = aggregator(verbatims_per_category=10).add_many(as_comments(rows)).result().verbatims["other"]
    assert sorted(v["text"] for v in verbatims) == sorted(["滿意", "ＯＫ", "太差了！", "还行"])
    # Read alike but scored apart (a different context in a longer text): both stay.
    rows = [row(["billing"], text="乱扣费", sentiment_score=0.01), row(["billing"], text="亂扣費", sentiment_score=0.02)]
    verbatims = aggregator().add_many(as_comments(rows)).result().verbatims["billing"]
    assert [v["text"] for v in verbatims] == ["乱扣费", "亂扣費"]


def test_a_reply_is_told_apart_by_its_start():
    # Only the first READING_CHARS characters are compared: a pathological 1 MB cell costs no more.
    from textmine.aggregate.aggregator import READING_CHARS, reading_of

    start = "网速太慢了<!--" * (READING_CHARS // 8)
    assert reading_of(start + "甲" * 100_000) == reading_of(start + "乙")
    assert reading_of("滿意！！ＯＫ") == reading_of("满意!ok") == "满意ok"


def test_memory_stays_bounded():
    agg = aggregator(verbatims_per_category=5, sample_size=200)
    for i in range(5000):
        agg.add(as_comment(row(["speed"], text=f"网速慢{i}", tokens=f"网速 慢 词{i % 97} 词{i % 89}",
                    date=f"2026-{6 + i % 6:02d}-01")))
    assert len(agg._verbatims["speed"]) == 5
    assert len(agg.sample.items()) == 200
    assert not any(isinstance(v, list) and len(v) > 100 for v in vars(agg).values())
    result = agg.result()
    assert result.keywords[0] == {"word": "网速", "count": 5000, "negative": 5000}
    assert {"words": ["慢", "网速"], "count": 5000} in result.word_pairs  # counted on the sample, scaled up


def test_topics_are_passed_through_labelled_and_largest_first():
    topics = aggregator().result(topics=[{"id": 0, "words": ["套餐", "流量"], "size": 1},
                                         {"id": 1, "label": "网速", "words": ["网速", "卡"], "size": 2}]).topics
    assert topics == [{"id": 1, "label": "网速", "words": ["网速", "卡"], "size": 2},
                      {"id": 0, "label": "套餐 流量", "words": ["套餐", "流量"], "size": 1}]


def test_json_summary_shape_and_serialisable():
    rows = segment_rows(40, 24) + monthly_rows([5, 4, 6, 5, 5, 20])
    summary = to_json_summary(aggregator(segment_columns=["地区类型"]).add_many(as_comments(rows)).result(rows_read=len(rows)))
    assert {"rows", "sentiment", "categories", "segments", "alerts", "drivers", "topics"} <= set(summary)
    assert set(summary["rows"]) >= {"read", "analyzed", "skipped", "skipped_by_reason"}
    assert set(summary["sentiment"]) == {"pos", "neu", "neg"}
    assert set(summary["categories"][0]) >= {"code", "name", "count", "share", "negative_share"}
    assert set(summary["segments"]["地区类型"][0]) >= {"value", "rows", "top_pain_point", "short_board"}
    assert set(summary["alerts"][0]) >= {"category", "period", "count", "expected"}
    counts = [c["count"] for c in summary["categories"] if c["code"] != "other"]
    assert counts == sorted(counts, reverse=True)
    json.dumps(summary, ensure_ascii=False, allow_nan=False)


def test_empty_input_gives_an_empty_but_complete_result():
    summary = to_json_summary(aggregator(segment_columns=["地市"]).result(rows_read=0))
    assert summary["rows"]["analyzed"] == 0
    assert summary["alerts"] == [] and summary["drivers"] == [] and summary["segments"] == {"地市": []}
    assert summary["overview"]["nps"] is None and summary["overview"]["average_score"] is None


# ------------------------------------------------------------------ the taxonomy names every table
THREE = Taxonomy((("net", "网络质量"), ("fee", "费用问题"), ("svc", "服务问题")))
PACKAGED = Taxonomy.load()


def three_category_rows():
    """Rows that give every table an entry: a short board, a rising alert, drivers, verbatims."""
    rows = [row(["net"] if i < 24 else ["fee"], score=3, 地区类型="农村") for i in range(40)]
    rows += [row(["net"] if i < 20 else ["fee"], score=5, 地区类型="城市") for i in range(200)]
    rows += [row(["svc"], sentiment="pos", score=9, 地区类型="城市") for _ in range(50)]
    rows += [row([], sentiment="neu", score=8, 地区类型="城市") for _ in range(5)]
    for day, fee in zip(MONTHS, [5, 4, 6, 5, 5, 20]):
        rows += [row(["fee"], date=day, score=4) for _ in range(fee)]
        rows += [row(["svc"], date=day, score=7) for _ in range(100 - fee)]
    return rows


def test_a_custom_taxonomy_names_every_table_and_nothing_else():
    result = aggregator(segment_columns=["地区类型"], taxonomy=THREE).add_many(as_comments(three_category_rows())).result()
    assert sorted(c["code"] for c in result.categories) == ["fee", "net", "other", "svc"]
    assert {c["code"]: c["name"] for c in result.categories} == THREE.names
    rural = segment(result, "农村")
    assert (rural["short_board"], rural["top_pain_point"]) == ("net", "net")
    assert [(a["category"], a["name"]) for a in result.alerts if a["granularity"] == "month"] == [
        ("fee", "费用问题")]
    assert result.drivers and all(d["name"] == THREE.name(d["category"]) for d in result.drivers)
    assert set(result.trends["month"]["counts"]) == {"fee", "svc"}
    assert list(result.verbatims) == ["net", "fee", "svc", "other"]
    assert result.category_names == THREE.names and result.category_name("fee") == "费用问题"
    text = json.dumps(to_json_summary(result), ensure_ascii=False)
    for code in PACKAGED.codes[:-1]:
        assert f'"{code}"' not in text and PACKAGED.name(code) not in text


def test_the_packaged_taxonomy_is_the_default_and_lists_every_category():
    result = aggregator().add_many(as_comments([row(["speed"])])).result()
    assert [c["code"] for c in result.categories] == ["speed"] + [c for c in PACKAGED.codes[:-1] if c != "speed"]
    assert result.categories[0]["name"] == "网速" and result.category_names == PACKAGED.names


def test_a_code_outside_the_taxonomy_still_counts_after_the_taxonomy_and_before_other():
    rows = [row(["coverage"]), row(["net"]), row([])]
    result = aggregator(taxonomy=THREE).add_many(as_comments(rows)).result()
    assert [c["code"] for c in result.categories] == ["net", "coverage", "fee", "svc", "other"]
    assert result.category_name("coverage") == "coverage"
    assert list(result.verbatims) == ["net", "coverage", "other"]


def test_topics_carry_the_name_of_their_closest_category():
    topics = aggregator(taxonomy=THREE).result(topics=[
        {"id": 0, "words": ["信号"], "size": 3, "top_category": "net"},
        {"id": 1, "words": ["贵"], "size": 2, "top_category": "other"},
        {"id": 2, "words": ["好"], "size": 1, "top_category": None}]).topics
    assert [t["top_category_name"] for t in topics] == ["网络质量", "其他", None]
