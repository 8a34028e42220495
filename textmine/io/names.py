"""Column names that stay unique, so that no cell overwrites another.

Exports repeat header names (two 备注 columns), leave them blank, or use a name
that textmine writes itself (``categories``, ``source_file``); masking can turn
two names into one (电话13800138000 and 电话13912345678 both become
电话<手机号>). Every column keeps its values under a name of its own: a taken
name gets the first free suffix ``_2``, ``_3``... Work is linear in the number
of columns, however many share a name (a header of 100,000 columns is read in
well under a second).

    >>> UniqueNames(["备注"]).claim("备注")
    '备注_2'
"""


class UniqueNames:
    """The names taken so far; ``claim`` returns a name not taken yet and takes it."""

    def __init__(self, taken=()):
        self.taken = set(taken)
        self._next_suffix = {}  # name -> the suffix to try first: no name is tried twice

    def claim(self, name):
        """``name`` if it is free, else ``name_N`` for the first free N from 2; taken from now on."""
        if name not in self.taken:
            self.taken.add(name)
            return name
        suffix = self._next_suffix.get(name, 2)
        while f"{name}_{suffix}" in self.taken:
            suffix += 1
        self._next_suffix[name] = suffix + 1
        unique = f"{name}_{suffix}"
        self.taken.add(unique)
        return unique


def unique_names(names):
    """``names`` with each repeat given the first free suffix, in order.

    >>> unique_names(["a", "a", "a_2", "b"])
    ['a', 'a_3', 'a_2', 'b']
    """
    names = list(names)
    free = UniqueNames()
    # The first of each name keeps it, even when a later repeat would otherwise claim it first.
    first = {}
    for index, name in enumerate(names):
        first.setdefault(name, index)
    free.taken.update(first)
    return [name if first[name] == index else free.claim(name) for index, name in enumerate(names)]
