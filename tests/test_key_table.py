"""The integer-key hash table the models look their n-gram features up in."""

import numpy as np

from textmine.key_table import KeyTable


def test_every_key_finds_its_value_and_others_the_missing_value():
    # 5,000 keys in 2**16 slots: many want a slot already taken, so probing is exercised.
    rng = np.random.default_rng(7)
    keys = np.unique(rng.integers(0, 2**63, size=5000, dtype=np.int64)).astype(np.uint64)
    values = np.arange(len(keys)) * 3
    table = KeyTable(keys, values)
    assert table.lookup(keys).tolist() == values.tolist()
    unknown = np.setdiff1d(rng.integers(0, 2**63, size=5000, dtype=np.int64).astype(np.uint64), keys)
    assert set(table.lookup(unknown).tolist()) == {-1}


def test_keys_that_differ_only_in_their_high_bits_and_a_chosen_missing_value():
    keys = (np.arange(1, 15, dtype=np.uint64) << np.uint64(60)) | np.uint64(5)
    table = KeyTable(keys, np.arange(14), missing=0, dtype=np.int32)
    assert table.lookup(keys[::-1]).tolist() == list(range(13, -1, -1))
    assert table.lookup(np.array([5, 0], dtype=np.uint64)).tolist() == [0, 0]
    assert table.lookup(keys).dtype == np.int32


def test_an_empty_table_and_an_empty_lookup():
    table = KeyTable(np.array([], dtype=np.uint64), np.array([], dtype=np.int64))
    assert table.lookup(np.array([1, 2], dtype=np.uint64)).tolist() == [-1, -1]
    assert KeyTable(np.array([3], dtype=np.uint64), np.array([9])).lookup(np.array([], dtype=np.uint64)).tolist() == []
