"""The command line through CliRunner: exit codes, messages and whole outputs."""

import csv
import io
import subprocess
import sys

import pytest
from click.testing import CliRunner

from textmine.cli import cli

from conftest import FIXTURES, SAMPLES

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


# --- a custom taxonomy, through every report ---------------------------------------------------------------
CUSTOM_TAXONOMY = ("code\tname\tkeywords\texclusions\n"
                   "net\t网络质量\t信号|网速|掉线\t\n"
                   "fee\t费用问题\t贵|扣费|话费\t\n"
                   "svc\t服务问题\t客服|态度\t\n")
CUSTOM_NAMES = {"net": "网络质量", "fee": "费用问题", "svc": "服务问题", "other": "其他"}
# The packaged taxonomy's codes and names, none of which a custom taxonomy's report may show.
# 网速 is left out: it is also a word of the comments, which the 主题 sheet counts.
PACKAGED_LABELS = ("coverage", "stability", "speed", "call_quality", "pricing", "billing", "customer_service",
                   "repair_install", "business_handling", "marketing", "privacy_security",
                   "信号覆盖", "网络稳定性", "通话质量", "资费套餐", "计费扣费", "客服服务", "装维服务", "业务办理",
                   "营销推广", "信息安全")
COMMENT_COLUMNS = ("意见建议", "原声（已脱敏）")  # customers' own words may name anything


def workbook_cells(path):
    """{sheet: [(column header, value)]} of the string cells outside the comment text columns.

    The header is known only under a table with a comment column (明细, 典型原声); elsewhere it is None.
    """
    from openpyxl import load_workbook

    cells = {}
    book = load_workbook(path, read_only=True)
    for sheet in book.worksheets:
        header = ()
        for row in sheet.iter_rows(values_only=True):
            if any(value in COMMENT_COLUMNS for value in row):
                header = row  # a table with comments starts: its header labels the cells below
                continue
            cells.setdefault(sheet.title, []).extend(
                (header[i] if i < len(header) else None, value) for i, value in enumerate(row)
                if isinstance(value, str) and (i >= len(header) or header[i] not in COMMENT_COLUMNS))
    book.close()
    return cells


@pytest.fixture(scope="module")
def custom_taxonomy_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("taxonomy")
    (folder / "my.tsv").write_text(CUSTOM_TAXONOMY, encoding="utf-8")
    result = CliRunner().invoke(cli, [
        "analyze", str(SAMPLES / "survey_export.csv"), "--taxonomy", str(folder / "my.tsv"),
        "--json", str(folder / "out.json"), "-o", str(folder / "out.xlsx"), "--topics", "off", "-q", "-j", "1"])
    assert result.exit_code == 0, result.output
    return result, folder


def test_custom_taxonomy_names_the_json_summary(custom_taxonomy_run):
    import json

    _, folder = custom_taxonomy_run
    summary = json.loads((folder / "out.json").read_text(encoding="utf-8"))
    assert {c["code"]: c["name"] for c in summary["categories"]} == CUSTOM_NAMES
    assert all(c["count"] > 0 for c in summary["categories"])
    assert {d["category"] for d in summary["drivers"]} == {"net", "fee", "svc"}
    boards = [e[key] for entries in summary["segments"].values() for e in entries
              for key in ("top_pain_point", "short_board")]
    assert set(boards) - {None} == {"net", "fee", "svc"}
    assert {a["category"] for a in summary["alerts"]} <= {"net", "fee", "svc"}
    assert set(summary["trends"]["month"]["counts"]) == set(CUSTOM_NAMES)
    text = json.dumps(summary, ensure_ascii=False)
    assert [label for label in PACKAGED_LABELS if label in text] == []


def test_custom_taxonomy_names_every_sheet_of_the_workbook(custom_taxonomy_run):
    _, folder = custom_taxonomy_run
    cells = workbook_cells(folder / "out.xlsx")
    found = sorted({(sheet, label) for sheet, values in cells.items() for _, value in values
                    for label in PACKAGED_LABELS if label in value})
    assert found == []
    names = {value for _, value in cells["痛点"]}
    assert set(CUSTOM_NAMES.values()) <= names and set(CUSTOM_NAMES) <= names
    assert {value for _, value in cells["驱动因素"]} >= {"网络质量", "费用问题", "服务问题"}
    assert "网络质量" in {value for _, value in cells["客群短板"]}
    verbatim_labels = {value for header, value in cells["典型原声"] if header == "痛点"}
    assert verbatim_labels == set(CUSTOM_NAMES.values())
    categories = {value for header, value in cells["明细"] if header == "categories"}
    assert {code for value in categories for code in value.split("|")} == set(CUSTOM_NAMES)


def terminal_sections(output):
    """{section title: its indented lines} of the plain terminal summary."""
    sections, title = {}, None
    for line in output.splitlines():
        if line.endswith("：") and not line.startswith(" "):
            title = line.split("（")[0].rstrip("：")
            sections[title] = []
        elif line.startswith("  ") and title:
            sections[title].append(line.strip())
    return sections


def test_custom_taxonomy_names_the_terminal_summary(custom_taxonomy_run):
    import re

    result, _ = custom_taxonomy_run
    sections = terminal_sections(result.output)
    named = {
        "主要痛点": [line.split(": ")[0] for line in sections["主要痛点"]],
        "客群短板": [re.match(r".+?=.+?: (.+?)（组内", line).group(1) for line in sections["客群短板"]],
        "预警": [line.split(" ")[0] for line in sections["预警"]],
        "拉低满意度的痛点": [line.split(": ")[0] for line in sections["拉低满意度的痛点"]],
    }
    assert sorted(named["主要痛点"]) == sorted(CUSTOM_NAMES.values())
    assert all(named[title] and set(named[title]) <= set(CUSTOM_NAMES.values()) for title in named), named
    assert [label for label in PACKAGED_LABELS + ("网速",) if label in result.output] == []


def test_annotate_reads_and_writes_parquet(runner, tmp_path):
    from pyarrow import parquet

    target = tmp_path / "out.parquet"
    result = runner.invoke(cli, ["annotate", str(FIXTURES / "comments.parquet"), "-o", str(target), "-j", "1"])
    assert result.exit_code == 0, result.output
    assert result.stderr == "textmine: read 3 rows, wrote 3, skipped 0\n"
    rows = parquet.read_table(target).to_pylist()
    assert list(rows[0]) == ["序号", "满意度", "地市", "意见建议"] + ANNOTATIONS
    assert [(row["满意度"], row["sentiment"], row["duplicate_of"]) for row in rows] == [
        ("3", "neg", None), ("9", "pos", None), ("5", "neg", None)]
    csv_rows = read_csv_text(runner.invoke(cli, ["annotate", str(FIXTURES / "utf8.csv"), "-q", "-j", "1"]).stdout)
    assert [row["categories"] for row in rows] == [row["categories"] for row in csv_rows]


def test_annotate_into_a_folder_is_one_clear_error(runner, tmp_path):
    result = runner.invoke(cli, ["annotate", str(FIXTURES / "utf8.csv"), "-o", str(tmp_path), "-j", "1"])
    assert result.exit_code == 1
    assert result.stderr == f"Error: {tmp_path}: is a folder; give a file name\n"
