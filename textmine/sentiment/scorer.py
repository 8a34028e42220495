"""Sentiment of telecom feedback: a polarity score, a neutral band and per-aspect labels.

The default engine ('textmine') is a linear model over char bigrams, tokens with
negation scope and a small hand-written lexicon layer (textmine/models/
sentiment.lexicon.json), trained by scripts/train_sentiment.py on SnowNLP's
review corpus plus our hand-labelled telecom comments. A few rules sit on top
where a linear model cannot learn enough from the data: one-word survey answers,
0-10 scores sent by SMS, and sarcasm. The 'snownlp' engine is kept as a baseline.

Scores are floats in [0, 1]: P(positive), with a neutral comment counted as half
positive, so that ``label`` can cut a neutral band around the middle.

The parts: sentiment_text.py (lexicon, clauses, rules), sentiment_features.py
(the named features training reads) and sentiment_model.py (the fast scorer).
"""

import numpy as np

from textmine.errors import ConfigError
from textmine.memo import BoundedMemo
from textmine.sentiment.features import sentiment_features
from textmine.sentiment.model import load_model
from textmine.sentiment.rules import answer_score, split_clauses, tokens_by_clause

__all__ = ["ENGINES", "SentimentScorer", "answer_score", "sentiment_features", "split_clauses"]

ENGINES = ("textmine", "snownlp")
CLAUSE_SCORE_CACHE_SIZE = 50_000  # clause scores remembered for aspects before the memo empties


def _clauses(text, tokens):
    """[(clause, its tokens)] of a comment."""
    spans = split_clauses(text)
    return [(text[start:end], toks) for (start, end, _), toks
            in zip(spans, tokens_by_clause(text, tokens, spans))]


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
        self._clause_scores = BoundedMemo(CLAUSE_SCORE_CACHE_SIZE)  # (clause, tokens) -> score
        if engine == "textmine":
            load_model()  # now, so that worker processes forked later share it instead of loading it again

    @property
    def band(self):
        """(low, high): scores inside it are neutral; tuned on training data for textmine."""
        return load_model().band if self.engine == "textmine" else (0.4, 0.6)

    def score_batch(self, texts, token_lists):
        """Return a numpy array of P(positive) in [0, 1], one per comment."""
        texts = list(texts)
        if self.engine == "snownlp":
            return _snownlp_scores(texts)
        token_lists = list(token_lists)
        if len(token_lists) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(token_lists)} token lists")
        return load_model().scores(texts, token_lists)

    def score_batch_with_clauses(self, texts, token_lists):
        """``score_batch``, and each comment's [(clause, its tokens)] for ``aspect_sentiment_batch``."""
        texts, token_lists = list(texts), list(token_lists)
        if self.engine != "textmine" or len(token_lists) != len(texts):
            return self.score_batch(texts, token_lists), None
        clauses = []
        return load_model().scores(texts, token_lists, clauses_out=clauses), clauses

    def label(self, score):
        """'neg' below the neutral band, 'pos' above it, else 'neu'."""
        return self.labeller()(score)

    def labeller(self):
        """``label`` with the band looked up once: it runs for every comment and aspect."""
        low, high = self.band

        def label(score):
            return "neg" if score < low else "pos" if score > high else "neu"

        return label

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

    def aspect_sentiment_batch(self, texts, token_lists, categories_list, overall_scores, clauses=None):
        """``aspect_sentiment`` for many comments, reusing their comment-level scores.

        Each clause that holds evidence of a category is scored as a comment of
        its own; clause scores are cached, and the clauses not seen before are
        scored in one ``score_batch`` call. ``clauses``: each comment's clauses,
        as ``score_batch_with_clauses`` gives them.
        """
        # The clauses behind each category, found first: only those are scored.
        # (Scoring every clause of a comment with a category was a third of the
        # work of aspects on review-length comments.)
        evidence_clauses = []  # per comment: [(code, [(clause, tokens tuple), ...]), ...]
        for index, categories in enumerate(categories_list):
            if not categories:
                evidence_clauses.append(())
                continue
            comment_clauses = _clauses(texts[index], token_lists[index]) if clauses is None else clauses[index]
            found = []
            for code, evidence in categories:
                # any(map(...)) tests the words in C: a generator a clause was half of aspects.
                words = [word for word in evidence if word]
                found.append((code, [(clause, tuple(toks)) for clause, toks in comment_clauses
                                     if any(map(clause.__contains__, words))]))
            evidence_clauses.append(found)
        scores = self._score_clauses([key for found in evidence_clauses for _, keys in found for key in keys])
        label = self.labeller()
        results = []
        for index, found in enumerate(evidence_clauses):
            if not found:
                results.append([])
                continue
            overall = label(overall_scores[index])
            result = []
            for code, keys in found:
                hits = [scores[key] for key in keys]
                aspect = label(sum(hits) / len(hits)) if hits else "neu"
                result.append((code, aspect if aspect != "neu" else overall))
            results.append(result)
        return results

    def _score_clauses(self, keys):
        """{(clause, tokens tuple): score} for such keys, from the cache where it can."""
        cache = self._clause_scores
        found, missing = {}, []
        for key in keys:
            score = cache.get(key)
            if score is None:
                missing.append(key)
            else:
                found[key] = score
        if missing:
            missing = list(dict.fromkeys(missing))
            new = self.score_batch([clause for clause, _ in missing], [toks for _, toks in missing]).tolist()
            found.update(zip(missing, new))
            cache.remember_many(zip(missing, new))
        return found
