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
_CLAUSE_SPLIT = re.compile(r"[，,。！？!?；;、\s~～…]+|(?<!不)(?=但是|可是|不过|然而|(?<=.)就是|只是|(?<!不)但(?!是)|却)")
_CONTRAST_START = ("但是", "可是", "不过", "然而", "就是", "只是", "但", "却")
_CONTRAST_DROP = re.compile(r"^(但是|可是|不过|然而|就是|只是|但|却)")
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


class _Lexicon:
    """The hand-written word lists, compiled once into a longest-first regex."""

    def __init__(self, data):
        self.kind = {}
        # Later lists win on duplicates, so a word listed as negator stays a negator.
        for name, code in _KIND_CODES:
            for word in data.get(name, ()):
                self.kind[word] = code
        words = sorted(self.kind, key=lambda w: (-len(w), w))
        self.pattern = re.compile("|".join(re.escape(w) for w in words))
        self.sarcasm = re.compile("|".join(re.escape(w) for w in data["sarcasm"]))
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
    for match in _CLAUSE_SPLIT.finditer(text):
        start, end = match.start(), match.end()
        if start > pos:
            spans.append([pos, start, 1.0])
        if start == end:
            # A zero-width split is a contrast word: what came before it weighs less.
            for span in spans[sentence_first:]:
                span[2] = PRE_CONTRAST_WEIGHT
        elif any(c in _SENTENCE_END for c in text[start:end]):
            sentence_first = len(spans)
        pos = max(end, pos)
    if pos < len(text):
        spans.append([pos, len(text), 1.0])
    concession = _lexicon().concession
    for span in spans:
        if text.startswith(concession, span[0]):
            span[2] = PRE_CONTRAST_WEIGHT
    return [tuple(span) for span in spans]


def _lexicon_features(clause, lex, feats):
    """Append the lexicon features of one clause: L+ / L-, n when negated, i when intensified."""
    neg_end, parity, int_end = -99, 0, -99
    kind_of = lex.kind
    for match in lex.pattern.finditer(clause):
        start = match.start()
        kind = kind_of[match.group()]
        if kind == "n":
            # 不是不满意: a second negator within reach cancels the first.
            near = start - neg_end <= NEGATION_REACH
            parity = (parity ^ 1) if near else 1
            neg_end = match.end()
        elif kind == "i":
            int_end = match.end()
        elif kind != "x":
            negated = parity and start - neg_end <= NEGATION_REACH
            feats.append("L" + kind + ("n" if negated else "") + ("i" if start == int_end else ""))


def _tokens_by_clause(text, tokens, spans):
    """Put each token in the clause where it occurs (tokens not found stay in the current one)."""
    out = [[] for _ in spans]
    if not spans:
        return out
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
    if lex.sarcasm.search(text):
        return True
    return any(m.group(1).strip() in lex.quoted_positive for m in _QUOTED.finditer(text))


def _length_bucket(n):
    return "len:" + ("1" if n <= 1 else "2" if n <= 2 else "4" if n <= 4 else
                     "8" if n <= 8 else "16" if n <= 16 else "32" if n <= 32 else "L")


def _features(text, tokens, normalize=True):
    """Return (features, values, sarcastic) for one comment; see sentiment_features."""
    lex = _lexicon()
    feats, vals = [], []
    spans = split_clauses(text)
    negators = lex.token_negators
    for (start, end, weight), toks in zip(spans, _tokens_by_clause(text, tokens, spans)):
        clause = text[start:end]
        first = len(feats)
        marked = "^" + clause + "$"
        feats.extend(clause)
        feats.extend([marked[i:i + 2] for i in range(len(marked) - 1)])
        feats.extend([clause[i:i + 3] for i in range(len(clause) - 2)])
        left, parity, prev = 0, 0, "^"
        for tok in toks:
            if tok in negators:
                parity = (parity ^ 1) if left else 1
                left = 3
                word = "w:" + tok
            elif left:
                left -= 1
                word = ("w:!" if parity else "w:") + tok
            else:
                word = "w:" + tok
            feats.append(word)
            feats.append("b:" + prev + "|" + word[2:])
            prev = word[2:]
        _lexicon_features(clause, lex, feats)
        vals.extend([weight] * (len(feats) - first))
    sarcastic = _is_sarcastic(text, lex)
    doc = [_length_bucket(len(text))]
    if sarcastic:
        doc.append("SARC")
    if "?" in text or "？" in text:
        doc.append("ASK")
    found = _SCORE_IN_TEXT.search(text.translate(_FULL_DIGITS))
    if found:
        doc.append("SCORE:" + str(_score_band(found.group(1))))
    feats.extend(doc)
    vals.extend([1.0] * len(doc))
    if normalize and vals:
        scale = 1.0 / math.sqrt(sum(vals))
        vals = [v * scale for v in vals]
    return feats, vals, sarcastic


def sentiment_features(text, tokens, normalize=True):
    """Features of one comment as parallel lists (names, values) for the linear model.

    Used by scripts/train_sentiment.py so that training and scoring see the same thing.
    >>> sentiment_features("不太好", ["不太", "好"])[0][-3:]
    ['b:不太|!好', 'L+n', 'len:4']
    """
    feats, vals, _ = _features(text, tokens, normalize)
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
    rows, vals, starts, sarcastic, answers = [], [], [], [], []
    for text, tokens in zip(texts, token_lists):
        feats, values, sarcasm = _features(text, tokens, model.normalize)
        starts.append(len(rows))
        rows.extend([get(f, 0) for f in feats])
        vals.extend(values)
        sarcastic.append(sarcasm)
        answers.append(answer_score(text))
    if not starts:
        return np.zeros(0)
    contrib = model.weights[np.asarray(rows)] * np.asarray(vals, dtype=np.float32)[:, None]
    logits = np.add.reduceat(contrib, np.asarray(starts), axis=0).astype(np.float64) + model.bias
    if logits.shape[1] == 1:
        scores = 1.0 / (1.0 + np.exp(-logits[:, 0]))
    else:
        # Classes are (neg, neu, pos): a neutral comment counts as half positive.
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        scores = probs[:, 2] + 0.5 * probs[:, 1]
    for i, (sarcasm, answer) in enumerate(zip(sarcastic, answers)):
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
            raise ConfigError(f"unknown sentiment engine {engine!r}; choose one of {', '.join(ENGINES)}")
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
        spans = split_clauses(text)
        per_clause = _tokens_by_clause(text, tokens, spans) if spans else []
        clause_texts = [text[s:e] for s, e, _ in spans]
        scores = self.score_batch([text] + clause_texts, [tokens] + per_clause)
        overall = self.label(scores[0])
        result = []
        for code, evidence in categories:
            hits = [scores[i + 1] for i, clause in enumerate(clause_texts)
                    if any(word and word in clause for word in evidence)]
            label = self.label(sum(hits) / len(hits)) if hits else "neu"
            result.append((code, label if label != "neu" else overall))
        return result
