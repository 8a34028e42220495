"""Rows formatted as a text writer formats them, with one cell left to fill in later.

A cluster worker formats the rows of its partition for ``annotate``'s CSV,
TSV or JSON Lines output (``textmine.pipeline.annotate_partitions``); the
client fills in the ``duplicate_of`` cell, which only it knows, and writes
the text. The lines are made by the same csv and json calls as the writers
of ``textmine.io.write`` make them, so the bytes are the same.

    >>> text, offsets = formatted_lines(rows, columns, text_line_format("out.csv"), "duplicate_of")
"""

import csv
import io
import json
from dataclasses import dataclass

from textmine.io.formats import CSV_TAKES_NUL, NUL_STAND_IN, nul_safe
from textmine.io.write import format_for, formulas_escaped, values_getter


@dataclass(frozen=True)
class LineFormat:
    """How a text writer (CSV, TSV, JSON Lines) lays out its lines, for rows formatted elsewhere."""

    fmt: str
    excel_escape: bool
    line_end: str


def text_line_format(path, fmt=None, excel_escape=True):
    """The ``LineFormat`` ``open_row_writer(path, ...)`` writes with, or None for xlsx and Parquet.

    >>> text_line_format("-").line_end
    '\\n'
    """
    fmt = format_for(path, fmt)
    if fmt not in ("csv", "tsv", "jsonl"):
        return None
    if str(path) == "-":
        return LineFormat(fmt, False, "\n")
    return LineFormat(fmt, excel_escape, "\r\n")


def formatted_lines(rows, columns, line_format, gap_column):
    """``(text, offsets)``: ``rows`` as the writer of ``line_format`` writes them, and where each one's gap is.

    ``gap_column`` is left empty in every row; ``offsets[i]`` is where, in
    ``text``, the value of row ``i``'s gap goes (inserted, as its digits). So
    rows can be formatted on a worker and a value known only later (the
    number of a duplicate's first copy) put in by the client, the bytes being
    those the writer itself would have written.
    """
    columns = list(columns)
    after = columns[columns.index(gap_column) + 1:]
    tails = {}  # the cells after the gap -> the length of the line's end from the gap on
    offsets, position = [], 0
    if line_format.fmt == "jsonl":
        opening = len(json.dumps({gap_column: ""}, ensure_ascii=False)) - 3  # '{"gap": ' then '""'
        lines = []
        for row in rows:
            record = {column: row.get(column, "") for column in columns}
            record[gap_column] = ""
            line = json.dumps(record, ensure_ascii=False) + "\n"
            key = tuple(record[column] for column in after)
            if key not in tails:
                tail = {gap_column: "", **{column: record[column] for column in after}}
                tails[key] = len(json.dumps(tail, ensure_ascii=False)) + 1 - opening
            position += len(line)
            offsets.append(position - tails[key] + 1)  # inside the gap's quotes
            lines.append(line)
        return "".join(lines), offsets
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t" if line_format.fmt == "tsv" else ",", lineterminator="\r\n")
    values_of = values_getter(columns)
    try:
        values = list(map(values_of, rows))
    except KeyError:
        values = [[row.get(column, "") for column in columns] for row in rows]
    gap = columns.index(gap_column)
    values = [(*row_values[:gap], "", *row_values[gap + 1:]) for row_values in values]
    if line_format.excel_escape:
        values = formulas_escaped(values)
    if not CSV_TAKES_NUL:  # one character for one: the offsets stay right
        values = [tuple(nul_safe(row_values)) for row_values in values]
    # The tail's length from the gap to the line's end, written with the csv module as the line is.
    tail_writer = csv.writer(io.StringIO(), delimiter=writer.dialect.delimiter, lineterminator="\r\n")
    shorter = 2 - len(line_format.line_end)  # "\n" lines are a character shorter than "\r\n" ones
    for row_values in values:
        key = row_values[gap + 1:]
        if key not in tails:
            tails[key] = tail_writer.writerow(("", *key)) - shorter
        if shorter:  # the csv module writes CRLF (see CsvRowWriter): each line's end is replaced
            end = buffer.tell() + writer.writerow(row_values)
            buffer.seek(end - 2)
            buffer.write(line_format.line_end)
            buffer.truncate()
            position = end - shorter
        else:
            position += writer.writerow(row_values)
        offsets.append(position - tails[key])
    text = buffer.getvalue()
    return (text if CSV_TAKES_NUL else text.replace(NUL_STAND_IN, "\x00")), offsets
