"""Tests for textmine/sentiment.py: language cases, aspects, engines, and a dev-set floor."""

import json
from pathlib import Path

import numpy as np
import pytest

from textmine.clean import clean_text
from textmine.errors import ConfigError
from textmine.lexicon import load_lexicon
from textmine.segment import Segmenter
from textmine.sentiment import SentimentScorer, answer_score, split_clauses

DATA = Path(__file__).resolve().parent / "data"

# Measured with benchmarks/bench_sentiment.py on labelled_dev.jsonl; the floors sit
# a little under the measured figures so that new dev rows do not break the build.
DEV_MACRO_F1_FLOOR = 0.84
DEV_BINARY_ACC_FLOOR = 0.94


def _cases():
    lines = (DATA / "sentiment_cases.tsv").read_text(encoding="utf-8").splitlines()
    rows = [line.split("\t") for line in lines if line and not line.startswith("#")]
    return [pytest.param(text, expected, id=f"{case}: {text}") for text, expected, case in rows[1:]]


@pytest.fixture(scope="module")
def segmenter():
    return Segmenter(load_lexicon())


@pytest.fixture(scope="module")
def scorer():
    return SentimentScorer()


def _label(scorer, segmenter, text):
    return scorer.label(scorer.score_batch([text], [segmenter.cut(text)])[0])


@pytest.mark.parametrize("text, expected", _cases())
def test_language_cases(scorer, segmenter, text, expected):
    assert _label(scorer, segmenter, text) in expected.split("|")


@pytest.mark.parametrize("text, expected", [
    ("满意", 0.9), ("一般", 0.5), ("无", 0.5), ("差评", 0.1), ("10分", 0.9), ("１分", 0.1),
    ("6", 0.5), ("九分", 0.9), ("满意。", 0.9), ("网速慢", None), ("10086", None), ("", 0.5),
])
def test_answer_score(text, expected):
    assert answer_score(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("虽然便宜，但是信号差", [("虽然便宜", 0.4), ("但是信号差", 1.0)]),
    ("网速可以就是太贵", [("网速可以", 0.4), ("就是太贵", 1.0)]),
    ("不但便宜而且快", [("不但便宜而且快", 1.0)]),
    ("信号差。客服好", [("信号差", 1.0), ("客服好", 1.0)]),
    ("，。", []),
])
def test_split_clauses(text, expected):
    assert [(text[s:e], w) for s, e, w in split_clauses(text)] == expected


@pytest.mark.parametrize("text, categories, expected", [
    ("客服态度很好但是信号太差", [("customer_service", ("客服",)), ("coverage", ("信号",))],
     [("customer_service", "pos"), ("coverage", "neg")]),
    ("网速很快，就是套餐太贵", [("speed", ("网速",)), ("pricing", ("套餐", "贵"))],
     [("speed", "pos"), ("pricing", "neg")]),
    ("宽带老是掉线，师傅上门很及时", [("stability", ("掉线",)), ("repair_install", ("师傅",))],
     [("stability", "neg"), ("repair_install", "pos")]),
    # Evidence that is not in the text falls back to the whole comment's label.
    ("网速太慢了", [("speed", ("网络速度",))], [("speed", "neg")]),
    ("网速太慢了", [], []),
])
def test_aspect_sentiment(scorer, segmenter, text, categories, expected):
    assert scorer.aspect_sentiment(text, segmenter.cut(text), categories) == expected


def test_scores_are_probabilities_in_order(scorer, segmenter):
    texts = ["客服态度很好", "信号太差了", "", "，，"]
    scores = scorer.score_batch(texts, [segmenter.cut(t) for t in texts])
    assert isinstance(scores, np.ndarray) and scores.shape == (4,)
    assert ((scores >= 0) & (scores <= 1)).all()
    assert scores[0] > 0.5 > scores[1]
    assert scorer.label(scores[2]) == "neu"


def test_empty_batch(scorer):
    assert scorer.score_batch([], []).shape == (0,)


def test_mismatched_lengths(scorer):
    with pytest.raises(ValueError):
        scorer.score_batch(["a", "b"], [["a"]])


def test_unknown_engine():
    with pytest.raises(ConfigError):
        SentimentScorer(engine="bert")


def test_snownlp_engine():
    scorer = SentimentScorer(engine="snownlp")
    scores = scorer.score_batch(["这个酒店非常好，服务周到", "太差了，再也不来了"], [[], []])
    assert scores[0] > 0.5 > scores[1]
    assert scorer.label(0.9) == "pos" and scorer.label(0.1) == "neg"


def test_dev_set_floor(scorer, segmenter):
    from sklearn.metrics import f1_score

    rows = [json.loads(line) for line in
            (DATA / "labelled_dev.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = [clean_text(row["text"]) for row in rows]
    labels = [row["sentiment"] for row in rows]
    scores = scorer.score_batch(texts, [segmenter.cut(t) for t in texts])
    pred = [scorer.label(s) for s in scores]
    macro_f1 = f1_score(labels, pred, labels=["neg", "neu", "pos"], average="macro")
    binary = np.mean([(s > 0.5) == (y == "pos") for s, y in zip(scores, labels) if y != "neu"])
    assert macro_f1 >= DEV_MACRO_F1_FLOOR, \
        f"dev macro-F1 {macro_f1:.3f} (floor {DEV_MACRO_F1_FLOOR}, measured 0.871)"
    assert binary >= DEV_BINARY_ACC_FLOOR, \
        f"dev binary acc {binary:.3f} (floor {DEV_BINARY_ACC_FLOOR}, measured 0.964)"
