"""The command line through CliRunner: exit codes, messages and whole outputs."""

import csv
import io
import json
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


def test_a_folder_of_exports_with_its_readme_stops_at_the_readme(runner, tmp_path):
    # textmine analyze exports/* in a folder that also holds a README.md: refused before any work.
    (tmp_path / "week1.csv").write_text("序号,意见建议\n1,网速太慢\n", encoding="utf-8")
    (tmp_path / "README.md").write_text("# 导出说明\n每周一导出。\n", encoding="utf-8")
    output = tmp_path / "out.csv"
    result = runner.invoke(cli, ["annotate", str(tmp_path / "week1.csv"), str(tmp_path / "README.md"),
                                 "-o", str(output)])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "README.md: a Markdown document, not a table" in result.stderr
    assert not output.exists()


def test_missing_file_is_a_usage_error(runner):
    result = runner.invoke(cli, ["annotate", "no_such_file.csv"])
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


@pytest.mark.parametrize(("args", "line"), [
    (["annotate", "no_such_file.csv"],
     "Error: Invalid value for 'INPUTS...': File 'no_such_file.csv' does not exist. (see: textmine annotate --help)"),
    (["annotate", "{utf8}", "--topics", "abc"],
     "Error: Invalid value for '--topics': must be auto, off or a number from 1 to 50, not 'abc' "
     "(see: textmine annotate --help)"),
    (["analyze", "{utf8}", "--no-such-option"], None),
    (["annotate"], "Error: Missing argument 'INPUTS...'. (see: textmine annotate --help)"),
    (["no-such-command"], "Error: No such command 'no-such-command'. (see: textmine --help)"),
    (["--no-such-option"], "Error: No such option '--no-such-option'. (see: textmine --help)"),
    (["annotate", "{utf8}", "-o"], "Error: Option '-o' requires an argument. (see: textmine annotate --help)"),
])
def test_a_usage_error_is_one_line_saying_where_help_is(args, line):
    # In a cron mail the error must be the line that is there, not the third after the usage block.
    args = [arg.replace("{utf8}", str(FIXTURES / "utf8.csv")) for arg in args]
    result = CliRunner().invoke(cli, args, prog_name="textmine")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: ")
    assert result.stderr.rstrip("\n").endswith("--help)")
    if line is not None:
        assert result.stderr == line + "\n"


def test_bad_option_is_a_usage_error(runner):
    result = runner.invoke(cli, ["annotate", str(FIXTURES / "utf8.csv"), "--jobs", "0"])
    assert result.exit_code == 2


def test_output_into_missing_folder_is_a_usage_error(runner, tmp_path):
    result = runner.invoke(cli, ["annotate", str(FIXTURES / "utf8.csv"), "-o", str(tmp_path / "no" / "x.csv")])
    assert result.exit_code == 2
    assert result.stderr == f"Error: -o {tmp_path / 'no' / 'x.csv'}: the folder {tmp_path / 'no'} does not exist\n"


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
        "--json", str(folder / "out.json"), "-o", str(folder / "out.xlsx"), "--topics", "off", "-j", "1",
        "--period", "month"])  # the monthly alert puts a name in every section
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
    assert set(boards) - {None} and set(boards) - {None} <= {"net", "fee", "svc"}
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
    assert set(CUSTOM_NAMES.values()) <= names and not set(CUSTOM_NAMES) & names  # names, never codes
    assert {value for _, value in cells["驱动因素"]} >= {"网络质量", "费用问题", "服务问题"}
    assert "网络质量" in {value for _, value in cells["客群短板"]}
    verbatim_labels = {value for header, value in cells["典型原声"] if header == "痛点"}
    assert verbatim_labels == set(CUSTOM_NAMES.values())
    categories = {value for header, value in cells["明细"] if header == "痛点"}
    assert {name for value in categories for name in value.split("、")} == set(CUSTOM_NAMES.values())
    codes = {(name, code) for name, code, kind in _rows(folder / "out.xlsx", "字段说明") if kind == "痛点"}
    assert codes == {(name, code) for code, name in CUSTOM_NAMES.items()}


def _rows(path, sheet):
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    rows = [row for row in book[sheet].iter_rows(values_only=True) if len(row) >= 3]
    book.close()
    return rows


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
    sections = terminal_sections(result.stdout)
    named = {
        "主要痛点": [line.split(": ")[0] for line in sections["主要痛点"]],
        "客群短板": [re.match(r".+?=.+?: (.+?)（组内", line).group(1) for line in sections["客群短板"]],
        "预警": [line.split(" ")[0] for line in sections["预警"]],
        "拉低满意度的痛点": [line.split(": ")[0] for line in sections["拉低满意度的痛点"]],
    }
    assert sorted(named["主要痛点"]) == sorted(CUSTOM_NAMES.values())
    assert all(named[title] and set(named[title]) <= set(CUSTOM_NAMES.values()) for title in named), named
    assert [label for label in PACKAGED_LABELS + ("网速",) if label in result.stdout] == []


# --- the command-line contract: exit codes, quiet, outputs checked first, config, BOM -----------------------
UTF8 = str(FIXTURES / "utf8.csv")


@pytest.mark.parametrize("args, message", [
    (["annotate", UTF8, "--topics", "abc"], "Invalid value for '--topics': must be auto, off or a number"),
    (["analyze", UTF8, "--topics", "0.5"], "Invalid value for '--topics'"),
    (["topics", UTF8, "--topics", "99"], "Invalid value for '--topics'"),
    (["annotate", UTF8, "--format", "xlsx"], "Error: --format xlsx cannot go to stdout: give -o annotated.xlsx\n"),
    (["annotate", UTF8, "-o", "out.xlsx", "--format", "csv"], "the suffix .xlsx says xlsx, but --format is csv"),
    (["analyze", UTF8, "-o", "report.csv"], "Error: -o report.csv: the workbook is an Excel file: "
                                            "give a name ending in .xlsx\n"),
    (["analyze", UTF8, "--json", "summary.xlsx"], "give a name ending in .json"),
    (["analyze", UTF8, "--period", "day"], "Invalid value for '--period'"),
    (["annotate", UTF8, "--config", str(FIXTURES / "utf8.csv")], "not valid TOML"),
])
def test_bad_option_values_exit_2(runner, args, message):
    result = runner.invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.output


@pytest.mark.parametrize("args", [
    ["-o", "{tmp}/ok.xlsx", "--json", "{tmp}/missing/s.json"],
    ["-o", "{tmp}/missing/r.xlsx", "--json", "{tmp}/s.json"],
    ["--json", "{tmp}/s.json", "--topics-html", "{tmp}/missing/map.html"],
])
def test_analyze_checks_every_output_before_reading(runner, tmp_path, monkeypatch, args):
    from textmine.pipeline import analyze as pipeline_analyze

    def must_not_run(*args, **kwargs):
        raise AssertionError("the analysis started before the outputs were checked")

    monkeypatch.setattr(pipeline_analyze, "analyze_files", must_not_run)
    result = runner.invoke(cli, ["analyze", UTF8, *(arg.format(tmp=tmp_path) for arg in args)])
    assert result.exit_code == 2, result.output
    assert "does not exist" in result.stderr and result.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command, name, output", [
    ("annotate", "utf8.csv", "{name}"), ("annotate", "utf8.csv", "link.csv"), ("analyze", "orders.xlsx", "{name}"),
])
def test_an_output_never_replaces_an_input(runner, tmp_path, command, name, output):
    source = tmp_path / name
    source.write_bytes((FIXTURES / name).read_bytes())
    (tmp_path / "link.csv").symlink_to(source)
    result = runner.invoke(cli, [command, str(source), "-o", str(tmp_path / output.format(name=name)), "-j", "1"])
    assert result.exit_code == 2
    assert "is also an input" in result.stderr
    assert source.read_bytes() == (FIXTURES / name).read_bytes()


@pytest.mark.parametrize("command, extra", [("annotate", []), ("annotate", ["--format", "jsonl"]),
                                            ("analyze", ["--topics", "off"])])
def test_dev_null_is_an_output_without_a_suffix(runner, command, extra):
    # -o /dev/null was refused: "CSV rows: give a name ending in .csv".
    result = runner.invoke(cli, [command, UTF8, "-o", "/dev/null", "-j", "1", "-q", *extra])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""


def test_parquet_into_a_device_is_refused(runner):
    result = runner.invoke(cli, ["annotate", UTF8, "-o", "/dev/null", "--format", "parquet", "-j", "1"])
    assert result.exit_code == 2
    assert result.stderr == ("Error: -o /dev/null: Parquet is written as a file or a folder of parts, "
                             "not into a FIFO or a device\n")


def test_a_closed_stdout_ends_quietly_with_0():
    """``textmine annotate big.csv | head -1``: head has what it wanted."""
    process = subprocess.Popen([sys.executable, "-m", "textmine", "annotate", str(SAMPLES / "survey_export.csv")],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = process.stdout.readline()
    process.stdout.close()
    stderr = process.stderr.read()
    assert process.wait(timeout=120) == 0
    assert first.startswith("序号,".encode("utf-8")) and stderr == b""


def test_broken_pipe_exits_0_through_the_runner(runner, monkeypatch):
    from textmine.pipeline import annotate as pipeline_annotate

    def reader_gone(*args, **kwargs):
        raise BrokenPipeError
        yield

    monkeypatch.setattr(pipeline_annotate, "comment_chunks", reader_gone)
    result = runner.invoke(cli, ["annotate", UTF8, "-j", "1"])
    assert result.exit_code == 0 and result.stderr == ""


def test_quiet_prints_only_what_was_asked_for(runner, tmp_path):
    orders = str(FIXTURES / "orders.xlsx")
    to_file = runner.invoke(cli, ["analyze", orders, "--json", str(tmp_path / "s.json"), "-q", "-j", "1"])
    assert to_file.exit_code == 0 and to_file.stdout == "" and to_file.stderr == ""
    to_stdout = runner.invoke(cli, ["analyze", orders, "--json", "-", "-q", "-j", "1", "--topics", "off"])
    assert to_stdout.exit_code == 0 and json.loads(to_stdout.stdout)["rows"]["read"] == 3
    topics = runner.invoke(cli, ["topics", orders, "-q", "-j", "1"])
    assert topics.exit_code == 0 and topics.stdout == ""
    loud = runner.invoke(cli, ["analyze", orders, "-j", "1", "--topics", "off"])
    assert "概览" in loud.stdout and "textmine: read 3 rows" in loud.stderr


def test_quiet_keeps_errors_on_stderr(runner):
    result = runner.invoke(cli, ["analyze", UTF8, "--text-column", "评论", "-q"])
    assert result.exit_code == 1 and result.stdout == "" and "column '评论' not found" in result.stderr


@pytest.mark.parametrize("args, starts_with_bom", [
    ([], False), (["--bom"], True), (["-o", "{tmp}/out.csv"], True), (["-o", "{tmp}/out.csv", "--no-bom"], False),
    (["-o", "{tmp}/out.tsv", "--no-bom"], False), (["-o", "{tmp}/out.jsonl", "--bom"], False),
])
def test_bom(runner, tmp_path, args, starts_with_bom):
    args = [arg.format(tmp=tmp_path) for arg in args]
    result = runner.invoke(cli, ["annotate", UTF8, "-j", "1", *args])
    assert result.exit_code == 0, result.output
    data = next(tmp_path.iterdir()).read_bytes() if "-o" in args else result.stdout_bytes
    assert data.startswith(b"\xef\xbb\xbf") == starts_with_bom
    assert data.lstrip(b"\xef\xbb\xbf").startswith(b'{"' if ".jsonl" in str(args) else "序号".encode("utf-8"))


def test_config_takes_the_option_names_a_user_types_on_annotate(runner, tmp_path):
    (tmp_path / "textmine.toml").write_text(
        f'quiet = true\nperiod = "week"\n[annotate]\noutput = "{tmp_path}/out-{{date}}.tsv"\ntext-column = "意见建议"\n'
        'no_excel_escape = true\n', encoding="utf-8")
    result = runner.invoke(cli, ["annotate", UTF8, "--config", str(tmp_path / "textmine.toml"), "-j", "1"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "" and result.stderr == ""  # quiet, from the file
    written = next(tmp_path.glob("out-*.tsv"))
    assert written.read_text(encoding="utf-8-sig").startswith("序号\t满意度")


def test_config_on_analyze_and_the_command_line_wins(runner, tmp_path):
    (tmp_path / "weekly.toml").write_text(
        f'tokens = true\n[analyze]\nsegment_column = "地市"\njson = "{tmp_path}/s.json"\nperiod = "month"\n'
        'topics = "off"\nquiet = true\n', encoding="utf-8")
    result = runner.invoke(cli, ["analyze", UTF8, "--config", str(tmp_path / "weekly.toml"), "-j", "1",
                                 "--period", "week"])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    assert list(summary["segments"]) == ["地市"] and summary["period"]["granularity"] == "week"
    assert summary["topics"] == [] and result.stdout == ""


def test_config_with_an_unknown_key_is_a_usage_error(runner, tmp_path):
    (tmp_path / "bad.toml").write_text('[annotate]\nsegment_column = "地市"\n', encoding="utf-8")
    result = runner.invoke(cli, ["annotate", UTF8, "--config", str(tmp_path / "bad.toml")])
    assert result.exit_code == 2
    assert "unknown setting(s) for annotate: segment_column (known: " in result.stderr


def test_the_readme_config_example_runs(runner, tmp_path):
    from conftest import SAMPLES as samples

    readme = (samples.parent / "README.md").read_text(encoding="utf-8")
    example = readme.split("```toml\n# weekly.toml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "weekly.toml").write_text(example.replace("/srv/reports", str(tmp_path)), encoding="utf-8")
    config = ["--config", str(tmp_path / "weekly.toml"), "-j", "1"]
    analyzed = runner.invoke(cli, ["analyze", *config, str(samples / "survey_export.csv"), "--topics", "off"])
    assert analyzed.exit_code == 3, analyzed.output  # the billing alert, under fail-on-alert
    assert analyzed.stdout == "" and analyzed.stderr == "textmine: 1 alert(s) fired\n"
    summary = json.loads(next(tmp_path.glob("summary-*.json")).read_text(encoding="utf-8"))
    assert list(summary["segments"]) == ["地区类型", "年龄段"] and next(tmp_path.glob("report-*.xlsx"))
    annotated = runner.invoke(cli, ["annotate", *config, str(FIXTURES / "utf8.csv")])
    assert annotated.exit_code == 0 and annotated.output == ""
    assert len(read_csv_text(next(tmp_path.glob("annotated-*.csv")).read_text(encoding="utf-8-sig"))) == 3


def test_analyze_help_is_true_to_the_period(runner):
    result = runner.invoke(cli, ["analyze", "--help"])
    assert "--period [auto|week|month]" in result.output and "[default: auto]" in result.output
    assert "half a year" in result.output and "The weekly report" not in result.output


@pytest.mark.parametrize("command", ["annotate", "analyze", "topics"])
def test_every_command_takes_a_config_file(runner, command):
    result = runner.invoke(cli, [command, "--help"])
    assert result.exit_code == 0 and "--config FILE" in result.output
    assert [label for label in PACKAGED_LABELS + ("网速",) if label in result.output] == []


def test_jobs_beyond_four_per_core_is_a_usage_error(runner):
    # -j 100000 forked until the kernel killed the run (exit 137, thousands of orphans).
    from textmine.cores import max_jobs

    result = runner.invoke(cli, ["annotate", str(FIXTURES / "utf8.csv"), "-j", "100000"])
    assert result.exit_code == 2
    assert f"100000 is more than {max_jobs()}, 4 worker processes per core" in result.output
    assert runner.invoke(cli, ["annotate", str(FIXTURES / "utf8.csv"), "-j", str(max_jobs()), "-q"]).exit_code == 0


def test_the_library_refuses_too_many_jobs_too():
    from textmine.cores import max_jobs
    from textmine.errors import ConfigError
    from textmine.pipeline import LanguageOptions, LocalExecutor

    with pytest.raises(ConfigError, match="4 worker processes per core"):
        LocalExecutor(LanguageOptions(), jobs=max_jobs() + 1)


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
    assert result.exit_code == 2
    assert result.stderr.endswith(f"Error: -o {tmp_path}: is a folder; give a file name\n")
    parts = tmp_path / "earlier.parquet"  # a folder of parts from an earlier run is replaced
    parts.mkdir()
    (parts / "part-00000.parquet").write_bytes(b"")
    result = runner.invoke(cli, ["annotate", str(FIXTURES / "utf8.csv"), "-o", str(parts), "-j", "1", "-q"])
    assert result.exit_code == 0, result.output
    assert parts.is_file()
