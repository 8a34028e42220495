"""textmine.io.formats: JSON Lines that used to stop a run are read, skipped or repaired with their line."""

import csv
import json

import pytest
from click.testing import CliRunner

from textmine.cli import cli
from textmine.io.read import open_feedback


def write_lines(path, lines):
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "xlsx"])
def test_a_lone_surrogate_is_replaced_with_a_warning_and_every_output_is_written(tmp_path, fmt):
    # A JSONL line with "\ud800" failed the whole CSV/JSONL output (UnicodeEncodeError).
    path = write_lines(tmp_path / "in.jsonl", ['{"意见建议": "网速慢\\ud800了", "k\\udc00": "x"}',
                                               '{"意见建议": "好\\ud83d\\ude00"}'])
    target = tmp_path / f"out.{fmt}"
    result = CliRunner().invoke(cli, ["annotate", str(path), "-o", str(target), "-j", "1"])
    assert result.exit_code == 0, result.output
    assert "lone_surrogate_replaced 1 (first: " in result.stderr and "in.jsonl line 1)" in result.stderr
    if fmt == "jsonl":
        rows = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
        assert rows[0]["意见建议"] == "网速慢\ufffd了" and rows[1]["意见建议"] == "好😀"
        assert "k\ufffd" in rows[0]


def test_a_5000_digit_number_is_kept_as_its_digits(tmp_path):
    path = write_lines(tmp_path / "big.jsonl", ['{"意见建议": "网速慢", "n": ' + "9" * 5000 + "}",
                                                '{"意见建议": "满意", "n": 12}'])
    rows = list(open_feedback(path).rows)
    assert rows[0]["n"] == "9" * 5000 and rows[1]["n"] == "12"


def test_a_line_nested_100000_deep_is_skipped_with_its_line(tmp_path):
    path = write_lines(tmp_path / "deep.jsonl", ['{"意见建议": "网速慢", "n": ' + "[" * 100_000 + "]" * 100_000 + "}",
                                                 '{"意见建议": "满意"}'])
    result = CliRunner().invoke(cli, ["annotate", str(path), "-j", "1"])
    assert result.exit_code == 0, result.output
    assert "read 2 rows, wrote 1, skipped 1" in result.stderr
    assert "json_nested_too_deeply 1 (first: " in result.stderr and "deep.jsonl line 1)" in result.stderr
    assert [row["意见建议"] for row in csv.DictReader(result.stdout.splitlines())] == ["满意"]
