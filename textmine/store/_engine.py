"""Connections to a store: a SQLite file or a PostgreSQL database, one code path.

SQLAlchemy Core speaks both. What differs is only how a writer gets the store
to itself, so that two cron jobs ingesting at once take turns instead of
interleaving:

- SQLite: the file is in WAL mode (readers never wait for the writer), every
  connection waits up to ``BUSY_TIMEOUT_SECONDS`` for a lock, and a write
  transaction starts with ``BEGIN IMMEDIATE``, which takes the write lock at
  once (a deferred transaction that reads first and writes later can fail
  with "database is locked" without waiting when another writer got in
  between);
- PostgreSQL: a write transaction takes a transaction-level advisory lock,
  waiting up to the same time.

Either way a transaction is all or nothing: Ctrl-C, a crash or a killed
process leaves the store as it was before it began.
"""

import re
from contextlib import contextmanager
from pathlib import Path

from textmine.errors import OptionError, StoreError

SQLITE_PAGE_BYTES = 16384  # page size of a new SQLite store (SQLite's default is 4096)
SQLITE_CACHE_KB = 256 * 1024  # page cache of a connection, at most (memory grows only as pages are read)
BUSY_TIMEOUT_SECONDS = 600  # a writer waits this long for another (a large ingest takes minutes)
# The advisory lock textmine's writers take on PostgreSQL: any fixed 64-bit number
# that other applications of the database are unlikely to use ("textmine" in ASCII).
_ADVISORY_LOCK_KEY = 0x74657874_6D696E65 - (1 << 63)
_POSTGRES = re.compile(r"^postgres(?:ql)?(?:\+\w+)?://", re.I)


def is_postgres_url(url):
    return bool(_POSTGRES.match(str(url)))


def sqlite_path(url):
    """The file of a SQLite store (a plain path or ``sqlite:///path``); None for PostgreSQL.

    Any other ``scheme://`` is a usage error: textmine stores on SQLite and PostgreSQL only.
    """
    if is_postgres_url(url):
        return None
    text = str(url)
    if text.startswith("sqlite:///"):
        return Path(text[len("sqlite:///"):])
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", text):
        raise OptionError(f"--store {display_url(url)}: textmine keeps its history in a SQLite file "
                          "(a path, or sqlite:///path) or on PostgreSQL (postgresql://user@host/db)")
    return Path(text)


def display_url(url):
    """The store's address without a password, for messages and the JSON summary."""
    return re.sub(r"(://[^:/@]+):[^@/]*@", r"\1:***@", str(url))


def _postgres_url(url):
    """``postgresql://`` with the driver that is installed: psycopg 3, else psycopg2."""
    scheme, rest = str(url).split("://", 1)
    if "+" in scheme:
        return str(url)
    for module, driver in (("psycopg", "psycopg"), ("psycopg2", "psycopg2")):
        try:
            __import__(module)
        except ImportError:
            continue
        return f"postgresql+{driver}://{rest}"
    raise StoreError("a PostgreSQL store needs a driver: pip install '.[postgres]' in textmine's folder")


def create_store_engine(url):
    """An Engine for ``url``: ``postgresql://…``, ``sqlite:///path``, or a plain file path."""
    from sqlalchemy import create_engine, event

    if is_postgres_url(url):
        return create_engine(_postgres_url(url), pool_pre_ping=True)
    engine = create_engine(f"sqlite:///{sqlite_path(url)}", connect_args={"timeout": BUSY_TIMEOUT_SECONDS})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        # Transactions are begun by hand (below), not by the sqlite3 module.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # Only a new, empty file takes it (before journal_mode writes the header); a store
        # keeps the page size it was made with. A comment row is about 300 bytes: with
        # 16 kB pages a batch writes a quarter as many pages, each one framed and
        # checksummed in the WAL and copied again by the checkpoint (committing 200k
        # distinct comments: 0.85 against 0.35 CPU s; their inserts 10 % cheaper).
        cursor.execute(f"PRAGMA page_size={SQLITE_PAGE_BYTES}")
        cursor.execute("PRAGMA journal_mode=WAL")
        # The references between tables (a comment's text and batch, a text's version) are
        # declared, for readers and PostgreSQL, but SQLite is left to its default of not
        # checking them: the one writer gives every id under its lock, from rows it has just
        # read or written, and the checks were a sixth of a comment's insert (1.2 of 7 µs).
        # PostgreSQL checks them, and the store's tests run on both.
        # The unique indexes of row keys and text hashes take keys in random order: with
        # SQLite's default 2 MB page cache, a batch's inserts and look-ups went to the
        # file for most pages (200k comments took 9 s to insert instead of 1).
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KB}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        writing = connection.get_execution_options().get("textmine_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")

    return engine


@contextmanager
def write_transaction(engine):
    """One transaction with the store's write lock: committed at the end, rolled back on any error."""
    with engine.connect() as connection:
        connection.execution_options(textmine_write=True)
        with connection.begin():
            if engine.dialect.name == "postgresql":
                from sqlalchemy import text

                connection.execute(text(f"SET LOCAL lock_timeout = '{BUSY_TIMEOUT_SECONDS}s'"))
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY})
            yield connection


@contextmanager
def read_transaction(engine):
    """One transaction that sees the store as it was when it began (a snapshot), never writes."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            yield connection
