"""Named features of textmine's sentiment model: the definition that training reads.

``sentiment_features`` spells every feature out as a string (char bigrams, tokens,
lexicon hits, whole-comment flags). scripts/train_sentiment.py builds the
vocabulary from these names; sentiment_model.py computes the same features
straight to weight rows, and ``reference_scores`` here scores from the names
the slow, obvious way so that tests can check the fast path against it.
"""

import math

from textmine.sentiment.rules import (is_sarcastic, length_bucket, lexicon, lexicon_hits,
                                     negation_marked, score_in_text, split_clauses, tokens_by_clause)


def clause_features(clause, tokens, weak, lex=None):
    """Feature names of one clause: char bigrams, tokens, lexicon hits ('~' when weak).

    >>> clause_features("不太好", ["不太", "好"], False)
    ['^不', '!不太', '!太好', '!好$', 'w:不太', 'w:!好', 'L+n']
    """
    lex = lex or lexicon()
    marked = "^" + clause + "$"
    # Char bigrams (with clause edges) survive segmentation differences;
    # unigrams and trigrams added nothing on cross-validation and cost speed.
    feats = [marked[i:i + 2] for i in range(len(marked) - 1)]
    # Tokens, "!"-marked within three tokens after a negator (不是不满意 flips
    # twice). Token bigrams were dropped: -0.3 macro-F1 points on CV, 15 % faster.
    feats += ["w:" + tok for tok in negation_marked(tokens, lex.token_negators)]
    # Lexicon hits; the char bigrams from a negator to the word it negates are
    # marked too (不太好 must not read as 太好).
    for name, neg_start, neg_end in lexicon_hits(clause, lex):
        feats.append(name)
        if neg_start is not None:
            # Bigram j of the marked clause ends at char j of the clause.
            for j in range(neg_start + 1, neg_end + 1):
                if feats[j][0] != "!":
                    feats[j] = "!" + feats[j]
    if weak:
        # A clause conceded before 但是 gets features of its own: with shared ones,
        # "虽然X不太好，但是…" in positive reviews taught that 不太好 is positive.
        feats = ["~" + f for f in feats]
    return feats


def comment_features(text):
    """Whole-comment feature names: length bucket, SARC (irony), ASK (a question), SCORE:band."""
    feats = [length_bucket(len(text))]
    if is_sarcastic(text):
        feats.append("SARC")
    if "?" in text or "？" in text:
        feats.append("ASK")
    band = score_in_text(text)
    if band is not None:
        feats.append("SCORE:" + str(band))
    return feats


def sentiment_features(text, tokens, normalize=True):
    """Features of one comment as parallel lists (names, values) for the linear model.

    Every feature has the value 1/sqrt(number of features): dividing by it keeps
    long reviews from drowning the bias and the neutral class.
    >>> sentiment_features("不太好", ["不太", "好"])[0][-3:]
    ['w:!好', 'L+n', 'len:4']
    """
    feats = []
    spans = split_clauses(text)
    for (start, end, weight), toks in zip(spans, tokens_by_clause(text, tokens, spans)):
        feats += clause_features(text[start:end], toks, weight < 1.0)
    feats += comment_features(text)
    value = 1.0 / math.sqrt(len(feats)) if normalize else 1.0
    return feats, [value] * len(feats)
