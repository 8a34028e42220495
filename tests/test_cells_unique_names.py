"""textmine.io.cells: the header of annotated rows keeps every input value under a unique name."""

import time
from types import SimpleNamespace

import pytest

from textmine.io.cells import OutputColumns
from conftest import as_comment


def source(*columns, text_column=None):
    return SimpleNamespace(columns=list(columns), text_column=text_column or columns[0])


def test_an_input_column_named_like_an_annotation_column_is_kept_under_a_free_name():
    # 意见建议,categories,categories_input: categories_input is taken, so categories goes to _input_2.
    layout = OutputColumns([source("意见建议", "categories", "categories_input")])
    assert layout.columns[:3] == ["意见建议", "categories_input_2", "categories_input"]
    assert len(set(layout.columns)) == len(layout.columns)
    comment = as_comment({"意见建议": "网速慢"})
    comment.row.update({"categories": "a", "categories_input": "b"})  # as_comment takes "categories" itself
    cells = layout.cells(comment)
    assert cells["categories_input_2"] == "a" and cells["categories_input"] == "b"
    assert cells["categories"] == "other"
    assert layout.notes == ["input column 'categories' is written as 'categories_input_2': "
                            "textmine writes a column 'categories' of its own"]


def test_an_input_source_file_column_does_not_replace_the_file_name():
    layout = OutputColumns([source("意见建议", "source_file"), source("意见建议")])
    assert layout.columns[:3] == ["source_file", "意见建议", "source_file_input"]
    cells = layout.cells(as_comment({"意见建议": "网速慢", "source_file": "crm.csv"}))
    assert cells["source_file"] == "input.csv" and cells["source_file_input"] == "crm.csv"
    assert any("'source_file'" in note for note in layout.notes)


def test_with_one_input_a_source_file_column_is_an_ordinary_column():
    layout = OutputColumns([source("意见建议", "source_file")])
    assert layout.columns[:2] == ["意见建议", "source_file"] and not layout.notes


def test_a_topic_input_column_is_renamed_when_topics_are_added():
    layout = OutputColumns([source("意见建议", "topic")])
    assert layout.columns[1] == "topic" and not layout.notes
    with_topic = layout.with_topic()
    assert with_topic.columns[1] == "topic_input" and with_topic.columns[-1] == "topic"
    comment = as_comment({"意见建议": "x"})
    comment.row["topic"] = "5"
    assert with_topic.cells(comment, 2)["topic_input"] == "5"


def test_the_essential_columns_are_the_text_and_the_annotation():
    layout = OutputColumns([source("序号", "意见建议", text_column="意见建议")], tokens=True)
    assert layout.essential[0] == "意见建议" and "tokens" in layout.essential and "序号" not in layout.essential


@pytest.mark.parametrize("count", [10_000, 30_000, 100_000])
def test_the_layout_of_a_wide_header_is_linear(count):
    columns = ["意见建议", "categories"] + [f"c{index}" for index in range(count)]
    started = time.perf_counter()
    layout = OutputColumns([source(*columns), source(*columns)])
    layout.with_topic()
    assert time.perf_counter() - started < 1.0  # was 2.8 s for 10k and 172 s for 100k: quadratic
    assert len(layout.columns) == len(set(layout.columns)) == count + 2 + 1 + 7
