"""Shared test helpers: the fixtures folder and the samples folder."""

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAMPLES = Path(__file__).resolve().parent.parent / "samples"


@pytest.fixture
def fixture_path():
    return lambda name: FIXTURES / name


def as_comment(cells, number=1):
    """The ``Comment`` the runner would yield for an annotated row given as one dict.

    The keys text, categories, sentiment, sentiment_score, duplicate_of, flag and
    tokens fill the record; every other key is an input cell (the tests name the
    date and score columns ``date`` and ``score``).
    """
    from textmine.record import Annotation, Comment

    cells = dict(cells)
    categories = cells.pop("categories", ())
    codes = [code for code in (categories.split("|") if isinstance(categories, str) else categories)
             if code and code != "other"]
    sentiment = cells.pop("sentiment", "neu") or "neu"
    score = cells.pop("sentiment_score", None)
    tokens = cells.pop("tokens", None)
    annotation = Annotation(
        sentiment_score={"neg": 0.1, "neu": 0.5, "pos": 0.9}[sentiment] if score is None else float(score),
        sentiment=sentiment, categories=tuple((code, ()) for code in dict.fromkeys(codes)), aspects=(),
        flag=cells.pop("flag", "") or "", masked_text=None, signature=None,
        content_words=tuple(tokens.split() if isinstance(tokens, str) else tokens or ()))
    duplicate_of = cells.pop("duplicate_of", None)
    cells.pop("topic", None)
    text = cells.get("text", "")
    return Comment(number, "input.csv", cells, text, annotation, int(duplicate_of) if duplicate_of else None)


def as_comments(rows):
    return [as_comment(row, number) for number, row in enumerate(rows, 1)]


def aggregator(**options):
    """An Aggregator for rows made by ``as_comment``: dates in ``date``, scores in ``score``."""
    from textmine.aggregate.aggregator import Aggregator

    return Aggregator(date_column="date", score_column="score", **options)


# ------------------------------------------------------------------ history stores
POSTGRES_ENV = "TEXTMINE_TEST_POSTGRES"


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """The address of a new, empty store: a SQLite file, or a fresh schema on the test PostgreSQL server.

    The PostgreSQL case is skipped, with the reason, when TEXTMINE_TEST_POSTGRES is
    not set (``.ci/run`` starts a server and sets it).
    """
    import os
    import uuid

    if request.param == "sqlite":
        yield str(tmp_path / "history.sqlite")
        return
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"no PostgreSQL server: set {POSTGRES_ENV}=postgresql://... (.ci/run starts one)")
    from sqlalchemy import text

    from textmine.store._engine import create_store_engine

    schema = f"textmine_test_{uuid.uuid4().hex[:12]}"
    engine = create_store_engine(base)
    with engine.connect() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
        connection.commit()
    yield f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    with engine.connect() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        connection.commit()
    engine.dispose()


# Reading written CSV back with the csv module, which before Python 3.11 cannot read a NUL.
def _nuls_hidden(lines):
    from textmine.io.formats import CSV_TAKES_NUL, NUL_STAND_IN

    for line in lines:
        yield line if CSV_TAKES_NUL else line.replace("\x00", NUL_STAND_IN)


def _nuls_shown(value):
    from textmine.io.formats import NUL_STAND_IN

    return value.replace(NUL_STAND_IN, "\x00") if isinstance(value, str) else value


def plain_rows(lines):
    """``list(csv.reader(lines))``, NULs included on every Python."""
    import csv

    return [[_nuls_shown(value) for value in row] for row in csv.reader(_nuls_hidden(lines))]


def dict_rows(lines):
    """``list(csv.DictReader(lines))``, NULs included on every Python."""
    import csv

    return [{_nuls_shown(key): _nuls_shown(value) for key, value in row.items()}
            for row in csv.DictReader(_nuls_hidden(lines))]
