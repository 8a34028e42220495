import io

import pytest
from rich.console import Console

from conftest import aggregator, as_comments
from textmine.painpoints.taxonomy import Taxonomy
from textmine.report.terminal import render_summary, summary_lines, topic_lines

MONTHS = ["2026-06-15", "2026-07-15", "2026-08-15", "2026-09-15", "2026-10-15", "2026-11-15"]


def annotated(categories, sentiment="neg", score=3, **extra):
    return {"text": "评论", "categories": categories, "sentiment": sentiment,
            "sentiment_score": 0.1 if sentiment == "neg" else 0.9, "duplicate_of": "", "flag": "",
            "score": score, "topic": None, **extra}


@pytest.fixture(scope="module")
def result():
    rows = []
    for month, day in enumerate(MONTHS):
        for i in range(60):
            group = "[农村]" if i % 3 == 0 else "城市"  # brackets: must not be read as rich markup
            if i < (20 if month == 5 else 4):
                categories = ["billing"]
            elif group != "城市" and i % 2 == 0:
                categories = ["coverage"]
            else:
                categories = ["speed"] if i % 5 else ["customer_service"]
            sentiment = "pos" if i % 7 == 0 else "neg"
            score = 9 if sentiment == "pos" else (1 if "customer_service" in categories else 5)
            rows.append(annotated(categories, sentiment, score, date=day, 地区类型=group))
    return aggregator(segment_columns=["地区类型"], score_scale="0-10", period="month").add_many(
        as_comments(rows)).result(rows_read=len(rows))


def test_plain_lines(result):
    lines = summary_lines(result)
    assert lines[0].startswith("概览：读取 360 行，分析 360 行")
    assert "NPS" in lines[0]
    assert any(line.startswith("  地区类型=[农村]: 信号覆盖") for line in lines)
    assert any(line.startswith("  计费扣费 2026-11: 20 条，预期") for line in lines)
    drivers = lines[lines.index("拉低满意度的痛点（若这些评论与其余同分，平均分可提高）：") + 1]
    assert drivers.startswith("  客服服务: +")


def test_drivers_heading_says_when_it_is_the_sentiment_score():
    rows = [annotated(["billing"] if i % 3 == 0 else ["speed"], "neg" if i % 2 else "pos", None, date=MONTHS[0])
            for i in range(60)]
    unscored = aggregator(period="month").add_many(as_comments(rows)).result(rows_read=len(rows))
    heading = next(line for line in summary_lines(unscored) if line.startswith("拉低满意度的痛点"))
    assert "无评分列，按情感得分×10 计" in heading


def test_plain_to_a_file(result):
    stream = io.StringIO()
    assert render_summary(result, stream, plain=True) is None
    assert stream.getvalue().splitlines() == summary_lines(result)


def test_plain_to_a_console_uses_its_file(result):
    stream = io.StringIO()
    render_summary(result, Console(file=stream), plain=True)
    assert stream.getvalue().splitlines() == summary_lines(result)


def test_rich_tables(result):
    console = Console(record=True, width=140, file=io.StringIO())
    render_summary(result, console)
    text = console.export_text()
    for title in ("主要痛点", "客群短板", "预警", "拉低满意度的痛点"):
        assert title in text
    assert "[农村]" in text and "计费扣费" in text and "2026-11" in text


def test_empty_result_prints_placeholders():
    lines = summary_lines(aggregator().result(rows_read=0))
    assert lines[0] == "概览：读取 0 行，分析 0 行，情感 正面 0.0% / 中性 0.0% / 负面 0.0%"
    assert lines.count("  （无）") == 2 and "  （无显著短板）" in lines and "  （评分不足）" in lines
    console = Console(record=True, width=100, file=io.StringIO())
    render_summary(aggregator().result(), console)
    assert "预警：无" in console.export_text()


def test_topic_lines_name_the_closest_pain_point_from_the_taxonomy():
    taxonomy = Taxonomy((("net", "网络质量"),))
    topics = aggregator(taxonomy=taxonomy).result(topics=[
        {"id": 0, "label": "信号/村里", "words": ["信号", "村里"], "size": 9, "negative_share": 0.5,
         "top_category": "net", "category_overlap": 0.75}]).topics
    summary = {"topic_model": {"n_topics": 1, "coherence_curve": [[1, 0.1]]}, "new_topics": []}
    assert "#0 信号/村里  9 条，负面 50%，最接近痛点 网络质量（重合 75%）" in topic_lines(summary, topics)


TOPICS = [{"id": index, "label": f"主题{index}/信号", "words": [("信号", 0.2), (f"词{index}", 0.1)],
           "size": 100 - index, "negative_share": 0.5, "top_category": "coverage", "category_overlap": 0.6}
          for index in range(12)]


@pytest.fixture(scope="module")
def crowded(result):
    """The fixture's result with as many rows as 20,000 comments give: 12 topics, 20 short boards, 11 pain points."""
    from dataclasses import replace

    with_topics = aggregator(segment_columns=["地区类型"], score_scale="0-10").result(topics=TOPICS)
    boards = [dict(e, value=f"{e['value']}{n}") for n in range(10) for e in result.segments["地区类型"]]
    categories = [dict(c, name=f"{c['name']}{n}", count=c["count"] or 1) for n in range(3) for c in result.categories]
    return replace(result, topics=with_topics.topics, segments={"地区类型": boards, "套餐": boards},
                   categories=categories)


def rich_text(result, full=False, width=160):
    console = Console(record=True, width=width, file=io.StringIO())
    render_summary(result, console, full=full)
    return console.export_text()


def test_rich_view_has_every_section_of_the_plain_view(crowded):
    text = rich_text(crowded)
    plain = "\n".join(summary_lines(crowded))
    for title in ("概览", "主要痛点", "客群短板", "预警", "拉低满意度的痛点", "主题"):
        assert title in text and title in plain
    assert "主题0/信号" in text and "信号覆盖" in text  # topics by label, closest pain point by name


def test_rich_view_fits_a_screen_and_says_what_it_left_out(crowded):
    text = rich_text(crowded)
    assert len(text.splitlines()) <= 50
    assert "另有 6 项未显示（--full 显示全部）" in text  # 12 topics, 6 shown
    assert "主题5/信号" in text and "主题6/信号" not in text


def test_full_rich_view_shows_every_row(crowded):
    text = rich_text(crowded, full=True)
    assert "主题11/信号" in text and "--full" not in text
    assert len(text.splitlines()) > 50


def test_every_pain_point_is_listed_piped_and_with_full(crowded):
    # More than ten pain points with mentions: none is dropped from the whole summary.
    named = [c["name"] for c in crowded.categories if c["count"]]
    assert len(named) > 10
    plain = "\n".join(summary_lines(crowded))
    assert all(f"  {name}: " in plain for name in named)
    full = rich_text(crowded, full=True, width=200)
    assert all(name in full for name in named)
    assert f"另有 {len(named) - 8} 项未显示" in rich_text(crowded)  # cut on a screen, with the true count


def test_analyze_accepts_full(tmp_path):
    from click.testing import CliRunner

    from conftest import SAMPLES
    from textmine.cli import cli

    completed = CliRunner().invoke(cli, ["analyze", str(SAMPLES / "sms_replies.csv"), "--topics", "off", "--full",
                                         "-j", "1"])
    assert completed.exit_code == 0, completed.output
    assert completed.output.startswith("概览：")  # not a terminal: the plain view, whole


def test_plain_lines_say_how_many_tests_and_which_period(result):
    lines = summary_lines(result)
    assert "客群短板（共 7 次检验：分群取值 × 痛点，Benjamini-Hochberg 校正，错误发现率 5%）：" in lines
    assert any(line.startswith("  地区类型=[农村]: 信号覆盖（组内 ") and "，校正后 p=" in line for line in lines)
    assert "预警（按月比较最后一期，日期 2026-06-15 ~ 2026-11-15）：" in lines  # 154 days, but --period month


def test_an_alert_on_a_partial_period_says_so():
    rows = [annotated(["speed"], date=f"2026-10-{day:02d}") for day in range(1, 32) for _ in range(5)]
    rows += [annotated(["billing"] if n < 2 else ["speed"], date=f"2026-{month:02d}-10")
             for month in (6, 7, 8, 9) for n in range(150)]
    rows += [annotated(["billing"] if n < 20 else ["speed"], date="2026-11-10") for n in range(60)]
    lines = summary_lines(aggregator(period="month").add_many(as_comments(rows)).result())
    alert = next(line for line in lines if line.startswith("  计费扣费 2026-11: 20 条"))
    assert alert.endswith("（不完整的一期：10/30 天，按本期评论数比较）")
