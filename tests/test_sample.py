"""The seeded sample of comments that word pairs and root causes are counted on."""

from textmine.aggregate.sample import CommentSample, word_pairs


def _item(i):
    return (("网速", "慢", f"词{i % 7}"), "neg", ("speed",), ("城市",), f"第{i}条")


def test_every_comment_is_kept_in_order_while_the_sample_has_room():
    sample = CommentSample(size=10)
    for i in range(8):
        sample.offer(lambda i=i: _item(i))
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
            sample.offer(build)
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
        sample.offer(lambda i=i: _item(i))
    sample.offer(lambda: (("独一", "无二"), "neu", (), ("城市",), "一次"))
    sample.offer(lambda: ((), "neu", (), ("城市",), "无词"))
    pairs = word_pairs(sample)
    assert pairs[0] == (("慢", "网速"), 20)
    assert (("慢", "词0"), 3) in pairs and not any("独一" in pair for pair, _ in pairs)
