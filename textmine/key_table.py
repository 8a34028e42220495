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
    """Integer keys (uint64, below 2**64 - 1) -> integer values; ``missing`` for unknown keys.

    Each slot holds its key and its value side by side (16 bytes), so a probe
    gathers both in one read of memory; most keys are settled by that first
    probe, and only the few that find another key in their slot probe on.
    (Keys and values in two arrays, with every key in a loop of rounds, took
    7.3 µs a comment for the pain-point model's n-grams; this takes 2.7.)
    """

    def __init__(self, keys, values, *, missing=-1, dtype=np.int64):
        keys = np.asarray(keys, dtype=np.uint64)
        self.missing = missing
        self.dtype = dtype
        self.bits = len(keys).bit_length() + 3
        self.mask = (1 << self.bits) - 1
        table_keys = np.full(1 << self.bits, _EMPTY_KEY, dtype=np.uint64)
        table_values = np.full(1 << self.bits, missing, dtype=np.int64)
        self._insert(table_keys, table_values, keys, np.asarray(values, dtype=np.int64))
        slots = np.empty((1 << self.bits, 2), dtype=np.int64)  # (key, value) a slot; the empty key is -1
        slots[:, 0], slots[:, 1] = table_keys.view(np.int64), table_values
        self._slot_items = slots.view(np.dtype((np.void, 16))).ravel()  # one opaque item a slot: take() copies it whole

    def _slots(self, keys):
        with np.errstate(over="ignore"):
            return ((keys * _MULTIPLIER) >> np.uint64(64 - self.bits)).astype(np.intp)

    def _insert(self, table_keys, table_values, keys, values):
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
            winners &= table_keys[wanted] == empty
            placed = pending[winners]
            table_keys[slots[placed]] = keys[placed]
            table_values[slots[placed]] = values[placed]
            pending = pending[~winners]
            slots[pending] = (slots[pending] + 1) & self.mask

    def _probe(self, slots):
        """(key, value) of each slot, as two int64 columns."""
        return self._slot_items.take(slots).view(np.int64).reshape(len(slots), 2)

    def lookup(self, keys):
        """The value of each key (a uint64 array); ``missing`` for keys not in the table."""
        keys = np.asarray(keys, dtype=np.uint64).view(np.int64)
        slots = self._slots(keys.view(np.uint64))
        probed = self._probe(slots)
        hit = probed[:, 0] == keys
        values = np.where(hit, probed[:, 1], self.missing).astype(self.dtype, copy=False)
        # Keys whose slot holds another key probe on; an empty slot ends the search.
        pending = np.flatnonzero(~hit & (probed[:, 0] != -1))
        slots, keys = slots[pending], keys[pending]
        while len(pending):
            slots = (slots + 1) & self.mask
            probed = self._probe(slots)
            hit = probed[:, 0] == keys
            values[pending[hit]] = probed[hit, 1]
            going = ~hit & (probed[:, 0] != -1)
            pending, slots, keys = pending[going], slots[going], keys[going]
        return values
