"""The pain-point model: its features, its weights and the artefact it ships as.

One-vs-rest logistic regression over char 1-3-grams and word tokens, trained by
``scripts/train_classifier.py`` on the labelled training set and shipped as
``textmine/models/painpoints.npz`` + ``.json`` (no pickle). :class:`FeatureIndex`
turns a batch of comments into the model's feature matrix; :class:`PainPointModel`
loads, saves and applies the weights and holds the decision thresholds per rule
level. ``textmine.painpoints.classifier.PainPointClassifier`` combines it with the keyword rules.

    >>> model = PainPointModel.load()
    >>> proba = model.predict_proba(["网速太慢"], [["网速", "太", "慢"]])
"""

import json
from itertools import chain, repeat
from pathlib import Path
from typing import NamedTuple

import numpy as np

from textmine.errors import ConfigError
from textmine.key_table import KeyTable
from textmine.resources import model_file

MODEL_NAME = "painpoints"

# Model features: character n-grams of the text and whole word tokens.
_NGRAM_MAX = 3
# Rows are L2-normalised over at least this many features, so that a two-character
# survey answer (没有, 不清楚) does not get huge feature values and look like a topic.
_NORM_FLOOR = 12
_WORD_PREFIX = "w:"


def char_and_word_features(text, tokens):
    """Feature strings of one comment: char 1-3-grams of ``text`` and ``w:``-prefixed tokens.

    >>> char_and_word_features("网速慢", ["网速", "慢"])[:4]
    ['网', '速', '慢', '网速']
    """
    text = text.lower()
    feats = []
    for n in range(1, _NGRAM_MAX + 1):
        feats.extend(text[i:i + n] for i in range(len(text) - n + 1))
    feats.extend(_WORD_PREFIX + token.lower() for token in tokens)
    return feats


def _gram_key(gram):
    """Exact int64 key of a 1-3 character string: (code point + 1) in 21-bit slots."""
    key = 0
    for char in gram:
        key = (key << 21) | (ord(char) + 1)
    return key


class FeatureIndex:
    """Maps a comment's char n-grams and word tokens to model columns, a whole batch at once.

    Char n-grams are found with numpy over the concatenated batch (each 1-3-gram
    becomes an exact integer key, looked up in a ``KeyTable``), so the cost per
    comment is a few array operations, not a Python loop over its n-grams.

    >>> FeatureIndex(["网速", "w:慢"]).transform(["网速慢"], [["网速", "慢"]]).toarray().round(3)
    array([[0.289, 0.289]], dtype=float32)
    """

    def __init__(self, features):
        self.size = len(features)
        self.words = {f[len(_WORD_PREFIX):]: i for i, f in enumerate(features)
                      if f.startswith(_WORD_PREFIX)}
        grams = [(_gram_key(f), i) for i, f in enumerate(features)
                 if not f.startswith(_WORD_PREFIX) and 0 < len(f) <= _NGRAM_MAX and "\x00" not in f]
        # A hash table rather than a binary search of the sorted keys (with a hash
        # filter before it): two thirds of a comment's n-grams are features, and
        # the binary search was three fifths of finding them.
        self.gram_columns = KeyTable(np.array([key for key, _ in grams], dtype=np.uint64),
                                     np.array([column for _, column in grams], dtype=np.int64))
        self.has_grams = bool(grams)

    def transform(self, texts, token_lists):
        """Binary, L2-normalised CSR matrix (one row per comment): what training reads."""
        from scipy import sparse  # here: classifying needs only ``rows``, and scipy is slow to import

        rows = self.rows(texts, token_lists)
        return sparse.csr_matrix((rows.values, rows.columns, rows.indptr), shape=(len(rows), self.size))

    def rows(self, texts, token_lists):
        """The feature rows of a batch as ``FeatureRows``: the CSR arrays, without scipy."""
        texts, token_lists = list(texts), list(token_lists)
        rows, columns = self._gram_hits(texts)
        # Words of the whole batch in one list: one lower() and one lookup pass.
        words = list(chain.from_iterable(token_lists))
        lowered = "\x00".join(words).lower().split("\x00") if words else []
        if len(lowered) != len(words):           # a token with a NUL in it: go slowly
            lowered = [word.lower() for word in words]
        get = self.words.get
        word_columns = np.fromiter(map(get, lowered, repeat(-1)), dtype=np.int64, count=len(lowered))
        word_rows = np.repeat(np.arange(len(texts)), [len(tokens) for tokens in token_lists])
        known = word_columns >= 0
        # Binary features: each (row, column) once, columns in order within a row.
        cells = np.concatenate([rows, word_rows[known]]) * self.size \
            + np.concatenate([columns, word_columns[known]])
        if len(texts) * self.size < 2**32:
            cells = cells.astype(np.uint32)  # sorts in half the time of int64
        cells.sort()
        if len(cells):
            cells = cells[np.concatenate(([True], cells[1:] != cells[:-1]))]
        rows, columns = np.divmod(cells.astype(np.int64), self.size)
        counts = np.bincount(rows, minlength=len(texts))
        indptr = np.concatenate(([0], np.cumsum(counts)))
        norms = np.sqrt(np.maximum(counts, _NORM_FLOOR)).astype(np.float32)
        values = np.float32(1.0) / np.repeat(norms, counts)
        return FeatureRows(indptr, columns.astype(np.int32), values)

    def _gram_hits(self, texts):
        """(row, column) of every char 1-3-gram of the texts that is a feature, in no order.

        The texts are joined by NULs, and no feature holds a NUL (``__init__``
        leaves such out; the texts' own NULs are spaces here), so an n-gram that
        takes in a NUL is found in no table: every n-gram of the joined text is
        looked up, with no mask for those that cross from one text into the next.
        """
        if not texts or not self.has_grams:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        joined = "\x00".join(text.replace("\x00", " ") for text in texts).lower()
        codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64) + np.uint64(1)
        bigrams = (codes[:-1] << np.uint64(21)) | codes[1:]
        trigrams = (bigrams[:-1] << np.uint64(21)) | codes[2:]
        columns = self.gram_columns.lookup(np.concatenate([codes, bigrams, trigrams]))
        found = np.flatnonzero(columns >= 0)
        # Where each n-gram found starts, from its place among the uni-, bi- and trigrams.
        starts = found - np.where(found < len(codes), 0, np.where(found < len(codes) + len(bigrams),
                                                                 len(codes), len(codes) + len(bigrams)))
        rows = np.cumsum(codes == 1)  # the NULs before each character: its row
        return rows[starts].astype(np.int64), columns[found]


class FeatureRows(NamedTuple):
    """A batch's feature matrix as CSR arrays: row i holds ``columns[indptr[i]:indptr[i + 1]]``."""

    indptr: np.ndarray
    columns: np.ndarray
    values: np.ndarray

    def __len__(self):
        return len(self.indptr) - 1

    def columns_of(self, row):
        return self.columns[self.indptr[row]:self.indptr[row + 1]]


class PainPointModel:
    """The trained linear model: vocabulary, weights, biases and decision thresholds.

    >>> model = PainPointModel.load()                      # the packaged artefact
    >>> model.predict_proba(["网速太慢"], [["网速", "太", "慢"]]).shape[1] == len(model.classes)
    True
    """

    def __init__(self, classes, features, weights, bias, thresholds, model_thresholds, info=None):
        self.classes = tuple(classes)
        self.features = tuple(features)
        self.index = FeatureIndex(self.features)
        self.weights = np.ascontiguousarray(weights, dtype=np.float32)  # (n_features, n_classes)
        self._weight_rows = self.weights.view(np.dtype((np.void, 4 * self.weights.shape[1]))).ravel()
        self.bias = np.asarray(bias, dtype=np.float32)             # (n_classes,)
        self.thresholds = np.asarray(thresholds, dtype=np.float32)  # (n_classes, 3) by rule level
        self.model_thresholds = np.asarray(model_thresholds, dtype=np.float32)  # model-only mode
        self.info = dict(info or {})

    @classmethod
    def load(cls, stem=None):
        """Load ``<stem>.npz`` + ``<stem>.json`` (default: the packaged ``painpoints``)."""
        if stem is None:
            npz_path, json_path = model_file(MODEL_NAME + ".npz"), model_file(MODEL_NAME + ".json")
        else:
            stem = Path(stem)
            stem = stem.with_suffix("") if stem.suffix in (".npz", ".json") else stem
            npz_path, json_path = stem.with_suffix(".npz"), stem.with_suffix(".json")
        try:
            with json_path.open("r", encoding="utf-8") as handle:
                meta = json.load(handle)
            with npz_path.open("rb") as handle, np.load(handle, allow_pickle=False) as arrays:
                arrays = {name: arrays[name] for name in arrays.files}
        except (OSError, ValueError, KeyError) as exc:
            raise ConfigError(f"cannot load pain-point model {npz_path}: {exc}") from exc
        return cls(meta["classes"], meta["features"], arrays["weights"], arrays["bias"],
                   arrays["thresholds"], arrays["model_thresholds"], meta.get("info"))

    def save(self, stem):
        """Write ``<stem>.npz`` (float16 weights, float32 rest) and ``<stem>.json``."""
        np.savez_compressed(str(stem) + ".npz", weights=self.weights.astype(np.float16),
                            bias=self.bias, thresholds=self.thresholds,
                            model_thresholds=self.model_thresholds)
        meta = {"classes": list(self.classes), "features": list(self.features), "info": self.info}
        with open(str(stem) + ".json", "w", encoding="utf-8", newline="\n") as handle:
            json.dump(meta, handle, ensure_ascii=False, separators=(",", ":"), sort_keys=True)

    def transform(self, texts, token_lists):
        """Feature matrix for a batch, in this model's vocabulary (scipy CSR)."""
        return self.index.transform(texts, token_lists)

    def feature_rows(self, texts, token_lists):
        """The same features as ``transform``, as ``FeatureRows``."""
        return self.index.rows(texts, token_lists)

    def predict_proba(self, texts, token_lists, matrix=None):
        """P(class) per comment and class, shape (n_comments, n_classes).

        ``matrix``: the batch's ``feature_rows`` (or a CSR matrix), if already made.
        """
        rows = self.index.rows(texts, token_lists) if matrix is None else matrix
        if not isinstance(rows, FeatureRows):  # a scipy matrix
            rows = FeatureRows(rows.indptr, rows.indices, rows.data)
        # scipy's CSR product adds each row's products one after the other, in
        # column order; np.add.reduceat sums in another order and differs in the
        # last bit. So the k-th products of all rows are added in step k. With
        # rows ordered longest first, the rows still going at step k are a
        # prefix, and the products are laid out step by step to match.
        counts = np.diff(rows.indptr)
        order = np.argsort(-counts, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        going = np.bincount(counts, minlength=1)[::-1].cumsum()[::-1][1:]  # rows longer than k
        step = np.arange(len(rows.columns)) - np.repeat(rows.indptr[:-1], counts)
        slot = (np.cumsum(going) - going)[step] + np.repeat(rank, counts)
        source = np.empty_like(slot)
        source[slot] = np.arange(len(slot))
        # Whole weight rows are taken as single opaque items: three times as fast as rows of floats.
        products = self._weight_rows.take(rows.columns[source].astype(np.intp)) \
            .view(np.float32).reshape(len(slot), self.weights.shape[1])
        products *= rows.values[source, None]
        summed = np.zeros((len(rows), self.weights.shape[1]), dtype=np.float32)
        first = 0
        for active in going.tolist():
            summed[:active] += products[first:first + active]
            first += active
        scores = summed[rank]
        scores += self.bias
        return 1.0 / (1.0 + np.exp(-scores))

    def top_features(self, columns, class_index, limit=3):
        """Of a comment's feature ``columns``, those that push ``class_index`` up most.

        Whole words come first (they read well as evidence), n-grams only if no word helps.
        """
        weights = self.weights[columns, class_index]
        order = np.argsort(-weights, kind="stable")
        ranked = [self.features[columns[i]] for i in order if weights[i] > 0]
        chosen = [f[len(_WORD_PREFIX):] for f in ranked if f.startswith(_WORD_PREFIX)][:limit]
        return tuple(chosen or [f for f in ranked if len(f) > 1][:limit])
