"""A fixed table from integer keys to integer values, looked up a whole array at a time.

The models turn the character n-grams of a batch of comments into integer keys
(code points side by side, 21 bits each) and need, for every key, the row or
column of that feature. ``KeyTable`` is an open-addressing hash table in numpy:
a batch of keys is settled in a few vectorised probes instead of one dictionary
lookup (or one binary search) each. The table is kept about a tenth full, so
nearly every key is settled by its first probe (linear probing).

    >>> table = KeyTable(np.array([7, 42], dtype=np.uint64), np.array([1, 2]))
    >>> table.lookup(np.array([42, 5, 7], dtype=np.uint64)).tolist()
    [2, -1, 1]
"""

import numpy as np

_EMPTY_KEY = 2**64 - 1  # an empty slot; keys must be below it
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: the top bits of key * this


class KeyTable:
    """Integer keys (uint64, below 2**64 - 1) -> integer values; ``missing`` for unknown keys."""

    def __init__(self, keys, values, *, missing=-1, dtype=np.int64):
        keys = np.asarray(keys, dtype=np.uint64)
        self.missing = missing
        self.bits = len(keys).bit_length() + 3
        self.mask = (1 << self.bits) - 1
        self.keys = np.full(1 << self.bits, _EMPTY_KEY, dtype=np.uint64)
        self.values = np.full(1 << self.bits, missing, dtype=dtype)
        self._insert(keys, np.asarray(values, dtype=dtype))

    def _slots(self, keys):
        with np.errstate(over="ignore"):
            return ((keys * _MULTIPLIER) >> np.uint64(64 - self.bits)).astype(np.intp)

    def _insert(self, keys, values):
        """Linear probing, all keys at once: in each round, every key whose slot is
        free and that is the first to want it takes it; the others try the next slot.

        A key only passes slots that are taken, so ``lookup`` finds it.
        """
        slots = self._slots(keys)
        pending = np.arange(len(keys))
        empty = np.uint64(_EMPTY_KEY)
        while len(pending):
            wanted = slots[pending]
            order = np.argsort(wanted, kind="stable")
            first = np.ones(len(order), dtype=bool)
            first[1:] = wanted[order][1:] != wanted[order][:-1]
            winners = np.zeros(len(pending), dtype=bool)
            winners[order[first]] = True
            winners &= self.keys[wanted] == empty
            placed = pending[winners]
            self.keys[slots[placed]] = keys[placed]
            self.values[slots[placed]] = values[placed]
            pending = pending[~winners]
            slots[pending] = (slots[pending] + 1) & self.mask

    def lookup(self, keys):
        """The value of each key (a uint64 array); ``missing`` for keys not in the table."""
        keys = np.asarray(keys, dtype=np.uint64)
        values = np.full(len(keys), self.missing, dtype=self.values.dtype)
        slots = self._slots(keys)
        pending = np.arange(len(keys))
        empty = np.uint64(_EMPTY_KEY)
        while len(pending):
            found = self.keys[slots]
            hit = found == keys
            values[pending[hit]] = self.values[slots[hit]]
            more = ~hit & (found != empty)
            pending, keys = pending[more], keys[more]
            slots = (slots[more] + 1) & self.mask
        return values
