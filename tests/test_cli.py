"""The command line through CliRunner: exit codes, messages and whole outputs."""

import csv
import io
import subprocess
import sys

import pytest
from click.testing import CliRunner

from textmine.cli import cli

from conftest import FIXTURES

ANNOTATIONS = ["sentiment_score", "sentiment", "categories", "evidence", "aspects", "duplicate_of", "flag"]


@pytest.fixture(scope="module")
def runner():
    return CliRunner()


def read_csv_text(text):
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("command", [[], ["annotate"]])
def test_help_of_every_command(runner, command):
    result = runner.invoke(cli, command + ["--help"])
    assert result.exit_code == 0
    assert "Example" in result.output


def test_annotate_gb18030_export_to_csv_file(runner, tmp_path):
    target = tmp_path / "out.csv"
    result = runner.invoke(cli, ["annotate", str(FIXTURES / "gb18030.csv"), "-o", str(target), "-j", "1"])
    assert result.exit_code == 0, result.output
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = read_csv_text(data.decode("utf-8-sig"))
    assert list(rows[0]) == ["序号", "满意度", "地市", "意见建议"] + ANNOTATIONS
    assert [row["意见建议"] for row in rows] == ["信号太差了，家里经常没信号", "客服态度很好，问题很快解决了",
                                               "宽带经常断线，希望尽快处理"]
    assert [row["sentiment"] for row in rows] == ["neg", "pos", "neg"]
    assert rows[0]["categories"] == "coverage"
    assert "stability" in rows[2]["categories"]
    for row in rows:
        assert 0.0 <= float(row["sentiment_score"]) <= 1.0
    assert result.stderr == "textmine: read 3 rows, wrote 3, skipped 0\n"


def test_annotate_to_stdout_has_no_bom_and_quiet_prints_nothing(runner):
    result = runner.invoke(cli, ["annotate", str(FIXTURES / "utf8.csv"), "-q", "-j", "1"])
    assert result.exit_code == 0
    assert result.stdout.startswith("序号,满意度,地市,意见建议,sentiment_score")
    assert len(read_csv_text(result.stdout)) == 3
    assert result.stderr == ""


def test_annotate_reads_stdin(runner):
    data = (FIXTURES / "big5.csv").read_bytes()
    result = runner.invoke(cli, ["annotate", "-", "-j", "1", "--format", "jsonl"], input=data)
    assert result.exit_code == 0, result.output
    assert result.stdout.count("\n") == 2
    assert '"意見": "訊號很差，寬頻常斷線"' in result.stdout


def test_several_inputs_get_a_source_file_column(runner):
    result = runner.invoke(cli, ["annotate", str(FIXTURES / "utf8.csv"), str(FIXTURES / "orders.xlsx"), "-j", "1"])
    assert result.exit_code == 0, result.output
    rows = read_csv_text(result.stdout)
    assert len(rows) == 6
    assert list(rows[0])[0] == "source_file"
    assert rows[3]["工单编号"] == "GD001" and rows[0]["意见建议"].startswith("信号")


def test_personal_data_is_masked_unless_no_mask(runner):
    path = str(FIXTURES / "personal_data.csv")
    masked = runner.invoke(cli, ["annotate", path, "-j", "1"]).stdout
    assert "13912345678" not in masked and "13812345678" not in masked
    assert "110101199003074518" not in masked and "zhang.san@example.com" not in masked
    assert "<手机号>" in masked and "<身份证号>" in masked
    kept = runner.invoke(cli, ["annotate", path, "-j", "1", "--no-mask"]).stdout
    assert "13912345678" in kept


def test_missing_column_exits_1_and_lists_columns(runner):
    result = runner.invoke(cli, ["annotate", str(FIXTURES / "utf8.csv"), "--text-column", "评论"])
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {FIXTURES / 'utf8.csv'}: column '评论' not found; "
                             "columns are: 序号, 满意度, 地市, 意见建议\n")


@pytest.mark.parametrize("name, message", [
    ("empty.csv", "file is empty"),
    ("garbage.csv", "does not look like a text table"),
])
def test_bad_data_exits_1_with_one_line(runner, name, message):
    result = runner.invoke(cli, ["annotate", str(FIXTURES / name)])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and message in result.stderr and name in result.stderr
    assert "Traceback" not in result.output


def test_missing_file_is_a_usage_error(runner):
    result = runner.invoke(cli, ["annotate", "no_such_file.csv"])
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_bad_option_is_a_usage_error(runner):
    result = runner.invoke(cli, ["annotate", str(FIXTURES / "utf8.csv"), "--jobs", "0"])
    assert result.exit_code == 2


def test_output_into_missing_folder_exits_1(runner, tmp_path):
    result = runner.invoke(cli, ["annotate", str(FIXTURES / "utf8.csv"), "-o", str(tmp_path / "no" / "x.csv")])
    assert result.exit_code == 1
    assert "does not exist" in result.stderr


def test_jobs_2_gives_the_same_output_as_jobs_1(runner):
    path = str(FIXTURES / "orders.xlsx")
    one = runner.invoke(cli, ["annotate", path, "-j", "1"])
    two = runner.invoke(cli, ["annotate", path, "-j", "2"])
    assert one.exit_code == two.exit_code == 0
    assert one.stdout == two.stdout


def test_python_dash_m_textmine_runs():
    completed = subprocess.run([sys.executable, "-m", "textmine", "--version"], capture_output=True, text=True)
    assert completed.returncode == 0
    assert completed.stdout.startswith("textmine, version ")
