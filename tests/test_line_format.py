"""Rows formatted on a worker, their duplicate_of filled in later: the bytes the writers write."""

import io

import pytest

from textmine.io.line_format import LineFormat, formatted_lines, text_line_format
from textmine.io.write import open_row_writer


@pytest.mark.parametrize("path, fmt", [("out.csv", None), ("out.tsv", None), ("out.jsonl", None), ("-", "csv"),
                                       ("-", "jsonl")])
def test_formatted_lines_with_their_gaps_filled_are_what_the_writer_writes(tmp_path, path, fmt):
    columns = ["意见", "电话", "duplicate_of", "flag", "tokens"]
    rows = [{"意见": "=1+1", "电话": "a,b", "duplicate_of": "", "flag": "", "tokens": "网速 慢"},
            {"意见": "第一行\r\n第二行", "电话": "", "duplicate_of": "1", "flag": "spam", "tokens": "-x"},
            {"意见": '说"好"', "duplicate_of": "1", "flag": "", "tokens": ""}]  # a column missing
    line_format = text_line_format(path, fmt)
    text, offsets = formatted_lines(rows, columns, line_format, "duplicate_of")
    filled, previous = [], 0
    for row, offset in zip(rows, offsets):
        filled += [text[previous:offset], row["duplicate_of"]]
        previous = offset
    filled = "".join(filled) + text[previous:]
    stdout = io.StringIO()
    target = "-" if path == "-" else tmp_path / path
    with open_row_writer(target, columns, fmt=fmt, bom=False, stdout=stdout) as writer:
        writer.write_rows(rows)
    written = stdout.getvalue() if path == "-" else target.read_bytes().decode("utf-8")
    header_end = written.index("\n") + 1 if line_format.fmt != "jsonl" else 0
    assert filled == written[header_end:]


def test_xlsx_and_parquet_have_no_line_format():
    assert text_line_format("out.xlsx") is None and text_line_format("out.parquet") is None
    assert text_line_format("-") == LineFormat("csv", False, "\n")
