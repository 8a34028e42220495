"""The history store (textmine.store): idempotent batches, records back as stored, safety, schema, interop.

Every test taking ``store_url`` runs on SQLite and, when TEXTMINE_TEST_POSTGRES
is set, on PostgreSQL too.
"""

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from textmine.errors import StoreError
from textmine.pipeline import LanguageOptions, ReadOptions, comment_chunks, open_sources
from textmine.pipeline.executors import LocalExecutor
from textmine.pipeline.ingest import IngestOptions, ingest_files, reannotate_store
from textmine.store import SCHEMA_VERSION, open_store
from textmine.store._codec import signature_of
from textmine.store.schema import migrate, schema_table

from conftest import FIXTURES, SAMPLES

ROOT = Path(__file__).resolve().parent.parent
HEADER = ["工单号", "日期", "地市", "满意度", "意见建议"]
ROWS = [
    ["T1", "2026-11-02", "广州", "3", "信号太差了，家里经常没信号，打电话都断"],
    ["T2", "2026-11-03", "深圳", "9", "客服态度很好，问题很快解决了"],
    ["T3", "2026-11-03", "广州", "2", "不明扣费，话费莫名其妙多了二十块，请回电13800138000"],
    ["T4", "2026-11-04", "佛山", "5", "满意"],
    ["T5", "2026-11-05", "广州", "1", "信号太差了，家里经常没信号，打电话都断！！"],
]


def write_export(path, rows, header=HEADER):
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


def ingest(path, store_url, **options):
    return ingest_files([path], store_url, IngestOptions(**options), jobs=1)


def stored_rows(store_url, query):
    """Rows of a SQL query on the store, through the store's own engine."""
    from sqlalchemy import text

    store = open_store(store_url, create=False)
    try:
        with store.engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(query))]
    finally:
        store.close()


# ------------------------------------------------------------------ idempotent batches
def test_ingest_counts_new_already_stored_and_skipped(store_url, tmp_path):
    first = ingest(write_export(tmp_path / "w1.csv", ROWS[:3]), store_url)
    assert (first.accounting.rows_read, first.stored.rows_new, first.stored.rows_already_stored) == (3, 3, 0)
    again = ingest(write_export(tmp_path / "w1_again.csv", ROWS[:3]), store_url)
    assert (again.stored.rows_new, again.stored.rows_already_stored, again.stored.comments_in_store) == (0, 3, 3)
    overlap = ingest(write_export(tmp_path / "w2.csv", ROWS[1:]), store_url)
    assert (overlap.stored.rows_new, overlap.stored.rows_already_stored) == (2, 2)
    assert overlap.stored.comments_in_store == 5
    assert [first.stored.batch_id, again.stored.batch_id, overlap.stored.batch_id] == [1, 2, 3]
    summary = overlap.summary()
    assert summary["rows"] == {"read": 4, "new": 2, "already_stored": 2, "skipped": 0, "skipped_by_reason": {}}


def test_skipped_rows_complete_the_accounting(store_url, tmp_path):
    path = tmp_path / "replies.jsonl"
    path.write_text('{"text": "网速太慢了，晚上根本用不了"}\n{not json}\n{"text": "满意"}\n', encoding="utf-8")
    result = ingest(str(path), store_url)
    rows = result.summary()["rows"]
    assert rows["read"] == 3 and rows["skipped"] == 1 and rows["new"] == 2
    assert rows["read"] == rows["new"] + rows["already_stored"] + rows["skipped"]


def test_id_column_makes_an_edited_row_the_same_row(store_url, tmp_path):
    ingest(write_export(tmp_path / "a.csv", ROWS[:2]), store_url, id_column="工单号")
    edited = [["T1", "2026-11-02", "广州", "4", "信号太差了（已回访）"], ROWS[2]]
    result = ingest(write_export(tmp_path / "b.csv", edited), store_url, id_column="工单号")
    assert (result.stored.rows_new, result.stored.rows_already_stored) == (1, 1)
    assert stored_rows(store_url, "SELECT row_id FROM comments ORDER BY id") == [("T1",), ("T2",), ("T3",)]


def test_without_id_column_the_cells_decide(store_url, tmp_path):
    ingest(write_export(tmp_path / "a.csv", ROWS[:1]), store_url)
    reordered = write_export(tmp_path / "b.csv", [[row[4], row[0], row[1], row[2], row[3]] for row in ROWS[:1]],
                             header=["意见建议", "工单号", "日期", "地市", "满意度"])
    changed = write_export(tmp_path / "c.csv", [ROWS[0][:3] + ["4", ROWS[0][4]]])
    assert ingest(reordered, store_url).stored.rows_already_stored == 1
    assert ingest(changed, store_url).stored.rows_new == 1


def test_a_masked_id_column_is_refused_and_nothing_is_stored(store_url, tmp_path):
    rows = [["13800138000", "2026-11-02", "广州", "3", "网速太慢"], ["13900139000", "2026-11-02", "广州", "3", "满意"]]
    path = write_export(tmp_path / "phones.csv", rows, header=["手机号", "日期", "地市", "满意度", "意见建议"])
    with pytest.raises(StoreError, match="holds personal data"):
        ingest(path, store_url, id_column="手机号")
    assert stored_rows(store_url, "SELECT count(*) FROM comments") == [(0,)]
    assert stored_rows(store_url, "SELECT count(*) FROM batches") == [(0,)]


# ------------------------------------------------------------------ what is stored, and read back
def test_comments_come_back_as_the_runner_made_them(store_url, tmp_path):
    path = write_export(tmp_path / "w.csv", ROWS)
    ingest(path, store_url)
    language = LanguageOptions(content_words=True)
    with LocalExecutor(language) as executor:
        made = [comment for chunk in comment_chunks(open_sources([path], ReadOptions()), executor)
                for comment in chunk]
    with open_store(store_url) as store:
        stored = list(store.comments())
    assert [comment.number for comment in stored] == [1, 2, 3, 4, 5]
    assert [comment.text for comment in stored] == [comment.text for comment in made]
    assert [comment.row for comment in stored] == [comment.row for comment in made]
    assert [comment.duplicate_of for comment in stored] == [comment.duplicate_of for comment in made] \
        == [None, None, None, None, 1]
    # Read back, an annotation has no duplicate signature (the marks are made); stored, it has.
    assert [comment.annotation._replace(masked_text=None) for comment in stored] == \
        [comment.annotation._replace(masked_text=None, signature=None) for comment in made]
    blobs = stored_rows(store_url, "SELECT signature FROM texts ORDER BY id")
    assert [signature_of(blob) for (blob,) in blobs][:4] == [comment.annotation.signature for comment in made[:4]]


def test_personal_data_is_stored_masked(store_url, tmp_path):
    ingest(write_export(tmp_path / "w.csv", ROWS), store_url)
    texts = [row[0] for row in stored_rows(store_url, "SELECT text FROM texts")]
    cells = [row[0] for row in stored_rows(store_url, "SELECT cells FROM comments")]
    assert any("<手机号>" in text for text in texts)
    assert not any("13800138000" in value for value in texts + cells)


def test_no_mask_stores_the_text_as_it_was(tmp_path):
    store_url = str(tmp_path / "raw.sqlite")
    ingest_files([write_export(tmp_path / "w.csv", ROWS)], store_url, language=LanguageOptions(mask=False), jobs=1)
    texts = [row[0] for row in stored_rows(store_url, "SELECT text FROM texts")]
    assert any("13800138000" in text for text in texts)
    assert stored_rows(store_url, "SELECT masked FROM batches") == [(0,)]


def test_a_store_holding_unmasked_batches_is_reported_on_only_with_no_mask(tmp_path):
    from textmine.errors import OptionError
    from textmine.pipeline.stored import analyze_store

    store_url = str(tmp_path / "mixed.sqlite")
    ingest(write_export(tmp_path / "a.csv", ROWS[:2]), store_url)
    ingest_files([write_export(tmp_path / "b.csv", ROWS[2:])], store_url, language=LanguageOptions(mask=False), jobs=1)
    with pytest.raises(OptionError, match="batch 2 was ingested with --no-mask, so the store holds personal data"):
        analyze_store(store_url)
    run = analyze_store(store_url, language=LanguageOptions(mask=False))
    assert run.summary["rows"]["read"] == 5 and run.summary["store"]["unmasked_batches"] == [2]
    run.close()


def test_a_batch_keyed_otherwise_than_the_stored_rows_is_refused(store_url, tmp_path):
    from textmine.errors import OptionError

    export = write_export(tmp_path / "a.csv", ROWS)
    ingest(export, store_url, id_column="工单号")
    with pytest.raises(OptionError, match="ingested with --id-column, keyed by their id; keyed by their cells now"):
        ingest(export, store_url)
    assert ingest(export, store_url, id_column="工单号").stored.rows_already_stored == 5
    # The CRM renamed the column: the same ids under another name are the same rows.
    renamed = write_export(tmp_path / "b.csv", ROWS, header=["工单编号", *HEADER[1:]])
    assert ingest(renamed, store_url, id_column="工单编号").stored.rows_already_stored == 5
    assert stored_rows(store_url, "SELECT count(*) FROM comments") == [(5,)]
    other = str(tmp_path / "by_cells.sqlite") if "://" not in str(store_url) else None
    if other:
        ingest(export, other)
        with pytest.raises(OptionError, match="--id-column 工单号: the stored rows were ingested without --id-column"):
            ingest(export, other, id_column="工单号")


def test_a_batch_records_its_files_columns_and_version(store_url, tmp_path):
    result = ingest(write_export(tmp_path / "w.csv", ROWS), store_url, id_column="工单号")
    with open_store(store_url) as store:
        description = store.describe()
    assert description["columns"]["id"] == "工单号" and description["columns"]["date"] == "日期"
    assert description["sources"][0]["columns"] == HEADER
    assert description["versions"][0]["models"] == result.version["models"][:12]
    assert (description["first_date"], description["last_date"]) == ("2026-11-02", "2026-11-05")
    dates = stored_rows(store_url, "SELECT date, score FROM comments ORDER BY id")
    assert dates[0] == ("2026-11-02", 3.0)


def test_reannotate_renews_annotations_and_records_the_version(store_url, tmp_path):
    ingest(write_export(tmp_path / "w.csv", ROWS), store_url)
    taxonomy = str(FIXTURES / "taxonomy_small.tsv")
    counts, version = reannotate_store(store_url, LanguageOptions(taxonomy_file=taxonomy), jobs=1)
    assert counts["texts"] == 5 and counts["texts_changed"] >= 1
    versions = stored_rows(store_url, "SELECT id, dictionaries FROM versions ORDER BY id")
    assert len(versions) == 2 and versions[1][1] == version["dictionaries"]
    assert stored_rows(store_url, "SELECT DISTINCT version_id FROM texts") == [(2,)]
    assert stored_rows(store_url, "SELECT kind FROM batches ORDER BY id") == [("ingest",), ("reannotate",)]



def test_every_reference_between_tables_holds_after_ingests_and_reannotate(tmp_path):
    # SQLite is not asked to check the references while writing (the writer gives every id),
    # so this checks that the writer keeps them: comments -> texts and batches, texts -> versions.
    path = str(tmp_path / "history.sqlite")
    ingest(write_export(tmp_path / "w1.csv", ROWS[:3]), path)
    ingest(write_export(tmp_path / "w2.csv", ROWS[1:]), path)
    reannotate_store(path, LanguageOptions(taxonomy_file=str(FIXTURES / "taxonomy_small.tsv")), jobs=1)
    database = sqlite3.connect(path)
    assert database.execute("PRAGMA foreign_key_check").fetchall() == []
    assert database.execute("SELECT count(*) FROM comments").fetchall() == [(5,)]
    assert database.execute("PRAGMA page_size").fetchall() == [(16384,)]  # a new store's pages

# ------------------------------------------------------------------ schema
def test_a_store_written_by_a_newer_textmine_is_refused(store_url, tmp_path):
    ingest(write_export(tmp_path / "w.csv", ROWS[:1]), store_url)
    with open_store(store_url) as store, store.engine.begin() as connection:
        connection.execute(schema_table.update().values(version=SCHEMA_VERSION + 1, written_by="9.0"))
    with pytest.raises(StoreError, match=r"newer textmine \(textmine 9.0\).*upgrade textmine"):
        open_store(store_url)
    with pytest.raises(StoreError, match="newer textmine"):
        ingest(write_export(tmp_path / "w2.csv", ROWS[1:2]), store_url)


def test_an_older_store_is_migrated_on_open(tmp_path):
    from textmine.store._engine import create_store_engine, write_transaction

    path = tmp_path / "old.sqlite"
    engine = create_store_engine(str(path))
    with write_transaction(engine) as connection:
        migrate(connection, target=1)
    engine.dispose()
    assert sqlite3.connect(path).execute("SELECT version FROM textmine_schema").fetchall() == [(1,)]
    open_store(str(path)).close()
    database = sqlite3.connect(path)
    assert database.execute("SELECT version FROM textmine_schema").fetchall() == [(SCHEMA_VERSION,)]
    assert database.execute("SELECT name FROM sqlite_master WHERE type = 'view'").fetchall() == [("comment_view",)]


def test_a_file_that_is_no_store_is_refused(tmp_path):
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE customers (name TEXT)")
    with pytest.raises(StoreError, match="not a textmine store"):
        open_store(str(other))
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"\x00\x01 not a database " * 100)
    with pytest.raises(StoreError, match="garbage.sqlite: file is not a database"):
        open_store(str(garbage))
    with pytest.raises(StoreError, match="no store there yet"):
        open_store(str(tmp_path / "missing.sqlite"), create=False)
    empty = tmp_path / "empty.sqlite"
    empty.touch()
    with pytest.raises(StoreError, match="empty.sqlite: no store there yet"):
        open_store(str(empty), create=False)
    assert empty.stat().st_size == 0  # reading never makes a store of it
    with pytest.raises(StoreError, match="no folder .*nowhere to keep the store in"):
        open_store(str(tmp_path / "nowhere" / "history.sqlite"))


# ------------------------------------------------------------------ safety
_STALLED_INGEST = """
import sys, time
from textmine.store import _writer

marker, export, store = sys.argv[1:4]
add = _writer.BatchWriter.add

def add_then_stall(self, chunk):
    add(self, chunk)
    open(marker, "w").close()
    time.sleep(120)

_writer.BatchWriter.add = add_then_stall
from textmine.cli import main
sys.argv = ["textmine", "ingest", export, "--store", store, "-j", "1", "-q"]
main()
"""


def _environment():
    return {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "crash"])
def test_an_interrupted_ingest_leaves_the_store_as_before(store_url, tmp_path, how):
    ingest(write_export(tmp_path / "w1.csv", ROWS[:2]), store_url)
    marker = tmp_path / "stalled"
    process = subprocess.Popen([sys.executable, "-c", _STALLED_INGEST, str(marker),
                                write_export(tmp_path / "w2.csv", ROWS), store_url],
                               env=_environment(), stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 90
        while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), process.stderr.read() if process.poll() is not None else "no chunk added in time"
        process.send_signal(how)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    if how == signal.SIGINT:
        assert process.returncode == 130, stderr
        assert "textmine: interrupted; the store is as it was before this batch" in stderr
    else:
        assert process.returncode == -signal.SIGKILL
    assert stored_rows(store_url, "SELECT count(*) FROM comments") == [(2,)]
    assert stored_rows(store_url, "SELECT count(*) FROM batches") == [(1,)]
    assert ingest(write_export(tmp_path / "w3.csv", ROWS), store_url).stored.rows_new == 3


def test_two_ingests_at_once_neither_corrupt_nor_duplicate(store_url, tmp_path):
    with open(SAMPLES / "survey_export.csv", encoding="gb18030", newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    first = write_export(tmp_path / "a.csv", body[:700], header)
    second = write_export(tmp_path / "b.csv", body[400:1100], header)
    processes = [subprocess.Popen([sys.executable, "-m", "textmine", "ingest", path, "--store", store_url,
                                   "-j", "1", "--json", "-", "-q"], env=_environment(), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for path in (first, second)]
    results = [process.communicate(timeout=300) for process in processes]
    for process, (_, stderr) in zip(processes, results):
        assert process.returncode == 0, stderr
    summaries = [json.loads(stdout) for stdout, _ in results]
    assert sorted(summary["rows"]["new"] for summary in summaries) == [400, 700]
    assert sorted(summary["rows"]["already_stored"] for summary in summaries) == [0, 300]
    assert stored_rows(store_url, "SELECT count(*), count(DISTINCT row_key), min(id), max(id) FROM comments") \
        == [(1100, 1100, 1, 1100)]
    assert stored_rows(store_url, "SELECT count(*) FROM batches") == [(2,)]


# ------------------------------------------------------------------ interop
def test_sqlite_utils_reads_one_row_per_comment_with_its_annotation(tmp_path):
    sqlite_utils = pytest.importorskip("sqlite_utils")
    path = tmp_path / "history.sqlite"
    ingest(write_export(tmp_path / "w.csv", ROWS), str(path))
    database = sqlite_utils.Database(path)
    assert "comment_view" in database.view_names()
    rows = list(database["comment_view"].rows)
    assert len(rows) == 5
    assert {"text", "sentiment_score", "sentiment", "categories", "evidence", "aspects", "flag", "duplicate_of",
            "content_words", "date", "score", "source", "cells"} <= set(rows[0])
    assert "coverage" in rows[0]["categories"].split("|") and rows[4]["duplicate_of"] == 1
    # The README's example queries.
    by_month = list(database.query(
        "SELECT substr(date, 1, 7) AS month, count(*) AS comments, "
        "sum('|' || categories || '|' LIKE '%|coverage|%') AS coverage "
        "FROM comment_view WHERE flag = '' AND duplicate_of IS NULL GROUP BY month ORDER BY month"))
    assert by_month == [{"month": "2026-11", "comments": 4, "coverage": 1}]
    by_city = list(database.query(
        "SELECT json_extract(cells, '$.地市') AS city, count(*) AS negative FROM comment_view "
        "WHERE sentiment = 'neg' GROUP BY city ORDER BY negative DESC, city"))
    assert by_city[0]["city"] == "广州" and by_city[0]["negative"] >= 2


def test_a_store_locked_too_long_is_a_clear_error(tmp_path, monkeypatch):
    from textmine.store import _engine

    path = tmp_path / "history.sqlite"
    ingest(write_export(tmp_path / "a.csv", ROWS[:1]), str(path))
    monkeypatch.setattr(_engine, "BUSY_TIMEOUT_SECONDS", 0.2)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer, in the middle of its batch
    try:
        with pytest.raises(StoreError, match="another textmine run held the store's lock too long"):
            ingest(write_export(tmp_path / "b.csv", ROWS[1:2]), str(path))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert stored_rows(str(path), "SELECT count(*) FROM comments") == [(1,)]
