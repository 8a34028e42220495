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

from sqlalchemy import func, select

from textmine.errors import StoreError
from textmine.io.columns import number_or_none, parse_date
from textmine.memo import BoundedMemo
from textmine.text.dedupe import DuplicateFinder
from textmine.text.mask import MASK_TAGS
from textmine.store._codec import annotation_columns, cells_json, row_key, signature_of, text_hash
from textmine.store.schema import batches, comments, texts, versions

LOOKUP_SIZE = 500  # keys in one IN (...) query: well under SQLite's limit on parameters
TEXT_IDS_MEMO_SIZE = 200_000  # text hash -> id, for the texts a batch repeats


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


def history_finder(connection, before=None):
    """A ``DuplicateFinder`` that has seen every stored comment (ids below ``before``), in order.

    Fed exactly as the runner feeds its own over a file, so a stored comment
    is marked as it would be in one run over the stored history.
    """
    finder = DuplicateFinder()
    query = (select(comments.c.id, texts.c.signature).join(texts, texts.c.id == comments.c.text_id)
             .where(texts.c.signature.is_not(None)).order_by(comments.c.id))
    if before is not None:
        query = query.where(comments.c.id < before)
    for number, blob in connection.execute(query.execution_options(yield_per=10_000)):
        finder.check_signature(number, signature_of(blob))
    return finder


def _pieces(items, size=LOOKUP_SIZE):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]


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
        self.score_column = columns.get("score")
        self.started_at = now()
        self.version_id = version_id(connection, info.version)
        self.batch = StoredBatch(next_id(connection, batches), version_id=self.version_id)
        connection.execute(batches.insert().values(
            id=self.batch.batch_id, kind="ingest", started_at=self.started_at, finished_at=self.started_at,
            sources=json.dumps(info.sources, ensure_ascii=False), columns=json.dumps(columns, ensure_ascii=False),
            version_id=self.version_id, masked=int(info.masked), rows_read=0, rows_new=0,
            rows_already_stored=0, rows_skipped=0))
        self.next_comment = self.batch.first_id = next_id(connection, comments)
        self.next_text = next_id(connection, texts)
        self.text_ids = BoundedMemo(TEXT_IDS_MEMO_SIZE)
        self.duplicates = history_finder(connection)

    def add(self, chunk):
        """Store the comments of ``chunk`` whose keys are new; count the others."""
        keyed = [(comment, self._key(comment)) for comment in chunk]
        stored = self._stored_keys([key for _, key in keyed])
        new = []
        for comment, key in keyed:
            if key in stored:
                self.batch.rows_already_stored += 1
                continue
            stored.add(key)  # a second copy within the chunk
            new.append((comment, key))
        if not new:
            return
        text_ids = self._text_ids([comment for comment, _ in new])
        rows = []
        for comment, key in new:
            number = self.next_comment
            self.next_comment += 1
            duplicate_of = self.duplicates.check_signature(number, comment.annotation.signature)
            self.batch.duplicates_new += duplicate_of is not None
            row = comment.row
            day = parse_date(row.get(self.date_column)) if self.date_column else None
            rows.append({
                "id": number, "row_key": key, "text_id": text_ids[comment.text], "batch_id": self.batch.batch_id,
                "row_id": self._id_value(comment), "source": comment.source,
                "date": day.isoformat() if day else None,
                "score": number_or_none(row.get(self.score_column)) if self.score_column else None,
                "duplicate_of": duplicate_of, "cells": cells_json(row),
            })
        self.connection.execute(comments.insert(), rows)
        self.batch.rows_new += len(rows)

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
    def _id_value(self, comment):
        if not self.id_column:
            return None
        value = comment.row.get(self.id_column)
        return None if value is None or str(value).strip() == "" else str(value).strip()

    def _key(self, comment):
        value = self._id_value(comment)
        if value is not None and any(tag in value for tag in MASK_TAGS.values()):
            raise StoreError(
                f"{comment.source}: the id column {self.id_column!r} holds personal data, which is masked "
                f"before it is stored ({value}), so it cannot tell rows apart; give a ticket or row "
                "number column as --id-column, or leave it out to key rows by their content")
        return row_key(comment.row, value)

    def _stored_keys(self, keys):
        found = set()
        for piece in _pieces(set(keys)):
            found.update(self.connection.execute(
                select(comments.c.row_key).where(comments.c.row_key.in_(piece))).scalars())
        return found

    def _text_ids(self, new_comments):
        """``{text: id}`` for the texts of ``new_comments``; new texts are added with their annotation."""
        wanted = {}
        for comment in new_comments:
            if comment.text not in wanted:
                wanted[comment.text] = comment.annotation
        hashes = {text: text_hash(text) for text in wanted}
        ids = {text: self.text_ids[hashes[text]] for text in wanted if hashes[text] in self.text_ids}
        unknown = {hashes[text]: text for text in wanted if text not in ids}
        for piece in _pieces(unknown):
            for number, digest in self.connection.execute(
                    select(texts.c.id, texts.c.text_hash).where(texts.c.text_hash.in_(piece))):
                ids[unknown[digest]] = number
        rows = []
        for text in wanted:
            if text in ids:
                continue
            ids[text] = self.next_text
            rows.append({"id": self.next_text, "text_hash": hashes[text], "text": text,
                         "version_id": self.version_id, **annotation_columns(wanted[text])})
            self.next_text += 1
        if rows:
            self.connection.execute(texts.insert(), rows)
            self.batch.texts_new += len(rows)
        self.text_ids.remember_many([(hashes[text], number) for text, number in ids.items()])
        return ids
