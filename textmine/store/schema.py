"""The tables of a store, its schema version and the migrations between versions.

- ``texts``: one row per distinct (masked) comment text with its annotation,
  as the ``textmine.record.Annotation`` of that text: the cells ``annotate``
  writes (``categories``, ``evidence``, ``aspects``), the exact structure
  behind them as JSON, the content words, the duplicate signature, and the
  version of the models and dictionaries that produced it;
- ``comments``: one row per stored input row: its key (the ``--id-column``
  value or a hash of its cells), its text, its input cells as JSON (masked),
  date, score, source file, batch, and ``duplicate_of`` (the first stored copy);
- ``batches``: one row per ingest or re-annotation: when, which files, which
  columns, the row accounting, the version;
- ``versions``: the textmine version and the hashes of the model and
  dictionary files that annotations were made with;
- ``comment_view``: a row per comment and a column per annotation, for
  sqlite-utils, Datasette or psql;
- ``textmine_schema``: the schema version and the textmine that wrote it.

Ids are given by textmine, under the write lock, so that both databases
number rows alike and ``duplicate_of`` can point at a row of the same batch.
A store whose schema is newer than this textmine knows is refused
(``check_version``); an older one is migrated on open, in one transaction.
"""

from sqlalchemy import (
    Column, Float, ForeignKey, Integer, LargeBinary, MetaData, String, Table, Text, select, text)

from textmine import __version__
from textmine.errors import StoreError

metadata = MetaData()

schema_table = Table(
    "textmine_schema", metadata,
    Column("version", Integer, nullable=False),
    Column("written_by", String(32), nullable=False),  # the textmine that last migrated the store
)

versions = Table(
    "versions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("digest", String(64), nullable=False, unique=True),  # of everything below
    Column("textmine", String(32), nullable=False),
    Column("models", String(64), nullable=False),  # hash of the packaged model files
    Column("dictionaries", String(64), nullable=False),  # hash of the dictionary files used
    Column("settings", Text, nullable=False),  # JSON: sentiment engine, the analyst's own files
    Column("created_at", String(32), nullable=False),
)

batches = Table(
    "batches", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("kind", String(16), nullable=False),  # "ingest" or "reannotate"
    Column("started_at", String(32), nullable=False),
    Column("finished_at", String(32), nullable=False),
    Column("sources", Text, nullable=False),  # JSON: [{"name": ..., "columns": [...]}, ...]
    Column("columns", Text, nullable=False),  # JSON: the text, id, date, score and segment columns
    Column("version_id", Integer, ForeignKey("versions.id"), nullable=False),
    Column("masked", Integer, nullable=False),  # 1: personal data masked (the default)
    Column("rows_read", Integer, nullable=False),
    Column("rows_new", Integer, nullable=False),
    Column("rows_already_stored", Integer, nullable=False),
    Column("rows_skipped", Integer, nullable=False),
)

texts = Table(
    "texts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("text_hash", String(32), nullable=False, unique=True),
    Column("text", Text, nullable=False),  # masked unless the batch was ingested with --no-mask
    Column("sentiment_score", Float, nullable=False),
    Column("sentiment", String(8), nullable=False),
    Column("categories", Text, nullable=False),  # as annotate writes them: "speed|billing", "other"
    Column("evidence", Text, nullable=False),  # "speed:网速慢|billing:乱扣费"
    Column("aspects", Text, nullable=False),  # "coverage:neg|customer_service:pos"
    Column("flag", String(16), nullable=False),  # "" or empty, meaningless, spam
    Column("content_words", Text, nullable=False),  # JSON list: the words that can name an issue
    Column("structure", Text, nullable=False),  # JSON: the exact categories (with evidence) and aspects
    Column("signature", LargeBinary, nullable=True),  # duplicate signature; NULL for short or flagged texts
    Column("version_id", Integer, ForeignKey("versions.id"), nullable=False),
)

comments = Table(
    "comments", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),  # ingest order
    Column("row_key", String(40), nullable=False, unique=True),  # what makes an ingest idempotent
    Column("row_id", Text, nullable=True),  # the value of --id-column, when given
    Column("text_id", Integer, ForeignKey("texts.id"), nullable=False),
    Column("batch_id", Integer, ForeignKey("batches.id"), nullable=False),
    Column("source", Text, nullable=False),  # the input file's name
    Column("date", String(10), nullable=True),  # ISO day of the date column, for --since / --until
    Column("score", Float, nullable=True),
    Column("duplicate_of", Integer, nullable=True),  # comments.id of the first stored copy
    Column("cells", Text, nullable=False),  # JSON: every input cell (masked), column -> value
)

VIEW = "comment_view"
_VIEW_SQL = f"""
CREATE VIEW {VIEW} AS
SELECT c.id AS id, c.row_id AS row_id, c.date AS date, c.score AS score, t.text AS text,
       t.sentiment_score AS sentiment_score, t.sentiment AS sentiment, t.categories AS categories,
       t.evidence AS evidence, t.aspects AS aspects, t.flag AS flag, c.duplicate_of AS duplicate_of,
       t.content_words AS content_words, c.source AS source, c.batch_id AS batch_id,
       t.version_id AS version_id, c.cells AS cells
FROM comments AS c JOIN texts AS t ON t.id = c.text_id
"""


def _create_tables(connection):
    # Version 1. When a table changes later, this keeps creating it as it was
    # then, and a new migration alters it.
    metadata.create_all(connection, tables=[schema_table, versions, batches, texts, comments])


def _create_view_and_indexes(connection):
    # Version 2: what readers other than textmine need: the view, and an index of
    # the dates for their queries by day (and --since / --until). Plain DDL: an
    # Index object would attach itself to the table, and a later create_all (a
    # new store in the same process) would make it twice.
    connection.execute(text("CREATE INDEX comments_date ON comments (date)"))
    connection.execute(text(_VIEW_SQL))


MIGRATIONS = (_create_tables, _create_view_and_indexes)  # MIGRATIONS[n - 1] brings a store to version n
SCHEMA_VERSION = len(MIGRATIONS)


def stored_version(connection):
    """The schema version of the database behind ``connection``: 0 when it holds no store yet.

    A database that holds other tables but no textmine store is refused, so
    that a mistyped path never turns someone's database into a store.
    """
    from sqlalchemy import inspect

    names = set(inspect(connection).get_table_names())
    if schema_table.name not in names:
        if names:
            raise StoreError(f"it is not a textmine store (it holds the tables {', '.join(sorted(names))})")
        return 0
    version = connection.execute(select(schema_table.c.version)).scalar()
    return version or 0


def check_version(version, written_by=None):
    """Refuse a store written by a newer textmine, with what to do about it."""
    if version > SCHEMA_VERSION:
        by = f" (textmine {written_by})" if written_by else ""
        raise StoreError(f"it was written by a newer textmine{by}: its schema is version {version}, "
                         f"this textmine {__version__} reads up to version {SCHEMA_VERSION}; upgrade textmine")


def migrate(connection, target=SCHEMA_VERSION):
    """Bring the store to ``target`` (inside the caller's write transaction); return the version it had."""
    current = stored_version(connection)
    if current:
        check_version(current, connection.execute(select(schema_table.c.written_by)).scalar())
    for step in MIGRATIONS[current:target]:
        step(connection)
    if target > current:
        connection.execute(schema_table.delete())
        connection.execute(schema_table.insert().values(version=target, written_by=__version__))
    return current
