"""The store's commands through CliRunner: ingest, reannotate, analyze --store; exit codes and output."""

import json
import sqlite3

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from textmine.cli import cli
from textmine.store import SCHEMA_VERSION

from conftest import FIXTURES
from test_store import ROWS, write_export


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def export(tmp_path):
    return write_export(tmp_path / "week.csv", ROWS)


@pytest.mark.parametrize("command", ["ingest", "reannotate", "analyze"])
def test_help(runner, command):
    result = runner.invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output and "--store" in result.output


def test_ingest_reports_new_and_already_stored(runner, export, tmp_path):
    store = str(tmp_path / "history.sqlite")
    first = runner.invoke(cli, ["ingest", export, "--store", store, "-j", "1"])
    assert first.exit_code == 0, first.output
    assert first.stderr == f"textmine: read 5 rows: 5 new, 0 already stored, skipped 0; {store} holds 5 comments " \
                           "(batch 1)\n"
    again = runner.invoke(cli, ["ingest", export, "--store", store, "-j", "1", "-q", "--json", "-"])
    assert again.exit_code == 0 and again.stderr == ""
    summary = json.loads(again.stdout)
    assert summary["rows"] == {"read": 5, "new": 0, "already_stored": 5, "skipped": 0, "skipped_by_reason": {}}
    assert summary["batch"] == 2 and summary["comments_in_store"] == 5


@pytest.mark.parametrize("arguments, code, message", [
    (["--id-column", "单号"], 1, "column '单号' not found; columns are: 工单号, 日期, 地市, 满意度, 意见建议"),
    (["--date-column", "受理时间"], 1, "column '受理时间' not found"),
])
def test_ingest_bad_columns(runner, export, tmp_path, arguments, code, message):
    result = runner.invoke(cli, ["ingest", export, "--store", str(tmp_path / "s.sqlite"), "-j", "1"] + arguments)
    assert result.exit_code == code
    assert message in result.stderr and "Traceback" not in result.output


def test_ingest_needs_a_store(runner, export):
    result = runner.invoke(cli, ["ingest", export])
    assert result.exit_code == 2
    assert "Missing option '--store'" in result.stderr


@pytest.mark.parametrize("arguments, code, message", [
    (["--store", "{missing}"], 1, "no store there yet; run textmine ingest ... --store"),
    (["--store", "{store}", "--since", "last week"], 2, "--since must be a day such as 2026-11-01"),
    (["--store", "{store}", "--since", "2026-12-01", "--until", "2026-11-01"], 2, "is after --until"),
    (["--store", "{store}", "-o", "{xlsx_store}"], 2, "-o {xlsx_store}: is the history store"),
    (["--store", "mysql://x@h/db"], 2, "--store mysql://x@h/db: textmine keeps its history in a SQLite file"),
    (["--store", "{store}", "--since", "2027-01-01"], 0, "no stored comment is dated from 2027-01-01 to the last day"),
    (["--since", "2026-11-01", "{export}"], 2, "--since, --until and --id-column need --store"),
    ([], 2, "Missing argument 'INPUTS...' (or give --store)"),
])
def test_analyze_store_errors(runner, export, tmp_path, arguments, code, message):
    store = str(tmp_path / "history.sqlite")
    assert runner.invoke(cli, ["ingest", export, "--store", store, "-j", "1", "-q"]).exit_code == 0
    names = {"store": store, "missing": str(tmp_path / "missing.sqlite"), "export": export,
             "xlsx_store": str(tmp_path / "store.xlsx")}
    if "{xlsx_store}" in arguments:  # a store named like a workbook, and a workbook named like it
        arguments = ["{export}", "--store", "{xlsx_store}", "-o", "{xlsx_store}"]
    result = runner.invoke(cli, ["analyze", "--topics", "off", "-q"] + [a.format(**names) for a in arguments])
    assert result.exit_code == code, result.output
    assert message.format(**names) in result.stderr
    assert "Traceback" not in result.output


def test_analyze_store_writes_the_reports_with_the_effect_sheet(runner, export, tmp_path):
    store, workbook, summary = str(tmp_path / "h.sqlite"), tmp_path / "report.xlsx", tmp_path / "summary.json"
    result = runner.invoke(cli, ["analyze", export, "--store", store, "--topics", "off", "-o", str(workbook),
                                 "--json", str(summary), "--measure", "coverage:2026-11-04", "-j", "1"])
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("textmine: read 5 rows: 5 new, 0 already stored, skipped 0;")
    assert "整改效果" in result.stdout
    data = json.loads(summary.read_text(encoding="utf-8"))
    assert data["effects"][0]["measure"] == "coverage:2026-11-04"
    assert data["store"]["comments"] == 5 and data["store"]["ingest"]["rows"]["new"] == 5
    assert "整改效果" in load_workbook(workbook, read_only=True).sheetnames


def test_reannotate(runner, export, tmp_path):
    store = str(tmp_path / "h.sqlite")
    assert runner.invoke(cli, ["ingest", export, "--store", store, "-j", "1", "-q"]).exit_code == 0
    result = runner.invoke(cli, ["reannotate", "--store", store, "--taxonomy", str(FIXTURES / "taxonomy_small.tsv"),
                                 "-j", "1", "--json", "-"])
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("textmine: re-annotated 5 stored texts: ")
    counts = json.loads(result.stdout)
    assert counts["texts"] == 5 and counts["version_id"] == 2
    note = runner.invoke(cli, ["analyze", "--store", store, "--topics", "off", "-q"])
    assert note.exit_code == 0
    assert "textmine reannotate" in note.stderr  # this run's dictionaries are not the stored ones'


def test_a_store_from_a_newer_textmine_is_one_line(runner, export, tmp_path):
    store = tmp_path / "h.sqlite"
    assert runner.invoke(cli, ["ingest", export, "--store", str(store), "-j", "1", "-q"]).exit_code == 0
    with sqlite3.connect(store) as database:
        database.execute("UPDATE textmine_schema SET version = ?, written_by = '2.0'", (SCHEMA_VERSION + 1,))
    result = runner.invoke(cli, ["analyze", "--store", str(store), "-q"])
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {store}: it was written by a newer textmine (textmine 2.0): its schema is "
                             f"version {SCHEMA_VERSION + 1}, this textmine 0.1.0 reads up to version "
                             f"{SCHEMA_VERSION}; upgrade textmine\n")


def test_ingest_never_writes_its_json_over_the_store(runner, export, tmp_path):
    store = tmp_path / "history.json.sqlite"
    assert runner.invoke(cli, ["ingest", export, "--store", str(store), "-j", "1", "-q"]).exit_code == 0
    link = tmp_path / "summary.json"
    link.symlink_to(store)
    result = runner.invoke(cli, ["ingest", export, "--store", str(store), "--json", str(link), "-q"])
    assert result.exit_code == 2 and "is the history store (--store)" in result.stderr
    assert sqlite3.connect(store).execute("select count(*) from comments").fetchone() == (5,)


def test_ingest_says_the_readers_warnings_even_when_quiet(runner, tmp_path):
    path = tmp_path / "stray.csv"
    rows = [f"T{n},2026-11-0{n % 9 + 1},广州,5,评论{n}" for n in range(12)]
    rows[3] = rows[3].replace("评论3", '"评论3')
    rows[8] = rows[8].replace("评论8", '评论8"')
    path.write_text("工单号,日期,地市,满意度,意见建议\n" + "\n".join(rows) + "\n", encoding="utf-8")
    result = runner.invoke(cli, ["ingest", str(path), "--store", str(tmp_path / "s.sqlite"), "-q", "-j", "1",
                                 "--json", "-"])
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith(f"textmine: warning: {path} line 5: a quoted cell runs over lines")
    assert json.loads(result.stdout)["notes"][0].startswith(f"{path} line 5:")
