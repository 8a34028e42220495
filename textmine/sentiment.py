"""Sentiment of telecom feedback: a polarity score, a neutral band and per-aspect labels.

The default engine ('textmine') is a linear model over char n-grams, tokens with
negation scope and a small hand-written lexicon layer (textmine/models/
sentiment.lexicon.json), trained by scripts/train_sentiment.py on SnowNLP's
review corpus plus our hand-labelled telecom comments. A few rules sit on top
where a linear model cannot learn enough from the data: one-word survey answers,
0-10 scores sent by SMS, and sarcasm. The 'snownlp' engine is kept as a baseline.

Scores are floats in [0, 1]: P(positive), with a neutral comment counted as half
positive, so that ``label`` can cut a neutral band around the middle.
"""

import json
import math
import re
from functools import lru_cache
from itertools import repeat

import ahocorasick
import numpy as np

from textmine.errors import ConfigError
from textmine.resources import model_file

ENGINES = ("textmine", "snownlp")
LEXICON_FILE = "sentiment.lexicon.json"
WEIGHTS_FILE = "sentiment.npz"
VOCAB_FILE = "sentiment.json"

# Clauses end at punctuation; a contrast word starts a new clause and marks the
# clauses before it (in the same sentence) as the weaker half of the comment.
_SENTENCE_END = "。！？!?；;\n"
_PUNCTUATION = re.compile(r"[，,。！？!?；;、\s~～…]+")
_CONTRAST = re.compile(r"(?<!不)(?:但是|可是|不过|然而|就是|只是|但|却)")
_QUOTED = re.compile(r"[\"“”'‘’「」『』]\s*([^\"“”'‘’「」『』]{1,4})\s*[\"“”'‘’「」『』]")
_SCORE_ANSWER = re.compile(r"^(?:打|给|评)?(10|[0-9]|十|[零〇一二两三四五六七八九])分?$")
_SCORE_IN_TEXT = re.compile(r"(?<![0-9])(10|[0-9]|十|[零〇一二两三四五六七八九])分")
_ANSWER_STRIP = re.compile(r"[\s，,。.！!？?~～…、；;:：\"“”'‘’]+|[吧啊呀了的哈嘛呢哦]+$")
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_FULL_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")

NEGATION_REACH = 3  # chars between a negator and the word it negates (不是很满意)
PRE_CONTRAST_WEIGHT = 0.4  # how much the clauses before 但是 / after 虽然 count


_KIND_CODES = (("ignore", "x"), ("intensifiers", "i"), ("positive", "+"),
               ("negative", "-"), ("negators", "n"))


def _automaton(entries):
    """Aho-Corasick automaton of {word: value}; iter_long gives leftmost-longest matches.

    Same matches as a longest-first regex alternation of the words, about twice as fast.
    """
    automaton = ahocorasick.Automaton()
    for word, value in entries.items():
        automaton.add_word(word, (len(word), value))
    automaton.make_automaton()
    return automaton


class _Lexicon:
    """The hand-written word lists, compiled once into a longest-first regex."""

    def __init__(self, data):
        self.kind = {}
        # Later lists win on duplicates, so a word listed as negator stays a negator.
        for name, code in _KIND_CODES:
            for word in data.get(name, ()):
                self.kind[word] = code
        self.words = _automaton(self.kind)
        self.sarcasm = _automaton(dict.fromkeys(data["sarcasm"], "s"))
        self.quoted_positive = frozenset(data["positive"]) | frozenset(data["quoted_positive"])
        self.concession = tuple(data["concession"])
        self.token_negators = frozenset(data["negators"])
        self.answers = {}
        for name, value in (("neutral_answers", 0.5), ("positive_answers", 0.9),
                            ("negative_answers", 0.1)):
            for word in data[name]:
                self.answers[word.lower()] = value


@lru_cache(maxsize=1)
def _lexicon():
    with model_file(LEXICON_FILE).open(encoding="utf-8") as handle:
        return _Lexicon(json.load(handle))


def split_clauses(text):
    """Split a comment into (start, end, weight) clause spans.

    Clauses before a contrast word (但是, 就是, 不过 ...) in the same sentence, and
    clauses that open with a concession (虽然), get PRE_CONTRAST_WEIGHT.
    >>> [(t[s:e], w) for t in ["虽然便宜，但是信号差"] for s, e, w in split_clauses(t)]
    [('虽然便宜', 0.4), ('但是信号差', 1.0)]
    """
    spans = []
    sentence_first = 0
    pos = 0
    for match in _PUNCTUATION.finditer(text + "。"):
        start, end = match.start(), match.end()
        piece_start = pos
        for contrast in _CONTRAST.finditer(text, pos, start):
            # What came before a contrast word in this sentence weighs less.
            if contrast.start() > piece_start:
                spans.append([piece_start, contrast.start(), 1.0])
                piece_start = contrast.start()
            for span in spans[sentence_first:]:
                span[2] = PRE_CONTRAST_WEIGHT
        if start > piece_start:
            spans.append([piece_start, start, 1.0])
        if any(c in _SENTENCE_END for c in text[start:end]):
            sentence_first = len(spans)
        pos = end
    concession = _lexicon().concession
    for span in spans:
        if text.startswith(concession, span[0]):
            span[2] = PRE_CONTRAST_WEIGHT
    return [tuple(span) for span in spans]


def _lexicon_features(clause, lex, feats):
    """Append the lexicon features of one clause: L+ / L-, n when negated, i when intensified.

    Returns the (start, end) char spans from a negator to the word it negates, so
    that the char bigrams there can be marked too (不太好 must not read as 太好).
    """
    neg_start, neg_end, parity, int_end = 0, -99, 0, -99
    negated_spans = []
    for last, (length, kind) in lex.words.iter_long(clause):
        start, end = last + 1 - length, last + 1
        if kind == "n":
            # 不是不满意: a second negator within reach cancels the first.
            if start - neg_end <= NEGATION_REACH:
                parity ^= 1
            else:
                parity, neg_start = 1, start
            neg_end = end
        elif kind == "i":
            int_end = end
        elif kind != "x":
            negated = parity and start - neg_end <= NEGATION_REACH
            if negated:
                negated_spans.append((neg_start, end))
            feats.append("L" + kind + ("n" if negated else "") + ("i" if start == int_end else ""))
    return negated_spans


def _tokens_by_clause(text, tokens, spans):
    """Put each token in the clause where it occurs (tokens not found stay in the current one)."""
    if len(spans) < 2:
        return [list(tokens)] if spans else []
    out = [[] for _ in spans]
    last = len(spans) - 1
    clause, cursor = 0, 0
    for tok in tokens:
        pos = text.find(tok, cursor)
        if 0 <= pos - cursor < 8:
            cursor = pos + len(tok)
            while clause < last and pos >= spans[clause][1]:
                clause += 1
        out[clause].append(tok)
    return out


def _is_sarcastic(text, lex):
    for _ in lex.sarcasm.iter(text):
        return True
    return any(m.group(1).strip() in lex.quoted_positive for m in _QUOTED.finditer(text))


def _length_bucket(n):
    return "len:" + ("1" if n <= 1 else "2" if n <= 2 else "4" if n <= 4 else
                     "8" if n <= 8 else "16" if n <= 16 else "32" if n <= 32 else "L")


def _features(text, tokens, normalize=True):
    """Return (features, run_weights, run_lengths, scale, sarcastic) for one comment.

    Feature i has the value run_weights[k] * scale where run k covers i: one run
    per clause (its contrast weight) and one for the whole-comment features.
    """
    lex = _lexicon()
    feats, weights, lengths = [], [], []
    append = feats.append
    spans = split_clauses(text)
    negators = lex.token_negators
    for (start, end, weight), toks in zip(spans, _tokens_by_clause(text, tokens, spans)):
        clause = text[start:end]
        first = len(feats)
        marked = "^" + clause + "$"
        # Char bigrams (with clause edges) survive segmentation differences;
        # unigrams and trigrams added nothing on cross-validation and cost speed.
        feats.extend([marked[i:i + 2] for i in range(len(marked) - 1)])
        # Tokens, "!"-marked within three tokens after a negator (不是不满意 flips
        # twice). Token bigrams were dropped: -0.3 macro-F1 points on CV, 15 % faster.
        left, parity = 0, 0
        for tok in toks:
            if tok in negators:
                parity = (parity ^ 1) if left else 1
                left = 3
            elif left:
                left -= 1
                if parity:
                    tok = "!" + tok
            append("w:" + tok)
        for neg_start, neg_end in _lexicon_features(clause, lex, feats):
            # Bigram j of the marked clause ends at char j of the clause.
            for j in range(first + neg_start + 1, first + neg_end + 1):
                if feats[j][0] != "!":
                    feats[j] = "!" + feats[j]
        if weight < 1.0:
            # A clause conceded before 但是 gets features of its own: with shared ones,
            # "虽然X不太好，但是…" in positive reviews taught that 不太好 is positive.
            feats[first:] = ["~" + f for f in feats[first:]]
        weights.append(1.0)
        lengths.append(len(feats) - first)
    sarcastic = _is_sarcastic(text, lex)
    first = len(feats)
    append(_length_bucket(len(text)))
    if sarcastic:
        append("SARC")
    if "?" in text or "？" in text:
        append("ASK")
    found = "分" in text and _SCORE_IN_TEXT.search(text.translate(_FULL_DIGITS))
    if found:
        append("SCORE:" + str(_score_band(found.group(1))))
    weights.append(1.0)
    lengths.append(len(feats) - first)
    # Dividing by sqrt(total weight) keeps long reviews from drowning the bias and
    # the neutral class; the model is linear, so the scorer applies it once per row.
    total = sum(w * n for w, n in zip(weights, lengths))
    scale = 1.0 / math.sqrt(total) if normalize else 1.0
    return feats, weights, lengths, scale, sarcastic


def sentiment_features(text, tokens, normalize=True):
    """Features of one comment as parallel lists (names, values) for the linear model.

    Used by scripts/train_sentiment.py so that training and scoring see the same thing.
    >>> sentiment_features("不太好", ["不太", "好"])[0][-3:]
    ['w:!好', 'L+n', 'len:4']
    """
    feats, weights, lengths, scale, _ = _features(text, tokens, normalize)
    vals = []
    for weight, length in zip(weights, lengths):
        vals.extend([weight * scale] * length)
    return feats, vals


def _score_band(number):
    value = _CN_DIGITS.get(number)
    value = int(number) if value is None else value
    return 0 if value <= 4 else 1 if value <= 7 else 2


def answer_score(text):
    """Score of a one-word survey or SMS answer (满意, 一般, 无, 9, 10分), else None.

    Short answers carry no context for the model, and a 0-10 score means what the
    survey scale says: 0-4 negative, 5-7 neutral, 8-10 positive.
    >>> answer_score("10分"), answer_score("一般"), answer_score("网速慢")
    (0.9, 0.5, None)
    """
    if len(text) > 12:
        return None
    short = _ANSWER_STRIP.sub("", text.translate(_FULL_DIGITS)).lower()
    if not short:
        return 0.5 if not text.strip() else None
    found = _SCORE_ANSWER.match(short)
    if found:
        return (0.1, 0.5, 0.9)[_score_band(found.group(1))]
    return _lexicon().answers.get(short)


class _Model:
    """Trained weights: row 0 is the zero row that unknown features map to."""

    def __init__(self, meta, weights, bias):
        self.index = {name: row for row, name in enumerate(meta["features"], 1)}
        self.weights = weights
        self.bias = bias
        self.band = tuple(meta["band"])
        self.normalize = meta.get("normalize", True)


@lru_cache(maxsize=1)
def _model():
    try:
        with model_file(VOCAB_FILE).open(encoding="utf-8") as handle:
            meta = json.load(handle)
        with model_file(WEIGHTS_FILE).open("rb") as handle:
            arrays = np.load(handle)
            weights, bias = arrays["weights"], arrays["bias"]
    except FileNotFoundError as exc:
        raise ConfigError(f"sentiment model missing ({exc.filename}): "
                          "run python scripts/train_sentiment.py") from exc
    return _Model(meta, weights, bias)


def _textmine_scores(texts, token_lists, model=None):
    model = model or _model()
    get = model.index.get
    rows, run_weights, run_lengths, starts, scales, sarcastic = [], [], [], [], [], []
    for text, tokens in zip(texts, token_lists):
        feats, weights, lengths, scale, sarcasm = _features(text, tokens, model.normalize)
        starts.append(len(rows))
        rows.extend(map(get, feats, repeat(0)))
        run_weights.extend(weights)
        run_lengths.extend(lengths)
        scales.append(scale)
        sarcastic.append(sarcasm)
    if not starts:
        return np.zeros(0)
    vals = np.repeat(np.asarray(run_weights, dtype=np.float32), run_lengths)
    contrib = model.weights[np.asarray(rows)] * vals[:, None]
    logits = np.add.reduceat(contrib, np.asarray(starts), axis=0).astype(np.float64)
    logits = logits * np.asarray(scales)[:, None] + model.bias
    if logits.shape[1] == 1:
        scores = 1.0 / (1.0 + np.exp(-logits[:, 0]))
    else:
        # Classes are (neg, neu, pos): a neutral comment counts as half positive.
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        scores = probs[:, 2] + 0.5 * probs[:, 1]
    for i, (text, sarcasm) in enumerate(zip(texts, sarcastic)):
        answer = answer_score(text) if len(text) <= 12 else None
        if answer is not None:
            scores[i] = answer
        elif sarcasm:
            # Irony (呵呵, 谢谢你全家, 真是"好"网速) praises in words and means the opposite.
            scores[i] = min(scores[i], 0.15)
    return scores


def _snownlp_scores(texts):
    from snownlp import SnowNLP

    return np.array([SnowNLP(t).sentiments if t.strip() else 0.5 for t in texts], dtype=float)


class SentimentScorer:
    """Score comments from 0 (negative) to 1 (positive) and label them pos / neu / neg.

    engine='textmine' (default) is our own model; engine='snownlp' is the
    SnowNLP baseline, kept for comparison. The model is loaded once per process.
    >>> scorer = SentimentScorer()
    >>> scorer.label(scorer.score_batch(["客服态度很好"], [["客服", "态度", "很", "好"]])[0])
    'pos'
    """

    def __init__(self, engine="textmine"):
        if engine not in ENGINES:
            choices = ", ".join(ENGINES)
            raise ConfigError(f"unknown sentiment engine {engine!r}; choose one of {choices}")
        self.engine = engine

    @property
    def band(self):
        """(low, high): scores inside it are neutral; tuned on training data for textmine."""
        return _model().band if self.engine == "textmine" else (0.4, 0.6)

    def score_batch(self, texts, token_lists):
        """Return a numpy array of P(positive) in [0, 1], one per comment."""
        texts = list(texts)
        if self.engine == "snownlp":
            return _snownlp_scores(texts)
        token_lists = list(token_lists)
        if len(token_lists) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(token_lists)} token lists")
        return _textmine_scores(texts, token_lists)

    def label(self, score):
        """'neg' below the neutral band, 'pos' above it, else 'neu'."""
        low, high = self.band
        return "neg" if score < low else "pos" if score > high else "neu"

    def aspect_sentiment(self, text, tokens, categories):
        """Label each pain point by the clause that holds its evidence words.

        A neutral clause (or evidence that cannot be found) takes the whole comment's label.
        >>> SentimentScorer().aspect_sentiment("客服态度很好但是信号太差", ["客服", "态度", "很",
        ...     "好", "但是", "信号", "太差"], [("customer_service", ("客服",)), ("coverage", ("信号",))])
        [('customer_service', 'pos'), ('coverage', 'neg')]
        """
        if not categories:
            return []
        overall = self.score_batch([text], [tokens])
        return self.aspect_sentiment_batch([text], [tokens], [categories], overall)[0]

    def aspect_sentiment_batch(self, texts, token_lists, categories_list, overall_scores):
        """``aspect_sentiment`` for many comments, reusing their comment-level scores.

        The clauses of every comment are scored in one ``score_batch`` call, so
        a chunk costs one vectorised pass instead of one per comment.
        """
        clause_texts, clause_tokens, owners = [], [], []
        for index, (text, tokens, categories) in enumerate(zip(texts, token_lists, categories_list)):
            if not categories:
                continue
            spans = split_clauses(text)
            if not spans:
                continue
            clause_texts += [text[start:end] for start, end, _ in spans]
            clause_tokens += _tokens_by_clause(text, tokens, spans)
            owners += [index] * len(spans)
        scores = self.score_batch(clause_texts, clause_tokens) if clause_texts else []
        clauses_of = {}
        for owner, clause, score in zip(owners, clause_texts, scores):
            clauses_of.setdefault(owner, []).append((clause, score))
        results = []
        for index, categories in enumerate(categories_list):
            overall = self.label(overall_scores[index])
            result = []
            for code, evidence in categories:
                hits = [score for clause, score in clauses_of.get(index, ())
                        if any(word and word in clause for word in evidence)]
                label = self.label(sum(hits) / len(hits)) if hits else "neu"
                result.append((code, label if label != "neu" else overall))
            results.append(result)
        return results
