"""Comments as cells: the one place where a record becomes the columns a writer writes.

``OutputColumns`` decides the header of annotated rows (the input columns, then
the annotation columns) and turns each ``textmine.record.Comment`` into a dict
of cells under those names. CSV, JSONL and xlsx writers (``textmine.io.write``)
and the workbook's 明细 sheet all take their rows from here.

    >>> layout = OutputColumns([source], tokens=False)
    >>> layout.cells(comment)["categories"]
    'speed|billing'
"""

from textmine.record import OTHER

ANNOTATION_COLUMNS = ("sentiment_score", "sentiment", "categories", "evidence", "aspects",
                      "duplicate_of", "flag")
SOURCE_COLUMN = "source_file"
# Columns that typed outputs (Parquet) store as numbers; elsewhere, and for every other column, text.
NUMBER_COLUMNS = {"sentiment_score": "double", "duplicate_of": "int64", "topic": "int64"}
NO_TOPIC = -1  # a comment too short or too unusual for any topic


def categories_cell(annotation):
    """``speed|billing``: the category codes joined by ``|``, ``other`` when there are none."""
    return "|".join(annotation.codes) or OTHER


def evidence_cell(annotation):
    """``speed:网速慢|billing:乱扣费``: the words behind each category that has any."""
    return "|".join(f"{code}:{','.join(words)}" for code, words in annotation.categories if words)


def aspects_cell(annotation):
    """``coverage:neg|customer_service:pos``: the sentiment towards each pain point."""
    return "|".join(f"{code}:{aspect}" for code, aspect in annotation.aspects)


def annotation_cells(annotation):
    """The cells that depend on the text alone, in ``ANNOTATION_COLUMNS`` order less ``duplicate_of``."""
    return {
        "sentiment_score": annotation.sentiment_score,
        "sentiment": annotation.sentiment,
        "categories": categories_cell(annotation),
        "evidence": evidence_cell(annotation),
        "aspects": aspects_cell(annotation),
        "flag": annotation.flag,
    }


class OutputColumns:
    """The header of annotated rows and each comment's cells under it.

    The input columns come first (their union over every input, in order of
    appearance), then the annotation columns. An input column whose name is
    that of an annotation column keeps its values under ``<name>_input``, so
    nothing the analyst had is overwritten. With several inputs a
    ``source_file`` column comes first.
    """

    def __init__(self, sources, *, tokens=False, topic=False):
        inputs = []
        for source in sources:
            for column in source.columns:
                if column not in inputs:
                    inputs.append(column)
        self.annotation = list(ANNOTATION_COLUMNS) + (["tokens"] if tokens else []) + (["topic"] if topic else [])
        self.renamed = {column: f"{column}_input" for column in inputs if column in self.annotation}
        self.several_sources = len(sources) > 1
        self.columns = ([SOURCE_COLUMN] if self.several_sources else []) \
            + [self.renamed.get(column, column) for column in inputs] + self.annotation
        self.tokens = tokens

    def with_topic(self):
        """The same layout with a ``topic`` column at the end."""
        if "topic" in self.annotation:
            return self
        layout = object.__new__(OutputColumns)
        layout.__dict__.update(self.__dict__)
        layout.annotation = self.annotation + ["topic"]
        layout.columns = self.columns + ["topic"]
        return layout

    def cells(self, comment, topic=None):
        """``{column: value}`` for one comment: its input cells, then its annotation."""
        row = comment.row
        if self.renamed:
            row = {self.renamed.get(column, column): value for column, value in row.items()}
        cells = {SOURCE_COLUMN: comment.source, **row} if self.several_sources else dict(row)
        annotation = comment.annotation
        cells.update(annotation_cells(annotation))
        cells["duplicate_of"] = "" if comment.duplicate_of is None else str(comment.duplicate_of)
        if self.tokens:
            cells["tokens"] = " ".join(annotation.tokens or ())
        if topic is not None:
            cells["topic"] = "" if topic == NO_TOPIC else topic
        return cells
