"""The one bounded memo every cache in textmine uses.

Feedback repeats itself (满意, 无, the same pasted complaint, the same words),
so each stage remembers what it computed for a key it has seen. Memory must
not grow with the input, so a memo holds at most ``limit`` entries and empties
itself when it is full: simpler and cheaper per lookup than a least-recently
used order, and the working set refills within a chunk or two.

    >>> lengths = BoundedMemo(2, len)
    >>> lengths["网速"], len(lengths)
    (2, 1)
"""


class BoundedMemo(dict):
    """A dict of computed values, emptied when it holds ``limit`` entries.

    With ``compute``, ``memo[key]`` computes a missing value and remembers it;
    without, a missing key raises KeyError as in a dict. ``get`` is dict's own
    (no Python code runs on a hit), which is why this subclasses dict.
    """

    def __init__(self, limit, compute=None):
        super().__init__()
        if limit < 1:
            raise ValueError("a memo holds at least one entry")
        self.limit = limit
        self.compute = compute

    def __missing__(self, key):
        if self.compute is None:
            raise KeyError(key)
        value = self.compute(key)
        self.remember(key, value)
        return value

    def remember(self, key, value):
        """Store one value, emptying the memo first if it is full."""
        if len(self) >= self.limit:
            self.clear()
        self[key] = value

    def remember_many(self, pairs):
        """Store ``(key, value)`` pairs; the memo is emptied first if they would not fit."""
        pairs = pairs if isinstance(pairs, (list, tuple)) else list(pairs)
        if len(self) + len(pairs) > self.limit:
            self.clear()
        self.update(pairs)
