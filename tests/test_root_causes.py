"""Root causes of a short board: the terms that set one group's comments on a category apart."""

import random
from collections import Counter

from textmine.aggregate.root_causes import TermCounts, comment_terms, distinctive_terms


def test_a_planted_group_vocabulary_is_found_and_shared_words_are_not():
    rng = random.Random(3)
    counts = TermCounts()
    shared = ["余额", "提醒", "不及时", "欠费", "停机"]
    for i in range(300):
        value = "500以上" if i % 3 == 0 else ("50以下" if i % 3 == 1 else "50-500")
        words = rng.sample(shared, 3)
        if value == "500以上" and i % 2 == 0:
            words += ["客户经理", "电话"]
        if value == "50以下" and i % 2 == 1:
            words += ["短信", "明细"]
        counts.add("月ARPU", value, ["billing"], comment_terms(words), f"第{i}条评论")
    high = counts.reasons("月ARPU", "500以上", "billing")
    low = counts.reasons("月ARPU", "50以下", "billing")
    assert high[0]["term"] in {"客户经理", "电话", "客户经理电话"} and high[0]["score"] > 3
    assert {"短信", "明细"} & {item["term"] for item in low}
    assert not {"余额", "提醒", "欠费"} & {item["term"] for item in high + low}
    assert all(len(item["examples"]) <= 2 and item["examples"] for item in high)
    assert counts.reasons("月ARPU", "50-500", "billing") == []


def test_rare_terms_are_shrunk_by_the_prior():
    group = Counter({"网速": 60, "信号": 36, "罕见词": 2})
    rest = Counter({"网速": 500, "信号": 300})
    assert [item["term"] for item in distinctive_terms(group, rest, min_count=1)] == []
    assert distinctive_terms(Counter(), rest) == []


def test_terms_count_once_per_comment_and_phrases_join_neighbours():
    assert comment_terms(["短信", "短信", "提醒"]) == {"短信", "提醒", "短信提醒"}


def test_term_memory_is_bounded():
    counts = TermCounts(limit=50)
    for i in range(2000):
        counts.add("地市", "广州", ["speed"], {f"词{i}", "网速"}, "")
    assert len(counts.counts[("地市", "广州", "speed")]) <= 50
    assert counts.counts[("地市", "广州", "speed")]["网速"] > 1000
