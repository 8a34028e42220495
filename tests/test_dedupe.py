"""Tests for textmine.text.dedupe: exact and near duplicates, what is never merged."""

import pytest

from textmine.text.dedupe import DuplicateFinder
from textmine.errors import ConfigError

COMPLAINT = "家里宽带每天晚上都断网，打客服也没用，要求尽快处理"


def _first_dup(first, second, **options):
    finder = DuplicateFinder(**options)
    assert finder.check("r1", first) is None
    return finder.check("r2", second)


@pytest.mark.parametrize(
    "second",
    [
        COMPLAINT,  # exact
        "家里宽带每天晚上都断网。打客服也没用！要求尽快处理！！",  # punctuation changed
        "家里宽带 每天晚上 都断网 打客服也没用 要求尽快处理",  # spaces
        "家里宽带每天晚上都断网，打客服也没有用，要求尽快处理",  # one character inserted
        "家里宽带每天晚上都掉网，打客服也没用，要求尽快处理",  # one character replaced
        "家里宽带每天晚上断网，打客服也没用，要求尽快处理",  # one character deleted
        "ＡＢ家里宽带每天晚上都断网，打客服也没用，要求尽快处理",  # width and an edit
    ],
)
def test_duplicates_found(second):
    assert _first_dup(COMPLAINT, second) == "r1"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("满意", "满意"),  # short survey answers are opinions, not copies
        ("无", "无"),
        ("信号差信号差", "信号差信号差"),
        ("宽带网速太慢了经常掉线", "手机网速太慢了信号也差"),
        ("用户来电反映家里宽带无法上网，要求尽快处理", "用户来电反映家里固话无法拨出，要求尽快处理"),
        ("营业厅排队两个小时，工作人员不懂业务", "套餐太贵了，流量根本不够用，老用户不如新用户"),
        ("网络信号不好，希望改进一下", "网络信号很好，希望保持一下"),
    ],
)
def test_not_merged(first, second):
    assert _first_dup(first, second) is None


def test_reports_the_first_original_and_remembers_only_originals():
    finder = DuplicateFinder()
    assert finder.check("a", COMPLAINT) is None
    assert finder.check("b", "手机信号太差了，在家里经常没有信号，希望改善") is None
    assert finder.check("c", COMPLAINT + "！") == "a"
    assert finder.check("d", COMPLAINT.replace("都", "")) == "a"
    assert finder.check("e", COMPLAINT.replace("都", "")) == "a"  # exact copy of a near copy
    assert len(finder) == 2


def test_min_chars_option():
    assert _first_dup("满意满意", "满意满意", min_chars=4) == "r1"


def test_deterministic_across_instances():
    texts = [f"第{i % 37}号小区宽带经常断网，已经报修{i % 5}次了" for i in range(300)]

    def run():
        finder = DuplicateFinder()
        return [finder.check(str(i), t) for i, t in enumerate(texts)]

    assert run() == run()


@pytest.mark.parametrize(
    "options",
    [{"min_chars": 1}, {"threshold": 0}, {"threshold": 1.5}, {"bins": 21, "bands": 5}],
)
def test_bad_options(options):
    with pytest.raises(ConfigError):
        DuplicateFinder(**options)


def test_odd_text_does_not_crash():
    finder = DuplicateFinder()
    for i, text in enumerate(["", "\ud800" * 20, "😡" * 30, "a\x00b" * 10, "１２３４５６７８９０" * 3]):
        finder.check(str(i), text)


def test_batch_signatures_equal_one_by_one():
    texts = [COMPLAINT, "家里宽带每天晚上都掉网，打客服也没用，要求尽快处理", "", "满意", "短短的",
             "ＡＢＣ１２３家里宽带每天晚上都断网", "ﬁﬁﬁﬁ家里宽带每天晚上都断网",  # folds to two letters
             "Straße ist gut, gut, gut", "😀😀😀😀😀😀😀😀😀😀😀😀", "\ud800家里宽带每天晚上都断网了",
             "，，，，，，，，，，，，，，，，", "a" * 400, COMPLAINT]
    finder = DuplicateFinder()
    assert finder.signatures(texts) == [finder.signature(text) for text in texts]
    assert finder.signatures([]) == []
    assert finder.signatures(["满意", ""]) == [None, None]
    narrow = DuplicateFinder(min_chars=4, bins=12, bands=3)
    assert narrow.signatures(texts) == [narrow.signature(text) for text in texts]
