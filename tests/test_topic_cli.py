"""The topic options of the command line: --topic-engine on topics, analyze and annotate,
repeatable topics across processes, masked examples."""

import csv
import io
import json
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner

from textmine.cli import TOPIC_ENGINES, cli
from textmine.painpoints.taxonomy import Taxonomy
from textmine.topics.engines import ENGINES

from conftest import SAMPLES

PHONE = re.compile(r"1[3-9]\d{9}")


@pytest.fixture(scope="module")
def small_survey(tmp_path_factory):
    """The first 400 answers of the sample survey, a few ending with a phone number, UTF-8."""
    with open(SAMPLES / "survey_export.csv", encoding="gb18030", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    text = header.index("意见建议")
    rows = rows[:400]
    for number, row in enumerate(rows):
        if number % 5 == 0 and len(row[text]) > 8:
            row[text] += f"，有事打我电话1390000{number:04d}"
    path = tmp_path_factory.mktemp("topics") / "survey_400.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows([header] + rows)
    return path


def topics_json(args):
    result = CliRunner().invoke(cli, ["topics", *args, "--json", "-", "-j", "1", "-q"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_cli_engine_choices_are_the_library_engines():
    assert TOPIC_ENGINES == ENGINES


@pytest.mark.parametrize("command", ["topics", "analyze", "annotate"])
def test_every_topic_command_offers_the_engine(command):
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "--topic-engine [nmf|lda]" in result.output


def test_unknown_engine_is_a_usage_error(small_survey):
    result = CliRunner().invoke(cli, ["topics", str(small_survey), "--topic-engine", "bert"])
    assert result.exit_code == 2
    assert "'bert' is not one of 'nmf', 'lda'" in result.output


@pytest.mark.parametrize("engine", ENGINES)
def test_topics_command_uses_the_engine(small_survey, engine):
    summary = topics_json([str(small_survey), "--topics", "5", "--topic-engine", engine])
    assert summary["topic_model"]["engine"] == engine
    assert summary["topic_model"]["n_topics"] == 5
    assert len(summary["topics"]) == 5 and all(topic["words"] for topic in summary["topics"])


@pytest.mark.parametrize("engine", ENGINES)
def test_representative_comments_are_masked(small_survey, engine):
    result = CliRunner().invoke(cli, ["topics", str(small_survey), "--topics", "5",
                                      "--topic-engine", engine, "-j", "1"])
    assert result.exit_code == 0, result.output
    examples = [line for line in result.stdout.splitlines() if line.lstrip().startswith("例：")]
    assert len(examples) >= 15  # 3-5 a topic
    assert any("电话" in line for line in examples)  # comments that had a number are shown ...
    assert not any(PHONE.search(line) for line in examples)  # ... without it


def test_analyze_passes_the_engine_to_the_json_summary(small_survey, tmp_path):
    target = tmp_path / "summary.json"
    result = CliRunner().invoke(cli, ["analyze", str(small_survey), "--json", str(target),
                                      "--topics", "4", "--topic-engine", "lda", "-j", "1", "-q"])
    assert result.exit_code == 0, result.output
    summary = json.loads(target.read_text(encoding="utf-8"))
    assert summary["topic_model"]["engine"] == "lda" and len(summary["topics"]) == 4


def test_annotate_topics_with_lda_adds_a_topic_column(small_survey):
    result = CliRunner().invoke(cli, ["annotate", str(small_survey), "--topics", "4",
                                      "--topic-engine", "lda", "-j", "1", "-q"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert len(rows) == 400
    assert {row["topic"] for row in rows} <= {"", "0", "1", "2", "3"}
    assert sum(row["topic"] != "" for row in rows) > 200


@pytest.mark.parametrize("engine", ENGINES)
def test_two_processes_with_the_same_seed_agree_exactly(small_survey, engine):
    """LdaMulticore would differ between runs; the topics must not, in any process."""
    command = [sys.executable, "-m", "textmine", "topics", str(small_survey),
               "--topic-engine", engine, "--seed", "3", "--topics", "6", "--json", "-",
               "-j", "1", "-q"]
    first, second = (subprocess.run(command, capture_output=True, text=True, check=True).stdout
                     for _ in range(2))
    assert json.loads(first)["topics"] and first == second


def test_topics_command_names_the_closest_pain_point(small_survey):
    result = CliRunner().invoke(cli, ["topics", str(small_survey), "--topics", "4", "-j", "1"])
    assert result.exit_code == 0, result.output
    closest = re.findall(r"最接近痛点 (\S+)（", result.output)
    assert closest and set(closest) <= set(Taxonomy.load().names.values())
