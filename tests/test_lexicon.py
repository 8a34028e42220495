"""Tests for textmine.text.lexicon: the dictionary parsers and load_lexicon."""

import zipfile
from pathlib import Path

import pytest

from textmine.text import lexicon as lexicon_module
from textmine.errors import DictionaryError, InputError, TextmineError
from textmine.text.lexicon import (
    Category,
    Lexicon,
    load_lexicon,
    read_stopwords,
    read_synonyms,
    read_taxonomy,
    read_user_dict,
)
from textmine.resources import dictionary_file

FIXTURES = Path(__file__).parent / "fixtures"
SMALL_TAXONOMY = FIXTURES / "taxonomy_small.tsv"
HEADER = "code\tname\tkeywords\texclusions\n"


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# --- user dictionary -------------------------------------------------------

@pytest.mark.parametrize(
    "line, expected",
    [
        ("光猫 2000 n", ("光猫", 2000, "n")),
        ("光猫", ("光猫", None, None)),
        ("光猫 nz", ("光猫", None, "nz")),
        ("光猫 15", ("光猫", 15, None)),
        ("  10000号   300\tnz  ", ("10000号", 300, "nz")),
        ("VoLTE 500 eng", ("VoLTE", 500, "eng")),
        ("5G+ 100 nz", ("5G+", 100, "nz")),
    ],
)
def test_read_user_dict_entries(tmp_path, line, expected):
    path = write(tmp_path, "user.txt", f"# comment\n\n{line}\n")
    assert read_user_dict(path) == (expected,)


@pytest.mark.parametrize(
    "line, reason",
    [
        ("光猫 abc 12", "invalid dictionary entry"),
        ("光猫 12 n extra", "invalid dictionary entry"),
        ("光 猫 12", "invalid dictionary entry"),
        ("光猫 -5 n", "invalid dictionary entry"),
        ("光猫 12 N", "invalid dictionary entry"),
        ("光猫 0 n", "frequency must be a positive integer"),
        ("[笑] 10 n", "word with characters the segmenter splits on"),
        ("４Ｇ 10 n", "word with characters the segmenter splits on"),
    ],
)
def test_read_user_dict_bad_line_names_file_and_line(tmp_path, line, reason):
    path = write(tmp_path, "user.txt", f"# words\n携号转网 100 vn\n{line}\n")
    with pytest.raises(DictionaryError) as caught:
        read_user_dict(path)
    message = str(caught.value)
    assert message.startswith(f"{reason} in {path} at line 3: ")
    assert repr(line.strip()) in message
    assert caught.value.line_number == 3


def test_read_user_dict_strips_bom_and_accepts_crlf(tmp_path):
    path = write(tmp_path, "user.txt", "\ufeff光猫 10 n\r\n# note\r\n副卡 20 n\r\n")
    assert read_user_dict(path) == (("光猫", 10, "n"), ("副卡", 20, "n"))


def test_parsers_accept_str_path_and_traversable(tmp_path):
    archive = tmp_path / "dicts.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("user.txt", "光猫 10 n\n".encode("utf-8-sig"))
    path = write(tmp_path, "user.txt", "光猫 10 n\n")
    expected = (("光猫", 10, "n"),)
    assert read_user_dict(str(path)) == expected
    assert read_user_dict(path) == expected
    assert read_user_dict(zipfile.Path(archive, "user.txt")) == expected


@pytest.mark.parametrize(
    "content, error, fragment",
    [
        (None, InputError, "dictionary file not found"),
        ("光猫 10 n\n".encode("gbk"), InputError, "not UTF-8"),
    ],
)
def test_unreadable_files_raise_input_error(tmp_path, content, error, fragment):
    path = tmp_path / "user.txt"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(error, match=fragment):
        read_user_dict(path)


# --- stopwords ---------------------------------------------------------------

def test_read_stopwords(tmp_path):
    path = write(tmp_path, "stop.txt", "\ufeff# filler\n您好\n\n  暂无  \n您好\n")
    assert read_stopwords(path) == frozenset({"您好", "暂无"})


def test_read_stopwords_rejects_two_words_on_a_line(tmp_path):
    path = write(tmp_path, "stop.txt", "您好\n没 有\n")
    message = r"more than one word on a line in .*stop.txt at line 2"
    with pytest.raises(DictionaryError, match=message):
        read_stopwords(path)


# --- synonyms ----------------------------------------------------------------

@pytest.mark.parametrize(
    "text, expected",
    [
        ("宽带\t宽频 寬頻\n", {"宽频": "宽带", "寬頻": "宽带"}),
        ("宽带 宽频  宽代\n", {"宽频": "宽带", "宽代": "宽带"}),
        ("宽带\t宽带 宽频\n", {"宽频": "宽带"}),
        ("掉线\t断线\n断线\t斷線\n", {"断线": "掉线", "斷線": "掉线"}),
        ("网速\t网速度\n网速度\t网速度\n", {"网速度": "网速"}),
    ],
)
def test_read_synonyms(tmp_path, text, expected):
    path = write(tmp_path, "syn.txt", "# groups\n" + text)
    assert read_synonyms(path) == expected


@pytest.mark.parametrize(
    "text, line_number, reason",
    [
        ("宽带\n", 1, "synonym line without variants"),
        ("宽带\t宽频\n网络\t宽频\n", 2, "variant '宽频' already maps to '宽带'"),
        ("掉线\t断线\n断线\t掉线\n", 2, "synonym loop"),
        ("a\tb\nb\tc\nc\ta\n", 3, "synonym loop"),
    ],
)
def test_read_synonyms_bad_lines(tmp_path, text, line_number, reason):
    assert_bad_line(read_synonyms, write(tmp_path, "syn.txt", text), line_number, reason)


def assert_bad_line(reader, path, line_number, reason):
    """The reader refuses the file with a message naming the reason, file and line."""
    with pytest.raises(DictionaryError) as caught:
        reader(path)
    assert reason in str(caught.value)
    assert f"in {path} at line {line_number}:" in str(caught.value)


# --- taxonomy ----------------------------------------------------------------

def test_read_taxonomy_fixture():
    assert read_taxonomy(SMALL_TAXONOMY) == (
        Category("speed", "网速", ("网速慢", "卡顿", "限速"), ("网速快",)),
        Category("billing", "计费扣费", ("乱扣费", "扣费", "账单"), ()),
    )


@pytest.mark.parametrize(
    "row, expected",
    [
        ("speed\t网速\t网速慢|卡顿\t\n", Category("speed", "网速", ("网速慢", "卡顿"), ())),
        ("speed\t网速\t网速慢|卡顿|\n", Category("speed", "网速", ("网速慢", "卡顿"), ())),
        ("call_2\t通话\t杂音 | 回音\t不是杂音\n", Category("call_2", "通话", ("杂音", "回音"), ("不是杂音",))),
    ],
)
def test_read_taxonomy_rows(tmp_path, row, expected):
    path = write(tmp_path, "tax.tsv", "\ufeff# mine\n" + HEADER + row)
    assert read_taxonomy(path) == (expected,)


@pytest.mark.parametrize(
    "text, line_number, reason",
    [
        ("code\tname\tkeywords\n", 1, "taxonomy header"),
        ("code\tname\tkeywords\texclusions\textra\n", 1, "taxonomy header"),
        (HEADER + "Speed\t网速\t网速慢\t\n", 2, "invalid category code 'Speed'"),
        (HEADER + "pain-point\t网速\t网速慢\t\n", 2, "invalid category code"),
        (HEADER + "other\t其他\t其他\t\n", 2, "'other' is implicit"),
        (HEADER + "speed\t网速\t网速慢\t\nspeed\t网速\t卡顿\t\n", 3, "duplicate category 'speed'"),
        (HEADER + "speed\t网速\n", 2, "wrong number of columns (2, expected 4)"),
        (HEADER + "speed\t网速\t网速慢\t\tmore\n", 2, "wrong number of columns (5, expected 4)"),
        (HEADER + "speed\t网速\t | \t\n", 2, "category without keywords"),
    ],
)
def test_read_taxonomy_bad_lines(tmp_path, text, line_number, reason):
    assert_bad_line(read_taxonomy, write(tmp_path, "tax.tsv", text), line_number, reason)


def test_read_taxonomy_without_header_is_an_error(tmp_path):
    path = write(tmp_path, "tax.tsv", "# only comments\n")
    with pytest.raises(InputError, match="no header"):
        read_taxonomy(path)


# --- packaged files ---------------------------------------------------------

REQUIRED_WORDS = (
    "携号转网 光猫 副卡 10000号 10086 10010 定向流量 中国移动 天翼 沃派 全球通 大王卡 营业厅 "
    "网上营业厅 4G 5G VoLTE 基站 信号格 机顶盒 IPTV 千兆 限速 漫游 月租 话费 套餐外 扣费 "
    "欠费停机 合约期 违约金 亲情号 实名制 工单 回访 报修 装机 销户 过户 补卡 移动公司 电信局 "
    "信号差 网速慢 乱扣费 掉线 推诿 态度差 套参 宽代 信hao"
).split()


def test_packaged_user_dict():
    entries = read_user_dict(dictionary_file("user_dict.txt"))
    words = [word for word, _, _ in entries]
    assert len(entries) >= 1500
    assert len(words) == len(set(words))
    assert set(REQUIRED_WORDS) <= set(words)
    assert all(freq and tag for _, freq, tag in entries)


def test_packaged_stopwords_keep_negations_and_degree_words_out():
    stopwords = read_stopwords(dictionary_file("stopwords.txt"))
    assert {"您好", "谢谢", "无", "暂无", "没有意见", "的"} <= stopwords
    assert not stopwords & {"不", "没", "没有", "别", "未", "无法", "很", "太", "非常"}


def test_packaged_synonyms():
    synonyms = read_synonyms(dictionary_file("synonyms.txt"))
    assert len(set(synonyms.values())) >= 150
    assert synonyms["宽频"] == "宽带"
    assert synonyms["套参"] == "套餐"
    assert synonyms["信hao"] == "信号"
    assert synonyms["移动客服"] == "10086"
    assert not set(synonyms) & set(synonyms.values())


# --- load_lexicon ------------------------------------------------------------

def test_load_lexicon_packaged():
    lexicon = load_lexicon(taxonomy_file=SMALL_TAXONOMY)
    assert isinstance(lexicon, Lexicon)
    assert "携号转网" in {word for word, _, _ in lexicon.user_words}
    assert "您好" in lexicon.stopwords
    assert lexicon.synonyms["断线"] == "掉线"
    assert [category.code for category in lexicon.taxonomy] == ["speed", "billing"]


def test_load_lexicon_user_files_extend_the_packaged_ones(tmp_path):
    words = write(tmp_path, "words.txt", "光猫 99999 n\n魔盒子 50 nz\n")
    stops = write(tmp_path, "stops.txt", "亲\n")
    synonyms = write(tmp_path, "syn.txt", "宽带业务\t宽带\n掉线\t掉网\n")
    lexicon = load_lexicon(
        user_dicts=[words], stopword_files=[stops], synonym_files=[synonyms],
        taxonomy_file=SMALL_TAXONOMY,
    )
    entries = {word: (freq, tag) for word, freq, tag in lexicon.user_words}
    assert entries["光猫"] == (99999, "n")
    assert entries["魔盒子"] == (50, "nz")
    assert entries["携号转网"][0] > 0
    assert {"亲", "您好"} <= lexicon.stopwords
    assert lexicon.synonyms["掉网"] == "掉线"
    # a user group whose variant is a packaged canonical word: chains are followed
    assert lexicon.synonyms["宽频"] == "宽带业务"
    assert lexicon.synonyms["宽带"] == "宽带业务"


def test_load_lexicon_user_synonym_loop_names_the_user_file(tmp_path):
    synonyms = write(tmp_path, "syn.txt", "# mine\n断线\t掉线\n")
    with pytest.raises(DictionaryError, match=r"synonym loop .* in .*syn.txt at line 2"):
        load_lexicon(synonym_files=[synonyms], taxonomy_file=SMALL_TAXONOMY)


def test_load_lexicon_returns_independent_synonym_dicts():
    first = load_lexicon(taxonomy_file=SMALL_TAXONOMY)
    first.synonyms["宽频"] = "changed"
    assert load_lexicon(taxonomy_file=SMALL_TAXONOMY).synonyms["宽频"] == "宽带"


def test_load_lexicon_without_packaged_taxonomy_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(lexicon_module, "dictionary_file", lambda name: tmp_path / name)
    lexicon_module._packaged_taxonomy.cache_clear()
    try:
        with pytest.raises(TextmineError, match=r"taxonomy\.tsv is missing.*--taxonomy"):
            load_lexicon()
    finally:
        lexicon_module._packaged_taxonomy.cache_clear()


def test_load_lexicon_missing_user_file(tmp_path):
    with pytest.raises(InputError, match="dictionary file not found"):
        load_lexicon(user_dicts=[tmp_path / "nope.txt"], taxonomy_file=SMALL_TAXONOMY)


def test_packaged_taxonomy_parses_when_present():
    resource = dictionary_file("taxonomy.tsv")
    if not resource.is_file():
        pytest.skip("dictionaries/taxonomy.tsv not written yet")
    taxonomy = read_taxonomy(resource)
    codes = [category.code for category in taxonomy]
    assert "other" not in codes
    assert len(codes) == len(set(codes))
    assert all(category.keywords for category in taxonomy)
