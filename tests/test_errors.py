"""textmine.errors: an unexpected exception keeps its type and learns which file it happened on."""

import pytest

from textmine.errors import InputError, naming_unexpected_errors, note_where, where_of


def test_the_innermost_note_is_kept():
    with pytest.raises(KeyError) as caught:
        with naming_unexpected_errors("writing out.csv"):
            with naming_unexpected_errors("processing survey.csv"):
                raise KeyError("x")
    assert where_of(caught.value) == "processing survey.csv"
    if hasattr(caught.value, "add_note"):  # Python 3.11 and later show notes under a traceback
        assert caught.value.__notes__ == ["textmine: while processing survey.csv"]


def test_a_textmine_error_names_its_file_itself():
    error = InputError("survey.csv: file is empty")
    note_where(error, "reading survey.csv")
    assert where_of(error) is None and str(error) == "survey.csv: file is empty"


def test_nothing_is_noted_without_an_exception():
    with naming_unexpected_errors("reading survey.csv"):
        pass
    assert where_of(ValueError()) is None
