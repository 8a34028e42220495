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
