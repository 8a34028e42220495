"""Signals, with real processes: Ctrl-C from a terminal and SIGTERM stop a run with one line and no leftovers.

Ctrl-C in a terminal reaches the whole process group, workers included: the
run must print one line, exit 130, and no worker may print a traceback.
SIGTERM (timeout, cron, systemd, docker stop) must exit 143 and leave no
temporary file. Each run gets an input large enough to be still working when
the signal comes (the sample survey, 40 times, each copy a little different).
"""

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import SAMPLES

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def big_input(tmp_path_factory):
    with open(SAMPLES / "survey_export.csv", encoding="gb18030", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    path = tmp_path_factory.mktemp("signals") / "survey_80k.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for copy in range(40):
            for row in rows:
                writer.writerow(row[:-1] + [f"{row[-1]}（第{copy}批）"])
    return path


def start(args, cwd):
    environment = dict(os.environ, PYTHONPATH=str(ROOT))
    # A session of its own: the test can signal its whole process group, as a terminal does.
    return subprocess.Popen([sys.executable, "-m", "textmine", *args], cwd=cwd, env=environment,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def wait_for(condition, seconds=60):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the run did not get going"
        time.sleep(0.05)


def processes_reading(path):
    """Processes whose command line names ``path``: the run and its workers."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and str(path).encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            pass
    return found


def finish(process):
    stdout, stderr = process.communicate(timeout=60)
    return process.returncode, stderr


def assert_clean_stop(code, stderr, expected_code, line, folder, big_input):
    assert code == expected_code, stderr
    assert stderr.splitlines() == [line]  # one line: no traceback from the run or any worker
    assert "Traceback" not in stderr and "Exception ignored" not in stderr
    assert [path.name for path in folder.iterdir()] == [], "a temporary or partial file was left"
    wait_for(lambda: not processes_reading(big_input), 10)  # no orphaned worker


def test_ctrl_c_on_the_process_group_during_annotate(big_input, tmp_path):
    process = start(["annotate", str(big_input), "-o", "out.csv", "-j", "2"], tmp_path)
    wait_for(lambda: len(processes_reading(big_input)) >= 3)  # the run and its two workers
    time.sleep(0.5)
    os.killpg(process.pid, signal.SIGINT)
    code, stderr = finish(process)
    assert_clean_stop(code, stderr, 130, "textmine: interrupted; no output file was written", tmp_path, big_input)


def test_sigterm_during_annotate_to_xlsx_leaves_no_temporary_file(big_input, tmp_path):
    process = start(["annotate", str(big_input), "-o", "out.xlsx", "-j", "2"], tmp_path)
    wait_for(lambda: len(processes_reading(big_input)) >= 3)
    time.sleep(0.5)
    process.send_signal(signal.SIGTERM)
    code, stderr = finish(process)
    assert_clean_stop(code, stderr, 143, "textmine: terminated (signal 15); no output file was written",
                      tmp_path, big_input)


def test_ctrl_c_on_the_process_group_during_analyze(big_input, tmp_path):
    process = start(["analyze", str(big_input), "-o", "report.xlsx", "--json", "summary.json", "-j", "2"], tmp_path)
    wait_for(lambda: len(processes_reading(big_input)) >= 3)  # the run and its two workers
    time.sleep(1.0)
    os.killpg(process.pid, signal.SIGINT)
    code, stderr = finish(process)
    assert_clean_stop(code, stderr, 130, "textmine: interrupted; no output file was written", tmp_path, big_input)


def test_ctrl_c_while_the_workbook_is_written_prints_no_lxml_noise(tmp_path):
    # 12 "Exception ignored ... LxmlSyntaxError" came from openpyxl's half-written sheets.
    driver = ("import sys\n"
              "from textmine.io import xlsx_stream\n"
              "append, calls = xlsx_stream.SheetRows.append, []\n"
              "def interrupted(self, values):\n"
              "    calls.append(1)\n"
              "    if len(calls) == 50:\n"
              "        raise KeyboardInterrupt\n"
              "    return append(self, values)\n"
              "xlsx_stream.SheetRows.append = interrupted\n"
              "from textmine.cli import main\n"
              "sys.argv = ['textmine'] + sys.argv[1:]\n"
              "main()\n")
    environment = dict(os.environ, PYTHONPATH=str(ROOT))
    for command in (["analyze", "--topics", "off"], ["annotate"]):
        completed = subprocess.run([sys.executable, "-c", driver, *command, str(SAMPLES / "sms_replies.csv"),
                                    "-o", "out.xlsx", "-j", "1", "-q"],
                                   cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=120)
        assert completed.returncode == 130
        assert completed.stderr == "textmine: interrupted; no output file was written\n"
        assert list(tmp_path.iterdir()) == []


def test_ctrl_c_after_the_workbook_is_in_place_names_what_was_written(tmp_path):
    # Ctrl-C while the JSON summary is written: the workbook is whole and stays; the JSON is not.
    driver = ("import sys\n"
              "import pathlib\n"
              "write_text = pathlib.Path.write_text\n"
              "def interrupted(self, *args, **kwargs):\n"
              "    if '.out.json.' in self.name:\n"
              "        raise KeyboardInterrupt\n"
              "    return write_text(self, *args, **kwargs)\n"
              "pathlib.Path.write_text = interrupted\n"
              "from textmine.cli import main\n"
              "sys.argv = ['textmine'] + sys.argv[1:]\n"
              "main()\n")
    environment = dict(os.environ, PYTHONPATH=str(ROOT))
    completed = subprocess.run([sys.executable, "-c", driver, "analyze", str(SAMPLES / "sms_replies.csv"),
                                "-o", "out.xlsx", "--json", "out.json", "--topics", "off", "-j", "1", "-q"],
                               cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 130
    assert completed.stderr == ("textmine: interrupted; written before it: out.xlsx; "
                                "no other output file was written\n")
    assert [path.name for path in tmp_path.iterdir()] == ["out.xlsx"]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")
@pytest.mark.parametrize("args", [["annotate", "{sample}"], ["analyze", "{sample}", "--json", "-", "--topics", "off"],
                                  ["--help"], ["--version"], ["annotate", "{sample}", "-o", "/dev/stdout"]])
def test_a_full_stdout_is_one_line_not_an_unexpected_error(args):
    sample = str(Path(__file__).resolve().parent.parent / "samples" / "sms_replies.csv")
    with open("/dev/full", "w") as full:
        quiet = ["-q"] if args[0] in ("annotate", "analyze") else []
        completed = subprocess.run([sys.executable, "-m", "textmine", *[a.format(sample=sample) for a in args], *quiet],
                                   stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert completed.returncode == 1
    assert completed.stderr == "Error: cannot write the output: No space left on device\n"
