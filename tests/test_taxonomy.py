"""Tests for textmine.painpoints.taxonomy: the codes, names and order every report uses."""

import dataclasses
import subprocess
import sys

import pytest

from textmine.errors import ConfigError, DictionaryError
from textmine.painpoints import OTHER, Taxonomy
from textmine.text.lexicon import read_taxonomy

from conftest import FIXTURES

PACKAGED_CODES = ("coverage", "stability", "speed", "call_quality", "pricing", "billing", "customer_service",
                  "repair_install", "business_handling", "marketing", "privacy_security")
THREE = "code\tname\tkeywords\texclusions\nnet\t网络质量\t信号|网速\t\nfee\t费用问题\t贵\t\nsvc\t服务问题\t客服\t\n"


@pytest.fixture
def small():
    return Taxonomy.from_categories(read_taxonomy(FIXTURES / "taxonomy_small.tsv"))


def test_codes_in_file_order_with_other_last(small):
    assert small.codes == ("speed", "billing", OTHER)
    assert small.names == {"speed": "网速", "billing": "计费扣费", "other": "其他"}


@pytest.mark.parametrize("code, expected", [("speed", "网速"), ("other", "其他"), ("coverage", "coverage"),
                                            ("", "")])
def test_name_falls_back_to_the_code(small, code, expected):
    assert small.name(code) == expected


def test_order_is_file_order_then_other_then_unknown_codes(small):
    codes = ["zeta", "other", "billing", "alpha", "speed"]
    assert sorted(codes, key=small.order) == ["speed", "billing", "other", "alpha", "zeta"]


def test_load_reads_the_file_the_run_uses(tmp_path):
    path = tmp_path / "my.tsv"
    path.write_text(THREE, encoding="utf-8")
    taxonomy = Taxonomy.load(path)
    assert taxonomy.codes == ("net", "fee", "svc", "other")
    assert taxonomy.name("svc") == "服务问题" and "coverage" not in taxonomy


def test_load_without_a_file_is_the_packaged_taxonomy():
    taxonomy = Taxonomy.load()
    assert taxonomy.codes == PACKAGED_CODES + (OTHER,)
    assert taxonomy.name("coverage") == "信号覆盖" and taxonomy.name("privacy_security") == "信息安全"
    assert Taxonomy.load(None) == taxonomy


def test_a_bad_taxonomy_file_names_file_and_line(tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_text("code\tname\tkeywords\texclusions\nnet\t网络\t信号\t\nnet\t网络2\t网速\t\n", encoding="utf-8")
    with pytest.raises(DictionaryError, match=r"duplicate category 'net' in .*bad.tsv at line 3"):
        Taxonomy.load(path)


def test_immutable_and_names_is_a_copy(small):
    names = small.names
    names["speed"] = "changed"
    assert small.name("speed") == "网速"
    with pytest.raises(dataclasses.FrozenInstanceError):
        small.categories = ()
    assert hash(small) == hash(Taxonomy((("speed", "网速"), ("billing", "计费扣费"))))


@pytest.mark.parametrize("pairs, message", [
    ((("net", "网络"), ("other", "其他")), "'other' is implicit"),
    ((("net", "网络"), ("fee", "费用"), ("net", "网")), "duplicate category 'net'"),
])
def test_invalid_categories_are_refused(pairs, message):
    with pytest.raises(ConfigError, match=message):
        Taxonomy(pairs)


def test_an_empty_name_stands_for_the_code():
    assert Taxonomy((("net", ""),)).names == {"net": "net", "other": "其他"}


def test_importing_painpoints_loads_no_heavy_library():
    code = ("import sys, textmine.painpoints; "
            "print(sorted(m for m in ('numpy', 'ahocorasick_rs', 'jieba', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
