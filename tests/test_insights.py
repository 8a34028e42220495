"""Analysis depth end to end: value bands, a short board's own words, KANO classes in the summary."""

import csv
import json
import random

import pytest
from click.testing import CliRunner

from textmine.aggregate.insights import parse_reason_request
from textmine.cli import cli

BILLING_HIGH = ["话费扣费不明，希望客户经理打电话说明", "账单看不懂，客户经理也不联系我", "扣费太乱，要客户经理给个说法"]
BILLING_LOW = ["扣费不明，希望短信发个消费明细", "话费多扣了，短信里没有明细", "每月扣费发个短信明细就行"]
OTHERS = ["网速很快，挺满意", "信号不错", "客服态度很好", "营业厅排队太久了", "宽带装得很快"]


def _feedback(path, rows=900, seed=7):
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["编号", "月ARPU", "满意度", "意见建议"])
        for number in range(rows):
            arpu = round(rng.choice([rng.uniform(10, 49), rng.uniform(50, 199), rng.uniform(500, 900)]), 2)
            if arpu >= 500 and rng.random() < 0.6:
                text, score = rng.choice(BILLING_HIGH), rng.choice([2, 3, 4])
            elif arpu < 50 and rng.random() < 0.15:
                text, score = rng.choice(BILLING_LOW), rng.choice([3, 4, 5])
            else:
                text, score = rng.choice(OTHERS), rng.choice([8, 9, 10])
            writer.writerow([number, arpu, score, f"{text}（第{number}条）"])


def test_numeric_groups_in_bands_with_the_top_bands_own_short_board_and_words(tmp_path):
    source = tmp_path / "feedback.csv"
    _feedback(source)
    result = CliRunner().invoke(cli, ["analyze", str(source), "--segment-column", "月ARPU", "--topics", "off",
                                      "--json", str(tmp_path / "s.json"), "-j", "1"])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    groups = summary["segments"]["月ARPU"]
    assert 3 <= len(groups) <= 6  # bands, not one group per amount
    top = next(group for group in groups if group["value"].startswith(">="))
    assert top["short_board"] == "billing"
    terms = {reason["term"] for reason in top["short_board_reasons"]}
    assert {"客户经理"} <= terms or any("客户经理" in term for term in terms)
    assert len(top["short_board_examples"]) == 2 and all("客户经理" in text for text in top["short_board_examples"])
    assert summary["columns"]["bands"]["月ARPU"][-1] == top["value"]
    assert "该群体特有的说法" in result.output and "KANO" in result.output


def test_given_bins_and_a_bad_bins_value(tmp_path):
    source = tmp_path / "feedback.csv"
    _feedback(source, rows=300)
    result = CliRunner().invoke(cli, ["analyze", str(source), "--bins", "月ARPU=0,50,100,200,500", "--topics", "off",
                                      "--json", "-", "-q", "-j", "1"])
    assert result.exit_code == 0, result.output
    values = {group["value"] for group in json.loads(result.output)["segments"]["月ARPU"]}
    assert values <= {"<0", "0-50", "50-100", "100-200", "200-500", ">=500"} and ">=500" in values
    bad = CliRunner().invoke(cli, ["analyze", str(source), "--bins", "月ARPU", "--topics", "off", "-q"])
    assert bad.exit_code == 2 and "COLUMN=EDGES" in bad.output


def test_kano_in_the_summary(tmp_path):
    source = tmp_path / "feedback.csv"
    _feedback(source)
    result = CliRunner().invoke(cli, ["analyze", str(source), "--topics", "off", "--json", "-", "-q", "-j", "1"])
    kano = {entry["category"]: entry for entry in json.loads(result.output)["kano"]}
    assert set(kano["billing"]) >= {"category", "class", "penalty", "reward", "n_pos", "n_neg"}
    assert kano["billing"]["penalty"] < 0 and kano["billing"]["n_neg"] > 100


def test_reasons_on_request_for_a_group_that_is_not_a_short_board(tmp_path):
    # The low band's billing comments ask for an SMS listing (短信, 明细); few enough that billing is no
    # short board there, but what they say still sets them apart from the other bands.
    source = tmp_path / "feedback.csv"
    _feedback(source)
    result = CliRunner().invoke(cli, ["analyze", str(source), "--bins", "月ARPU=0,50,200,500", "--topics", "off",
                                      "--reasons", "月ARPU=0-50:billing", "--reasons", "月ARPU=>=500:计费扣费",
                                      "--json", str(tmp_path / "s.json"), "-j", "1"])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    low, high = summary["reasons"]
    assert (low["column"], low["value"], low["category"], low["name"]) == ("月ARPU", "0-50", "billing", "计费扣费")
    assert low["short_board"] is False and low["mentions"] > 0 and low["rows"] > low["mentions"]
    assert set(low) == {"column", "value", "category", "name", "rows", "mentions", "negative", "short_board",
                        "terms", "examples"}
    low_terms = [term["term"] for term in low["terms"]]
    assert any("短信" in term or "明细" in term for term in low_terms)
    assert not any("客户经理" in term for term in low_terms)
    assert all(set(term) == {"term", "score", "count"} and term["score"] >= 2.58 for term in low["terms"])
    assert len(low["examples"]) == 2 and all("短信" in text or "明细" in text for text in low["examples"])
    # Asked for by the category's name; the top band's short board, with its own words.
    assert high["category"] == "billing" and high["short_board"] is True
    assert any("客户经理" in term["term"] for term in high["terms"])
    board = next(group for group in summary["segments"]["月ARPU"] if group["value"] == ">=500")
    assert [term["term"] for term in high["terms"]] == [reason["term"] for reason in board["short_board_reasons"]]
    assert "指定客群的说法" in result.output
    line = next(line for line in result.output.splitlines() if line.startswith("  月ARPU=0-50 · 计费扣费"))
    assert "短板" not in line and ("短信" in line or "明细" in line)


def test_reasons_for_a_group_without_comments_warn_and_list_the_groups(tmp_path):
    source = tmp_path / "feedback.csv"
    _feedback(source, rows=300)
    result = CliRunner().invoke(cli, ["analyze", str(source), "--bins", "月ARPU=0,50,200,500", "--topics", "off",
                                      "--reasons", "月ARPU=50以下:billing", "--json", "-", "-q", "-j", "1"])
    assert result.exit_code == 0, result.output
    entry = json.loads(result.stdout)["reasons"][0]
    assert (entry["rows"], entry["terms"], entry["examples"]) == (0, [], [])
    assert ("textmine: warning: --reasons 月ARPU=50以下:billing: no analysed comment in that group; "
            "the groups of 月ARPU are: 0-50、50-200、>=500") in result.stderr


@pytest.mark.parametrize("spec, code, message", [
    ("月ARPU:billing", 2, "Error: --reasons must be COLUMN=VALUE:CATEGORY, such as 年龄段=60以上:billing, "
                         "not '月ARPU:billing'"),
    ("月ARPU=>=500", 2, "Error: --reasons must be COLUMN=VALUE:CATEGORY"),
    ("月ARPU=>=500:网速太慢", 2, "Error: --reasons 月ARPU=>=500:网速太慢: unknown category '网速太慢'; "
                              "categories are: coverage, "),
    ("地市=广州:billing", 1, "Error: --reasons 地市=广州:billing: column '地市' not found; columns are: 编号, "),
    ("编号=3:billing", 2, "Error: --reasons 编号=3:billing: '编号' is not a customer-group column of this run "
                        "(月ARPU); give --segment-column 编号"),
])
def test_a_bad_reasons_request_is_one_line(tmp_path, spec, code, message):
    source = tmp_path / "feedback.csv"
    _feedback(source, rows=60)
    result = CliRunner().invoke(cli, ["analyze", str(source), "--segment-column", "月ARPU", "--topics", "off",
                                      "--reasons", spec, "-q", "-j", "1"])
    assert result.exit_code == code
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1, result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("spec, expected", [
    ("年龄段=60以上:billing", ("年龄段", "60以上", "billing")),
    (" 时段 = 10:00-12:00 : 信号覆盖 ", ("时段", "10:00-12:00", "信号覆盖")),
])
def test_parse_reason_request(spec, expected):
    request = parse_reason_request(spec)
    assert (request.column, request.value, request.category) == expected
