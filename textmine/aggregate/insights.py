"""The deeper analyses the Aggregator feeds: root causes per customer group and KANO classes.

Kept apart from the Aggregator's counts because each keeps more than counts
(term counts per group and category, a regression's running sums) and each
answers one question of the operators' reports:

- what does a group say about its short board (``reasons``: distinctive terms
  with example comments, ``textmine.aggregate.root_causes``);
- which needs are basic, performance or delighters (``kano``:
  ``textmine.aggregate.kano``).

    >>> insights = GroupInsights(["地区类型"], ["coverage", "billing"])
    >>> insights.add({"地区类型": "农村"}, ["coverage"], annotation, 3.0, "农村信号太差")
"""

from textmine.aggregate.kano import KanoModel
from textmine.aggregate.root_causes import TermCounts, comment_terms

REASONS_PER_BOARD = 5  # distinctive terms shown for a short board


class GroupInsights:
    """Term counts per (segment value, category) and the KANO regression, streamed."""

    def __init__(self, segment_columns, codes):
        self.segment_columns = list(segment_columns)
        self.terms = TermCounts()
        self.kano_model = KanoModel(codes)

    def add(self, segment_values, codes, annotation, score, text):
        """Count one analysed comment; ``segment_values``: column -> its group; ``text``: masked."""
        if annotation.sentiment != "pos" and self.segment_columns:
            # What a group complains about: its praise says nothing about a short board.
            terms = comment_terms(annotation.content_words or ())
            if terms:
                for column in self.segment_columns:
                    self.terms.add(column, segment_values[column], codes, terms, text)
        if score is not None:
            self.kano_model.add(dict(annotation.aspects), score)

    def reasons(self, column, value, code, top=REASONS_PER_BOARD):
        """``[{"term", "score", "count", "examples"}]``: what sets the group apart on ``code``."""
        return self.terms.reasons(column, value, code, top=top)

    def kano(self, names):
        """One entry per mentioned category with its KANO class, penalty and reward."""
        return self.kano_model.result(names)

