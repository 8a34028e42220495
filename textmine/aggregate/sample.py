"""A seeded sample of the analysed comments, for the counts too costly to keep for every comment.

Word pairs and the root causes of short boards count every term of a comment
(a review-length comment has some 30 terms and 200 word pairs) in every group
and category it belongs to. Kept for every comment, these counts were most of
``analyze``'s time on a large input (about 0.5 ms a comment, 1,000,000 distinct
comments: some 8 of its 13 minutes), and their memory had to be capped by
dropping rare terms on the way, which made them approximate and dependent on the
order of the rows. Instead they are counted exactly, once, on a seeded uniform
sample of at most ``SAMPLE_SIZE`` comments (as the topic model is fitted on
one): on every comment of a smaller input, so that what it reports is exact
there; beyond, a count is the sample's scaled up to the whole (``scale``).

    >>> sample = CommentSample(seed=0)
    >>> sample.offer(lambda: (("网速", "慢"), "neg", ("speed",), ("城市",), "网速太慢"))
"""

import random
import sys
from collections import Counter
from itertools import combinations

SAMPLE_SIZE = 50_000  # comments the word pairs and root causes are counted on
PAIRED_WORDS = 30  # a comment's pairs are of its first 30 distinct words (in code point order): 435 at most


class CommentSample:
    """A seeded reservoir of ``(content words, sentiment, codes, group values, masked text)``."""

    def __init__(self, size=SAMPLE_SIZE, seed=0):
        self.size = size
        self.random = random.Random(seed)
        self.seen = 0
        self._items = []  # (place among the comments offered, item)

    def offer(self, build):
        """Count one comment; ``build()`` makes its item, called only when the sample takes it."""
        self.seen += 1
        if len(self._items) < self.size:
            slot = len(self._items)
            self._items.append(None)
        else:
            slot = self.random.randrange(self.seen)
            if slot >= self.size:
                return
        words, sentiment, codes, groups, text = build()
        # Interned: the sample's comments share one copy of each word and group value.
        self._items[slot] = (self.seen, (tuple(map(sys.intern, words)), sentiment, tuple(codes),
                                         tuple(map(sys.intern, groups)), text))

    @property
    def scale(self):
        """Comments offered per comment kept: 1.0 while every comment is in the sample."""
        return self.seen / len(self._items) if self._items else 1.0

    def items(self):
        """The kept items, in the order they were offered."""
        return [item for _, item in sorted(self._items, key=lambda entry: entry[0])]

    def estimate(self, count):
        """A count over the sample as a count over every comment offered."""
        return count if self.seen <= self.size else round(count * self.scale)


def word_pairs(sample, top=30):
    """The ``top`` word pairs that most comments use together: ``[((word, word), count)]``.

    A pair used once is left out; the order is the count's, then the pairs' first use.
    """
    pairs = Counter()
    for words, *_ in sample.items():
        if words:
            pairs.update(combinations(sorted(set(words))[:PAIRED_WORDS], 2))
    return [(pair, sample.estimate(count)) for pair, count in pairs.most_common(top) if count > 1]
