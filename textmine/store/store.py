"""A history store: every comment ingested so far, with its annotation, in SQLite or PostgreSQL.

    >>> store = open_store("history.sqlite")
    >>> with store.ingest(batch_info) as writer:
    ...     for chunk in comment_chunks(sources, executor): writer.add(chunk)
    >>> comments = list(store.comments(since=datetime.date(2026, 11, 1)))
"""

import datetime as dt
import json
import os
from collections import Counter
from contextlib import contextmanager

from sqlalchemy import exc as sa_exc
from sqlalchemy import bindparam, func, select

from textmine.errors import StoreError
from textmine.memo import BoundedMemo
from textmine.record import Comment
from textmine.text.dedupe import DuplicateFinder
from textmine.store._codec import ANNOTATION_FIELDS, annotation_of, annotation_values, row_of, signature_of
from textmine.store._engine import create_store_engine, display_url, read_transaction, sqlite_path, \
    write_transaction
from textmine.store._writer import BatchWriter, next_id, now, version_id
from textmine.store.schema import SCHEMA_VERSION, batches, check_version, comments, migrate, schema_table, \
    stored_version, texts, versions

ANNOTATION_MEMO_SIZE = 200_000  # stored texts whose decoded Annotation a read keeps
READ_BATCH = 5000  # comments fetched at a time when reading them back
READ_TEXTS = 500  # texts fetched by one query


def open_store(url, *, create=True):
    """The store at ``url`` (a file path, ``sqlite:///path`` or ``postgresql://…``).

    ``create``: make the store (or migrate an older one) if needed; without it,
    a missing store is an error ("run textmine ingest first").
        >>> open_store("history.sqlite").count()
        0
    """
    url = str(url)
    path = sqlite_path(url)
    if path is not None:
        # An empty file is no store either: opening it would make one there.
        if (not path.exists() or (path.is_file() and path.stat().st_size == 0)) and not create:
            raise StoreError(f"{url}: no store there yet; run textmine ingest ... --store {url} first")
        if path.is_dir():
            raise StoreError(f"{url}: is a folder, not a store file")
        if not path.parent.is_dir():
            raise StoreError(f"{url}: no folder {path.parent} to keep the store in")
        if not os.access(path.parent, os.W_OK | os.X_OK):
            raise StoreError(f"{url}: the folder {path.parent} is not writable, and SQLite writes its journal "
                             "beside the store, even to read it; copy the store to a writable folder")
    store = Store(create_store_engine(url), url)
    store._open(create)
    return store


class Store:
    """One history store; every method runs in its own transaction."""

    def __init__(self, engine, url):
        self.engine = engine
        self.url = url
        self.name = display_url(url)

    @contextmanager
    def _errors(self):
        """Database errors as one line naming the store."""
        try:
            yield
        except sa_exc.OperationalError as error:
            message = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
            if "locked" in message or "lock timeout" in message:
                message = "another textmine run held the store's lock too long; try again later"
            raise StoreError(f"{self.name}: {message}") from error
        except sa_exc.DBAPIError as error:
            message = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
            raise StoreError(f"{self.name}: {message}") from error
        except StoreError as error:
            if str(error).startswith(self.name):
                raise
            raise StoreError(f"{self.name}: {error}") from error

    def _open(self, create):
        with self._errors():
            with read_transaction(self.engine) as connection:
                version = stored_version(connection)
                if version:
                    check_version(version, connection.execute(select(schema_table.c.written_by)).scalar())
            if version < SCHEMA_VERSION:
                if not create and version == 0:
                    raise StoreError(f"no store there yet; run textmine ingest ... --store {self.url} first")
                with write_transaction(self.engine) as connection:
                    migrate(connection)

    def close(self):
        self.engine.dispose()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------ writing
    @contextmanager
    def ingest(self, info):
        """A ``BatchWriter`` for one batch; everything it adds is one transaction.

        Leaving the block normally commits the batch; an exception (Ctrl-C
        included) rolls it back, so the store is as it was before.
        """
        with self._errors():
            with write_transaction(self.engine) as connection:
                yield BatchWriter(connection, info)

    def reannotate(self, analyse_chunks, version, *, chunk_size=2000):
        """Recompute every stored annotation; record ``version``; one transaction.

        ``analyse_chunks(chunks)`` takes an iterator of ``(ids, texts)`` and yields
        ``(ids, annotations)`` in the same order (the pipeline's executor). The
        duplicate marks are made again afterwards, as signatures may change.
        Returns counts: texts, texts_changed, duplicates_changed, batch_id.
        """
        with self._errors(), write_transaction(self.engine) as connection:
            started = now()
            new_version = version_id(connection, version)
            counts = Counter()
            for ids, annotations in analyse_chunks(self._text_chunks(connection, chunk_size)):
                changed = self._update_texts(connection, ids, annotations, new_version)
                counts["texts"] += len(ids)
                counts["texts_changed"] += changed
            counts["duplicates_changed"] = self._mark_duplicates_again(connection)
            batch_id = next_id(connection, batches)
            connection.execute(batches.insert().values(
                id=batch_id, kind="reannotate", started_at=started, finished_at=now(), sources="[]",
                columns="{}", version_id=new_version, masked=1, rows_read=counts["texts"],
                rows_new=0, rows_already_stored=0, rows_skipped=0))
        return {**counts, "batch_id": batch_id, "version_id": new_version}

    @staticmethod
    def _text_chunks(connection, size):
        last = 0
        while True:
            rows = connection.execute(select(texts.c.id, texts.c.text).where(texts.c.id > last)
                                      .order_by(texts.c.id).limit(size)).all()
            if not rows:
                return
            last = rows[-1][0]
            yield [row[0] for row in rows], [row[1] for row in rows]

    @staticmethod
    def _update_texts(connection, ids, annotations, new_version):
        old = {row[0]: tuple(row[1:]) for row in connection.execute(
            select(texts.c.id, *[texts.c[name] for name in ANNOTATION_FIELDS]).where(texts.c.id.in_(ids)))}
        rows, changed = [], 0
        for number, annotation in zip(ids, annotations):
            values = annotation_values(annotation)
            changed += values != old.get(number)
            rows.append({"text_key": number, "version_id": new_version, **dict(zip(ANNOTATION_FIELDS, values))})
        statement = texts.update().where(texts.c.id == bindparam("text_key"))
        connection.execute(statement, rows)
        return changed

    @staticmethod
    def _mark_duplicates_again(connection):
        finder = DuplicateFinder()
        changes = []
        query = (select(comments.c.id, comments.c.duplicate_of, texts.c.signature)
                 .join(texts, texts.c.id == comments.c.text_id).order_by(comments.c.id))
        for number, old, blob in connection.execute(query.execution_options(yield_per=READ_BATCH)):
            new = finder.check_signature(number, signature_of(blob))
            if new != old:
                changes.append({"comment_key": number, "duplicate_of": new})
        if changes:
            connection.execute(comments.update().where(comments.c.id == bindparam("comment_key"))
                               .values(duplicate_of=bindparam("duplicate_of")), changes)
        return len(changes)

    # ------------------------------------------------------------ reading
    def count(self, since=None, until=None):
        """How many comments are stored (between ``since`` and ``until``, inclusive, when given)."""
        with self._errors(), read_transaction(self.engine) as connection:
            return connection.execute(self._window(select(func.count()).select_from(comments),
                                                   since, until)).scalar()

    @staticmethod
    def _window(query, since, until):
        if since is not None:
            query = query.where(comments.c.date >= since.isoformat())
        if until is not None:
            query = query.where(comments.c.date <= until.isoformat())
        return query

    def comments(self, since=None, until=None, *, roles=None):
        """Every stored comment (dated within [since, until] when given) as a ``Comment``, in ingest order.

        ``number`` is the comment's id in the store, ``duplicate_of`` the id of
        its first stored copy; the text and cells are as stored (masked). The
        annotation carries no duplicate signature: the marks are made already.
        Comments are read a page at a time, and each page's texts once, not
        joined to every comment that repeats them.

        ``roles`` ({"date": name, "score": name, "scale": ...}): the columns a
        report reads. A row of a batch that recorded another column in that role
        (回复时间 where the report reads 日期: an export of another layout) gets
        that cell under the report's name too; a score only on the same scale.
        """
        page_query = select(comments.c.id, comments.c.source, comments.c.cells, comments.c.duplicate_of,
                            comments.c.batch_id, comments.c.text_id).order_by(comments.c.id).limit(READ_BATCH)
        page_query = self._window(page_query, since, until)
        text_query = select(texts.c.id, texts.c.text, texts.c.sentiment_score, texts.c.sentiment, texts.c.flag,
                            texts.c.content_words, texts.c.structure)
        known = BoundedMemo(ANNOTATION_MEMO_SIZE)  # text id -> (text, Annotation)
        with self._errors(), read_transaction(self.engine) as connection:
            batch_columns = {number: json.loads(columns) for number, columns in
                             connection.execute(select(batches.c.id, batches.c.columns))}
            text_columns = {number: columns.get("text") for number, columns in batch_columns.items()}
            renames = {number: _role_renames(columns, roles) for number, columns in batch_columns.items()}
            last = 0
            while True:
                page = connection.execute(page_query.where(comments.c.id > last)).all()
                if not page:
                    return
                last = page[-1][0]
                page_texts = {text_id: known[text_id] for *_, text_id in page if text_id in known}
                missing = sorted({text_id for *_, text_id in page} - set(page_texts))
                fetched = []
                for start in range(0, len(missing), READ_TEXTS):
                    for text_id, text, *annotation in connection.execute(
                            text_query.where(texts.c.id.in_(missing[start:start + READ_TEXTS]))):
                        fetched.append((text_id, (text, annotation_of(*annotation, None))))
                page_texts.update(fetched)
                known.remember_many(fetched)
                for number, source, cells, duplicate_of, batch_id, text_id in page:
                    text, annotation = page_texts[text_id]
                    row = row_of(cells, text_columns[batch_id], text)
                    for own, name in renames[batch_id]:
                        if name not in row:
                            row[name] = row.get(own, "")
                    yield Comment(number, source, row, text, annotation, duplicate_of)

    def describe(self):
        """What the store holds: comments, dates, batches, versions, and the columns of the last ingest."""
        with self._errors(), read_transaction(self.engine) as connection:
            total, first, last = connection.execute(
                select(func.count(), func.min(comments.c.date), func.max(comments.c.date))).one()
            batch_rows = connection.execute(select(batches).order_by(batches.c.id)).mappings().all()
            version_rows = connection.execute(select(versions).order_by(versions.c.id)).mappings().all()
            in_use = dict(connection.execute(select(texts.c.version_id, func.count()).group_by(texts.c.version_id)
                                             ).all())
        ingests = [row for row in batch_rows if row["kind"] == "ingest"]
        return {
            "store": self.name, "comments": total, "first_date": first, "last_date": last,
            "batches": len(batch_rows),
            "last_batch": ({key: ingests[-1][key] for key in ("id", "finished_at", "rows_read", "rows_new",
                                                               "rows_already_stored", "rows_skipped")}
                           if ingests else None),
            "columns": json.loads(ingests[-1]["columns"]) if ingests else {},
            # Each ingest's columns, oldest first: exports of different layouts name them differently.
            "batch_columns": [json.loads(row["columns"]) for row in ingests],
            "sources": _sources(ingests),
            # Batches ingested with --no-mask: their texts and cells hold personal data.
            "unmasked_batches": [row["id"] for row in ingests if not row["masked"] and row["rows_new"]],
            "versions": [{"id": row["id"], "digest": row["digest"], "textmine": row["textmine"],
                          "models": row["models"][:12], "dictionaries": row["dictionaries"][:12],
                          "created_at": row["created_at"],
                          "texts": in_use.get(row["id"], 0)} for row in version_rows],
        }


def _role_renames(columns, roles):
    """``[(the batch's column, the report's)]`` for the date and score a batch recorded under other names."""
    if not roles:
        return []
    pairs = []
    for role in ("date", "score"):
        own, name = columns.get(role), roles.get(role)
        if own and name and own != name and (role != "score" or columns.get("scale") == roles.get("scale")):
            pairs.append((own, name))
    return pairs


def _sources(ingests):
    """The input files of every batch, each with its columns (what the 明细 sheet's header needs)."""
    seen = {}
    for row in ingests:
        for source in json.loads(row["sources"]):
            seen.setdefault(source["name"], source["columns"])
    return [{"name": name, "columns": columns} for name, columns in seen.items()]


def parse_day(value, option):
    """``--since`` / ``--until``: a day in any form exports use, else a one-line error."""
    from textmine.errors import OptionError
    from textmine.io.columns import parse_date

    if value is None or isinstance(value, dt.date):
        return value
    day = parse_date(value)
    if day is None:
        raise OptionError(f"{option} must be a day such as 2026-11-01, not {value!r}")
    return day
