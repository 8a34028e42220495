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


class TermCounts:
    """Term counts per (segment column, value, category), bounded in memory.

    Each cell keeps at most ``limit`` terms: past it, the rarest half goes
    (counts of frequent terms stay exact, a rare term's count may restart).
    The first ``examples`` masked comments that use each term are kept for the reasons.
    """

    def __init__(self, limit=2000, examples=2):
        self.limit = limit
        self.examples_per_term = examples
        self.counts = {}  # (column, value, code) -> Counter of terms
        self.comments = Counter()  # (column, value, code) -> comments counted
        self.examples = {}  # (column, value, code) -> {term: [masked texts]}

    def add(self, column, value, codes, terms, text):
        for code in codes:
            key = (column, value, code)
            counts = self.counts.get(key)
            if counts is None:
                counts = self.counts[key] = Counter()
            counts.update(terms)
            self.comments[key] += 1
            examples = self.examples.setdefault(key, {})
            if text:
                for term in terms:
                    kept = examples.setdefault(term, [])
                    if len(kept) < self.examples_per_term:
                        kept.append(text)
            if len(counts) > self.limit:
                kept_terms = dict(counts.most_common(self.limit // 2))
                counts.clear()
                counts.update(kept_terms)
                self.examples[key] = {term: texts for term, texts in examples.items() if term in kept_terms}

    def reasons(self, column, value, code, *, top=8, examples=2):
        """The distinctive terms of (column, value) on ``code`` against the column's other values.

        Each reason carries up to ``examples`` masked comments of the group that use the term.
        """
        group = self.counts.get((column, value, code))
        if not group:
            return []
        rest = Counter()
        for (other_column, other_value, other_code), counts in self.counts.items():
            if other_column == column and other_code == code and other_value != value:
                rest.update(counts)
        terms = distinctive_terms(group, rest, top=top)
        kept = self.examples.get((column, value, code), {})
        for item in terms:
            item["examples"] = kept.get(item["term"], [])[:examples]
        return terms


    def common_examples(self, column, value, code, count=2):
        """Up to ``count`` masked comments of (column, value) on ``code`` that use its commonest terms."""
        counts, kept = self.counts.get((column, value, code)), self.examples.get((column, value, code), {})
        examples = []
        for term, _ in (counts or Counter()).most_common():
            for text in kept.get(term, []):
                if text not in examples:
                    examples.append(text)
                if len(examples) == count:
                    return examples
        return examples


def reason_examples(reasons, count=2):
    """Up to ``count`` masked comments that use a short board's distinctive terms, first terms first."""
    examples = []
    for reason in reasons:
        for text in reason.get("examples", []):
            if text not in examples and len(examples) < count:
                examples.append(text)
    return examples
