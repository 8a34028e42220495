"""The records that flow through textmine, one per comment.

``Annotation`` is what the text stages found in one comment text. It depends on
the text alone, so every row holding that text shares one (exports repeat
themselves: 满意, 无, the same pasted complaint). ``Comment`` is one input row
on its way through: its cells, its place in the input and its text's
annotation. The runner (``textmine.pipeline``) yields Comments in input order;
the writers, the aggregator, the topic sample and the store read their fields.
Only writers turn them into cells (``textmine.io.cells``).

    >>> annotation.codes
    ('speed', 'billing')
"""

from typing import NamedTuple

OTHER = "other"  # the category of a comment that no category of the taxonomy covers


class Annotation(NamedTuple):
    """What the text stages found in one comment text.

    A NamedTuple so that it crosses processes as a plain tuple would (its
    fields are its order: no second list to keep in step).
    """

    sentiment_score: float  # how positive, 0..1 (P(pos) + ½·P(neu)), to 4 places
    sentiment: str  # "pos", "neu" or "neg"
    categories: tuple  # ((code, (evidence words, ...)), ...): the pain points found; () = other
    aspects: tuple  # ((code, "pos" | "neu" | "neg"), ...): the sentiment towards each pain point
    flag: str  # "" or why analyses leave the comment out: "empty", "meaningless", "spam"
    masked_text: str | None  # the text with personal data masked; None when masking left it as it was
    signature: tuple | None  # duplicate signature of the cleaned, masked text; None for flagged texts
    tokens: tuple | None = None  # every token, when asked for (``--tokens``)
    content_words: tuple | None = None  # the words that can name an issue, when asked for (topics)

    @property
    def codes(self):
        """The category codes, in the taxonomy's order; empty when no category applies."""
        return tuple(code for code, _ in self.categories)


class Comment(NamedTuple):
    """One input row, in input order, with the annotation of its text."""

    number: int  # 1-based over all inputs
    source: str  # the name of the input it came from
    row: dict  # the input cells (masked unless --no-mask), column -> value
    text: str  # the comment text (masked unless --no-mask)
    annotation: Annotation
    duplicate_of: int | None  # the number of the comment's first copy, for a duplicate
