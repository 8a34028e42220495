"""Root causes of a short board: the terms that set one group's comments on a category apart."""

import random
from collections import Counter

from textmine.aggregate.root_causes import GroupTerms, comment_terms, distinctive_terms


def _planted_items(rows=300):
    """(words, sentiment, codes, group values, text) of comments on billing by 月ARPU band."""
    rng = random.Random(3)
    shared = ["余额", "提醒", "不及时", "欠费", "停机"]
    items = []
    for i in range(rows):
        value = "500以上" if i % 3 == 0 else ("50以下" if i % 3 == 1 else "50-500")
        words = rng.sample(shared, 3)
        if value == "500以上" and i % 2 == 0:
            words += ["客户经理", "电话"]
        if value == "50以下" and i % 2 == 1:
            words += ["短信", "明细"]
        items.append((tuple(words), "neg", ("billing",), (value,), f"第{i}条评论"))
    return items


def test_a_planted_group_vocabulary_is_found_and_shared_words_are_not():
    counts = GroupTerms(_planted_items(), ["月ARPU"])
    high = counts.reasons("月ARPU", "500以上", "billing")
    low = counts.reasons("月ARPU", "50以下", "billing")
    assert high[0]["term"] in {"客户经理", "电话", "客户经理电话"} and high[0]["score"] > 3
    assert {"短信", "明细"} & {item["term"] for item in low}
    assert not {"余额", "提醒", "欠费"} & {item["term"] for item in high + low}
    assert all(len(item["examples"]) <= 2 and item["examples"] for item in high)
    assert counts.reasons("月ARPU", "50-500", "billing") == []
    assert counts.reasons("地市", "广州", "billing") == [] and counts.reasons("月ARPU", "500以上", "speed") == []


def test_reasons_count_comments_exactly_with_the_first_examples_and_leave_praise_out():
    items = _planted_items()
    counts = GroupTerms(items + [(("客户经理", "电话"), "pos", ("billing",), ("50以下",), "夸奖")], ["月ARPU"])
    reason = next(item for item in counts.reasons("月ARPU", "500以上", "billing") if item["term"] == "客户经理")
    users = [text for words, _, _, (value,), text in items if value == "500以上" and "客户经理" in words]
    assert reason["count"] == len(users) == 50
    assert reason["examples"] == users[:2] == ["第0条评论", "第6条评论"]


def test_counts_are_estimated_for_the_whole_when_taken_on_a_sample():
    counts = GroupTerms(_planted_items(), ["月ARPU"], estimate=lambda count: count * 10)
    reason = next(item for item in counts.reasons("月ARPU", "500以上", "billing") if item["term"] == "客户经理")
    assert reason["count"] == 500


def test_rare_terms_are_shrunk_by_the_prior():
    group = Counter({"网速": 60, "信号": 36, "罕见词": 2})
    rest = Counter({"网速": 500, "信号": 300})
    assert [item["term"] for item in distinctive_terms(group, rest, min_count=1)] == []
    assert distinctive_terms(Counter(), rest) == []


def test_terms_count_once_per_comment_and_phrases_join_neighbours():
    assert comment_terms(["短信", "短信", "提醒"]) == {"短信", "提醒", "短信提醒"}
