"""The deeper analyses the Aggregator feeds: root causes per customer group and KANO classes.

Kept apart from the Aggregator's counts because each keeps more than counts
(term counts per group and category, a regression's running sums) and each
answers one question of the operators' reports:

- what does a group say about its short board (``reasons``: distinctive terms
  with example comments, ``textmine.aggregate.root_causes``, counted on the
  Aggregator's sample of comments, ``textmine.aggregate.sample``);
- which needs are basic, performance or delighters (``kano``:
  ``textmine.aggregate.kano``).

    >>> insights = GroupInsights(["地区类型"], ["coverage", "billing"])
    >>> insights.add(annotation, 3.0)
    >>> insights.count_terms(sample)
"""

from textmine.aggregate.kano import KanoModel
from textmine.aggregate.root_causes import GroupTerms

REASONS_PER_BOARD = 5  # distinctive terms shown for a short board


class GroupInsights:
    """Term counts per (segment value, category), from a sample, and the KANO regression, streamed."""

    def __init__(self, segment_columns, codes):
        self.segment_columns = list(segment_columns)
        self.terms = GroupTerms([], self.segment_columns)
        self.kano_model = KanoModel(codes)

    def add(self, annotation, score):
        """Count one analysed comment in the KANO regression (a comment without a score says nothing)."""
        if score is not None:
            self.kano_model.add(dict(annotation.aspects), score)

    def count_terms(self, sample):
        """Count the terms of the groups on ``sample`` (a ``CommentSample``), for ``reasons``."""
        self.terms = GroupTerms(sample.items(), self.segment_columns, estimate=sample.estimate)

    def reasons(self, column, value, code, top=REASONS_PER_BOARD):
        """``[{"term", "score", "count", "examples"}]``: what sets the group apart on ``code``."""
        return self.terms.reasons(column, value, code, top=top)

    def kano(self, names):
        """One entry per mentioned category with its KANO class, penalty and reward."""
        return self.kano_model.result(names)
