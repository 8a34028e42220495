"""Encodings: an explicit --encoding that damages the text is refused, and so is binary data."""

import random
from array import array

import pytest
from click.testing import CliRunner

from textmine.cli import cli
from textmine.errors import InputError
from textmine.io.encoding import check_sample_is_text
from textmine.io.read import open_feedback

from conftest import FIXTURES, SAMPLES


def random_bytes(seed, size=5000):
    generator = random.Random(seed)
    return bytes(generator.randrange(256) for _ in range(size))


def test_utf8_given_for_a_gb18030_export_names_the_right_encoding():
    result = CliRunner().invoke(cli, ["annotate", str(SAMPLES / "survey_export.csv"), "--encoding", "utf-8"])
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {SAMPLES / 'survey_export.csv'}: 2001 of the first 2001 lines cannot be read "
                             "as utf-8; the file looks like gb18030: give --encoding gb18030 or leave --encoding out\n")


@pytest.mark.parametrize("path, given, detected", [
    (SAMPLES / "sms_replies.csv", "gb18030", "utf-8"),  # decodes without an error, as nonsense
    (SAMPLES / "survey_export.csv", "big5", "gb18030"),
    (SAMPLES / "survey_export.csv", "gbk", "gb18030"),  # its emoji need GB18030's four-byte codes
])
def test_a_wrong_explicit_encoding_is_refused(path, given, detected):
    with pytest.raises(InputError, match=f"cannot be read as {given}; the file looks like {detected}"):
        open_feedback(path, encoding=given)


@pytest.mark.parametrize("given", ["latin-1", "cp1252", "iso-8859-15"])
def test_a_single_byte_encoding_for_chinese_in_another_is_refused(given):
    """Latin-1 and its kin decode any bytes: GB18030 Chinese would come out as ÐòºÅ, every comment."""
    with pytest.raises(InputError, match=f"read as {given}, its Chinese would come out garbled: the file looks "
                                         "like gb18030; give --encoding gb18030"):
        open_feedback(SAMPLES / "survey_export.csv", encoding=given)


def test_a_single_byte_encoding_of_western_text_is_taken(tmp_path):
    path = tmp_path / "fr.csv"
    path.write_bytes("comment\ncafé très bien\nréseau lent à Noël\n".encode("latin-1"))
    source = open_feedback(path, encoding="latin-1")
    assert [row["comment"] for row in source.rows] == ["café très bien", "réseau lent à Noël"]


@pytest.mark.parametrize("name, given", [
    ("gb18030.csv", "gb18030"), ("gb18030.csv", "gbk"), ("big5.csv", "gb18030"), ("utf8_bom.csv", "utf-8"),
    ("utf16_tab.txt", "utf-16"), ("control_chars.csv", "utf-8"),
    ("mixed_utf8_gbk.csv", "utf-8"),  # one odd line of four: a hand-edited export, repaired and counted
])
def test_a_possible_explicit_encoding_is_taken(name, given):
    source = open_feedback(FIXTURES / name, encoding=given)
    assert source.encoding == given and source.rows.peek(5)


@pytest.mark.parametrize("given", [None, "utf-8", "gb18030", "big5", "utf-16", "latin-1"])
@pytest.mark.parametrize("seed", [0, 3, 4])
def test_random_bytes_are_not_text(seed, given, tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(random_bytes(seed))
    result = CliRunner().invoke(cli, ["annotate", str(path), "-o", str(tmp_path / "out.csv"),
                                      *(["--encoding", given] if given else [])])
    assert result.exit_code == 1, result.output
    assert "binary data?" in result.stderr and result.stderr.count("\n") == 1
    assert not (tmp_path / "out.csv").exists()


def test_binary_with_many_zero_bytes_is_not_utf16():
    """Integers as bytes (a program, a database) have as many zero bytes as UTF-16 text."""
    data = array("i", range(0, 700_000, 7)).tobytes()
    with pytest.raises(InputError, match="does not look like a text table"):
        check_sample_is_text(data[:262144], "utf-16-le", "data.csv", explicit=False)


def test_utf16_text_is_text():
    text = "序号\t意见建议\r\n1\t信号太差了\r\n" * 50
    check_sample_is_text(text.encode("utf-16-le"), "utf-16-le", "export.txt", explicit=False)
