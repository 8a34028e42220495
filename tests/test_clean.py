"""Tests for textmine.text.clean: tables of (text_in, expected) per function."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textmine.text.emoji import EMOJI_TAGS
from textmine.text.junk import junk_reason
from textmine.text.clean import (
    clean_text,
    clean_texts,
    make_pipeline,
    normalize_whitespace,
    normalize_width,
    remove_control_chars,
    replace_emoji,
    squeeze_repeats,
    strip_html,
    to_simplified,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ＶＩＰ客户", "VIP客户"),
        ("１０８６元", "1086元"),
        ("网速\u3000慢", "网速 慢"),
        ("网速慢，信号差！真的吗？（急）：；", "网速慢，信号差！真的吗？（急）：；"),
        ("ａｂｃ＠１６３．ｃｏｍ", "abc@163.com"),
        ("100％", "100%"),
        ("｢你好｣､", "「你好」、"),
        ("①②10²㎡", "①②10²㎡"),  # NFKC would turn 10² into 102
        ("plain ASCII", "plain ASCII"),
        ("", ""),
    ],
)
def test_normalize_width(text, expected):
    assert normalize_width(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("寬頻斷線訊號很差", "宽频断线讯号很差"),
        ("電話費太貴了", "电话费太贵了"),
        ("网速很慢", "网速很慢"),
        ("5G OK", "5G OK"),
        ("", ""),
        ("寬\ud800頻", "宽\ud800频"),  # a lone surrogate does not crash the converter
    ],
)
def test_to_simplified(text, expected):
    assert to_simplified(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("好好好好好", "好好"),
        ("好好", "好好"),
        ("慢慢来", "慢慢来"),
        ("!!!!!!", "!"),
        ("！！！", "！"),
        ("？？？!!!", "？!"),
        ("垃圾垃圾垃圾", "垃圾"),
        ("垃圾垃圾", "垃圾垃圾"),
        ("垃圾！垃圾！垃圾！", "垃圾！"),
        ("哈哈哈哈哈哈", "哈哈"),
        ("太差太差太差太差了", "太差了"),
        ("10086", "10086"),
        ("1000000元", "1000000元"),
        ("888888", "888888"),
        ("121212", "121212"),
        ("jjjjjjj", "jj"),
        ("www.10086.cn", "www.10086.cn"),
        ("http://a.cn", "http://a.cn"),
        ("------", "-"),
        ("--", "--"),
        ("无语......", "无语…"),
        ("无语。。。。", "无语…"),
        ("无语……", "无语…"),
        ("[怒][怒][怒]", "[怒]"),
        ("网速慢", "网速慢"),
    ],
)
def test_squeeze_repeats(text, expected):
    assert squeeze_repeats(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<b>网速</b>慢", "网速慢"),
        ("网速&nbsp;慢", "网速\xa0慢"),
        ("A&amp;B &lt;5M", "A&B <5M"),
        ("<p>一</p><p>二</p>", "\n一\n\n二\n"),
        ("行1<br/>行2", "行1\n行2"),
        ("<script>var x=1;</script>正文", "正文"),
        ("<!-- 注释 -->正文", "正文"),
        ("<手机号>来电", "<手机号>来电"),  # masking tags are not HTML
        ("网速<5M，延迟>100ms", "网速<5M，延迟>100ms"),
        ("no tags", "no tags"),
    ],
)
def test_strip_html(text, expected):
    assert strip_html(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  网速   慢  ", "网速 慢"),
        ("网速\t慢", "网速 慢"),
        ("网速\u3000\xa0慢", "网速 慢"),
        ("第一行\r\n\n  第二行", "第一行\n第二行"),
        ("信号\u200b差\ufeff", "信号差"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_normalize_whitespace(text, expected):
    assert normalize_whitespace(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("网速\x00慢", "网速慢"),
        ("a\x1bb\x7fc\x85d\x9fe", "abcde"),
        ("保留\t制表\n换行", "保留\t制表\n换行"),
        ("行1\r\n行2\r行3", "行1\n行2\n行3"),
        ("普通文本", "普通文本"),
    ],
)
def test_remove_control_chars(text, expected):
    assert remove_control_chars(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("客服态度😡", "客服态度[怒]"),
        ("😠🤬", "[怒][怒]"),
        ("👎💩", "[差评][差评]"),
        ("😊😄", "[笑][笑]"),
        ("👍🏻", "[赞]"),  # skin tone modifier
        ("❤️", "[爱心]"),  # variation selector
        ("🌹", "[鲜花]"),
        ("😂", "[笑哭]"),
        ("🤦‍♂️无语", "[捂脸]无语"),  # ZWJ sequence
        ("[微笑][怒]", "[微笑][怒]"),  # Weibo codes are left as they are
        ("🦄网速", "网速"),  # unknown emoji removed
        ("★★★★★好评", "★★★★★好评"),  # rating stars are not emoji
        ("好的:)", "好的[笑]"),
        ("好的：）", "好的[笑]"),
        ("^_^", "[笑]"),
        ("又断网了:(", "又断网了[哭]"),
        ("T_T", "[哭]"),
        ("orz", "[失望]"),
        ("-_-||", "[无语]"),
        ("注:(1)网速慢", "注:(1)网速慢"),
        ("(╯°□°)╯︵┻━┻", "[怒]"),
        ("XDSL宽带", "XDSL宽带"),
    ],
)
def test_replace_emoji(text, expected):
    assert replace_emoji(text) == expected


def test_replace_emoji_unknown_option():
    assert replace_emoji("🦄网速😡", unknown="[表情]") == "[表情]网速[怒]"


def test_emoji_tags_fit_phrase_squeeze():
    # Two characters at most, so three in a row fold into one.
    for tag in EMOJI_TAGS:
        assert squeeze_repeats(tag * 3) == tag


def test_make_pipeline_order():
    pipeline = make_pipeline(strip_html, normalize_whitespace, str.upper)
    assert pipeline("<b>ab</b>   cd") == "AB CD"
    assert make_pipeline()("x") == "x"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<p>寬頻ＡＤＳＬ斷線了！！！😡😡😡</p>", "宽频ADSL断线了！[怒]"),
        ("  网速\x00太慢了！！！！  ", "网速太慢了！"),
        ("垃圾垃圾垃圾联通&nbsp;👎", "垃圾联通 [差评]"),
        ("客服1000０号打不通", "客服10000号打不通"),
        ("满意", "满意"),
        ("", ""),
    ],
)
def test_clean_text(text, expected):
    assert clean_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "empty"),
        ("   \n\t", "empty"),
        ("nan", "empty"),
        ("#N/A", "empty"),
        ("NULL", "empty"),
        ("10", None),  # a bare survey score is the answer of an SMS reply
        ("5", None),
        ("。。。！！", "meaningless"),
        ("???", "meaningless"),
        ("★★★", "meaningless"),
        ("asdfgh", "meaningless"),
        ("jjjjjj", "meaningless"),
        ("qwerqwer", "meaningless"),
        ("sdfghjkl", "meaningless"),
        ("啊啊啊啊", "meaningless"),
        ("哈哈", "meaningless"),
        ("无", None),
        ("满意", None),
        ("一般", None),
        ("好", None),
        ("ok", None),
        ("good", None),
        ("property", None),  # a keyboard run of four inside a real word
        ("5G", None),
        ("👍", None),  # a known emoji is a sentiment
        ("[赞]", None),
        (":)", None),
        ("网速太慢了", None),
        ("兼职刷单日结，加微信abc12345", "spam"),
        ("点击链接 http://t.cn/abc 领取优惠券", "spam"),
        ("收到短信说兼职刷单加微信abc12345，这种骚扰短信你们不管吗", None),
        ("营业厅推广人员让我扫码办理", None),
        ("好好好好好好好好好好好好", "spam"),
        ("好 好 好 好 好 好 好 好 好 好 坏 坏 坏", "spam"),  # two characters and spaces, past the first 16
        ("好好好好好好好好好好好好好好好好好好好好差评", None),  # a third character after the first 16
        ("啊啊啊啊啊啊啊啊啊啊啊", "meaningless"),
    ],
)
def test_junk_reason(text, expected):
    assert junk_reason(text) == expected


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_arbitrary_text_never_crashes(text):
    cleaned = clean_text(text)
    assert isinstance(cleaned, str)
    assert junk_reason(text) in (None, "empty", "meaningless", "spam")
    assert junk_reason(cleaned) in (None, "empty", "meaningless", "spam")


_FEEDBACK_CHARS = st.sampled_from(
    list("网速信号宽带断线客服好慢差贵垃圾哈啊！!？?，。. 　ＡＢ１２ab12😡👍😂🦄\n\t<>&;")
)


@settings(max_examples=200, deadline=None)
@given(st.text(_FEEDBACK_CHARS, max_size=40))
def test_clean_text_is_idempotent_on_feedback_like_text(text):
    # Not promised for every string: "&amp;amp;" decodes one level per run.
    once = clean_text(text)
    assert clean_text(once) == once


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["垃圾", "好", "慢", "哈哈", "差评", "ab", "1", " ", "！", "\x00", "寬頻",
                                          "😡", "。", "x", "\n", "\r", "\u200b", "<b>", "&amp;", "ＶＩＰ", "１",
                                          ":)", "^_^", "-", "_", "…", "j", "?", "鬱", "👍🏻", "\u3000"]),
                         max_size=14).map("".join), max_size=8))
def test_a_batch_is_cleaned_as_each_text_alone(texts):
    assert clean_texts(texts) == [clean_text(text) for text in texts]


def test_a_batch_with_newlines_and_traditional_characters_is_cleaned_as_each_text_alone():
    texts = ["寬頻\n斷線", "", "訊號\n\n很差", "ok", "網速。。。慢！！！", "\n", "好好好好，--，jjjj"]
    assert clean_texts(texts) == [clean_text(text) for text in texts]


def test_chinese_characters_fold_only_from_three_as_the_repeat_test_assumes():
    # _repeat_candidates skips pairs of these: they are word characters, folded from three.
    from textmine.text.clean import CJK_WORD_LAST

    assert CJK_WORD_LAST >= 0x9FFC
    assert re.fullmatch(r"\w+", "".join(map(chr, range(0x4E00, CJK_WORD_LAST + 1))))
    assert all(not re.match(r"\w", chr(code)) for code in range(CJK_WORD_LAST + 1, 0xA000))
    # and such characters in pairs are cleaned in a batch as each text alone
    texts = ["好好", chr(CJK_WORD_LAST) * 2, "\u9fff\u9fff信号"]
    assert clean_texts(texts) == [clean_text(text) for text in texts]


def test_repeated_phrases_are_folded_in_a_batch():
    texts = ["网速慢网速慢网速慢", "好的", "垃圾垃圾垃圾，信号差差差差", "abcabcabc"]
    assert clean_texts(texts) == ["网速慢", "好的", "垃圾，信号差差", "abc"]
