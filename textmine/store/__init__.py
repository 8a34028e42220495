"""The history store: every comment ingested so far, with its annotation (SQLite or PostgreSQL).

One more consumer of the runner's Comment stream: ``Store.ingest`` adds a
batch of Comments in one transaction (a row stored before is counted, not
added again); ``Store.comments`` gives them back as Comments, in ingest order,
for the same aggregator a file run feeds; ``Store.reannotate`` recomputes the
annotations after a model or dictionary upgrade. SQLAlchemy Core serves both
databases with one code path (``schema.py`` holds the tables and migrations).

    >>> store = open_store("history.sqlite")            # or "postgresql://user@host/db"
    >>> with store.ingest(BatchInfo(sources, columns, version)) as writer:
    ...     writer.add(comments)
    >>> store.count(), next(store.comments()).annotation.sentiment
"""

from textmine.store._engine import display_url, is_postgres_url, sqlite_path
from textmine.store._writer import BatchInfo, StoredBatch
from textmine.store.schema import SCHEMA_VERSION
from textmine.store.store import Store, open_store, parse_day

__all__ = ["BatchInfo", "SCHEMA_VERSION", "Store", "StoredBatch", "display_url", "is_postgres_url",
           "open_store", "parse_day", "sqlite_path"]
