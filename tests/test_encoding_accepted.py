"""textmine.io.encoding: exports that were wrongly rejected as binary are detected and read."""

import csv
import random

import pytest

from textmine.io.encoding import detect_encoding, looks_binary
from textmine.io.read import open_feedback

from conftest import SAMPLES


def survey_lines():
    with open(SAMPLES / "survey_export.csv", encoding="gb18030", newline="") as handle:
        return handle.read().splitlines(keepends=True)


def test_a_gbk_export_with_three_utf8_lines_is_read_whole(tmp_path):
    # samples/survey_export.csv with three lines re-encoded in UTF-8: "binary data?" before.
    lines = survey_lines()
    utf8 = {5, 700, 1500}
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"".join(line.encode("utf-8" if number in utf8 else "gb18030")
                              for number, line in enumerate(lines)))
    source = open_feedback(path)
    assert source.encoding == "gb18030"
    rows = list(source.rows)
    expected = list(csv.DictReader(lines))
    assert [row["意见建议"] for row in rows] == [row["意见建议"] for row in expected]
    assert source.stats.warnings == {"line_in_utf-8": 3}  # each repaired line is reported


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_is_detected(tmp_path, encoding):
    lines = survey_lines()[:40]
    path = tmp_path / "export.csv"
    path.write_bytes("".join(lines).encode(encoding))
    source = open_feedback(path)
    assert source.encoding == encoding
    assert [row["意见建议"] for row in source.rows] == [row["意见建议"] for row in csv.DictReader(lines)]


def test_ascii_utf16_without_a_bom_is_not_taken_for_utf8_with_nuls():
    sample = "text,city\nslow network,gz\n".encode("utf-16-le")
    assert detect_encoding(sample) == "utf-16-le" and not looks_binary(sample, "utf-16-le")


@pytest.mark.parametrize("text", [
    "意见建议,地市\n服费𠀁👍差速👎一带差速,广州\n满好,广州\n",
    "意见建议,地市\n度线€—度👍慢不宽乱,广州\n",
    "意见建议\n😡😡\n👍\n",
])
def test_a_small_gb18030_file_with_four_byte_characters_is_gb18030(text):
    assert detect_encoding(text.encode("gb18030")) == "gb18030"


def test_small_gb18030_files_with_four_byte_characters_are_never_rejected():
    # 122 of 300 such files were "binary data?" before (charset-normalizer gave up).
    generator = random.Random(1)
    common = "网速太慢信号差客服态度不好乱扣费宽带掉线满意一般"
    four_byte = "😀😡👍👎🙄𠀀𠀁𠀂€·•—"
    for _ in range(300):
        rows = ["意见建议,地市"] + ["".join(generator.choice(common + four_byte * generator.randint(0, 3))
                                            for _ in range(generator.randint(2, 12))) + ",广州"
                                    for _ in range(generator.randint(1, 4))]
        data = ("\n".join(rows) + "\n").encode("gb18030")
        encoding = detect_encoding(data)
        assert encoding == "gb18030" and not looks_binary(data, encoding), rows


def test_a_cr_only_gb18030_export_is_read(tmp_path):
    lines = survey_lines()[:30]
    path = tmp_path / "mac.csv"
    path.write_bytes("".join(line.rstrip("\r\n") + "\r" for line in lines).encode("gb18030"))
    source = open_feedback(path)
    assert [row["意见建议"] for row in source.rows] == [row["意见建议"] for row in csv.DictReader(lines)]
