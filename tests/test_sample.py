"""The seeded sample of comments that word pairs and root causes are counted on."""

import random

import pytest

from textmine.aggregate import sample as sample_module
from textmine.aggregate.sample import PAIRED_WORDS, CommentSample, word_pairs


def _item(i):
    return (("网速", "慢", f"词{i % 7}"), "neg", ("speed",), ("城市",), f"第{i}条")


def test_every_comment_is_kept_in_order_while_the_sample_has_room():
    sample = CommentSample(size=10)
    for i in range(8):
        sample.offer(i + 1, lambda i=i: _item(i))
    assert [text for *_, text in sample.items()] == [f"第{i}条" for i in range(8)]
    assert sample.scale == 1.0 and sample.estimate(3) == 3


def test_a_full_sample_stays_its_size_is_repeatable_and_scales_its_counts():
    def run(seed):
        sample = CommentSample(size=100, seed=seed)
        built = 0
        for i in range(10_000):
            def build(i=i):
                nonlocal built
                built += 1
                return _item(i)
            sample.offer(i + 1, build)
        return sample, built

    sample, built = run(0)
    texts = [text for *_, text in sample.items()]
    assert len(texts) == 100 and built < 1000  # items are built only when the sample takes them
    assert texts == sorted(texts, key=lambda text: int(text[1:-1]))  # in the order offered
    assert texts == [text for *_, text in run(0)[0].items()] != [text for *_, text in run(1)[0].items()]
    assert sample.scale == 100.0 and sample.estimate(3) == 300


def test_word_pairs_count_comments_most_first_and_leave_single_uses_out():
    sample = CommentSample(size=100)
    for i in range(20):
        sample.offer(i + 1, lambda i=i: _item(i))
    sample.offer(21, lambda: (("独一", "无二"), "neu", (), ("城市",), "一次"))
    sample.offer(22, lambda: ((), "neu", (), ("城市",), "无词"))
    pairs = word_pairs(sample)
    assert pairs[0] == (("慢", "网速"), 20)
    assert (("慢", "词0"), 3) in pairs and not any("独一" in pair for pair, _ in pairs)


def _pairs_by_counter(sample, top):
    """word_pairs as first written, with a Counter of tuples: the reference for the numpy count."""
    from collections import Counter
    from itertools import combinations

    pairs = Counter()
    for words, *_ in sample.items():
        if words:
            pairs.update(combinations(sorted(set(words))[:PAIRED_WORDS], 2))
    return [(pair, sample.estimate(count)) for pair, count in pairs.most_common(top) if count > 1]


@pytest.mark.parametrize("packed", [True, False], ids=["one-sort", "lexsort"])
def test_word_pairs_are_those_of_a_counter_of_tuples_ties_in_order_of_first_use(monkeypatch, packed):
    if not packed:  # the path for samples of millions of distinct words, where a packed key would overflow
        monkeypatch.setattr(sample_module, "_KEY_BITS", 8)
    rng = random.Random(7)
    words = ["网速", "慢", "信号", "差", *(f"词{i}" for i in range(300))]
    for trial in range(60):
        sample = CommentSample(size=rng.choice([5, 60, 400]), seed=trial)
        vocabulary = words[:rng.choice([3, 12, len(words)])]
        for number in range(1, 1 + rng.choice([0, 1, 4, 40, 600])):
            comment = tuple(rng.choice(vocabulary) for _ in range(rng.randint(0, 45)))  # some over 30 words
            sample.offer(number, lambda comment=comment: (comment, "neg", (), (), "某条"))
        top = rng.choice([1, 5, 30, 10_000])
        assert word_pairs(sample, top) == _pairs_by_counter(sample, top), trial


def test_a_sample_split_and_merged_is_the_sample_of_the_whole_and_draws_evenly():
    whole = CommentSample(size=300, seed=3)
    parts = [CommentSample(size=300, seed=3) for _ in range(4)]
    cuts = [0, 700, 701, 5000, 10_000]
    for index, (start, stop) in enumerate(zip(cuts, cuts[1:])):
        for number in range(start + 1, stop + 1):
            whole.offer(number, lambda number=number: _item(number))
            parts[index].offer(number, lambda number=number: _item(number))
    merged = CommentSample(size=300, seed=3)
    for part in parts:
        merged.merge(part)
    assert merged.items() == whole.items() and merged.seen == whole.seen == 10_000
    numbers = [int(text[1:-1]) for *_, text in whole.items()]
    # Uniform: about 30 of the 300 in each tenth of the rows (a binomial's 99.9 % range is 14 to 48).
    assert all(14 <= sum(1 for n in numbers if tenth * 1000 <= n < (tenth + 1) * 1000) <= 48 for tenth in range(10))


def test_a_merged_sample_renames_group_values():
    part = CommentSample(size=10)
    part.offer(1, lambda: (("网速",), "neg", (), ("城市", "A套餐"), "一条"))
    merged = CommentSample(size=10).merge(part, lambda index, value: "(其他值)" if value == "A套餐" else value)
    assert merged.items()[0][3] == ("城市", "(其他值)")


def test_a_part_given_the_bound_of_the_sample_so_far_keeps_only_what_may_count_and_merges_the_same():
    whole, merged = CommentSample(size=50, seed=1), CommentSample(size=50, seed=1)
    kept_by_parts = 0
    for start in range(0, 5000, 500):
        part = CommentSample(size=50, seed=1, ceiling=merged.bound)
        for number in range(start + 1, start + 501):
            whole.offer(number, lambda number=number: _item(number))
            part.offer(number, lambda number=number: _item(number))
        kept_by_parts += len(part)
        merged.merge(part)
        assert merged.items() == whole.items() and merged.seen == whole.seen
    assert merged.bound is not None and kept_by_parts < 50 + 9 * 25  # later parts keep few
