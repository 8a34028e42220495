"""--config files: option names as typed, per-command tables, unknown keys refused."""

import importlib
import sys

import pytest

from textmine.errors import OptionError
from textmine.io import config
from textmine.io.config import config_defaults, option_key, read_config

OPTIONS = {"segment_column": ("segment_columns", True), "segment_columns": ("segment_columns", True),
           "json": ("json_path", False), "json_path": ("json_path", False),
           "period": ("period", False), "quiet": ("quiet", False)}


def write(tmp_path, text):
    path = tmp_path / "textmine.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("typed", ["segment-column", "segment_column", "--segment-column", "Segment-Column"])
def test_option_key(typed):
    assert option_key(typed) == "segment_column"


def test_names_as_typed_and_the_command_table_wins(tmp_path):
    path = write(tmp_path, 'period = "month"\nquiet = true\ntokens = true\n'
                           '[analyze]\nsegment-column = "地区类型"\njson = "out/s-{date}.json"\nperiod = "week"\n'
                           '[annotate]\nno_such = 1\n')
    assert config_defaults(path, "analyze", OPTIONS, elsewhere={"tokens"}) == {
        "period": "week", "quiet": True, "segment_columns": ["地区类型"], "json_path": "out/s-{date}.json"}


def test_unknown_keys_are_refused_with_the_known_ones(tmp_path):
    path = write(tmp_path, "[analyze]\nsegment = 1\n")
    with pytest.raises(OptionError) as caught:
        config_defaults(path, "analyze", OPTIONS)
    assert str(caught.value) == (f"--config {path}: unknown setting(s) for analyze: segment "
                                 "(known: json, period, quiet, segment_column)")


def test_a_top_level_key_of_no_command_is_refused(tmp_path):
    path = write(tmp_path, "tokens = true\nsegmentcolumn = 1\n")
    with pytest.raises(OptionError, match="unknown setting\\(s\\) for analyze: segmentcolumn "):
        config_defaults(path, "analyze", OPTIONS, elsewhere={"tokens"})


def test_bad_toml_is_one_line(tmp_path):
    path = write(tmp_path, "period = \n")
    with pytest.raises(OptionError, match="not valid TOML"):
        read_config(path, "analyze")


def test_python_3_10_reads_the_file_with_tomli(tmp_path, monkeypatch):
    """Without the standard library's tomllib (Python 3.10), the tomli package parses the same files."""
    pytest.importorskip("tomli")
    path = write(tmp_path, '[analyze]\nperiod = "week"\n')
    monkeypatch.setitem(sys.modules, "tomllib", None)  # import tomllib now fails, as on 3.10
    try:
        reloaded = importlib.reload(config)
        assert reloaded.tomllib.__name__ == "tomli"
        assert reloaded.config_defaults(path, "analyze", OPTIONS) == {"period": "week"}
    finally:
        monkeypatch.undo()
        importlib.reload(config)
