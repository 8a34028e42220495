"""Tests for textmine.topics.model and textmine.topics.summary: repeatable, finds planted topics,
robust on tiny input."""

import random

import numpy as np
import pytest

from textmine.errors import ConfigError
from textmine.topics.summary import new_issue_topics, topic_summary
from textmine.topics.engines import ENGINES
from textmine.topics.model import TopicModel, is_content_token, non_topic_words, npmi_coherence

PLANTED = {
    "coverage": ["信号", "地下室", "电梯", "农村", "基站", "信号格", "室内", "覆盖"],
    "billing": ["扣费", "话费", "账单", "余额", "退款", "欠费", "停机", "月租"],
    "service": ["客服", "热线", "人工", "态度", "推诿", "投诉", "回访", "敷衍"],
    "broadband": ["宽带", "光猫", "路由器", "机顶盒", "报修", "师傅", "装机", "断网"],
}
NOISE = ["希望", "垃圾", "无语", "解决"]
STOPWORDS = {"的", "了", "希望"}


def planted_corpus(n_per_topic=100, seed=0):
    """Documents of 5 words from one planted topic plus one shared noise word."""
    rng = random.Random(seed)
    docs, truth = [], []
    for _ in range(n_per_topic):
        for name, words in PLANTED.items():
            docs.append(rng.sample(words, 5) + [rng.choice(NOISE)])
            truth.append(name)
    return docs, truth


@pytest.fixture(scope="module")
def corpus():
    return planted_corpus()


@pytest.fixture(scope="module")
def auto_model(corpus):
    docs, _ = corpus
    return TopicModel(k_range=(2, 6), phrases=False, stopwords=STOPWORDS,
                      random_state=0).fit(docs)


def test_auto_k_finds_the_planted_topics(auto_model):
    assert auto_model.n_topics_ == 4
    assert [k for k, _ in auto_model.coherence_curve_] == list(range(2, 7))
    assert dict(auto_model.coherence_curve_)[4] == max(s for _, s in auto_model.coherence_curve_)
    # Each planted word set dominates exactly one learned topic.
    owners = set()
    for words in PLANTED.values():
        shares = [sum(w in words for w, _ in t.words[:6]) for t in auto_model.topics_]
        assert max(shares) >= 5
        owners.add(int(np.argmax(shares)))
    assert len(owners) == 4


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lda_auto_k_finds_the_planted_topics(corpus, seed):
    docs, truth = corpus
    model = TopicModel(k_range=(2, 6), stopwords=STOPWORDS, random_state=seed,
                       engine="lda").fit(docs)
    assert model.n_topics_ == 4
    assert len(set(zip(truth, model.assignments_))) == 4
    for words in PLANTED.values():
        assert max(sum(w in words for w, _ in t.words[:6]) for t in model.topics_) >= 5


def test_assignments_match_planted_topics(auto_model, corpus):
    docs, truth = corpus
    pairs = set(zip(truth, auto_model.assignments_))
    assert len(pairs) == 4  # each planted topic maps to one learned topic, all docs
    assert sum(t.size for t in auto_model.topics_) == len(docs)


@pytest.mark.parametrize("engine", ENGINES)
def test_same_seed_gives_identical_topics_and_assignments(corpus, engine):
    docs, _ = corpus
    first = TopicModel(n_topics="auto", k_range=(3, 4), random_state=7, engine=engine).fit(docs)
    second = TopicModel(n_topics="auto", k_range=(3, 4), random_state=7, engine=engine).fit(docs)
    assert first.topics_ == second.topics_  # labels, words and weights, sizes
    assert first.coherence_curve_ == second.coherence_curve_
    assert first.assignments_ == second.assignments_
    assert np.array_equal(first.transform(docs[:50]), second.transform(docs[:50]))


@pytest.mark.parametrize("engine", ENGINES)
def test_the_k_search_in_worker_processes_gives_the_same_topics(corpus, engine):
    import multiprocessing

    docs, _ = corpus
    serial = TopicModel(n_topics="auto", k_range=(3, 5), random_state=3, engine=engine).fit(docs)
    with multiprocessing.get_context("fork").Pool(2) as pool:
        pooled = TopicModel(n_topics="auto", k_range=(3, 5), random_state=3, engine=engine).fit(
            docs, parallel_map=pool.imap)
    assert [k for k, _ in pooled.coherence_curve_] == [3, 4, 5]
    assert pooled.coherence_curve_ == serial.coherence_curve_
    assert pooled.topics_ == serial.topics_
    # Not to the bit: BLAS may sum in another order on an array unpickled at another address.
    assert np.allclose(pooled.components_, serial.components_, rtol=1e-9, atol=1e-12)


@pytest.fixture(scope="module")
def lda_model(corpus):
    docs, _ = corpus
    return TopicModel(4, stopwords=STOPWORDS, random_state=0, engine="lda").fit(docs)


@pytest.mark.parametrize("name", ["auto_model", "lda_model"])
def test_assign_does_not_depend_on_call_order_or_chunking(request, name, corpus):
    auto_model = request.getfixturevalue(name)
    docs, _ = corpus
    once = auto_model.assign(docs[:30])
    auto_model.assign(docs[30:90])
    assert auto_model.assign(docs[:30]) == once
    auto_model.chunk_size, original = 7, auto_model.chunk_size
    try:
        assert auto_model.assign(iter(docs[:30])) == once  # any iterable, small chunks
    finally:
        auto_model.chunk_size = original
    # analyze reuses the fitted documents' topics when it assigns every row: they must agree.
    assert auto_model.assign(docs) == auto_model.assignments_


def test_unknown_and_empty_documents_get_none(auto_model):
    assert auto_model.assign([["从没见过"], [], ["的", "，"], ["宽带", "光猫", "师傅"]])[:3] == [
        None, None, None]
    probs = auto_model.transform([["从没见过"], ["宽带", "光猫"]])
    assert probs.shape == (2, 4)
    assert probs[0].sum() == 0 and probs[1].sum() == pytest.approx(1.0)


@pytest.mark.parametrize("engine", ENGINES)
def test_labels_are_short_and_free_of_stopwords_and_punctuation(engine):
    docs, _ = planted_corpus(60)
    dirty = [d + ["的", "，", "2023", "了", "啊"] for d in docs]
    model = TopicModel(n_topics=4, stopwords=STOPWORDS, random_state=0, engine=engine).fit(dirty)
    for topic in model.topics_:
        parts = topic.label.split("/")
        assert 2 <= len(parts) <= 3
        assert all(is_content_token(p, STOPWORDS) for p in parts)
        assert all(is_content_token(w, STOPWORDS) for w, _ in topic.words)


@pytest.mark.parametrize("token, expected", [
    ("信号", True), ("信号_差", True), ("慢", True), ("的", False), ("啊", False),
    ("，", False), ("2023", False), ("", False), ("的_了", False), ("4G", True),
])
def test_is_content_token(token, expected):
    assert is_content_token(token, {"的", "了"}) is expected


def test_phrases_join_frequent_word_pairs():
    docs = [["信号", "差", "地下室"], ["信号", "差", "电梯"], ["网速", "慢", "晚上"],
            ["客服", "态度", "敷衍"], ["话费", "乱", "扣费"]] * 40
    # Phrases are off by default: on the samples they glued template fragments
    # (到底_不管, 我家_自然村) and lowered coherence and category overlap. 信号差 is in
    # 40 % of these comments, above the default no_above of 0.3.
    model = TopicModel(n_topics=2, phrases=True, no_above=0.5, random_state=0).fit(docs)
    words = {w for t in model.topics_ for w, _ in t.words}
    assert "信号差" in words  # learned as 信号_差, shown without the delimiter
    assert model.assign([["信号", "差"]])[0] is not None


@pytest.mark.parametrize("n_docs", [0, 1, 5])
def test_tiny_corpora_do_not_crash(n_docs):
    docs = [["信号", "差"], ["网速", "慢"], ["客服", "态度"], ["信号", "弱"], ["扣费"]][:n_docs]
    model = TopicModel(random_state=0).fit(docs)
    assert len(model.topics_) <= 1 or n_docs == 5
    assert len(model.assignments_) == n_docs
    assert model.assign([["信号"]]) in ([None], [0], [1])
    assert topic_summary(model, model.assignments_, ["neg"] * n_docs, [[]] * n_docs,
                         ["x"] * n_docs) is not None


def test_representative_docs_are_distinct_and_typical(auto_model, corpus):
    docs, _ = corpus
    chosen = auto_model.representative_docs(0, n=5)
    assert len(chosen) == 5
    assert all(auto_model.assignments_[i] == 0 for i in chosen)
    assert len({tuple(docs[i]) for i in chosen}) == 5


def test_topic_summary_uses_caller_texts_and_counts(auto_model, corpus):
    docs, truth = corpus
    texts = [f"<手机号> 评论{i}" for i in range(len(docs))]
    sentiments = ["neg" if i % 4 == 0 else "pos" for i in range(len(docs))]
    categories = [[name] if name != "broadband" else [] for name in truth]
    summary = topic_summary(auto_model, auto_model.assignments_, sentiments, categories, texts,
                            n_examples=3)
    assert [s["id"] for s in summary] == [0, 1, 2, 3]
    assert {s["top_category"] for s in summary} == {"coverage", "billing", "service", "other"}
    for item in summary:
        assert item["category_overlap"] == 1.0
        assert 0 <= item["negative_share"] <= 1
        assert len(item["examples"]) == 3 and all(e in texts for e in item["examples"])
        assert set(item) == {"id", "label", "words", "size", "negative_share", "top_category",
                             "category_overlap", "examples"}


def test_new_issue_topics_guards_small_input_and_finds_topics(corpus):
    docs, _ = corpus
    assert new_issue_topics(docs[:10], ["t"] * 10) == []
    assert new_issue_topics([], []) == []
    found = new_issue_topics(docs, [" ".join(d) for d in docs], k_range=(3, 5), phrases=False)
    assert 3 <= len(found) <= 5
    assert all(f["top_category"] == ("other" if f["size"] else None) for f in found)
    assert all(f["negative_share"] is None for f in found)  # no sentiments given


def test_new_issue_topics_leave_praise_out_and_rank_by_negative_share():
    """Compliments (here the service words) make no candidate; the coverage comments (all negative)
    rank before the broadband ones (a quarter negative, the rest neutral suggestions)."""
    rng = random.Random(1)
    themes = [("service", "pos"), ("coverage", "neg"), ("broadband", None)]
    docs, sentiments = [], []
    for number in range(300):
        name, label = themes[number % 3]
        docs.append(rng.sample(PLANTED[name], 5))
        sentiments.append(label or ("neg" if number % 4 == 0 else "neu"))
    found = new_issue_topics(docs, [" ".join(d) for d in docs], sentiments=sentiments, n_topics=2, phrases=False)
    words = [{word for word, _ in topic["words"]} for topic in found]
    assert not set(PLANTED["service"]) & set().union(*words)
    assert words[0] <= set(PLANTED["coverage"]) and words[1] <= set(PLANTED["broadband"])
    assert found[0]["negative_share"] == 1.0 and found[0]["negative"] == found[0]["size"] > 80
    assert 0.15 < found[1]["negative_share"] < 0.35 and found[1]["negative"] > 15
    assert sum(topic["size"] for topic in found) <= 200  # the 100 compliments are in no topic


def test_npmi_coherence():
    docs = [{"信号", "差"}, {"信号", "差"}, {"网速"}, {"网速", "慢"}]
    assert npmi_coherence([["信号", "差"]], docs) == pytest.approx(1.0)
    # Never together: smoothed as if seen once, capped at 0 (was a flat -1, which
    # punished every extra topic of short comments and always chose the smallest k).
    assert npmi_coherence([["信号", "网速"]], docs) == 0.0
    rare = [{"信号"}, {"网速"}] + [{"x"}] * 98
    assert npmi_coherence([["信号", "网速"]], rare) == 0.0  # rare words never earn a plus
    assert npmi_coherence([], docs) == 0.0


@pytest.mark.parametrize("tokens, expected", [
    (["广州", "信号", "差"], ["信号", "差"]),          # place name: context, not an issue
    (["十月份", "没有", "网速", "慢"], ["网速", "慢"]),  # time word, negation
    (["我家", "非常", "宽带", "断"], ["宽带", "断"]),    # pronoun, degree word
])
def test_words_that_cannot_name_an_issue_are_dropped(auto_model, tokens, expected):
    assert auto_model._filter(tokens) == expected
    assert "信号" not in non_topic_words()


@pytest.mark.parametrize("params", [{"engine": "sklearn"}, {"n_topics": 0},
                                    {"k_range": (5, 2)}])
def test_bad_parameters_raise_config_error(params):
    with pytest.raises(ConfigError):
        TopicModel(**params).fit([["信号"]])


def test_lda_assigns_unknown_documents_none(lda_model):
    assert lda_model.assign([["从没见过"], []]) == [None, None]
    assert lda_model.transform([["从没见过"]]).sum() == 0


def test_unfitted_model_raises():
    with pytest.raises(ConfigError):
        TopicModel().assign([["信号"]])
