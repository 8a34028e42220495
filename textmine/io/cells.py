"""Comments as cells: the one place where a record becomes the columns a writer writes.

``OutputColumns`` decides the header of annotated rows (the input columns, then
the annotation columns) and turns each ``textmine.record.Comment`` into a dict
of cells under those names. CSV, JSONL and xlsx writers (``textmine.io.write``)
and the workbook's 明细 sheet all take their rows from here.

    >>> layout = OutputColumns([source], tokens=False)
    >>> layout.cells(comment)["categories"]
    'speed|billing'

``ReadableCells`` is the same comment as a reader of the workbook sees it
(names, not codes; numbers and dates typed; Chinese headers, with a legend
that gives each header's CSV column).
"""

import datetime
import re
from dataclasses import dataclass
from itertools import chain
from typing import Callable, Iterable

from textmine.io.names import UniqueNames
from textmine.memo import BoundedMemo
from textmine.record import OTHER

ANNOTATION_COLUMNS = ("sentiment_score", "sentiment", "categories", "evidence", "aspects",
                      "duplicate_of", "flag")
SOURCE_COLUMN = "source_file"
FORMATTED_MEMO_SIZE = 100_000  # annotations whose cells are remembered
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
    that of a column textmine adds (an annotation column, or ``source_file``
    with several inputs) keeps its values under ``<name>_input``, or
    ``<name>_input_2`` when that is taken too, so nothing the analyst had is
    overwritten; ``notes`` says which were renamed. With several inputs a
    ``source_file`` column comes first. Linear in the number of columns.
    """

    def __init__(self, sources, *, tokens=False, topic=False):
        inputs = list(dict.fromkeys(chain.from_iterable(source.columns for source in sources)))
        self._texts = [source.text_column for source in sources]
        self._lay_out(inputs, len(sources) > 1, tokens, topic)

    def _lay_out(self, inputs, several_sources, tokens, topic):
        self._inputs = inputs
        self.several_sources = several_sources
        self.tokens = tokens
        self.annotation = list(ANNOTATION_COLUMNS) + (["tokens"] if tokens else []) + (["topic"] if topic else [])
        added = ([SOURCE_COLUMN] if several_sources else []) + self.annotation
        clashing = set(added).intersection(inputs)
        names = UniqueNames(added + [column for column in inputs if column not in clashing])
        self.renamed, self.notes = {}, []
        for column in inputs:
            if column in clashing:
                self.renamed[column] = names.claim(f"{column}_input")
                self.notes.append(f"input column {column!r} is written as {self.renamed[column]!r}: "
                                  f"textmine writes a column {column!r} of its own")
        self.columns = ([SOURCE_COLUMN] if several_sources else []) \
            + [self.renamed.get(column, column) for column in inputs] + self.annotation
        # The columns holding the comments (one a source): their cells stay text, however they look.
        self.text_columns = list(dict.fromkeys(self.renamed.get(column, column) for column in self._texts))
        # id(annotation) -> (annotation, its cells). Rows with the same text share one
        # Annotation object, so its cells are formatted once, not once a row (the
        # 200k survey input holds 79k distinct texts). The memo holds the annotation
        # itself, so its id cannot be reused while the entry lives.
        self._formatted = BoundedMemo(FORMATTED_MEMO_SIZE)

    @property
    def essential(self):
        """The columns a sheet keeps when there are more than Excel holds: the comment and its annotation."""
        return [self.renamed.get(column, column) for column in self._texts] + self.annotation \
            + ([SOURCE_COLUMN] if self.several_sources else [])

    def with_topic(self):
        """The same layout with a ``topic`` column at the end (an input ``topic`` column is renamed)."""
        if "topic" in self.annotation:
            return self
        layout = object.__new__(OutputColumns)
        layout._texts = self._texts
        layout._lay_out(self._inputs, self.several_sources, self.tokens, topic=True)
        return layout

    def cells(self, comment, topic=None):
        """``{column: value}`` for one comment: its input cells, then its annotation."""
        return self.cells_of([comment], None if topic is None else [topic])[0]

    def cells_of(self, comments, topics=None):
        """``cells`` of each comment of a chunk (writers take a chunk at a time)."""
        renamed, several, formatted_of = self.renamed, self.several_sources, self._formatted
        rows = []
        for comment in comments:
            row = comment.row
            if renamed:
                row = {renamed.get(column, column): value for column, value in row.items()}
            annotation = comment.annotation
            formatted = formatted_of.get(id(annotation))
            if formatted is None or formatted[0] is not annotation:
                formatted = (annotation, annotation_cells(annotation))
                formatted_of.remember(id(annotation), formatted)
            if several:
                cells = {SOURCE_COLUMN: comment.source, **row, **formatted[1]}
            else:
                cells = {**row, **formatted[1]}
            cells["duplicate_of"] = "" if comment.duplicate_of is None else str(comment.duplicate_of)
            if self.tokens:
                cells["tokens"] = " ".join(annotation.tokens or ())
            rows.append(cells)
        if topics is not None:
            for cells, topic in zip(rows, topics):
                cells["topic"] = "" if topic == NO_TOPIC else topic
        return rows


# ---------------------------------------------------------------- readable cells (the workbook)
SENTIMENT_NAMES = {"pos": "正面", "neu": "中性", "neg": "负面"}
FLAG_NAMES = {"empty": "空白", "meaningless": "无意义", "spam": "灌水"}
# The added columns as the workbook's 明细 shows them: CSV column -> (header, what it holds).
READABLE_COLUMNS = {
    SOURCE_COLUMN: ("来源文件", "评论来自哪个输入文件"),
    "sentiment_score": ("情感得分", "0～1，越低越负面"),
    "sentiment": ("情感", "正面 / 中性 / 负面"),
    "categories": ("痛点", "评论涉及的痛点，多个以“、”分隔；都不涉及为“其他”"),
    "evidence": ("依据词", "判为各痛点的词：“痛点：词、词”，多个痛点以“；”分隔"),
    "aspects": ("分项情感", "对各痛点的情感：“痛点：正面/中性/负面”，多个痛点以“；”分隔"),
    "duplicate_of": ("重复于第几条", "重复评论：与第几条（按输入顺序）相同；不计入分析"),
    "flag": ("无效原因", "空白 / 无意义 / 灌水；不计入分析"),
    "tokens": ("分词", "分词结果，以空格分隔"),
    "topic": ("主题", "评论所属主题（见「主题」表）；太短或太特殊的评论为空"),
}
# Numbers a spreadsheet holds exactly: no leading zero (an id such as 00123 stays text), at
# most 15 digits (Excel keeps 15 significant digits: a longer id would lose its end).
_NUMBER = re.compile(r"-?(?:0|[1-9]\d{0,14})(\.\d{1,15})?\Z")
_DAY = re.compile(r"(\d{4})(?:-|/|\.|年)(\d{1,2})(?:-|/|\.|月)(\d{1,2})日?"
                  r"(?:[ T](\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?)?\Z")


def typed_value(value):
    """An input cell as a spreadsheet should hold it: a number or a date when the text is one.

        >>> typed_value("8"), typed_value("2026/11/3"), typed_value("00123")
        (8, datetime.date(2026, 11, 3), '00123')
    """
    if not isinstance(value, str):
        return value
    text = value.strip()
    if _NUMBER.match(text):
        return float(text) if "." in text else int(text)
    match = _DAY.match(text)
    if match:
        try:
            day = datetime.date(int(match[1]), int(match[2]), int(match[3]))
            if match[4] is None:
                return day
            return datetime.datetime.combine(day, datetime.time(int(match[4]), int(match[5]), int(match[6] or 0)))
        except ValueError:
            return value
    return value


@dataclass
class DetailRows:
    """The rows of a details sheet: headers, rows of values in their order, and what each column is.

    ``legend`` holds ``(header, CSV column, meaning)`` for the columns textmine adds;
    ``text_columns`` the headers of the columns holding comments; ``count`` the rows, when known.
    ``render``, when given, renders the same rows elsewhere (worker processes):
    ``render(row_xml, first_number, limit)`` yields ``(XML, rows)`` in order, rows
    numbered from ``first_number``, at most ``limit`` (None: all), by ``row_xml``
    (a ``textmine.io.xlsx_stream.RowXml``, pickled to the workers).
        >>> DetailRows(["意见"], [["网速慢"]])
    """

    columns: list
    rows: Iterable
    legend: list = ()
    text_columns: tuple = ()
    count: int | None = None
    render: Callable | None = None


TYPED_MEMO_SIZE = 100_000  # distinct input cells whose typed value the 明细 remembers


def _typed_cell(memo, value):
    """``typed_value(value)`` through ``memo``; a cell that is no text (unhashable, say) is typed as it is."""
    if type(value) is str:
        return memo[value]
    return typed_value(value)


class ReadableCells:
    """Comments as the workbook's 明细 shows them: one list of values a comment.

    Categories and aspects by their names (``category_names``: the run's
    taxonomy), sentiment and flags in Chinese, topics by their labels
    (``topic_labels``: {id: label}), input numbers and dates typed (never the
    comment text), and Chinese headers for the columns textmine adds.
        >>> readable = ReadableCells(layout, result.category_names, {2: "信号/手机"})
        >>> readable.values(comment, 2)[-1]
        '信号/手机'
    """

    def __init__(self, layout, category_names, topic_labels=None):
        self.layout = layout
        self.names = dict(category_names)
        self.topic_labels = dict(topic_labels or {})
        originals = {renamed: column for column, renamed in layout.renamed.items()}
        self._inputs = [(column, originals.get(column, column)) for column in layout.columns
                        if column not in layout.annotation and column != SOURCE_COLUMN]
        taken = {column for column, _ in self._inputs}
        self.columns, self.legend = [], []
        added = ([SOURCE_COLUMN] if layout.several_sources else []) + list(layout.annotation)
        headers = {}
        for column in added:
            header, meaning = READABLE_COLUMNS[column]
            if header in taken:  # an input column of that name keeps it
                header += "（分析）"
            headers[column] = header
            self.legend.append((header, column, meaning))
        self.columns = ([headers[SOURCE_COLUMN]] if layout.several_sources else []) \
            + [column for column, _ in self._inputs] + [headers[column] for column in layout.annotation]
        self.text_columns = tuple(column for column in layout.text_columns if column in taken)
        self._text = frozenset(original for column, original in self._inputs if column in self.text_columns)
        # Group, date and score cells repeat from row to row: each distinct one is typed once
        # (distinct_200k's 明细: 32 -> 26 µs a row for the readable values, reading included).
        self._typed = BoundedMemo(TYPED_MEMO_SIZE, typed_value)

    def name(self, code):
        return self.names.get(code, code)

    def values(self, comment, topic=None):
        """The comment's values, in ``columns`` order."""
        row, annotation, text = comment.row, comment.annotation, self._text
        values = [comment.source] if self.layout.several_sources else []
        typed = self._typed
        values += [row.get(original, "") if original in text else _typed_cell(typed, row.get(original, ""))
                   for _, original in self._inputs]
        added = {
            "sentiment_score": annotation.sentiment_score,
            "sentiment": SENTIMENT_NAMES.get(annotation.sentiment, annotation.sentiment),
            "categories": "、".join(map(self.name, annotation.codes)) or self.name(OTHER),
            "evidence": "；".join(f"{self.name(code)}：{'、'.join(words)}"
                                 for code, words in annotation.categories if words),
            "aspects": "；".join(f"{self.name(code)}：{SENTIMENT_NAMES.get(aspect, aspect)}"
                                for code, aspect in annotation.aspects),
            "duplicate_of": comment.duplicate_of if comment.duplicate_of is not None else "",
            "flag": FLAG_NAMES.get(annotation.flag, annotation.flag),
        }
        if self.layout.tokens:
            added["tokens"] = " ".join(annotation.tokens or ())
        if "topic" in self.layout.annotation:
            added["topic"] = "" if topic is None or topic == NO_TOPIC else self.topic_labels.get(topic, str(topic))
        return values + [added[column] for column in self.layout.annotation]
