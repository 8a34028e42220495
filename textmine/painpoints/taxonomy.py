"""The pain-point categories of a run: their codes, names and report order.

One ``Taxonomy`` is built from the taxonomy file a run uses (``--taxonomy``, or
the packaged ``dictionaries/taxonomy.tsv``) and handed to every stage that
names or orders categories, so a custom taxonomy of three categories reports
those three, by their own names, everywhere. ``other`` (其他: none of the
categories) is implicit: it is never listed in a file and always comes last.
"""

import functools
from dataclasses import dataclass, field

from textmine.errors import ConfigError
from textmine.text.lexicon import load_lexicon

from textmine.record import OTHER  # noqa: F401 (part of this package's face)

OTHER_NAME = "其他"


@dataclass(frozen=True)
class Taxonomy:
    """Codes and names of the categories, in file order, ``other`` last.

    ``categories`` are the ``(code, name)`` pairs of the file, without ``other``;
    an empty name stands for the code.

        >>> taxonomy = Taxonomy.load("my_taxonomy.tsv")     # None: the packaged one
        >>> taxonomy.codes, taxonomy.name("net")
        (('net', 'fee', 'svc', 'other'), '网络质量')
    """

    categories: tuple[tuple[str, str], ...]
    _names: dict = field(init=False, repr=False, compare=False)
    _positions: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        pairs = tuple((str(code), str(name or code)) for code, name in self.categories)
        codes = [code for code, _ in pairs]
        if OTHER in codes:
            raise ConfigError(f"taxonomy: {OTHER!r} is implicit and must not be listed")
        duplicates = sorted({code for code in codes if codes.count(code) > 1})
        if duplicates:
            raise ConfigError(f"taxonomy: duplicate category {duplicates[0]!r}")
        names = dict(pairs)
        names[OTHER] = OTHER_NAME
        # Frozen: the derived lookups are set once, here.
        object.__setattr__(self, "categories", pairs)
        object.__setattr__(self, "_names", names)
        object.__setattr__(self, "_positions", {code: index for index, code in enumerate(names)})

    @classmethod
    def from_categories(cls, categories):
        """The taxonomy of ``Category`` records (anything with ``.code`` and ``.name``), in their order.

            >>> Taxonomy.from_categories(load_lexicon().taxonomy).codes[0]
            'coverage'
        """
        return cls(tuple((category.code, category.name) for category in categories))

    @classmethod
    def load(cls, path=None):
        """The taxonomy of the file at ``path``, or the packaged one when ``path`` is None.

        Read as the classifier reads it (``load_lexicon``), so the report names
        exactly the categories the comments were sorted into. Cheap: no jieba.

            >>> Taxonomy.load().name("coverage")
            '信号覆盖'
        """
        if path is None:
            return _packaged_taxonomy()
        return cls.from_categories(load_lexicon(taxonomy_file=path).taxonomy)

    @property
    def codes(self):
        """Every code in report order: file order, then ``other``."""
        return tuple(self._names)

    @property
    def names(self):
        """``{code: name}`` for every code, ``other`` included (a copy: the taxonomy does not change)."""
        return dict(self._names)

    def name(self, code):
        """The name of a category; an unknown code is its own name."""
        return self._names.get(code, code)

    def code_of(self, code_or_name):
        """The code of a category given by its code or its name (计费扣费 -> billing); None when neither.

            >>> Taxonomy.load().code_of("计费扣费"), Taxonomy.load().code_of("billing")
            ('billing', 'billing')
        """
        if code_or_name in self._names:
            return code_or_name
        return next((code for code, name in self._names.items() if name == code_or_name), None)

    def order(self, code):
        """Sort key of a code: file order, ``other`` last, unknown codes after it by code."""
        return (self._positions.get(code, len(self._positions)), code)

    def __contains__(self, code):
        return code in self._names


@functools.lru_cache(maxsize=1)
def _packaged_taxonomy():
    """The packaged taxonomy, read once: every Aggregator without a taxonomy asks for it."""
    return Taxonomy.from_categories(load_lexicon().taxonomy)
