"""What a customer group says about a category that other groups do not: the root causes of a short board.

The same low-scoring category has different causes in different groups (in one
operator's study, customers spending over 500 yuan a month wanted a call from
their account manager about balance reminders, those under 50 an SMS listing
what they spent). So for a (group, category) this module finds the words and
phrases that set the group's comments on that category apart from the other
groups' comments on the same category.

The method is the weighted log-odds ratio with an informative Dirichlet prior
(Monroe, Colaresi & Quinn 2008, "Fightin' Words"): for a term w with count y_g
in the group and y_r in the rest, and a prior alpha_w proportional to the
term's count over all comments on the category,

    delta = log((y_g + a) / (n_g + A - y_g - a)) - log((y_r + a) / (n_r + A - y_r - a))
    z = delta / sqrt(1 / (y_g + a) + 1 / (y_r + a))

where n are the groups' total term counts and A the prior's total. The prior
shrinks rare terms towards no difference, so a word used twice by a small group
does not top the list; z is a score comparable across terms.

    >>> distinctive_terms(group_counts, rest_counts)[0]["term"]
    '客户经理'
"""

import math
from collections import Counter

import numpy as np

PRIOR_TOTAL = 500.0  # A: how many term counts the prior weighs, spread by the category's own frequencies
MIN_TERM_COUNT = 3  # a term the group used fewer times is not offered as a reason
MIN_Z = 2.58  # one-sided 0.5 %: many terms are tried, so a term must stand out clearly


def distinctive_terms(group, rest, *, top=8, prior_total=PRIOR_TOTAL, min_count=MIN_TERM_COUNT,
                      min_z=MIN_Z):
    """The terms of ``group`` (a Counter) most over-represented against ``rest`` (a Counter).

    Returns at most ``top`` dicts ``{"term", "score", "count"}``, highest score
    first; ``score`` is the z-score of the weighted log-odds ratio (rounded to
    two places), ``count`` the term's count in the group. Terms below
    ``min_count`` in the group or ``min_z`` in score are left out.
    """
    n_group, n_rest = sum(group.values()), sum(rest.values())
    if not n_group or not n_rest:
        return []
    overall = group + rest
    n_all = n_group + n_rest
    found = []
    for term, count in group.items():
        if count < min_count:
            continue
        alpha = prior_total * overall[term] / n_all
        other = rest.get(term, 0)
        delta = (math.log((count + alpha) / (n_group + prior_total - count - alpha))
                 - math.log((other + alpha) / (n_rest + prior_total - other - alpha)))
        z = delta / math.sqrt(1.0 / (count + alpha) + 1.0 / (other + alpha))
        if z >= min_z:
            found.append((z, count, term))
    found.sort(key=lambda item: (-item[0], -item[1], item[2]))
    return [{"term": term, "score": round(z, 2), "count": count} for z, count, term in found[:top]]


def comment_terms(words):
    """The terms of one comment: its content words and each pair of neighbours as a phrase.

    Phrases (``余额_短信``) catch what single words miss (提醒 alone is in every
    group's complaints; 短信提醒 or 客户经理 电话 are not). Each term counts once
    per comment, so one long comment cannot carry a group.

        >>> sorted(comment_terms(["余额", "短信", "提醒"]))
        ['余额', '余额短信', '提醒', '短信', '短信提醒']
    """
    words = [word for word in words if word]
    terms = set(words)
    terms.update(first + second for first, second in zip(words, words[1:]) if first != second)
    return terms


def _counted_as_is(count):
    return count


class GroupTerms:
    """Term counts per (segment column, value, category), counted on a sample's comments.

    ``items`` are ``(content words, sentiment, codes, group values, masked text)``
    in input order (``textmine.aggregate.sample``), the group values in the
    order of ``segment_columns``. Praise is left out: it says nothing about a
    short board. The terms of the comments are one sparse matrix (comment x
    term, 1 where the comment uses the term), so the counts of a group are one
    sum over its rows, and the counts are exact on the comments given.
    ``estimate`` turns a count over the items into one over every comment.
    """

    def __init__(self, items, segment_columns, *, estimate=None, examples=2):
        self.segment_columns = list(segment_columns)
        self.examples_per_term = examples
        self.estimate = estimate or _counted_as_is  # a module function: a partial Aggregator pickles
        self.items = [item for item in items if item[1] != "pos" and item[0]] if self.segment_columns else []
        self.vocabulary = {}  # term -> its column in the matrix
        self.matrix = self._term_matrix()

    def _term_matrix(self):
        from scipy.sparse import csr_matrix

        columns, starts = [], [0]
        for words, *_ in self.items:
            columns += map(self._column, comment_terms(words))
            starts.append(len(columns))
        data = np.ones(len(columns), dtype=np.int32)
        return csr_matrix((data, columns, starts), shape=(len(self.items), len(self.vocabulary)))

    def _column(self, term):
        return self.vocabulary.setdefault(term, len(self.vocabulary))

    def _counts(self, rows):
        """{term: comments among ``rows`` (item numbers) that use it}."""
        if not rows:
            return Counter()
        totals = np.asarray(self.matrix[rows].sum(axis=0)).ravel()
        terms = list(self.vocabulary)
        return Counter({terms[column]: int(totals[column]) for column in np.flatnonzero(totals)})

    def _rows(self, column, value, code):
        """The items on ``code`` of the group (column, value), and those of the column's other groups."""
        group, rest = [], []
        if column in self.segment_columns:
            position = self.segment_columns.index(column)
            for row, (_, _, codes, groups, _) in enumerate(self.items):
                if code in codes:
                    (group if groups[position] == value else rest).append(row)
        return group, rest

    def common_examples(self, column, value, code, count=2):
        """Up to ``count`` masked comments of (column, value) on ``code`` that use its commonest terms.

        For a group asked about that has no distinctive term: what it says most.
        """
        group, _ = self._rows(column, value, code)
        if not group:
            return []
        by_term = self.matrix[group].tocsc()
        examples = []
        for term, _ in self._counts(group).most_common():
            for row in np.sort(by_term[:, self.vocabulary[term]].indices):
                text = self.items[group[row]][4]
                if text and text not in examples:
                    examples.append(text)
                    if len(examples) == count:
                        return examples
        return examples

    def reasons(self, column, value, code, *, top=8):
        """The distinctive terms of (column, value) on ``code`` against the column's other values.

        Each reason carries up to ``examples`` masked comments of the group that use the term
        (the first ones), and the term's count in the group.
        """
        group, rest = self._rows(column, value, code)
        counts = self._counts(group)
        if not counts:
            return []
        terms = distinctive_terms(counts, self._counts(rest), top=top)
        by_term = self.matrix[group].tocsc()
        for item in terms:
            users = by_term[:, self.vocabulary[item["term"]]].indices  # the group's rows using the term
            texts = (self.items[group[row]][4] for row in np.sort(users))
            item["examples"] = [text for text in texts if text][:self.examples_per_term]
            item["count"] = self.estimate(item["count"])
        return terms


def reason_examples(reasons, count=2):
    """Up to ``count`` masked comments that use a short board's distinctive terms, first terms first."""
    examples = []
    for reason in reasons:
        for text in reason.get("examples", []):
            if text not in examples and len(examples) < count:
                examples.append(text)
    return examples
