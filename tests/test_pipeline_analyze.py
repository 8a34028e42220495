"""End to end: the real pipeline finds the signals planted in samples/ (see samples/README.md).

One analysis of survey_export.csv serves the whole module (it takes 20-40 s); the
CLI tests run on a smaller subset of it, and the topics check on the 300 work orders.
"""

import csv
import datetime as dt
import json
import random
import re

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from textmine.aggregate.aggregator import Aggregator
from textmine.painpoints.taxonomy import Taxonomy
from textmine.cli import cli
from textmine.pipeline.analyze import AnalyzeOptions, analyze_files

from conftest import SAMPLES

SURVEY = SAMPLES / "survey_export.csv"
CATEGORY_CODES = set(Taxonomy.load().codes)
SHEETS = ["概览", "痛点", "情感", "客群短板", "趋势与预警", "驱动因素", "KANO", "主题", "典型原声", "明细", "字段说明"]
PERIOD = re.compile(r"^\d{4}-(?:\d{2}|W\d{2})$")
# One group's reasons asked for on a category that is not its short board (the README shows them).
OPTIONS = AnalyzeOptions(topics="off", reasons=("年龄段=60以上:customer_service",))


@pytest.fixture(scope="module")
def run():
    analysis = analyze_files([str(SURVEY)], OPTIONS, jobs=1)
    yield analysis
    analysis.close()


@pytest.fixture(scope="module")
def summary(run):
    return json.loads(json.dumps(run.summary, ensure_ascii=False, default=str))  # as the --json file has it


def segment(summary, column, value):
    return next(entry for entry in summary["segments"][column] if entry["value"] == value)


# ------------------------------------------------------------------ planted signals
def test_columns_are_detected(run):
    assert run.detected["text"] == "意见建议"
    assert run.detected["date"] == "日期"
    assert run.detected["score"] == "满意度" and run.detected["scale"] == "0-10"
    assert {"地区类型", "年龄段"} <= set(run.detected["segments"])


@pytest.mark.parametrize("column, value, expected", [
    ("地区类型", "农村", {"coverage"}),
    ("年龄段", "60以上", {"customer_service", "business_handling"}),
])
def test_segment_short_boards(summary, column, value, expected):
    assert segment(summary, column, value)["short_board"] in expected


def test_billing_alert_in_the_last_week_with_default_options(summary):
    """Dates from 2026-06-01 to 2026-11-22 span 175 days: --period auto compares weeks."""
    assert summary["period"] == {"granularity": "week", "requested": "auto", "first_date": "2026-06-01",
                                 "last_date": "2026-11-22"}
    alerts = [(alert["category"], alert["period"], alert["partial"]) for alert in summary["alerts"]]
    assert ("billing", "2026-W47", False) in alerts


def test_billing_alert_in_the_last_month_which_is_partial(run, summary):
    """Monthly alerts from the same annotated rows, aggregated again (no second annotation run):
    November holds 22 of its 30 days, and is marked so in the trends and the alert."""
    aggregator = Aggregator(date_column="日期", period="month")
    for comment, _ in run.comments_with_topics():
        aggregator.add(comment)
    result = aggregator.result()
    assert result.period["granularity"] == "month"
    monthly = [alert for alert in result.alerts if alert["granularity"] == "month"]
    assert [(a["category"], a["period"], a["partial"], a["days_covered"], a["days_in_period"]) for a in monthly] == [
        ("billing", "2026-11", True, 22, 30)]
    assert summary["trends"]["month"]["partial"] == [False] * 5 + [True]
    assert summary["trends"]["month"]["days_covered"] == [30, 31, 31, 30, 31, 22]
    assert not any(summary["trends"]["week"]["partial"])  # 2026-W23 .. 2026-W47, every one whole


RANDOM_SEGMENTS = {"地市": 21, "地区类型": 3, "年龄段": 5, "套餐": 6, "渠道": 5, "品牌": 10}  # 50 values


@pytest.mark.parametrize("seed", range(5))
def test_segments_assigned_at_random_give_at_most_one_short_board(run, seed):
    """6,000 real comments (the survey's, three times) in six segment columns of 50 values in all, drawn
    at random: no group differs, and with the tests corrected over the run at most one short board is
    reported (per group, Bonferroni-corrected, these gave 1 to 5 short boards on 35 of 40 seeds)."""
    generator = random.Random(seed)
    aggregator = Aggregator(segment_columns=list(RANDOM_SEGMENTS))
    for copy in range(3):
        for comment, _ in run.comments_with_topics():
            cells = {column: f"{column}{generator.randrange(n)}" for column, n in RANDOM_SEGMENTS.items()}
            aggregator.add(comment._replace(number=comment.number + 2000 * copy, row=cells, duplicate_of=None))
    result = aggregator.result()
    assert result.rows["analyzed"] > 5800 and result.fdr["tests"] > 500
    boards = [entry for entries in result.segments.values() for entry in entries if entry["short_board"]]
    assert len(boards) == result.fdr["short_boards"] <= 1


def test_the_elderly_short_board_comes_with_their_own_words(summary):
    board = segment(summary, "年龄段", "60以上")
    assert board["short_board"] == "business_handling"
    assert "老人" in [reason["term"] for reason in board["short_board_reasons"]]
    assert len(board["short_board_examples"]) == 2


def test_reasons_asked_for_a_category_that_is_not_the_short_board(summary):
    (reasons,) = summary["reasons"]
    assert (reasons["column"], reasons["value"], reasons["category"], reasons["short_board"]) == (
        "年龄段", "60以上", "customer_service", False)
    assert {"老人", "不会"} <= {term["term"] for term in reasons["terms"]}  # 老人不会用APP, 找不到人工
    assert len(reasons["examples"]) == 2


def test_kano_finds_the_planted_penalties_as_basic_needs(summary):
    kano = {entry["category"]: entry for entry in summary["kano"]}
    for code in ("customer_service", "stability"):  # the planted penalties: 4.2 and 4.0 points
        assert kano[code]["class"] == "must-be"
        assert kano[code]["penalty_high"] < -3.5 and kano[code]["reward_low"] < 0 < kano[code]["reward_high"]
    assert kano["call_quality"]["class"] == "insufficient"  # no positive mention to estimate a reward from


def test_customer_service_and_stability_drag_the_score_most(summary):
    assert {driver["category"] for driver in summary["drivers"][:2]} == {"customer_service", "stability"}
    assert summary["drivers"][0]["impact"] > 2 * summary["drivers"][2]["impact"]


def test_few_duplicates_remain(summary):
    # 15 pastes are planted; the rest are short answers that happen to coincide (about 20).
    assert 15 <= summary["rows"]["excluded_by_reason"].get("duplicate", 0) <= 45


# ------------------------------------------------------------------ accounting and summary shape
def test_row_accounting(run, summary):
    rows = summary["rows"]
    assert rows["read"] == 2000
    assert rows["read"] == rows["analyzed"] + rows["skipped"] + rows["excluded"]
    assert rows["skipped"] == sum(rows["skipped_by_reason"].values())
    assert run.accounting.rows_written == run.accounting.rows_read == rows["read"]
    assert sum(summary["sentiment"].values()) == rows["analyzed"]


@pytest.mark.parametrize("key, fields", [
    ("categories", {"code", "name", "count", "share", "negative_share"}),
    ("alerts", {"category", "period", "count", "expected"}),
    ("drivers", {"category", "impact"}),
])
def test_summary_lists_have_their_fields(summary, key, fields):
    assert summary[key] and all(fields <= set(item) for item in summary[key])


def test_summary_shape(summary):
    assert {"rows", "sentiment", "categories", "segments", "alerts", "drivers", "topics"} <= set(summary)
    assert {"read", "analyzed", "skipped", "skipped_by_reason"} <= set(summary["rows"])
    assert set(summary["sentiment"]) == {"pos", "neu", "neg"}
    assert summary["topics"] == []  # topics off
    for entries in summary["segments"].values():
        assert all({"value", "rows", "top_pain_point", "short_board"} <= set(entry) for entry in entries)
    assert all(PERIOD.match(alert["period"]) for alert in summary["alerts"])


def test_summary_lists_are_sorted_most_important_first(summary):
    counts = [c["count"] for c in summary["categories"] if c["code"] != "other"]
    assert counts == sorted(counts, reverse=True)
    impacts = [d["impact"] for d in summary["drivers"]]
    assert impacts == sorted(impacts, reverse=True)
    p_values = [a["p_value"] for a in summary["alerts"]]
    assert p_values == sorted(p_values)
    for entries in summary["segments"].values():
        boards = [entry["short_board"] is not None for entry in entries]
        assert boards == sorted(boards, reverse=True)  # groups with a short board come first


def test_topics_on_work_orders():
    analysis = analyze_files([str(SAMPLES / "complaint_orders.xlsx")], AnalyzeOptions(topics="3"), jobs=1)
    analysis.close()
    topics = analysis.summary["topics"]
    assert len(topics) == 3
    assert all({"id", "label", "words", "size"} <= set(topic) and topic["words"] for topic in topics)
    for topic in topics:  # what an analyst reads of a topic, in the JSON summary too
        assert all(isinstance(word, str) and weight > 0 for word, weight in topic["words"])
        assert 0 <= topic["negative_share"] <= 1 and 0 <= topic["category_overlap"] <= 1
        assert topic["top_category"] is None or topic["top_category"] in CATEGORY_CODES
        assert 1 <= len(topic["examples"]) <= 5 and all(isinstance(text, str) for text in topic["examples"])
    sizes = [topic["size"] for topic in topics]
    assert sizes == sorted(sizes, reverse=True) and sum(sizes) <= analysis.summary["rows"]["analyzed"]
    assert analysis.detected["date"] == "受理时间" and analysis.detected["segments"] == ["地市"]  # not 投诉类型


def test_candidate_new_pain_points_are_not_praise():
    analysis = analyze_files([str(SURVEY)], AnalyzeOptions(topics="auto"), jobs=1)
    analysis.close()
    new = analysis.summary["new_topics"]
    assert new and all(topic["negative_share"] > 0 and topic["negative"] >= 1 for topic in new)
    shares = [topic["negative_share"] for topic in new]
    assert shares == sorted(shares, reverse=True)
    examples = [text for topic in new for text in topic["examples"]]
    assert "女儿推荐我用的，用着放心，服务周到😊" not in examples
    assert any("条款说清楚" in text for text in examples)  # a suggestion no category covers


def test_a_segment_column_that_names_the_categories_is_refused():
    result = CliRunner().invoke(cli, ["analyze", str(SAMPLES / "complaint_orders.xlsx"), "--segment-column", "投诉类型",
                                      "--topics", "off", "-j", "1"])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: --segment-column 投诉类型: its values (")
    assert "name the pain-point categories" in result.stderr and result.stderr.count("\n") == 1


# ------------------------------------------------------------------ the command
@pytest.fixture(scope="module")
def small_survey(tmp_path_factory):
    """A quarter of the survey from June to October and all of November: the billing rise stays."""
    with open(SURVEY, encoding="gb18030", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    day = header.index("日期")
    kept = [row for number, row in enumerate(rows) if number % 4 == 0 or "-11-" in row[day] or "年11月" in row[day]
            or "/11/" in row[day]]
    path = tmp_path_factory.mktemp("cli") / "survey_small.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows([header] + kept)
    return path


def test_analyze_command_writes_workbook_and_json_and_fails_on_alert(small_survey, tmp_path):
    report, summary = tmp_path / "report.xlsx", tmp_path / "s.json"
    result = CliRunner().invoke(cli, ["analyze", str(small_survey), "-o", str(report), "--json", str(summary),
                                      "--topics", "off", "--fail-on-alert", "-j", "1", "-q"])
    assert result.exit_code == 3, result.output
    assert "alert(s) fired" in result.output
    assert json.loads(summary.read_text(encoding="utf-8"))["alerts"][0]["category"] == "billing"
    book = load_workbook(report)
    assert book.sheetnames == SHEETS
    for sheet, charts in [("痛点", 1), ("情感", 1), ("趋势与预警", 2), ("驱动因素", 1), ("KANO", 1)]:
        assert len(book[sheet]._charts) == charts, sheet
    formulas = [cell.coordinate for sheet in book for row in sheet.iter_rows() for cell in row
                if cell.data_type == "f"]
    assert formulas == []


def test_analyze_output_name_with_date(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["analyze", str(SAMPLES / "sms_replies.csv"), "-o", "report-{date}.xlsx",
                                      "--topics", "off", "-j", "1", "-q"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / f"report-{dt.date.today().isoformat()}.xlsx").exists()


def test_two_jobs_give_the_same_analysis_and_rows_as_one(run, summary):
    analysis = analyze_files([str(SURVEY)], OPTIONS, jobs=2)
    try:
        parallel = json.loads(json.dumps(analysis.summary, ensure_ascii=False, default=str))
        assert parallel == summary
        rows = list(analysis.annotated_rows())
        assert len(rows) == 2000 and rows == list(run.annotated_rows())
    finally:
        analysis.close()


@pytest.mark.parametrize("topics, started_at_once", [("auto", True), ("off", False)])
def test_two_jobs_start_the_workers_at_once_when_the_topics_need_them(tmp_path, monkeypatch, topics,
                                                                      started_at_once):
    from textmine.pipeline.executors import LocalExecutor

    path = tmp_path / "small.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["意见建议"])
        for number in range(60):
            writer.writerow([f"第{number}号工单：宽带经常断网，客服电话也打不通，希望尽快修好"])
    started_after_each_chunk = []
    analyse = LocalExecutor.analyse

    def watched(executor, texts):
        pending = analyse(executor, texts)
        started_after_each_chunk.append(executor.workers_started)
        return pending

    monkeypatch.setattr(LocalExecutor, "analyse", watched)
    analysis = analyze_files([str(path)], AnalyzeOptions(topics=topics), jobs=2)
    analysis.close()
    assert started_after_each_chunk  # the input is small: analysed here unless the topics need the workers
    assert started_after_each_chunk[0] is started_at_once


def test_details_are_the_comments_as_a_reader_sees_them(run):
    details = run.details()
    rows = list(details.rows)
    assert details.count == len(rows) == 2000
    assert details.columns[:9] == ["序号", "满意度", "地市", "地区类型", "年龄段", "套餐", "渠道", "日期", "意见建议"]
    assert details.columns[9:] == ["情感得分", "情感", "痛点", "依据词", "分项情感", "重复于第几条", "无效原因"]
    assert details.text_columns == ("意见建议",)
    by_header = [dict(zip(details.columns, row)) for row in rows]
    assert {type(row["序号"]) for row in by_header} == {int} and {type(row["满意度"]) for row in by_header} <= {int, str}
    assert all(isinstance(row["日期"], dt.date) for row in by_header)  # every sample date format is read
    assert {row["情感"] for row in by_header} == {"正面", "中性", "负面"}
    names = set(Taxonomy.load().names.values())
    assert {name for row in by_header for name in row["痛点"].split("、")} <= names
    assert {header for header, _, _ in details.legend} == set(details.columns[9:])
