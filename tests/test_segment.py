"""Tests for textmine.text.segment: telecom-aware cutting and content words."""

import logging
import pickle
import re
from pathlib import Path

import jieba
import pytest
from jieba import finalseg

from textmine.text import segment
from textmine.text.lexicon import load_lexicon
from textmine.text.segment import MEANINGFUL_CHARS, Segmenter

SMALL_TAXONOMY = Path(__file__).parent / "fixtures" / "taxonomy_small.tsv"

def global_jieba_state():
    """What a Segmenter must never change in the global jieba."""
    return (
        jieba.dt.initialized,
        len(jieba.dt.FREQ),
        dict(jieba.dt.user_word_tag_tab),
        set(finalseg.Force_Split_Words),
        logging.getLogger("jieba").level,
    )


# Checked before any Segmenter exists in this module, to prove it leaves jieba alone.
GLOBAL_JIEBA_BEFORE = global_jieba_state()


@pytest.fixture(scope="module")
def lexicon():
    return load_lexicon(taxonomy_file=SMALL_TAXONOMY)


@pytest.fixture(scope="module")
def segmenter(lexicon):
    return Segmenter(lexicon)


TERMS = (
    "携号转网 光猫 副卡 10000号 10086 10010 定向流量 中国移动 天翼 沃派 全球通 大王卡 营业厅 "
    "网上营业厅 4G 5G VoLTE 基站 信号格 机顶盒 IPTV 千兆 限速 漫游 月租 话费 套餐外 扣费 "
    "欠费停机 合约期 违约金 亲情号 实名制 工单 回访 报修 装机 销户 过户 补卡 移动公司 电信局 "
    "信号差 网速慢 乱扣费 掉线 推诿 态度差 广州移动 联通宽带"
).split()


@pytest.mark.parametrize("term", TERMS)
@pytest.mark.parametrize("template", ["{}", "我的{}有问题", "你们{}太差了", "办了{}以后"])
def test_telecom_terms_stay_whole(segmenter, lexicon, term, template):
    expected = lexicon.synonyms.get(term, term)
    assert expected in segmenter.cut(template.format(term))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("携号转网以后网速很慢", ["携号转网", "以后", "网速", "很", "慢"]),
        ("宽频经常断线", ["宽带", "经常", "掉线"]),
        ("套参太贵了", ["套餐", "太", "贵", "了"]),
        ("信hao不好", ["信号", "不好"]),
        ("移动客服打不通", ["10086", "打不通"]),
        ("寬頻斷線", ["宽带", "掉线"]),
        ("用volte打电话", ["用", "VoLTE", "打电话"]),
        ("VOLTE和wifi都不行", ["VoLTE", "和", "WiFi", "都", "不行"]),
        ("4g信号", ["4G", "信号"]),
        ("iptv很卡", ["IPTV", "很", "卡"]),
        ("SIM卡坏了", ["SIM卡", "坏", "了"]),
        ("sim卡坏了", ["SIM卡", "坏", "了"]),
        ("电信局的师傅", ["中国电信", "的", "师傅"]),
    ],
)
def test_cut_maps_synonyms(segmenter, text, expected):
    assert segmenter.cut(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("网速很慢", ["网速", "很", "慢"]),
        ("网络很卡有时候打不开", ["网络", "很", "卡", "有时候", "打不开"]),
        ("信号很差有时没服务", ["信号", "很", "差", "有时", "没", "服务"]),
        ("套餐太贵", ["套餐", "太", "贵"]),
        ("资费不贵", ["资费", "不", "贵"]),
        ("不是不满意", ["不是", "不", "满意"]),
        ("没什么问题", ["没什么", "问题"]),
        ("网好卡", ["网", "好", "卡"]),
    ],
)
def test_cut_keeps_single_characters_and_negations(segmenter, text, expected):
    assert segmenter.cut(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("网速慢！！ 真的。", ["网速慢", "真的"]),
        ("  \t\n ", []),
        ("", []),
        ("……", []),
        ("宽带，光猫；机顶盒", ["宽带", "光猫", "机顶盒"]),
        ("太慢了...真的", ["太", "慢", "了", "真的"]),
    ],
)
def test_cut_drops_whitespace_and_punctuation(segmenter, text, expected):
    assert segmenter.cut(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("宽带又断了[怒][怒]", ["宽带", "又", "断", "了", "[怒]", "[怒]"]),
        ("[笑]客服不错", ["[笑]", "客服", "不错"]),
        ("联系电话<手机号>，光猫坏了", ["联系电话", "<手机号>", "光猫", "坏", "了"]),
    ],
)
def test_cut_keeps_emoji_words_and_mask_tags_whole(segmenter, text, expected):
    assert segmenter.cut(text) == expected


def test_cut_never_changes_stopwords_or_drops_them(segmenter):
    assert segmenter.cut("您好，无") == ["您好", "无"]


def test_cut_many(segmenter):
    texts = ["光猫坏了", "满意", ""]
    assert segmenter.cut_many(texts) == [segmenter.cut(text) for text in texts]


@pytest.mark.parametrize(
    "tokens, expected",
    [
        (["您好", "网速", "很", "慢"], ["网速", "慢"]),
        (["谢谢", "暂无", "无"], []),
        (["2024", "10086", "12300", "三"], ["10086", "12300"]),
        (["卡", "贵", "差", "坑", "的", "了", "a"], ["卡", "贵", "差", "坑"]),
        (["[怒]", "<手机号>", "光猫"], ["光猫"]),
        (["不", "没", "信号"], ["信号"]),
        # Judgement and survey boilerplate say how, not what: not topic words.
        (["满意", "一般", "希望改进", "吐槽一下", "宽带"], ["宽带"]),
    ],
)
def test_content_words(segmenter, tokens, expected):
    assert segmenter.content_words(tokens) == expected


def test_meaningful_chars_are_single_characters():
    assert all(len(char) == 1 for char in MEANINGFUL_CHARS)
    assert {"慢", "卡", "贵", "差"} <= MEANINGFUL_CHARS


_JIEBA_WORD = re.compile(r"[\u4E00-\u9FD5a-zA-Z0-9+#&._%\-]+")


def test_every_packaged_user_word_survives_in_a_sentence(segmenter, lexicon):
    broken = []
    for word, _, _ in lexicon.user_words:
        expected = lexicon.synonyms.get(word, word)
        if expected not in segmenter.cut(f"我的{word}有问题"):
            broken.append(word)
    assert broken == []


def test_every_synonym_variant_is_cut_whole_and_mapped(segmenter, lexicon):
    broken = [
        variant
        for variant, canonical in lexicon.synonyms.items()
        if _JIEBA_WORD.fullmatch(variant) and segmenter.cut(variant) != [canonical]
    ]
    assert broken == []


def test_user_extension_words_are_kept(tmp_path):
    words = tmp_path / "words.txt"
    words.write_text("魔盒子宽带 500 nz\n", encoding="utf-8")
    synonyms = tmp_path / "syn.txt"
    synonyms.write_text("魔盒子宽带\t魔盒宽带\n", encoding="utf-8")
    own = Segmenter(load_lexicon(
        user_dicts=[words], synonym_files=[synonyms], taxonomy_file=SMALL_TAXONOMY,
    ))
    assert own.cut("我家的魔盒子宽带又断了") == ["我家", "的", "魔盒子宽带", "又", "断", "了"]
    assert own.cut("魔盒宽带") == ["魔盒子宽带"]


def test_hmm_can_be_switched_off(lexicon):
    plain = Segmenter(lexicon, hmm=False)
    assert plain.cut("携号转网以后网速很慢") == ["携号转网", "以后", "网速", "很", "慢"]


def test_full_token_memos_empty_and_cut_the_same(monkeypatch, lexicon, segmenter):
    monkeypatch.setattr(segment, "TOKEN_CACHE_SIZE", 3)
    small = Segmenter(lexicon)
    texts = ["携号转网以后网速很慢", "宽频经常断线[怒]", "光猫坏了", "携号转网以后网速很慢", "10086打不通"]
    for text in texts:
        tokens = small.cut(text)
        assert tokens == segmenter.cut(text)
        assert small.content_words(tokens) == segmenter.content_words(tokens)
    assert len(small._done) <= 3 and len(small._content) <= 3


def test_segmenter_survives_pickling(segmenter):
    copy = pickle.loads(pickle.dumps(segmenter))
    text = "宽频经常断线，客服推诿[怒]"
    assert copy.cut(text) == segmenter.cut(text)
    assert copy.hmm == segmenter.hmm


def test_global_jieba_is_untouched(segmenter):
    segmenter.cut("携号转网以后光猫坏了")
    assert global_jieba_state() == GLOBAL_JIEBA_BEFORE
    assert "携号转网" not in jieba.dt.FREQ


@pytest.mark.parametrize("engine", ["jieba", "rjieba"])
def test_both_engines_keep_telecom_terms_whole(engine):
    from textmine.text.lexicon import load_lexicon
    from textmine.text.segment import Segmenter

    segmenter = Segmenter(load_lexicon(), engine=engine)
    assert segmenter.engine == engine
    assert segmenter.cut("携号转网以后光猫和副卡都有问题，10000号打不通，定向流量限速") == [
        "携号转网", "以后", "光猫", "和", "副卡", "都", "有", "问题", "10000号", "打不通", "定向流量", "限速"]


def test_engines_agree_on_the_labelled_comments():
    import json
    from pathlib import Path

    from textmine.text.clean import clean_text
    from textmine.text.lexicon import load_lexicon
    from textmine.text.segment import Segmenter

    path = Path(__file__).resolve().parent / "data" / "labelled_dev.jsonl"
    texts = [clean_text(json.loads(line)["text"]) for line in path.read_text(encoding="utf-8").splitlines()]
    lexicon = load_lexicon()
    reference = Segmenter(lexicon, engine="jieba").cut_many(texts)
    fast = Segmenter(lexicon, engine="rjieba").cut_many(texts)
    identical = sum(a == b for a, b in zip(reference, fast)) / len(texts)
    assert identical >= 0.97, f"rjieba and jieba agree on {identical:.1%} of dev comments"


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=150, deadline=None)
@given(st.text(st.characters(blacklist_categories=["Cs"]), max_size=80))
def test_arbitrary_unicode_never_crashes_segmentation(text):
    from textmine.text.clean import clean_text
    from textmine.text.lexicon import load_lexicon
    from textmine.text.segment import Segmenter

    segmenter = _shared_segmenter(Segmenter, load_lexicon)
    tokens = segmenter.cut(clean_text(text))
    assert all(isinstance(token, str) and token.strip() for token in tokens)
    assert set(segmenter.content_words(tokens)) <= set(tokens)


def _shared_segmenter(segmenter_class, load, _cache={}):
    if "segmenter" not in _cache:
        _cache["segmenter"] = segmenter_class(load())
    return _cache["segmenter"]


def test_rjieba_loaded_without_its_default_tokenizer_cuts_the_same():
    rjieba = pytest.importorskip("rjieba")
    from textmine.text.segment import _rjieba_class

    texts = ["携号转网以后网速很慢", "宽带经常断线，客服也没人管", "5G套餐资费太贵了"]
    ours, theirs = _rjieba_class()(), rjieba.Jieba()
    for hmm in (True, False):
        assert [ours.cut(t, hmm) for t in texts] == [theirs.cut(t, hmm) for t in texts]
