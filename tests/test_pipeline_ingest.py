"""Weekly runs with a store, end to end: overlapping exports, reports over the history, alerts, effects.

The sample survey (2,000 rows, June to November 2026) is cut into three
overlapping exports, as a CRM exports "the last weeks" each time.
"""

import csv
import json

import pytest
from click.testing import CliRunner

from textmine.cli import cli
from textmine.io.columns import parse_date
from textmine.pipeline.analyze import AnalyzeOptions, analyze_files
from textmine.pipeline.ingest import IngestOptions, ingest_files
from textmine.pipeline.stored import analyze_store

from conftest import SAMPLES

WINDOWS = {"a": ("2026-06-01", "2026-10-15"), "b": ("2026-10-01", "2026-11-05"), "c": ("2026-10-25", "2026-11-30")}
REPORTED = ("segments", "alerts", "drivers", "categories", "overview", "sentiment", "trends", "keywords", "topics")


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    """The three exports (paths) and the combined file: each row once, in the order the store gets them."""
    folder = tmp_path_factory.mktemp("exports")
    with open(SAMPLES / "survey_export.csv", encoding="gb18030", newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    day = header.index("日期")
    paths, seen, combined = {}, set(), []
    for name, (first, last) in WINDOWS.items():
        first, last = parse_date(first), parse_date(last)
        chosen = [row for row in body if first <= parse_date(row[day]) <= last]
        paths[name] = _write(folder / f"week_{name}.csv", header, chosen)
        for row in chosen:
            if tuple(row) not in seen:
                seen.add(tuple(row))
                combined.append(row)
    paths["combined"] = _write(folder / "combined.csv", header, combined)
    paths["rows"] = len(combined)
    return paths


def _write(path, header, rows):
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


def test_three_overlapping_exports_one_twice_report_as_the_combined_file(exports, store_url):
    counts = []
    for name in ("a", "b", "b", "c"):
        result = ingest_files([exports[name]], store_url, IngestOptions(), jobs=1)
        stored = result.stored
        assert result.accounting.rows_read == stored.rows_new + stored.rows_already_stored
        counts.append((stored.rows_new, stored.rows_already_stored))
    assert counts[2][0] == 0  # the export ingested twice adds nothing the second time
    assert sum(new for new, _ in counts) == exports["rows"] == 2000
    options = AnalyzeOptions(measures=("billing:2026-10-01",), period="month")
    stored_run = analyze_store(store_url, options)
    file_run = analyze_files([exports["combined"]], options)
    try:
        assert stored_run.summary["store"]["comments"] == 2000
        for key in REPORTED + ("effects",):
            assert stored_run.summary[key] == file_run.summary[key], key
        boards = {(column, entry["value"]): entry["short_board"]
                  for column, entries in stored_run.summary["segments"].items() for entry in entries}
        assert boards[("地区类型", "农村")] == "coverage"
        assert ("billing", "2026-11") in [(a["category"], a["period"]) for a in stored_run.summary["alerts"]]
    finally:
        stored_run.close()
        file_run.close()


def test_since_and_until_choose_the_comments_by_date(exports, tmp_path):
    store = str(tmp_path / "history.sqlite")
    ingest_files([exports["combined"]], store, jobs=1)
    run = analyze_store(store, AnalyzeOptions(topics="off"), since="2026-11-01", until="2026/11/30")
    try:
        assert run.summary["trends"]["month"]["periods"] == ["2026-11"]
        assert run.summary["store"]["window"] == {"since": "2026-11-01", "until": "2026-11-30"}
        assert run.summary["rows"]["read"] == sum(run.summary["trends"]["month"]["totals"]) \
            + run.summary["rows"]["excluded"]
    finally:
        run.close()


def test_a_store_fed_by_exports_of_two_layouts_keeps_each_ones_dates_scores_and_groups(exports, tmp_path):
    # A survey export (日期, 满意度, groups), then SMS replies (回复时间, no score, no groups).
    store = str(tmp_path / "history.sqlite")
    ingest_files([exports["combined"]], store, jobs=1)
    ingest_files([str(SAMPLES / "sms_replies.csv")], store, jobs=1)
    run = analyze_store(store, AnalyzeOptions(topics="off"))
    survey = analyze_files([exports["combined"]], AnalyzeOptions(topics="off"))
    try:
        columns = run.summary["columns"]
        assert columns["date"] == "回复时间" and columns["score"] == "满意度" and columns["scale"] == "0-10"
        assert columns["segments"] == survey.summary["columns"]["segments"]
        overview = run.summary["overview"]
        assert overview["undated_rows"] == 0  # the survey's 日期 read as the SMS replies' 回复时间
        assert overview["scored_rows"] == survey.summary["overview"]["scored_rows"]
        assert run.summary["rows"]["read"] == 2000 + 300
        boards = {(column, entry["value"]): entry["short_board"]
                  for column, entries in run.summary["segments"].items() for entry in entries}
        assert boards[("地区类型", "农村")] == "coverage"
    finally:
        run.close()
        survey.close()


@pytest.fixture(scope="module")
def history(exports, tmp_path_factory):
    """A store holding the two older exports."""
    store = str(tmp_path_factory.mktemp("store") / "history.sqlite")
    for name in ("a", "b"):
        ingest_files([exports[name]], store, jobs=1)
    return store


def test_this_weeks_export_alone_raises_no_alert(exports):
    result = CliRunner().invoke(cli, ["analyze", exports["c"], "--topics", "off", "--period", "month", "--fail-on-alert",
                                      "-j", "1", "-q"])
    assert result.exit_code == 0, result.output


def test_this_weeks_export_with_the_store_raises_the_alert_against_history(exports, history, tmp_path):
    summary = tmp_path / "summary.json"
    result = CliRunner().invoke(cli, ["analyze", exports["c"], "--store", history, "--topics", "off",
                                      "--period", "month", "--fail-on-alert", "--json", str(summary), "-j", "1", "-q"])
    assert result.exit_code == 3, result.output
    assert "alert(s) fired" in result.stderr
    data = json.loads(summary.read_text(encoding="utf-8"))
    assert ("billing", "2026-11") in [(a["category"], a["period"]) for a in data["alerts"]]
    ingest = data["store"]["ingest"]["rows"]
    assert ingest["read"] == ingest["new"] + ingest["already_stored"] + ingest["skipped"]
    assert ingest["already_stored"] > 0 and data["store"]["comments"] == 2000
