"""Output paths are checked before any work: format by suffix, folder, never an input."""

import datetime as dt
import os
from pathlib import Path

import pytest

from textmine.errors import OptionError
from textmine.io.outputs import OutputPath, check_outputs, dated_path, rows_format


@pytest.mark.parametrize("path, requested, expected", [
    ("-", None, "csv"), ("-", "jsonl", "jsonl"), ("out.csv", None, "csv"), ("OUT.TSV", None, "tsv"),
    ("out.jsonl", None, "jsonl"), ("out.json", None, "jsonl"), ("out.xlsx", None, "xlsx"),
    ("out.txt", None, "csv"), ("out.txt", "tsv", "tsv"), ("out", None, "csv"), ("out.dat", "csv", "csv"),
])
def test_rows_format(path, requested, expected):
    assert rows_format(path, requested) == expected


@pytest.mark.parametrize("path, requested, message", [
    ("-", "xlsx", "--format xlsx cannot go to stdout"),
    ("out.csv", "xlsx", "-o out.csv: the suffix .csv says csv, but --format is xlsx"),
    ("out.xlsx", "csv", "-o out.xlsx: the suffix .xlsx says xlsx, but --format is csv"),
    ("out.dat", None, "-o out.dat: textmine writes rows as .csv, .tsv, .jsonl, .xlsx or .parquet, not .dat"),
])
def test_rows_format_refuses_what_it_cannot_honour(path, requested, message):
    with pytest.raises(OptionError, match="^" + message.replace(".", r"\.")):
        rows_format(path, requested)


def test_good_outputs_pass(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("意见\n", encoding="utf-8")
    check_outputs([str(source), "-"], [OutputPath("-o", str(tmp_path / "r.xlsx"), "xlsx"),
                                       OutputPath("--json", "-", "json"), OutputPath("--topics-html", None, "html")])


@pytest.mark.parametrize("name, fmt, message", [
    ("report.csv", "xlsx", "the workbook is an Excel file: give a name ending in .xlsx"),
    ("summary.txt", "json", "the summary is JSON: give a name ending in .json"),
    ("map.png", "html", "the topic map is a web page: give a name ending in .html"),
])
def test_suffix_must_match_the_format(tmp_path, name, fmt, message):
    with pytest.raises(OptionError, match=message):
        check_outputs([], [OutputPath("-o", str(tmp_path / name), fmt)])


@pytest.mark.parametrize("option, fmt", [("-o", "xlsx"), ("--topics-html", "html")])
def test_a_workbook_or_a_page_cannot_go_to_stdout(option, fmt):
    with pytest.raises(OptionError, match=f"^{option} -: .*cannot go to stdout"):
        check_outputs([], [OutputPath(option, "-", fmt)])


def test_missing_or_unwritable_folder(tmp_path):
    with pytest.raises(OptionError, match=f"the folder {tmp_path / 'no'} does not exist"):
        check_outputs([], [OutputPath("--json", str(tmp_path / "no" / "s.json"), "json")])
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    if os.access(locked, os.W_OK):  # root writes anywhere: nothing to test
        pytest.skip("running as a user who can write into a read-only folder")
    with pytest.raises(OptionError, match="is not writable"):
        check_outputs([], [OutputPath("-o", str(locked / "r.xlsx"), "xlsx")])


def test_an_output_is_never_an_input(tmp_path):
    source = tmp_path / "export.csv"
    source.write_text("意见\n", encoding="utf-8")
    (tmp_path / "link.csv").symlink_to(source)
    os.link(source, tmp_path / "hard.csv")
    for name in ("export.csv", "link.csv", "hard.csv", "./sub/../export.csv"):
        (tmp_path / "sub").mkdir(exist_ok=True)
        with pytest.raises(OptionError, match="is also an input"):
            check_outputs([str(source)], [OutputPath("-o", str(tmp_path / name), "csv")])


def test_two_outputs_cannot_share_a_file(tmp_path):
    with pytest.raises(OptionError, match="--json .*: -o writes the same file"):
        check_outputs([], [OutputPath("-o", str(tmp_path / "x.json"), "jsonl"),
                           OutputPath("--json", str(tmp_path / "x.json"), "json")])


def test_dated_path():
    today = dt.date.today().isoformat()
    assert dated_path("reports/report-{date}.xlsx") == f"reports/report-{today}.xlsx"
    assert dated_path(None) is None and dated_path("-") == "-"


def test_a_fifo_or_a_device_is_written_into_whatever_its_name(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    check_outputs([], [OutputPath("-o", "/dev/null", "xlsx"), OutputPath("--json", str(fifo), "json")])
    with pytest.raises(OptionError, match=r"pipe: Parquet is written as a file or a folder of parts, not into"):
        check_outputs([], [OutputPath("-o", str(fifo), "parquet")])


def test_dev_stdout_is_stdout(tmp_path):
    import subprocess
    import sys

    sample = Path(__file__).resolve().parent.parent / "samples" / "sms_replies.csv"
    piped = subprocess.run(f"{sys.executable} -m textmine annotate {sample} -o /dev/stdout -q | head -1",
                           shell=True, capture_output=True, text=True, timeout=120)
    assert piped.stdout.startswith("手机号尾号,回复时间,回复内容,sentiment_score") and piped.stderr == ""
    target = tmp_path / "redirected.txt"
    with open(target, "w") as handle:
        redirected = subprocess.run([sys.executable, "-m", "textmine", "annotate", str(sample), "-o", "/dev/stdout",
                                     "-q"], stdout=handle, stderr=subprocess.PIPE, text=True, timeout=120)
    assert redirected.returncode == 0 and redirected.stderr == ""
    assert target.read_text(encoding="utf-8").count("\n") == 301
