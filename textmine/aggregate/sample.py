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
    >>> sample.offer(1, lambda: (("网速", "慢"), "neg", ("speed",), ("城市",), "网速太慢"))
"""

import heapq
import sys
from itertools import chain

import numpy as np

SAMPLE_SIZE = 50_000  # comments the word pairs and root causes are counted on
_KEY_BITS = 63  # bits of a non-negative int64: pair code and place packed in one sort key
PAIRED_WORDS = 30  # a comment's pairs are of its first 30 distinct words (in code point order): 435 at most
_MASK64 = (1 << 64) - 1


def sample_key(seed, number):
    """A comment's place in the seeded samples: a 64-bit hash of (seed, its row number).

    A sample keeps the comments with the smallest keys (a uniform sample, as the
    hash spreads the numbers evenly). Unlike a reservoir, which draws in the
    order rows arrive, this picks the same comments however the rows are split
    into partitions and whichever worker counts them (``merge``). splitmix64's
    finaliser.
    """
    z = (seed * 0x9E3779B97F4A7C15 + number * 0xBF58476D1CE4E5B9 + 0x632BE59BD9B4E019) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


class SeededSample:
    """The ``size`` offered items with the smallest ``sample_key``: the same for any split of the rows."""

    def __init__(self, size, seed=0, *, ceiling=None):
        self.size = size
        self.seed = seed
        # Keys from here up cannot make the sample this one is merged into (``ceiling``), so they are
        # not kept: a partition's sample then sends back only the comments that may count.
        self.ceiling = ceiling
        self.seen = 0
        self._heap = []  # (-key, number, item): the largest key kept on top, dropped first

    def offer(self, number, build):
        """Count comment ``number``; ``build()`` makes its item, called only when the sample takes it."""
        self.seen += 1
        key = sample_key(self.seed, number)
        if self.ceiling is not None and key >= self.ceiling:
            return
        key = -key
        heap = self._heap
        if len(heap) < self.size:
            heapq.heappush(heap, (key, number, build()))
        elif key > heap[0][0]:
            heapq.heapreplace(heap, (key, number, build()))

    def merge(self, other):
        """Add the comments ``other`` was offered (the same size and seed, other rows)."""
        self.seen += other.seen
        heap = self._heap
        for entry in other._heap:
            if len(heap) < self.size:
                heapq.heappush(heap, entry)
            elif entry[0] > heap[0][0]:
                heapq.heapreplace(heap, entry)
        return self

    @property
    def bound(self):
        """The key from which a comment cannot enter this sample any more (it is full), or None.

        The ``ceiling`` of a sample of later rows that will be merged into this one.
        """
        return -self._heap[0][0] if len(self._heap) >= self.size else None

    def numbered_items(self):
        """``(number, item)`` of the kept comments, in row order."""
        return sorted((number, item) for _, number, item in self._heap)

    def __len__(self):
        return len(self._heap)


class CommentSample(SeededSample):
    """A seeded sample of ``(content words, sentiment, codes, group values, masked text)``."""

    def __init__(self, size=SAMPLE_SIZE, seed=0, *, ceiling=None):
        super().__init__(size, seed, ceiling=ceiling)

    def offer(self, number, build):
        def item():
            words, sentiment, codes, groups, text = build()
            # Interned: the sample's comments share one copy of each word and group value.
            return (tuple(map(sys.intern, words)), sentiment, tuple(codes), tuple(map(sys.intern, groups)), text)
        super().offer(number, item)

    def merge(self, other, group_value=None):
        """Add ``other``'s comments; ``group_value(column index, value)`` renames their group values
        (a group the whole run folds into ``(其他值)``, unknown to the partition that counted it)."""
        if group_value is not None:
            other._heap = [(key, number, (words, sentiment, codes,
                                          tuple(sys.intern(group_value(index, value))
                                                for index, value in enumerate(groups)), text))
                           for key, number, (words, sentiment, codes, groups, text) in other._heap]
        return super().merge(other)

    @property
    def scale(self):
        """Comments offered per comment kept: 1.0 while every comment is in the sample."""
        return self.seen / len(self._heap) if self._heap else 1.0

    def items(self):
        """The kept items, in row order."""
        return [item for _, item in self.numbered_items()]

    def estimate(self, count):
        """A count over the sample as a count over every comment offered."""
        return count if self.seen <= self.size else round(count * self.scale)


def word_pairs(sample, top=30):
    """The ``top`` word pairs that most comments use together: ``[((word, word), count)]``.

    A pair used once is left out; the order is the count's, then the pairs' first use.
    Counted with numpy, not a Counter of tuples: a full sample holds some ten million
    pairs, which took 1.9 CPU s that way against 0.5 s this way on 20,000 distinct
    review-length comments (the same list; benchmarks/README.md).
    """
    vocabulary, word_ids = {}, []  # word -> its number; the numbers of each comment's words
    for words, *_ in sample.items():
        if words:
            chosen = sorted(set(words))[:PAIRED_WORDS]
            if len(chosen) > 1:
                word_ids.append([vocabulary.setdefault(word, len(vocabulary)) for word in chosen])
    if not word_ids:
        return []
    pair_codes, firsts, counts = _pair_counts(word_ids, len(vocabulary))
    best = np.lexsort((firsts, -counts))[:top]  # most comments first, then first used first
    words = list(vocabulary)
    size = len(vocabulary)
    return [((words[code // size], words[code % size]), sample.estimate(count))
            for code, count in zip(pair_codes[best].tolist(), counts[best].tolist())]


def _pair_counts(word_ids, size):
    """Each pair used more than once: its code (first word's number * size + second's), first use, count.

    A comment's pairs are those of ``itertools.combinations`` over its word numbers;
    the comments with the same number of words are one matrix, their pairs one gather.
    Sorted by code, then place of use, each pair's first use comes first; where code
    and place fit in one int64 together (always, but for samples of millions of
    distinct words), one sort of the packed keys does it, twice as fast as lexsort.
    """
    lengths = np.fromiter(map(len, word_ids), dtype=np.int64, count=len(word_ids))
    flat = np.fromiter(chain.from_iterable(word_ids), dtype=np.int64, count=int(lengths.sum()))
    starts = np.cumsum(lengths) - lengths
    most_pairs = PAIRED_WORDS * (PAIRED_WORDS - 1) // 2
    codes, places = [], []
    for length in np.unique(lengths).tolist():
        comments = np.flatnonzero(lengths == length)
        ids = flat[starts[comments][:, None] + np.arange(length)]
        first, second = np.triu_indices(length, 1)  # combinations' order
        codes.append((ids[:, first] * size + ids[:, second]).ravel())
        places.append((comments[:, None] * most_pairs + np.arange(len(first))).ravel())
    codes, places = np.concatenate(codes), np.concatenate(places)
    place_bits = (len(word_ids) * most_pairs).bit_length()
    if (size * size).bit_length() + place_bits <= _KEY_BITS:
        keys = np.sort((codes << place_bits) | places)
        codes, places = keys >> place_bits, keys & ((1 << place_bits) - 1)
    else:
        order = np.lexsort((places, codes))
        codes, places = codes[order], places[order]
    group_starts = np.flatnonzero(np.concatenate(([True], codes[1:] != codes[:-1])))
    counts = np.diff(np.append(group_starts, len(codes)))
    used_again = counts > 1
    group_starts = group_starts[used_again]
    return codes[group_starts], places[group_starts], counts[used_again]
