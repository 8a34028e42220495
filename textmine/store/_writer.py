"""Adding one batch of comments to a store, inside the batch's one write transaction.

A row whose key is stored already (the same ``--id-column`` value, or the same
cells) is counted and left alone. A new row gets the next comment id, its
text's row in ``texts`` (added when the text is new: a text already stored
keeps its annotation until ``reannotate``), its date and score, and
``duplicate_of`` from the same duplicate check the runner makes, against every
comment stored before it, this batch's included.
"""

import datetime as dt
import json
from dataclasses import dataclass, field
from itertools import repeat

from sqlalchemy import bindparam, func, select

from textmine.errors import OptionError, StoreError
from textmine.io.columns import number_or_none, parse_date
from textmine.memo import BoundedMemo
from textmine.text.dedupe import DuplicateFinder
from textmine.text.mask import MASK_TAGS
from textmine.store._codec import ANNOTATION_FIELDS, annotation_values, row_key, signature_of, stored_cells, \
    text_hash
from textmine.store.schema import batches, comments, texts, versions

LOOKUP_SIZE = 500  # keys in one IN (...) query: well under SQLite's limit on parameters
TEXT_IDS_MEMO_SIZE = 200_000  # text -> id in texts, for the texts a batch repeats
COMMENT_ORDER = ("id", "row_key", "row_id", "text_id", "batch_id", "source", "date", "score", "duplicate_of", "cells")
TEXT_ORDER = ("id", "text_hash", "text", *ANNOTATION_FIELDS, "version_id")
DAYS_MEMO_SIZE = 100_000  # distinct date cells whose day is remembered


def _iso_day(cell):
    day = parse_date(cell)
    return day.isoformat() if day else None


def now():
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def next_id(connection, table):
    """The next free id of ``table``; safe because only the holder of the write lock asks."""
    return (connection.execute(select(func.max(table.c.id))).scalar() or 0) + 1


def version_id(connection, version):
    """The id of ``version`` (a dict from ``annotation_version``) in ``versions``, added when new."""
    found = connection.execute(select(versions.c.id).where(versions.c.digest == version["digest"])).scalar()
    if found is not None:
        return found
    new = next_id(connection, versions)
    connection.execute(versions.insert().values(
        id=new, digest=version["digest"], textmine=version["textmine"], models=version["models"],
        dictionaries=version["dictionaries"], settings=json.dumps(version["settings"], ensure_ascii=False),
        created_at=now()))
    return new


def history_finder(connection):
    """A ``DuplicateFinder`` that has seen every stored comment, in order.

    Fed exactly as the runner feeds its own over a file, so a stored comment
    is marked as it would be in one run over the stored history.
    """
    finder = DuplicateFinder()
    query = (select(comments.c.id, texts.c.signature).join(texts, texts.c.id == comments.c.text_id)
             .where(texts.c.signature.is_not(None)).order_by(comments.c.id))
    for number, blob in connection.execute(query.execution_options(yield_per=10_000)):
        finder.check_signature(number, signature_of(blob))
    return finder


class DriverStatement:
    """A statement compiled once for the store's database and run through the driver itself.

    SQLAlchemy compiles it, so both databases take the same path; only its
    per-row parameter handling is skipped, which cost more than the work of
    the database (an insert: 6.6 against 3.5 µs a comment on SQLite). Values
    are tuples in the order of ``names``.
    """

    def __init__(self, connection, statement, names):
        compiled = statement.compile(dialect=connection.dialect)
        self.connection, self.sql, self.names = connection, str(compiled), list(names)
        self.positional = compiled.positional
        order = [self.names.index(name) for name in compiled.positiontup] if self.positional else None
        self.order = None if order == list(range(len(self.names))) else order

    def _params(self, values):
        if not self.positional:
            return dict(zip(self.names, values))
        return values if self.order is None else tuple(values[index] for index in self.order)

    def run(self, values):
        return self.connection.exec_driver_sql(self.sql, self._params(values))

    def run_many(self, rows):
        self.connection.exec_driver_sql(self.sql, [self._params(values) for values in rows] if
                                        (self.order is not None or not self.positional) else rows)


def inserter(connection, table):
    """A ``DriverStatement`` inserting every column of ``table``, in the table's column order."""
    names = [column.name for column in table.columns]
    return DriverStatement(connection, table.insert().values({name: bindparam(name) for name in names}), names)


def lookup(connection, column, size=LOOKUP_SIZE):
    """A ``DriverStatement`` finding which of ``size`` values (padded) ``column`` holds: one prepared statement."""
    names = [f"value{index}" for index in range(size)]
    statement = select(*column.table.primary_key.columns, column).where(column.in_([bindparam(n) for n in names]))
    return DriverStatement(connection, statement, names)


def _pieces(items, size=LOOKUP_SIZE):
    """``items`` in tuples of exactly ``size``, the last padded with its last item."""
    items = list(items)
    for start in range(0, len(items), size):
        piece = items[start:start + size]
        yield tuple(piece) + (piece[-1],) * (size - len(piece))


def _check_same_keys(connection, id_column):
    """Refuse a batch keyed otherwise than the stored rows: the same row would be stored twice.

    Rows are told apart by their ``--id-column`` value (whatever the column is
    called: an export may rename it), or without one by their cells; a batch
    keyed the other way finds none of the stored keys.
    """
    earlier = {bool(json.loads(columns).get("id")) for (columns,) in connection.execute(
        select(batches.c.columns).where(batches.c.kind == "ingest", batches.c.rows_new > 0))}
    if earlier and earlier != {bool(id_column)}:
        if id_column:
            raise OptionError(f"--id-column {id_column}: the stored rows were ingested without --id-column, keyed "
                              "by their cells; keyed by an id now, every row would be stored again: leave "
                              "--id-column out for this store, or ingest into a new one")
        raise OptionError("the stored rows were ingested with --id-column, keyed by their id; keyed by their cells "
                          "now, every row would be stored again: give --id-column (the column of the same ids, "
                          "whatever it is called now)")


@dataclass
class BatchInfo:
    """What a store records about one ingest besides its rows."""

    sources: list  # [{"name": ..., "columns": [...]}, ...]
    columns: dict  # "text", "id", "date", "score", "scale", "segments"
    version: dict  # textmine.pipeline.annotation_version.annotation_version(...)
    masked: bool = True


@dataclass
class StoredBatch:
    """What one ingest did to the store."""

    batch_id: int
    rows_new: int = 0
    rows_already_stored: int = 0
    comments_in_store: int = 0
    texts_new: int = 0
    version_id: int = 0
    duplicates_new: int = 0
    first_id: int = 0  # the first comment id this batch could take
    skipped_by_reason: dict = field(default_factory=dict)


class BatchWriter:
    """Adds chunks of Comments to the store inside the caller's write transaction."""

    def __init__(self, connection, info):
        self.connection = connection
        self.info = info
        columns = info.columns
        self.id_column, self.date_column = columns.get("id"), columns.get("date")
        self.score_column, self.text_column = columns.get("score"), columns.get("text")
        self.started_at = now()
        _check_same_keys(connection, self.id_column)
        self.version_id = version_id(connection, info.version)
        self.batch = StoredBatch(next_id(connection, batches), version_id=self.version_id)
        connection.execute(batches.insert().values(
            id=self.batch.batch_id, kind="ingest", started_at=self.started_at, finished_at=self.started_at,
            sources=json.dumps(info.sources, ensure_ascii=False), columns=json.dumps(columns, ensure_ascii=False),
            version_id=self.version_id, masked=int(info.masked), rows_read=0, rows_new=0,
            rows_already_stored=0, rows_skipped=0))
        self.next_comment = self.batch.first_id = next_id(connection, comments)
        self.next_text = next_id(connection, texts)
        self.text_ids = BoundedMemo(TEXT_IDS_MEMO_SIZE)  # text -> id in texts
        self._insert_comments, self._insert_texts = inserter(connection, comments), inserter(connection, texts)
        assert tuple(self._insert_comments.names) == COMMENT_ORDER, "add() zips rows in COMMENT_ORDER"
        assert tuple(self._insert_texts.names) == TEXT_ORDER, "_text_ids() builds rows in TEXT_ORDER"
        self._find_keys = lookup(connection, comments.c.row_key)
        self._find_texts = lookup(connection, texts.c.text_hash)
        self._days = BoundedMemo(DAYS_MEMO_SIZE, _iso_day)  # date cell -> ISO day or None
        self._scores = BoundedMemo(DAYS_MEMO_SIZE, number_or_none)  # score cell -> number or None
        self.duplicates = history_finder(connection)

    def add(self, chunk):
        """Store the comments of ``chunk`` whose keys are new; count the others."""
        text_column = self.text_column
        row_ids = list(map(self._row_id, chunk)) if self.id_column else [None] * len(chunk)
        cells = [stored_cells(comment.row, text_column, comment.text) for comment in chunk]
        keys = list(map(row_key, cells, [comment.text for comment in chunk], row_ids))
        stored = self._stored_keys(keys)
        new = []  # indexes into chunk
        for index, key in enumerate(keys):
            if key not in stored:
                stored.add(key)  # a second copy within the chunk
                new.append(index)
        self.batch.rows_already_stored += len(chunk) - len(new)
        if not new:
            return
        comments = [chunk[index] for index in new]
        first, self.next_comment = self.next_comment, self.next_comment + len(new)
        numbers = range(first, self.next_comment)
        duplicates_of = list(map(self.duplicates.check_signature, numbers,
                                 [comment.annotation.signature for comment in comments]))
        self.batch.duplicates_new += len(duplicates_of) - duplicates_of.count(None)
        text_ids = self._text_ids(comments)
        rows = [comment.row for comment in comments]
        days, scores, date_column, score_column = self._days, self._scores, self.date_column, self.score_column
        # Column by column, zipped into tuples in COMMENT_ORDER (the table's): no dict per row.
        self._insert_comments.run_many(list(zip(
            numbers, [keys[index] for index in new], [row_ids[index] for index in new],
            [text_ids[comment.text] for comment in comments], repeat(self.batch.batch_id),
            [comment.source for comment in comments],
            [days[row.get(date_column)] for row in rows] if date_column else repeat(None),
            [scores[row.get(score_column)] for row in rows] if score_column else repeat(None),
            duplicates_of, [cells[index] for index in new])))
        self.batch.rows_new += len(new)

    def finish(self, rows_read, skipped_by_reason):
        """Record the batch's accounting; returns the ``StoredBatch``."""
        batch = self.batch
        batch.skipped_by_reason = dict(skipped_by_reason)
        batch.comments_in_store = self.connection.execute(select(func.count()).select_from(comments)).scalar()
        self.connection.execute(batches.update().where(batches.c.id == batch.batch_id).values(
            finished_at=now(), rows_read=rows_read, rows_new=batch.rows_new,
            rows_already_stored=batch.rows_already_stored, rows_skipped=sum(batch.skipped_by_reason.values())))
        return batch

    # ------------------------------------------------------------ helpers
    def _row_id(self, comment):
        """The comment's ``--id-column`` value, stripped; None when empty. Refused when it was masked."""
        value = comment.row.get(self.id_column)
        value = None if value is None or str(value).strip() == "" else str(value).strip()
        if value is not None and any(tag in value for tag in MASK_TAGS.values()):
            raise StoreError(
                f"{comment.source}: the id column {self.id_column!r} holds personal data, which is masked "
                f"before it is stored ({value}), so it cannot tell rows apart; give a ticket or row "
                "number column as --id-column, or leave it out to key rows by their content")
        return value

    def _stored_keys(self, keys):
        found = set()
        for piece in _pieces(set(keys)):
            found.update(key for _, key in self._find_keys.run(piece))
        return found

    def _text_ids(self, new_comments):
        """``{text: id}`` for the texts of ``new_comments``; new texts are added with their annotation."""
        known, ids, annotations = self.text_ids, {}, {}
        for comment in new_comments:
            text = comment.text
            if text not in ids:
                number = known.get(text)
                if number is None:
                    annotations[text] = comment.annotation
                ids[text] = number
        hashes = {text_hash(text): text for text in annotations}
        for piece in _pieces(hashes):
            for number, digest in self._find_texts.run(piece):
                ids[hashes[digest]] = number
        rows = []
        for digest, text in hashes.items():
            if ids[text] is not None:
                continue
            ids[text] = number = self.next_text
            self.next_text += 1
            rows.append((number, digest, text, *annotation_values(annotations[text]), self.version_id))
        if rows:
            self._insert_texts.run_many(rows)
            self.batch.texts_new += len(rows)
        known.remember_many(list(ids.items()))
        return ids
