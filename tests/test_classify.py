"""Tests for textmine.painpoints: rules, negation and scope, the model, evidence, accuracy."""

import json
from pathlib import Path

import numpy as np
import pytest

from textmine.painpoints.classifier import STRONG, VETO, WEAK, PainPointClassifier
from textmine.painpoints.model import FeatureIndex, PainPointModel, char_and_word_features
from textmine.text.clean import clean_text
from textmine.errors import ConfigError
from textmine.text.lexicon import Category, load_lexicon
from textmine.text.segment import Segmenter

DEV = Path(__file__).resolve().parent / "data" / "labelled_dev.jsonl"
# Measured on labelled_dev.jsonl (673 of 2,296 labelled comments): combined 0.900,
# rules only 0.803. The floor leaves room for the labelled data still changing.
DEV_MICRO_F1_FLOOR = 0.85


@pytest.fixture(scope="module")
def lexicon():
    return load_lexicon()


@pytest.fixture(scope="module")
def segmenter(lexicon):
    return Segmenter(lexicon)


@pytest.fixture(scope="module")
def classifier(lexicon):
    return PainPointClassifier(lexicon.taxonomy)


@pytest.fixture(scope="module")
def rules(lexicon):
    return PainPointClassifier(lexicon.taxonomy, mode="rules")


def codes_of(classifier, segmenter, raw_text):
    text = clean_text(raw_text)
    return [code for code, _ in classifier.classify(text, segmenter.cut(text))]


def levels_of(rules, raw_text):
    hits = rules.rule_hits(clean_text(raw_text))
    return {rules.codes[index]: level for index, (level, _) in hits.items()}


@pytest.mark.parametrize("text, expected", [
    # single categories, complaint and praise alike (the category is the topic)
    ("地下室没信号", ["coverage"]),
    ("宽带三天两头掉线", ["stability"]),
    ("晚上网速特别慢，看视频一直转圈", ["speed"]),
    ("打电话总有杂音，对方听不清", ["call_quality"]),
    ("套餐太贵了，老用户还不如新用户", ["pricing"]),
    ("莫名其妙扣了我二十块话费", ["billing"]),
    ("客服小姐姐态度很好，耐心解答", ["customer_service"]),
    ("光猫坏了报修三天没人来", ["repair_install"]),
    ("营业厅排队两个小时才办上补卡", ["business_handling"]),
    ("没经过我同意就给我开通了视频彩铃", ["marketing"]),
    ("天天接到诈骗电话，我的信息是不是泄露了", ["privacy_security"]),
    ("网速很快，5G确实不错", ["speed"]),
    # scope: a conceded clause before a contrast is not the topic
    ("信号还行就是网速慢", ["speed"]),
    ("信号还可以，但是网速太慢了", ["speed"]),
    # negation in the keyword does not hide the topic; 贵公司 is not a price
    ("10086打不通，转人工要等半天", ["customer_service"]),
    ("希望贵公司多建几个基站", ["coverage"]),
    # traditional script from HK/TW users, simplified by clean_text first
    ("網速太慢了，訊號也很差", ["coverage", "speed"]),
    ("客服態度很差，投訴了也沒人處理", ["customer_service"]),
    # multi-label
    ("信号差网速慢，资费还贵", ["coverage", "speed", "pricing"]),
    ("宽带经常断，报修了师傅也修不好", ["stability", "repair_install"]),
    # other: no pain point at all
    ("满意", []),
    ("没意见", []),
    ("祝你们越来越好", []),
    ("不是不满意，就是没什么特别的感觉", []),
    ("没有", []),
    ("不清楚", []),
    ("没有建议", []),
])
def test_classify_table(classifier, segmenter, text, expected):
    assert sorted(codes_of(classifier, segmenter, text)) == sorted(expected)


@pytest.mark.parametrize("text, expected", [
    ("网速太慢", {"speed": STRONG}),
    # negated: still the topic (the labelled data reads 没有掉线过 as stability), model decides
    ("没有掉线过", {"stability": WEAK}),
    ("从来没掉线", {"stability": WEAK}),
    # lukewarm clause before a contrast: vetoed; real praise before a contrast stays
    ("信号还行就是网速慢", {"coverage": VETO, "speed": STRONG}),
    ("信号还可以，但是网速太慢了", {"coverage": VETO, "speed": STRONG}),
    ("网速是挺快的，可惜三天两头断网", {"speed": STRONG, "stability": STRONG}),
    # denied, or inside an exclusion phrase of the category
    ("跟网速没关系", {"speed": VETO}),
    ("不是信号的问题", {"coverage": VETO}),
    ("贵公司的服务", {"pricing": VETO}),
    ("10086打不通", {"customer_service": STRONG}),       # not call_quality
    # words with 不 that are not negations
    ("校园网动不动就断线", {"stability": STRONG}),
    ("信号不好经常掉线", {"coverage": STRONG, "stability": STRONG}),
])
def test_rule_levels(rules, text, expected):
    assert levels_of(rules, text) == expected


def test_rules_mode_keeps_only_strong_hits(rules, segmenter):
    assert codes_of(rules, segmenter, "信号还行就是网速慢") == ["speed"]
    assert codes_of(rules, segmenter, "没有掉线过") == []


def test_veto_overrides_the_model(classifier, segmenter):
    # 贵 and 信号 push the model towards pricing / coverage; the rules say no.
    assert "pricing" not in codes_of(classifier, segmenter, "希望贵公司多建几个基站")
    assert "coverage" not in codes_of(classifier, segmenter, "这次不是信号的问题，是网速太慢")


def test_evidence_of_rule_hits_is_the_matched_keywords(classifier, segmenter):
    text = "宽带经常断，打10086也没人管"
    found = dict(classifier.classify(text, segmenter.cut(text)))
    assert "宽带经常断" in found["stability"]
    assert "10086" in found["customer_service"]
    # nested matches are reported once, by the longest (信号差, not also 信号)
    text = "家里信号差"
    evidence = dict(classifier.classify(text, segmenter.cut(text)))["coverage"]
    assert "信号差" in evidence and "信号" not in evidence


def test_rule_hits_of_a_batch_are_those_of_each_text_alone(rules):
    # Texts are matched in one pass; no match may run from one text into the next
    # (宽带 + 经常断 across the join), and offsets must stay right after a text whose
    # lower case is longer than itself (İ lowers to two characters).
    texts = ["宽带", "经常断网", "", "İ信号还行就是网速慢", "跟网速没关系", "满意", "没有掉线过，信号差"]
    batch = rules.rule_hits_batch(texts)
    assert batch == [rules.rule_hits(text) for text in texts]
    levels = {rules.codes[index]: level for index, (level, _) in batch[3].items()}
    assert levels == {"coverage": VETO, "speed": STRONG}
    assert batch[2] == {} and rules.rule_hits_batch([]) == []


def test_evidence_of_model_only_hits_is_contributing_words(lexicon, segmenter):
    model_only = PainPointClassifier(lexicon.taxonomy, mode="model")
    text = "宽带动不动就断，网速也慢"
    found = dict(model_only.classify(text, segmenter.cut(text)))
    assert set(found) >= {"stability", "speed"}
    assert all(found[code] for code in found)
    assert all(word in text for code in found for word in found[code])


def test_batch_equals_one_by_one(classifier, segmenter):
    texts = [clean_text(t) for t in ("信号差", "满意", "", "套餐太贵，客服态度差", "A" * 300)]
    tokens = [segmenter.cut(text) for text in texts]
    assert classifier.classify_batch(texts, tokens) == [
        classifier.classify(text, toks) for text, toks in zip(texts, tokens)]
    assert classifier.classify_batch([], []) == []


def test_custom_taxonomy_code_unknown_to_the_model_uses_rules(segmenter):
    taxonomy = (Category("speed", "网速", ("网速",), ()),
                Category("five_g", "5G", ("5g套餐", "5G套餐"), ("不是5G套餐",)))
    classifier = PainPointClassifier(taxonomy)
    text = "5G套餐网速太慢"
    assert [code for code, _ in classifier.classify(text, segmenter.cut(text))] == [
        "speed", "five_g"]
    text = "不是5G套餐的事"
    assert "five_g" not in dict(classifier.classify(text, segmenter.cut(text)))


def test_unknown_mode_is_a_config_error(lexicon):
    with pytest.raises(ConfigError, match="unknown classifier mode"):
        PainPointClassifier(lexicon.taxonomy, mode="magic")


def test_missing_model_file_is_a_config_error(lexicon, tmp_path):
    with pytest.raises(ConfigError, match="cannot load pain-point model"):
        PainPointClassifier(lexicon.taxonomy, model=tmp_path / "nothing")


def test_model_round_trip_without_pickle(tmp_path):
    model = PainPointModel(["speed"], ["网速", "w:慢"], np.array([[1.0], [2.0]]), np.array([-1.0]),
                           np.array([[0.5, 0.4, 0.1]]), np.array([0.5]), {"seed": 1})
    model.save(tmp_path / "tiny")
    with np.load(tmp_path / "tiny.npz", allow_pickle=False) as arrays:
        assert set(arrays.files) == {"weights", "bias", "thresholds", "model_thresholds"}
    loaded = PainPointModel.load(tmp_path / "tiny.npz")
    assert loaded.classes == ("speed",) and loaded.info == {"seed": 1}
    np.testing.assert_allclose(loaded.predict_proba(["网速慢"], [["网速", "慢"]]),
                               model.predict_proba(["网速慢"], [["网速", "慢"]]), rtol=1e-3)


@pytest.mark.parametrize("text, tokens", [
    ("网速慢，ok", ["网速", "慢", "ok"]),
    ("", []),
    ("a", ["a"]),
    ("信号不好 A\x00B", ["信号", "不好", "A", "B"]),
])
def test_feature_index_matches_the_plain_feature_list(text, tokens):
    features = sorted(set(char_and_word_features(text, tokens)) | {"网速慢", "w:不相干"})
    matrix = FeatureIndex(features).transform([text, text], [tokens, tokens])
    expected = set(char_and_word_features(text.replace("\x00", " "), tokens))
    assert {features[j] for j in matrix[1].indices} == expected & set(features)
    # unit length, except short comments, which are damped (没有 must not look like a topic)
    found = len(expected & set(features))
    assert np.isclose(np.linalg.norm(matrix[0].toarray()), min(1.0, np.sqrt(found / 12)))


def test_packaged_model_is_small_and_knows_every_category(lexicon):
    model = PainPointModel.load()
    assert set(model.classes) == {category.code for category in lexicon.taxonomy}
    assert model.thresholds.shape == (len(model.classes), 3)
    assert model.info["trained_on"] == "labelled_train.jsonl"


def _micro_f1(gold, predicted):
    tp = sum(len(g & p) for g, p in zip(gold, predicted))
    fp = sum(len(p - g) for g, p in zip(gold, predicted))
    fn = sum(len(g - p) for g, p in zip(gold, predicted))
    return 2 * tp / max(2 * tp + fp + fn, 1)


@pytest.mark.skipif(not DEV.exists(), reason="run scripts/split_labelled.py first")
def test_dev_set_micro_f1_above_floor(classifier, rules, segmenter):
    records = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line]
    texts = [clean_text(record["text"]) for record in records]
    tokens = segmenter.cut_many(texts)
    gold = [set(record["categories"]) for record in records]
    combined = _micro_f1(gold, [{c for c, _ in found}
                                for found in classifier.classify_batch(texts, tokens)])
    rules_only = _micro_f1(gold, [{c for c, _ in found}
                                  for found in rules.classify_batch(texts, tokens)])
    print(f"dev micro-F1: rules {rules_only:.3f}, combined {combined:.3f} "
          f"({len(records)} comments)")
    assert combined >= DEV_MICRO_F1_FLOOR, f"dev micro-F1 {combined:.3f} < {DEV_MICRO_F1_FLOOR}"
    assert combined > rules_only, f"combined {combined:.3f} not above rules only {rules_only:.3f}"


def test_feature_rows_score_exactly_as_the_sparse_matrix_product(segmenter):
    model = PainPointModel.load()
    texts = [clean_text(t) for t in ("网速太慢了，信号也不好，客服态度差", "", "满意", "宽带经常断网" * 30)]
    tokens = segmenter.cut_many(texts)
    matrix = model.transform(texts, tokens)
    rows = model.feature_rows(texts, tokens)
    assert np.array_equal(rows.indptr, matrix.indptr) and np.array_equal(rows.columns, matrix.indices)
    assert np.array_equal(rows.values, matrix.data)
    # The same float32 sums as scipy's CSR product, to the last bit.
    expected = 1.0 / (1.0 + np.exp(-(matrix @ model.weights + model.bias)))
    assert np.array_equal(model.predict_proba(texts, tokens), expected)
    assert np.array_equal(model.predict_proba(texts, tokens, matrix=matrix), expected)
    assert model.predict_proba([], []).shape == (0, len(model.classes))


@pytest.mark.parametrize("raw_text, code", [
    # In a long comment about several things the model spreads its probability thin; the
    # sentence that holds the keyword backs it (before: 'other' for the first, no billing in the second).
    ("电话打不通，女儿说我是空号，谈生意很尴尬，而且乱扣费！我没开什么业务每个月都扣我12块，1年多了还没说法，跟联通比差远了",
     "billing"),
    ("乱扣费！我没开什么业务每个月都扣我四十八块，这不是第一次了，顺便说一句骚扰电话太多，信息是不是泄露了，一天好几个，真的受够了，到底管不管",
     "billing"),
])
def test_a_strong_keyword_in_one_sentence_of_a_long_comment_keeps_its_category(classifier, segmenter, raw_text, code):
    assert code in codes_of(classifier, segmenter, raw_text)


def test_sentences_rescue_only_strong_keywords(classifier, segmenter):
    """No keyword, no rescue: a sentence alone never adds a category the rules did not find."""
    text = clean_text("今天天气不错。我们去公园散步吧！晚上再说")
    assert classifier.classify(text, segmenter.cut(text)) == []


def test_long_comments_recall_on_joined_dev_comments(classifier, segmenter):
    """Dev comments joined two or three at a time (gold: the union of their labels), as long
    multi-issue work orders read. Measured on these 600: micro-F1 0.849, recall 0.795 (before
    sentence support: 0.726 and 0.587); the single dev comments stay at 0.90."""
    import random
    records = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line]
    rng = random.Random(7)
    texts, gold = [], []
    for _ in range(600):
        picked = rng.sample(records, rng.choice((2, 3)))
        texts.append(clean_text(rng.choice(("，", "，而且", "。", "！")).join(r["text"] for r in picked)))
        gold.append(set().union(*(set(r["categories"]) for r in picked)))
    found = classifier.classify_batch(texts, segmenter.cut_many(texts))
    predicted = [{c for c, _ in row} for row in found]
    recall = sum(len(g & p) for g, p in zip(gold, predicted)) / sum(len(g) for g in gold)
    f1 = _micro_f1(gold, predicted)
    print(f"joined dev comments: micro-F1 {f1:.3f}, recall {recall:.3f}")
    assert recall >= 0.72 and f1 >= 0.80
