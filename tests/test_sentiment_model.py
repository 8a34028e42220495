"""Tests for textmine/sentiment_model.py: the fast scorer gives exactly the reference scores."""

import math

import numpy as np
import pytest

from textmine.sentiment import model as sentiment_model
from textmine.sentiment.features import sentiment_features
from textmine.sentiment.model import SentimentModel, _BigramRows, load_model
from textmine.sentiment.rules import apply_rules, is_sarcastic

# (text, tokens): every kind of feature, clause and rule the scorer handles.
FIXTURE = [
    ("客服态度很好", ["客服", "态度", "很", "好"]),
    ("不太好", ["不太", "好"]),
    ("不是不满意", ["不是", "不", "满意"]),  # double negation
    ("虽然便宜，但是信号差", ["虽然", "便宜", "但是", "信号", "差"]),  # concession + contrast
    ("网速可以就是太贵了，不过客服不错。下次还来", ["网速", "可以", "就是", "太贵", "了", "不过", "客服", "不错", "下次", "还来"]),
    ("虽然不太好但是不差", ["虽然", "不太", "好", "但是", "不", "差"]),  # negation in a weak clause
    ("不但便宜而且快", ["不但", "便宜", "而且", "快"]),
    ("呵呵，真是\"好\"网速", ["呵呵", "真是", "好", "网速"]),  # sarcasm
    ("给5分吧", ["给", "5", "分", "吧"]), ("10分", ["10", "分"]), ("满意", ["满意"]),
    ("为什么扣我话费？", ["为什么", "扣", "我", "话费"]),
    ("", []), ("，。！", []), ("   ", []),
    ("信号差😡😡，网速慢👎", ["信号差", "😡", "网速", "慢", "👎"]),  # emoji, outside the BMP
    ("網速太慢了", ["網速", "太慢", "了"]),  # traditional script
    ("a$b^c，w:好 L+差", ["a", "b", "c", "w", "好", "L", "差"]),  # chars that mark features
    ("信号不好", ["信号差"]),  # a token that is not in the text
    ("好好好\n差差差\t一般", ["好好", "好", "差差", "差", "一般"]),
    ("却", ["却"]), ("但是但是", ["但是", "但是"]), ("不过不过就是", ["不过", "不过", "就是"]),
]


def reference_scores(texts, token_lists, model):
    """Scores from feature names, one dictionary lookup each: the fast path's yardstick."""
    if not texts:
        return np.zeros(0)
    rows, starts, scales = [], [], []
    for text, tokens in zip(texts, token_lists):
        feats, values = sentiment_features(text, tokens, model.normalize)
        starts.append(len(rows))
        rows += [model.index.get(f, 0) for f in feats]
        scales.append(values[0] if values else 1.0)
    summed = np.add.reduceat(model.weights[np.asarray(rows)], np.asarray(starts), axis=0)
    sarcastic = [is_sarcastic(text) for text in texts]
    return apply_rules(model.probabilities(summed, np.asarray(scales)), texts, sarcastic)


def _all_features(fixture):
    names = set()
    for text, tokens in fixture:
        names.update(sentiment_features(text, tokens)[0])
    return sorted(names)


@pytest.fixture(scope="module")
def dense_model():
    """A model that knows every feature of the fixture (and a few unused ones), random weights."""
    features = _all_features(FIXTURE) + ["~!好差", "~w:!满意", "~L-ni", "SCORE:1"]
    weights = np.random.default_rng(7).normal(size=(len(features) + 1, 3)).astype(np.float32)
    weights[0] = 0
    return SentimentModel(features, weights, np.array([0.1, -0.2, 0.05]), (0.35, 0.65))


@pytest.mark.parametrize("model_name", ["packaged", "dense"])
def test_fast_scores_equal_reference_scores(model_name, dense_model):
    model = load_model() if model_name == "packaged" else dense_model
    texts, tokens = zip(*FIXTURE)
    model.clear_cache()
    cold = model.scores(list(texts), list(tokens))
    warm = model.scores(list(texts), list(tokens))  # every clause now comes from the cache
    reference = reference_scores(list(texts), list(tokens), model)
    assert np.array_equal(cold, reference)
    assert np.array_equal(warm, reference)
    one_by_one = [model.scores([t], [toks])[0] for t, toks in FIXTURE]
    assert np.array_equal(np.array(one_by_one), reference)


def test_a_full_clause_memo_empties_and_scores_stay_the_same(monkeypatch, dense_model):
    monkeypatch.setattr(sentiment_model, "CLAUSE_CACHE_SIZE", 3)
    features = sorted(dense_model.index, key=dense_model.index.get)
    small = SentimentModel(features, dense_model.weights, dense_model.bias, dense_model.band)
    texts, tokens = map(list, zip(*FIXTURE))
    reference = reference_scores(texts, tokens, small)
    assert np.array_equal(small.scores(texts, tokens), reference)
    assert np.array_equal(small.scores(texts, tokens), reference)
    assert len(small._clauses) <= 3


def test_fast_scores_match_a_plain_sum(dense_model):
    """The obvious computation: sum the weight row of each named feature, scale, softmax."""
    model = dense_model
    texts, tokens = map(list, zip(*FIXTURE))
    expected = []
    for text, toks in FIXTURE:
        names, values = sentiment_features(text, toks)
        logits = [sum(float(model.weights[model.index.get(f, 0), c]) for f in names) * values[0]
                  + model.bias[c] for c in range(3)]
        top = max(logits)
        probs = [math.exp(x - top) for x in logits]
        expected.append((probs[2] + 0.5 * probs[1]) / sum(probs))
    expected = apply_rules(np.array(expected), texts, [is_sarcastic(t) for t in texts])
    assert np.allclose(model.scores(texts, tokens), expected, atol=1e-6)


def test_clause_cache_tells_tokens_and_weights_apart(dense_model):
    model = dense_model
    model.clear_cache()
    texts = ["信号不好", "信号不好", "但是信号不好", "信号不好，但是网速快"]
    tokens = [["信号", "不", "好"], ["信号不好"], ["但是", "信号", "不", "好"],
              ["信号", "不", "好", "但是", "网速", "快"]]
    scores = model.scores(texts, tokens)
    assert np.array_equal(scores, reference_scores(texts, tokens, model))
    assert scores[0] != scores[1]


def test_bigram_table_finds_every_bigram_and_nothing_else():
    index = {"好评": 1, "!太好": 2, "~差$": 3, "~!不好": 4, "w:好": 5, "L+": 6, "len:4": 7}
    table = _BigramRows(index)
    key = table.key
    keys = [key(0, ord("好"), ord("评")), key(1, ord("太"), ord("好")), key(2, ord("差"), ord("$")),
            key(3, ord("不"), ord("好")), key(0, ord("L"), ord("+")), key(0, ord("好"), ord("差")),
            key(1, ord("好"), ord("评")), key(0, 0x1F621, ord("好"))]
    assert table.lookup(np.array(keys, dtype=np.uint64)).tolist() == [1, 2, 3, 4, 6, 0, 0, 0]


def test_empty_batch_and_model_band():
    model = load_model()
    assert model.scores([], []).shape == (0,)
    low, high = model.band
    assert 0 < low < 0.5 < high < 1
