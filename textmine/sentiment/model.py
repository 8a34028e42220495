"""textmine's sentiment model, compiled for speed: features go straight to weight rows.

At load time the feature names of the model (textmine/models/sentiment.json) are
turned into lookup structures, so that scoring never builds a feature-name
string for the common features: char bigrams become integer keys in a numpy
hash table (one vectorised lookup for a whole batch), tokens and lexicon hits
go through small dicts, one set for ordinary clauses and one for conceded ('~')
clauses. The token and lexicon rows of each clause are cached by (clause,
weight, tokens): exports repeat the same clauses (满意, 网速太慢) across many
comments, and the aspects of a comment score its clauses again. A batch is then
one gather of weight rows and one ``np.add.reduceat`` over them.

The rows and their order are exactly those of the feature-by-feature computation
(``reference_scores`` in tests/test_sentiment_model.py),
so the float32 sums, and so the scores, are identical to the last bit
(tests/test_sentiment_model.py checks it).
"""

import json
from array import array
from functools import lru_cache
from itertools import repeat

import numpy as np

from textmine.errors import ConfigError
from textmine.key_table import KeyTable
from textmine.memo import BoundedMemo
from textmine.resources import model_file
from textmine.sentiment.rules import (apply_rules, is_sarcastic, length_bucket, lexicon, lexicon_hits,
                                     negation_marked, score_in_text, split_clauses, tokens_by_clause)

WEIGHTS_FILE = "sentiment.npz"
VOCAB_FILE = "sentiment.json"
CLAUSE_CACHE_SIZE = 50_000  # clauses whose rows the model remembers before the memo empties
_LONGEST_BUCKET = 33  # length_bucket is the same for every length from here on


class _BigramRows:
    """Char bigram features -> weight rows, a whole batch of bigrams at a time.

    A bigram with its marks is the integer key (variant, left char, right char),
    variant = 2 * conceded ('~') + negated ('!'), so a whole batch of bigrams is
    looked up in a few vectorised probes of a ``KeyTable`` instead of one
    dictionary lookup each.
    """

    def __init__(self, index):
        keys, rows = [], []
        for name, row in index.items():
            weak = name[:1] == "~"
            rest = name[1:] if weak else name
            if len(rest) == 3 and rest[0] == "!":
                variant, rest = 2 * weak + 1, rest[1:]
            elif len(rest) == 2:
                variant = 2 * weak
            else:
                continue
            keys.append(self.key(variant, ord(rest[0]), ord(rest[1])))
            rows.append(row)
        self.table = KeyTable(np.array(keys, dtype=np.uint64), np.array(rows, dtype=np.int32),
                              missing=0, dtype=np.int32)

    @staticmethod
    def key(variant, left, right):
        """Code points take 21 bits each; keys stay far below the table's empty key."""
        return (variant << 42) | (left << 21) | right

    def lookup(self, keys):
        """Row of each key (uint64 array); 0 for bigrams the model does not know."""
        return self.table.lookup(keys)


class _FeatureTable:
    """Weight rows of the non-bigram features that carry a prefix ('' or '~' when conceded).

    token maps a token to the row of prefix + 'w:' + token, so no name is built
    for the common case; other holds the lexicon features (L+, L-n ...).
    """

    def __init__(self, token=None, other=None):
        self.token = token or {}
        self.other = other or {}

    @classmethod
    def pair(cls, index):
        """The tables of ordinary and of conceded ('~') clauses, in one pass over the names."""
        plain, conceded = cls(), cls()
        for name, row in index.items():
            table, rest = (conceded, name[1:]) if name[:1] == "~" else (plain, name)
            if rest[:2] == "w:":
                table.token[rest[2:]] = row
            elif rest[:1] == "L":
                table.other[rest] = row
        return plain, conceded


class SentimentModel:
    """Trained weights with the lookup tables of the fast path.

    features: feature names, row i + 1 of weights is feature i (row 0, all
    zeros, is where unknown features go); weights: float32 (rows, classes);
    bias: (classes,); band: the neutral band on the score.
    """

    def __init__(self, features, weights, bias, band, normalize=True):
        self.index = {name: row for row, name in enumerate(features, 1)}
        self.weights = weights
        self.bias = bias
        self.band = tuple(band)
        self.normalize = normalize
        self.bigrams = _BigramRows(self.index)
        self.tables = _FeatureTable.pair(self.index)
        get = self.index.get
        self.length_rows = [get(length_bucket(n), 0) for n in range(_LONGEST_BUCKET + 1)]
        self.sarcasm_row, self.question_row = get("SARC", 0), get("ASK", 0)
        self.score_rows = [get(f"SCORE:{band}", 0) for band in range(3)]
        self._clauses = BoundedMemo(CLAUSE_CACHE_SIZE)  # (clause, weight, *tokens) -> rows, marks

    def probabilities(self, summed, scales):
        """Scores from per-comment sums of weight rows: P(pos) + P(neu) / 2.

        The sums are float32 like the weights; scales are 1/sqrt(feature count).
        """
        logits = summed.astype(np.float64)
        logits = logits * scales[:, None] + self.bias
        if logits.shape[1] == 1:
            return 1.0 / (1.0 + np.exp(-logits[:, 0]))
        # Classes are (neg, neu, pos): a neutral comment counts as half positive.
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        return probs[:, 2] + 0.5 * probs[:, 1]

    def clear_cache(self):
        """Forget the cached clause rows (benchmarks time cold runs)."""
        self._clauses.clear()

    def scores(self, texts, token_lists, clauses_out=None):
        """P(positive)-like scores in [0, 1] for comments with their tokens, rules applied.

        Rows come in sentiment_features order: per clause its char bigrams, then
        its token and lexicon features; then the whole-comment features. Every
        clause is a segment; a comment's whole-comment rows close its last one.
        Given a list, ``clauses_out`` gets each comment's [(clause, its tokens)],
        which aspect sentiment needs too.
        """
        if not texts:
            return np.zeros(0)
        lex = lexicon()
        cache, tables, length_rows = self._clauses, self.tables, self.length_rows
        clauses, weights, ends = [], [], []  # per segment; ends: offset in others after it
        negated, bare = [], []  # (segment, negated bigrams); segments of clause-less comments
        first_segment, sarcastic, others = [], [], array("i")
        for text, tokens in zip(texts, token_lists):
            first_segment.append(len(clauses))
            spans = split_clauses(text)
            groups = (tokens,) if len(spans) == 1 else tokens_by_clause(text, tokens, spans)
            if clauses_out is not None:
                comment_clauses = []
                clauses_out.append(comment_clauses)
            for (start, end, weight), toks in zip(spans, groups):
                clause = text[start:end]
                if clauses_out is not None:
                    comment_clauses.append((clause, toks))
                key = (clause, weight, *toks)
                cached = cache.get(key)
                if cached is None:
                    rows, marks = _clause_rows(clause, toks, tables[weight < 1.0])
                    cached = (array("i", rows), tuple(marks))
                    cache.remember(key, cached)
                others += cached[0]
                if cached[1]:
                    negated.append((len(clauses), cached[1]))
                clauses.append(clause)
                weights.append(weight)
                ends.append(len(others))
            if not spans:
                bare.append(len(clauses))
                clauses.append("")
                weights.append(1.0)
                ends.append(0)
            others.append(length_rows[min(len(text), _LONGEST_BUCKET)])
            sarcasm = is_sarcastic(text, lex)
            sarcastic.append(sarcasm)
            if sarcasm:
                others.append(self.sarcasm_row)
            if "?" in text or "？" in text:
                others.append(self.question_row)
            band = score_in_text(text)
            if band is not None:
                others.append(self.score_rows[band])
            ends[-1] = len(others)
        bigram_rows, bigram_counts = self._bigram_rows(clauses, weights, negated, bare)
        ends = np.asarray(ends)
        other_counts = np.diff(ends, prepend=0)
        rows, starts = _interleave(bigram_rows, np.frombuffer(others, dtype=np.int32),
                                   bigram_counts, other_counts, first_segment)
        counts = np.diff(starts, append=len(rows))
        summed = np.add.reduceat(self.weights[rows], starts, axis=0)
        scales = 1.0 / np.sqrt(counts) if self.normalize else np.ones(len(counts))
        return apply_rules(self.probabilities(summed, scales), texts, sarcastic)

    def _bigram_rows(self, clauses, weights, negated, bare):
        """Rows of the bigrams of '^' + clause + '$' for every clause, in order, and their counts.

        Bare segments (comments without a clause) stand in the list as '' and get none.
        """
        marked = "^" + "$^".join(clauses) + "$"
        chars = np.frombuffer(marked.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        counts = np.fromiter(map(len, clauses), dtype=np.intp, count=len(clauses)) + 1
        offsets = np.cumsum(counts) - counts
        # Pair i of the marked text is the bigram (chars[i], chars[i + 1]); the pair
        # that ends clause k (its '$' with the next '^') is no bigram.
        keep = np.ones(len(chars) - 1, dtype=bool)
        keep[(offsets + counts + np.arange(len(counts)))[:-1]] = False
        pairs = (chars[:-1].astype(np.uint64) << np.uint64(21)) | chars[1:]
        variant = np.repeat(np.asarray(weights) < 1.0, counts).astype(np.uint64) << np.uint64(43)
        keys = pairs[keep] | variant
        if negated:
            segments = [segment for segment, marks in negated for _ in marks]
            positions = [j for _, marks in negated for j in marks]
            keys[offsets[segments] + positions] |= np.uint64(1 << 42)
        rows = self.bigrams.lookup(keys)
        if bare:
            rows = np.delete(rows, offsets[bare])
            counts[bare] = 0
        return rows, counts


def _interleave(bigram_rows, other_rows, bigram_counts, other_counts, first_segment):
    """Rows in feature order, and where each comment starts.

    Segment s is bigram_counts[s] bigram rows followed by other_counts[s] other
    rows; both sources hold their rows in segment order.
    """
    lengths = np.empty(2 * len(bigram_counts), dtype=np.intp)
    lengths[0::2], lengths[1::2] = bigram_counts, other_counts
    source = np.empty_like(lengths)
    source[0::2] = np.cumsum(lengths[0::2]) - lengths[0::2]
    source[1::2] = len(bigram_rows) + np.cumsum(lengths[1::2]) - lengths[1::2]
    out = np.cumsum(lengths) - lengths
    order = np.repeat(source - out, lengths) + np.arange(lengths.sum())
    rows = np.concatenate([bigram_rows, other_rows])[order]
    return rows, out[2 * np.asarray(first_segment)]


def _clause_rows(clause, tokens, table):
    """Token and lexicon rows of a clause, and the positions of its negated bigrams."""
    lex = lexicon()
    token_row = table.token.get
    negators = lex.token_negators
    if negators.isdisjoint(tokens):
        rows = list(map(token_row, tokens, repeat(0)))
    else:
        rows = [token_row(tok, 0) for tok in negation_marked(tokens, negators)]
    negated_bigrams = []
    for name, neg_start, neg_end in lexicon_hits(clause, lex):
        rows.append(table.other.get(name, 0))
        if neg_start is not None:
            # Bigram j of the marked clause ends at char j of the clause.
            negated_bigrams += range(neg_start + 1, neg_end + 1)
    return rows, negated_bigrams


@lru_cache(maxsize=1)
def load_model():
    """The packaged model (textmine/models/sentiment.{json,npz}), loaded once per process."""
    try:
        with model_file(VOCAB_FILE).open(encoding="utf-8") as handle:
            meta = json.load(handle)
        with model_file(WEIGHTS_FILE).open("rb") as handle:
            arrays = np.load(handle)
            weights, bias = arrays["weights"], arrays["bias"]
    except FileNotFoundError as exc:
        raise ConfigError(f"sentiment model missing ({exc.filename}): "
                          "run python scripts/train_sentiment.py") from exc
    return SentimentModel(meta["features"], weights, bias, meta["band"],
                          meta.get("normalize", True))
