"""Aggregators of parts of the rows, merged, give the figures of one Aggregator over all of them.

This is what lets a cluster count each partition on its worker (``Aggregator.partial``
and ``merge``) and still write the JSON summary of a local run.
"""

import json
import random
from pathlib import Path

import pytest

from textmine.aggregate.aggregator import Aggregator
from textmine.aggregate.bands import ValueBands
from textmine.aggregate.insights import ReasonRequest
from textmine.aggregate.kano import KanoModel
from textmine.aggregate.result import to_json_summary
from textmine.pipeline.annotator import LanguageOptions
from textmine.pipeline.executors import open_executor
from textmine.pipeline.runner import ReadOptions, comment_chunks, open_sources

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "survey_export.csv"


@pytest.fixture(scope="module")
def comments():
    sources = open_sources([SAMPLE], ReadOptions(), mask=True)
    with open_executor(LanguageOptions(content_words=True), jobs=1) as executor:
        found = [comment for chunk in comment_chunks(sources, executor) for comment in chunk]
    # Scores with places (a float sum of these depends on the grouping) and a few unscored rows.
    rng = random.Random(5)
    def score(cell):
        if not str(cell or "").strip() or rng.random() < 0.05:
            return None
        return round(float(cell) - rng.random() * 0.7, 3)

    # Sentiment scores of one place: many ties, which the verbatims must break by row order.
    return [comment._replace(row={**comment.row, "满意度": score(comment.row["满意度"])},
                             annotation=comment.annotation._replace(
                                 sentiment_score=round(comment.annotation.sentiment_score, 1)))
            for comment in found]


def _aggregator(**settings):
    settings.setdefault("segment_columns", ["地市", "地区类型", "套餐"])
    return Aggregator(date_column="日期", score_column="满意度",
                      verbatims_per_category=4, sample_size=300, seed=11,
                      reasons=[ReasonRequest("地市=东莞:coverage", "地市", "东莞", "coverage")], **settings)


def _summary(aggregator, rows):
    result = aggregator.result(rows_read=rows)
    return json.dumps([to_json_summary(result), result.verbatims, aggregator.sample.items()], ensure_ascii=False)


@pytest.mark.parametrize("settings", [{}, {"max_segment_values": 4}, {"include_duplicates": True},
                                      {"bands": {"满意度": ValueBands([3, 6])}, "period": "week",
                                       "segment_columns": ["满意度", "年龄段"]}],
                         ids=["default", "groups-folded", "with-duplicates", "bands-weeks"])
def test_parts_merged_give_the_summary_of_the_whole(comments, settings):
    whole = _aggregator(**settings)
    for comment in comments:
        whole.add(comment)
    expected = _summary(whole, len(comments))
    rng = random.Random(len(settings))
    for trial in range(3):
        cuts = sorted(rng.sample(range(1, len(comments)), rng.choice([1, 4, 25])))
        merged = _aggregator(**settings)
        for start, stop in zip([0, *cuts], [*cuts, len(comments)]):
            part = merged.partial()
            for comment in comments[start:stop]:
                part.add(comment)
            merged.merge(part)
        assert _summary(merged, len(comments)) == expected, (settings, trial, cuts)


def test_the_kano_sums_are_exact_whatever_the_grouping():
    rng = random.Random(2)
    rows = [({"billing": rng.choice(["pos", "neg", "neu"]), "speed": rng.choice(["pos", "neg"])},
             rng.choice([0.1, 0.2, 7.3, 9.99, 3.0])) for _ in range(9000)]
    whole, merged = KanoModel(["billing", "speed"]), KanoModel(["billing", "speed"])
    for aspects, score in rows:
        whole.add(aspects, score)
    for start in range(0, len(rows), 1234):
        part = KanoModel(["billing", "speed"])
        for aspects, score in rows[start:start + 1234]:
            part.add(aspects, score)
        merged.merge(part)
    assert merged.result() == whole.result()
    assert whole.yty == sum(round(score * 1_000_000) ** 2 for _, score in rows)
