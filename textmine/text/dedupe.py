"""Find exact and near duplicate comments in one pass over the rows.

The same complaint is often pasted twice (two channels, a re-opened work
order, a customer submitting a form again) with small edits. Analyses should
count it once, so each row gets the id of the first earlier row it duplicates.

Exact duplicates: a 64-bit BLAKE2b hash of the normalised text (case folded,
full-width folded, punctuation, symbols, emoji and whitespace removed), so
"网速太慢！！" and "网速太慢。" match.

Near duplicates: the character bigrams of the normalised text go through one
hash function and are spread over ``bins`` bins, keeping the minimum of each
bin (one-permutation MinHash). The bins are grouped into bands; rows that
share a band are candidates, and a candidate is a duplicate when the share of
equal bins (an estimate of the Jaccard similarity of the bigram sets) reaches
``threshold``. One edited, inserted or deleted character changes at most four
bigrams, hence at most four bins, so with five bands at least one band is
unchanged and the earlier row is always found as a candidate.

Short texts are never checked (``min_chars``, default 10 characters after
normalisation): thousands of identical "满意", "无" or "信号差" survey answers
are independent opinions, not copies, and must each be counted.

Memory is bounded per row: a row keeps its id, 4 bytes per bin, one exact
hash and one dictionary entry per band; never the text. Everything is
deterministic: hashes are BLAKE2b or fixed integer arithmetic, never Python's
salted ``hash()`` of strings.
"""

import sys
import unicodedata
from array import array
from functools import partial
from hashlib import blake2b
from itertools import repeat
from operator import countOf, eq, mod, xor

import numpy as np

from textmine.errors import ConfigError
from textmine.memo import BoundedMemo

__all__ = ["DuplicateFinder", "comparison_key"]

_KEY_MASK = (1 << 58) - 1
_EMPTY = 1 << 30  # value of a bin that no bigram fell into; hashes are below 2**30


def _fold(code_point):
    """What a character becomes in the comparison key: letters and digits folded, the rest dropped.

    NFKC (full-width -> ASCII) is too aggressive for display but fine for a
    comparison key.
    """
    char = chr(code_point)
    return unicodedata.normalize("NFKC", char).casefold() if char.isalnum() else None


def _char_hash(salt, char):
    """Random 30-bit value of a character, derived from BLAKE2b: the same in every run.

    A bigram's hash is the XOR of its first character's value under one salt and
    its second character's value under another (tabulation hashing): two lookups
    instead of hashing a string, and uniform over all bits.
    """
    digest = blake2b(char.encode("utf-8", "surrogatepass"), digest_size=4, person=salt)
    return int.from_bytes(digest.digest(), "big") >> 2


# Per-character memos: one entry per character met, so this limit (every code
# point) is never reached. _FOLD is a str.translate table filled on demand,
# which keeps the folding of a text in C.
_CODE_POINTS = sys.maxunicode + 1
_FOLD = BoundedMemo(_CODE_POINTS, _fold)
_FIRST = BoundedMemo(_CODE_POINTS, partial(_char_hash, b"textmine-first"))
_SECOND = BoundedMemo(_CODE_POINTS, partial(_char_hash, b"textmine-second"))


_DROPPED, _SEVERAL = 2**32 - 1, 2**32 - 2  # what _FOLD makes of a code point, besides one char


class _CodePointTables:
    """``_FOLD``, ``_FIRST`` and ``_SECOND`` as numpy arrays indexed by code point.

    Filled as characters come; the arrays span every code point, but only the
    pages of the characters met are ever written, so they cost memory only for
    those. ``fold`` holds the one code point a character folds to, or
    _DROPPED, or _SEVERAL when it folds to more than one (ﬁ -> fi).
    """

    def __init__(self):
        self.fold = np.zeros(0x110000, dtype=np.uint32)
        self.first = np.zeros(0x110000, dtype=np.uint32)
        self.second = np.zeros(0x110000, dtype=np.uint32)
        self.folded_known = np.zeros(0x110000, dtype=bool)
        self.hashed_known = np.zeros(0x110000, dtype=bool)

    def folded(self, codes):
        self._learn(codes, self.folded_known, self._learn_fold)
        return self.fold[codes]

    def hashes(self, codes):
        """(first, second) hash of each code point in ``codes``."""
        self._learn(codes, self.hashed_known, self._learn_hashes)
        return self.first[codes], self.second[codes]

    @staticmethod
    def _learn(codes, known, learn):
        new = codes[~known[codes]]
        if len(new):
            for code in set(new.tolist()):
                learn(code)
            known[new] = True

    def _learn_fold(self, code):
        value = _FOLD[code]
        self.fold[code] = _DROPPED if value is None else ord(value) if len(value) == 1 else _SEVERAL

    def _learn_hashes(self, code):
        char = chr(code)
        self.first[code], self.second[code] = _FIRST[char], _SECOND[char]


_CODE_POINT_TABLES = []  # made on first use: most processes never batch signatures


def comparison_key(text):
    """``text`` as two texts are compared: letters and digits only, width-folded (NFKC) and case-folded.

    >>> comparison_key("网速 太慢！！ＯＫ")
    '网速太慢ok'
    """
    return text.translate(_FOLD)


class DuplicateFinder:
    """Remember rows one by one and report exact or near duplicates.

    Feed cleaned text (``clean_text``) for the best results; raw text works.

    >>> finder = DuplicateFinder()
    >>> finder.check("r1", "家里宽带每天晚上都断网，打客服也没用")
    >>> finder.check("r2", "家里宽带每天晚上都断网了，打客服也没用！")
    'r1'
    """

    def __init__(self, *, min_chars=10, threshold=0.85, bins=20, bands=5):
        if min_chars < 2:
            raise ConfigError("min_chars must be at least 2")
        if not 0.0 < threshold <= 1.0:
            raise ConfigError("threshold must be in (0, 1]")
        if not 1 <= bands <= 16 or bins % bands:
            raise ConfigError("bins must be a positive multiple of bands")
        self.min_chars = min_chars
        self.threshold = threshold
        self.bins = bins
        self.bands = bands
        self._band_width = bins // bands
        self._row_ids = []  # index -> row id of a remembered (first-seen) row
        self._sketches = array("I")  # `bins` values per remembered row
        self._exact = {}  # 64-bit text hash -> index of the first row with that text
        # (band number, band values) key -> index of the first row with that band.
        # Only the first row is kept per band: it is the one to report, and it
        # bounds the candidates checked per row.
        self._band_index = {}

    def __len__(self):
        """Number of rows remembered as originals."""
        return len(self._row_ids)

    def check(self, row_id, text):
        """Return the id of the first earlier row that ``text`` duplicates, else None.

        A row that is not a duplicate is remembered; a duplicate is not (its
        original already stands for it), except that its exact hash points to
        that original so later exact copies of it are found at once.
        """
        return self.check_signature(row_id, self.signature(text))

    def signature(self, text):
        """What ``check_signature`` needs of ``text``: (exact hash, sketch, band keys), or None.

        The costly part of a check, and a pure function of the text: worker
        processes compute it once per distinct text, the parent only compares.
        None means the text is too short to be checked.
        """
        norm = comparison_key(text)
        if len(norm) < self.min_chars:
            return None
        digest = blake2b(norm.encode("utf-8", "surrogatepass"), digest_size=8).digest()
        sketch = self._sketch(norm)
        # The sketch as bytes: a tenth of the memory of a list of ints in the parent's cache.
        return int.from_bytes(digest, "big"), array("I", sketch).tobytes(), tuple(self._band_keys(sketch))

    def signatures(self, texts):
        """``[signature(text) for text in texts]``, made for the whole batch at once with numpy.

        Folding, bigram hashing and the minimum per bin run over the batch's
        code points; only the exact hash is made per text. Done one text at a
        time in Python, signatures were a sixth of the analysis of a comment.
        """
        texts = list(texts)
        results = [None] * len(texts)
        if not texts:
            return results
        if not _CODE_POINT_TABLES:
            _CODE_POINT_TABLES.append(_CodePointTables())
        tables = _CODE_POINT_TABLES[0]
        count = len(texts)
        lengths = np.fromiter(map(len, texts), dtype=np.intp, count=count)
        codes = tables.folded(np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"),
                                            dtype=np.uint32))
        owner = np.repeat(np.arange(count), lengths)
        several = owner[codes == _SEVERAL]
        kept = codes < _SEVERAL
        if len(several):  # rare: these few texts take the one-by-one path
            for index in set(several.tolist()):
                results[index] = self.signature(texts[index])
            kept &= ~np.isin(owner, several)
        codes, owner = codes[kept], owner[kept]
        norm_lengths = np.bincount(owner, minlength=count)
        checked = norm_lengths >= self.min_chars  # texts that went one by one have no codes left
        if not checked.any():
            return results
        in_checked = checked[owner]
        codes, lengths = codes[in_checked], norm_lengths[checked]
        norms = codes.tobytes().decode("utf-32-le", "surrogatepass")
        first, second = tables.hashes(codes)
        # Bigram k pairs chars k and k + 1; the last char of each text starts none.
        ends = np.cumsum(lengths)
        pair_ok = np.ones(len(codes) - 1, dtype=bool)
        pair_ok[ends[:-1] - 1] = False
        hashes = (first[:-1] ^ second[1:])[pair_ok]
        owner = np.repeat(np.arange(len(lengths)), lengths - 1)
        bins = self.bins
        sketches = np.full(len(lengths) * bins, _EMPTY, dtype=np.uint32)
        np.minimum.at(sketches, owner * bins + hashes % bins, hashes)
        sketches = sketches.reshape(len(lengths), bins)
        keys = self._band_key_matrix(sketches).tolist()
        empty_bands = (sketches == _EMPTY).reshape(len(lengths), self.bands, -1).all(axis=2).tolist()
        starts = (ends - lengths).tolist()
        for index, start, end, sketch, row_keys, row_empty in zip(
                np.flatnonzero(checked).tolist(), starts, ends.tolist(), sketches, keys, empty_bands):
            digest = blake2b(norms[start:end].encode("utf-8", "surrogatepass"), digest_size=8).digest()
            band_keys = tuple([key for key, empty in zip(row_keys, row_empty) if not empty]) \
                if True in row_empty else tuple(row_keys)
            results[index] = int.from_bytes(digest, "big"), sketch.tobytes(), band_keys
        return results

    def _band_key_matrix(self, sketches):
        """``_band_keys`` of every row of ``sketches``, all bands kept: (rows, bands) uint64.

        uint64 arithmetic wraps where Python's ints grow, which the mask makes the same.
        """
        width = self._band_width
        values = sketches.astype(np.uint64).reshape(len(sketches), self.bands, width)
        keys = np.zeros(values.shape[:2], dtype=np.uint64)
        for position in range(width):
            keys = ((keys << np.uint64(7)) ^ values[:, :, position]) & np.uint64(_KEY_MASK)
        return (keys << np.uint64(4)) | np.arange(self.bands, dtype=np.uint64)

    def check_signature(self, row_id, signature):
        """``check`` for a signature made by ``signature`` (with the same settings)."""
        if signature is None:
            return None
        exact, sketch, keys = signature
        index = self._exact.get(exact)
        if index is not None:
            return self._row_ids[index]
        index = self._near(sketch, keys)
        if index is not None:
            self._exact[exact] = index
            return self._row_ids[index]
        index = len(self._row_ids)
        self._row_ids.append(row_id)
        self._sketches.frombytes(sketch)
        self._exact[exact] = index
        band_index = self._band_index
        for key in keys:
            if key not in band_index:
                band_index[key] = index
        return None

    def _sketch(self, norm):
        # Every step maps over C iterators: this runs once per row.
        hashes = sorted(
            set(map(xor, map(_FIRST.__getitem__, norm[:-1]), map(_SECOND.__getitem__, norm[1:]))),
            reverse=True,
        )
        bins = self.bins
        # Written from largest to smallest, so the smallest hash of a bin wins.
        minima = dict(zip(map(mod, hashes, repeat(bins)), hashes))
        return list(map(minima.get, range(bins), repeat(_EMPTY)))

    def _band_keys(self, sketch):
        width = self._band_width
        keys = []
        for band in range(self.bands):
            values = sketch[band * width : (band + 1) * width]
            if values.count(_EMPTY) == width:
                continue  # an all-empty band says nothing
            # Fold the band into one int (30-bit values, shifted so that no two
            # positions overlap), band number in the low bits. A collision only
            # adds a candidate, which the similarity check then rejects.
            key = 0
            for value in values:
                key = (key << 7 ^ value) & _KEY_MASK
            keys.append(key << 4 | band)
        return keys

    def _near(self, sketch, keys):
        """The earliest remembered row whose sketch (``array("I")`` bytes) is close enough, or None."""
        candidates = set(map(self._band_index.get, keys))
        candidates.discard(None)
        if not candidates:  # most rows: no band in common with any earlier row
            return None
        sketch = array("I", sketch)
        bins = self.bins
        stored = self._sketches
        empty_at = [i for i, value in enumerate(sketch) if value == _EMPTY] if _EMPTY in sketch else ()
        for index in sorted(candidates):  # earliest first: report the first original
            other = stored[index * bins : (index + 1) * bins]
            equal = sum(map(eq, sketch, other))  # counted in C
            # Bins empty in both say nothing about similarity: out of both counts.
            both_empty = countOf(map(other.__getitem__, empty_at), _EMPTY) if empty_at else 0
            if equal - both_empty >= self.threshold * (bins - both_empty):
                return index
        return None
