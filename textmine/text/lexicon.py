"""The dictionaries textmine reads, and the data types every stage receives.

Four kinds of file live in ``dictionaries/`` (format: ``dictionaries/README.md``):
a jieba user dictionary, stopwords, synonyms and the pain-point taxonomy. The
packaged files are always loaded first; analysts extend them with their own
files (``--dict``, ``--stopwords``, ``--synonyms``) or replace the taxonomy
(``--taxonomy``). Each parser reads UTF-8 with or without a BOM, skips blank
lines and ``#`` comments, and names the file and line of a bad entry, because
an analyst editing a file in Notepad needs to know exactly where to look.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path

from textmine.errors import DictionaryError, InputError
from textmine.resources import dictionary_file

USER_DICT = "user_dict.txt"
STOPWORDS = "stopwords.txt"
SYNONYMS = "synonyms.txt"
TAXONOMY = "taxonomy.tsv"

TAXONOMY_HEADER = ("code", "name", "keywords", "exclusions")

# jieba only ever emits words made of these characters (its re_han_default);
# a dictionary word with any other character could never come out of cut().
_SEGMENTABLE = re.compile(r"[\u4E00-\u9FD5a-zA-Z0-9+#&._%\-]+")
_TAG = re.compile(r"[a-z]+")
_CODE = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class Category:
    """One pain-point category of the taxonomy (a row of taxonomy.tsv)."""

    code: str
    name: str
    keywords: tuple[str, ...]
    exclusions: tuple[str, ...]


@dataclass(frozen=True)
class Lexicon:
    """Everything the segmenter and the classifier need from the dictionaries.

    ``synonyms`` maps each variant straight to its final canonical word (chains
    are already resolved). ``taxonomy`` is in file order; ``other`` is implicit.
    """

    user_words: tuple[tuple[str, int | None, str | None], ...]
    stopwords: frozenset[str]
    synonyms: dict[str, str]
    taxonomy: tuple[Category, ...]


def _source_name(path):
    """The file name an error message shows: what the user typed, or the file name."""
    if isinstance(path, (str, os.PathLike)):
        return str(path)
    return getattr(path, "name", str(path))


def _entries(path):
    """Yield (source, line_number, line) for each non-blank, non-comment line.

    ``line`` has its line break and surrounding spaces removed; reading with
    utf-8-sig drops the BOM that Windows editors put at the start.
    """
    source = _source_name(path)
    resource = Path(path) if isinstance(path, (str, os.PathLike)) else path
    try:
        text = resource.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"dictionary file not found: {source}") from None
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{source}: not UTF-8 ({exc.reason} at byte {exc.start}); save it as UTF-8"
        ) from None
    except OSError as exc:
        raise InputError(f"cannot read dictionary file {source}: {exc.strerror}") from None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line and not line.startswith("#"):
            yield source, number, line


def read_user_dict(path):
    """Read a jieba user dictionary: one ``word [freq] [tag]`` entry a line.

    freq must be a positive integer (jieba treats 0 as "delete", which would
    change jieba's global state); tag is lower-case letters (nz, n, v ...).

    >>> read_user_dict(dictionary_file("user_dict.txt"))[0][0]
    '中国移动'
    """
    entries = []
    for source, number, line in _entries(path):
        fields = line.split()
        word, freq, tag = fields[0], None, None
        rest = fields[1:]
        if rest and rest[0].isdigit():
            freq = int(rest.pop(0))
            if freq <= 0:
                raise DictionaryError(
                    source, number, line, reason="frequency must be a positive integer"
                )
        if rest and _TAG.fullmatch(rest[0]):
            tag = rest.pop(0)
        if rest:
            raise DictionaryError(source, number, line)
        if not _SEGMENTABLE.fullmatch(word):
            raise DictionaryError(
                source, number, line, reason="word with characters the segmenter splits on"
            )
        entries.append((word, freq, tag))
    return tuple(entries)


def read_stopwords(path):
    """Read a stopword list: one word a line.

    >>> "您好" in read_stopwords(dictionary_file("stopwords.txt"))
    True
    """
    words = set()
    for source, number, line in _entries(path):
        if len(line.split()) != 1:
            raise DictionaryError(source, number, line, reason="more than one word on a line")
        words.add(line)
    return frozenset(words)


def _synonym_entries(path):
    """Yield (variant, canonical, source, line_number, line) for a synonyms file."""
    seen = {}
    for source, number, line in _entries(path):
        words = line.split()
        if len(words) < 2:
            raise DictionaryError(source, number, line, reason="synonym line without variants")
        canonical = words[0]
        for variant in words[1:]:
            if variant == canonical:
                continue
            if seen.get(variant, canonical) != canonical:
                raise DictionaryError(
                    source, number, line,
                    reason=f"variant {variant!r} already maps to {seen[variant]!r}",
                )
            seen[variant] = canonical
            yield variant, canonical, source, number, line


def read_synonyms(path):
    """Read a synonyms file into {variant: canonical}, chains resolved.

    Each line is ``canonical<TAB or space>variant variant ...``.

    >>> read_synonyms(dictionary_file("synonyms.txt"))["宽频"]
    '宽带'
    """
    return _resolve_synonyms(list(_synonym_entries(path)))


def _resolve_synonyms(entries):
    """Merge entries (later ones win) and point every variant at its final word.

    a -> b and b -> c becomes a -> c; a loop (a -> b, b -> a) is an error that
    names the entry read last among the loop's, because no canonical word
    could be chosen.
    """
    mapping, origin = {}, {}
    for order, (variant, canonical, source, number, line) in enumerate(entries):
        mapping[variant] = canonical
        origin[variant] = (order, source, number, line)
    resolved = {}
    for variant in mapping:
        path, word = [variant], mapping[variant]
        while word in mapping:
            if word in path:
                loop = path[path.index(word):]
                _, source, number, line = max(origin[member] for member in loop)
                raise DictionaryError(
                    source, number, line, reason=f"synonym loop {' -> '.join(path + [word])}"
                )
            path.append(word)
            word = mapping[word]
        resolved[variant] = word
    return resolved


def read_taxonomy(path):
    """Read taxonomy.tsv into Category tuples, in file order.

    Header ``code<TAB>name<TAB>keywords<TAB>exclusions``; keywords and
    exclusions are ``|``-separated and exclusions may be empty or left out.

    >>> read_taxonomy("tests/fixtures/taxonomy_small.tsv")[0].code
    'speed'
    """
    categories, codes, header_seen = [], set(), False
    for source, number, line in _entries(path):
        columns = [column.strip() for column in line.split("\t")]
        if not header_seen:
            if tuple(columns) != TAXONOMY_HEADER:
                raise DictionaryError(
                    source, number, line,
                    reason="taxonomy header must be code<TAB>name<TAB>keywords<TAB>exclusions",
                )
            header_seen = True
            continue
        if len(columns) not in (3, 4):
            raise DictionaryError(
                source, number, line,
                reason=f"wrong number of columns ({len(columns)}, expected 4)",
            )
        code, name, keywords = columns[:3]
        exclusions = columns[3] if len(columns) == 4 else ""
        if not _CODE.fullmatch(code):
            raise DictionaryError(source, number, line, reason=f"invalid category code {code!r}")
        if code == "other":
            raise DictionaryError(
                source, number, line, reason="'other' is implicit and must not be listed"
            )
        if code in codes:
            raise DictionaryError(source, number, line, reason=f"duplicate category {code!r}")
        words = _split_bar(keywords)
        if not words:
            raise DictionaryError(source, number, line, reason="category without keywords")
        codes.add(code)
        categories.append(Category(code, name or code, words, _split_bar(exclusions)))
    if not header_seen:
        raise InputError(f"{_source_name(path)}: taxonomy file has no header line")
    return tuple(categories)


def _split_bar(cell):
    """Split a '|'-separated cell; empty pieces (a trailing '|') are ignored."""
    return tuple(piece.strip() for piece in cell.split("|") if piece.strip())


# Every worker process loads the packaged lexicon: parse each file once.
@functools.lru_cache(maxsize=None)
def _packaged_user_words():
    return read_user_dict(dictionary_file(USER_DICT))


@functools.lru_cache(maxsize=None)
def _packaged_stopwords():
    return read_stopwords(dictionary_file(STOPWORDS))


@functools.lru_cache(maxsize=None)
def _packaged_synonym_entries():
    return tuple(_synonym_entries(dictionary_file(SYNONYMS)))


@functools.lru_cache(maxsize=None)
def _packaged_taxonomy():
    resource = dictionary_file(TAXONOMY)
    if not resource.is_file():
        raise InputError(
            f"the packaged taxonomy dictionaries/{TAXONOMY} is missing; "
            "pass a taxonomy file (--taxonomy)"
        )
    return read_taxonomy(resource)


def load_lexicon(*, user_dicts=(), stopword_files=(), synonym_files=(), taxonomy_file=None):
    """Load the packaged dictionaries, extended by the analyst's own files.

    User dictionaries, stopwords and synonyms add to the packaged ones (a later
    entry for the same word wins); ``taxonomy_file`` replaces the taxonomy.

    >>> lexicon = load_lexicon(user_dicts=["my_words.txt"])
    >>> lexicon.synonyms["宽频"]
    '宽带'
    """
    words = {entry[0]: entry for entry in _packaged_user_words()}
    for path in user_dicts:
        words.update((entry[0], entry) for entry in read_user_dict(path))
    stopwords = set(_packaged_stopwords())
    for path in stopword_files:
        stopwords |= read_stopwords(path)
    entries = list(_packaged_synonym_entries())
    for path in synonym_files:
        entries.extend(_synonym_entries(path))
    taxonomy = read_taxonomy(taxonomy_file) if taxonomy_file is not None else _packaged_taxonomy()
    return Lexicon(
        user_words=tuple(words.values()),
        stopwords=frozenset(stopwords),
        synonyms=_resolve_synonyms(entries),
        taxonomy=taxonomy,
    )
