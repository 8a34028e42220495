"""Analysis depth end to end: value bands, a short board's own words, KANO classes in the summary."""

import csv
import json
import random

from click.testing import CliRunner

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
