"""Reading every export format and encoding, and the hostile inputs."""

import io

import pytest

from textmine.errors import InputError, MissingColumnError
from textmine.io.formats import sniff_delimiter
from textmine.io.read import detect_encoding, detect_format, open_feedback, resolve_text_column

from conftest import FIXTURES

EXPECTED_TEXTS = ["信号太差了，家里经常没信号", "客服态度很好，问题很快解决了", "宽带经常断线，希望尽快处理"]


@pytest.mark.parametrize("name, fmt, encoding", [
    ("utf8.csv", "csv", "utf-8"),
    ("utf8_bom.csv", "csv", "utf-8-sig"),
    ("gb18030.csv", "csv", "gb18030"),
    ("utf16_tab.txt", "csv", "utf-16"),
    ("comments.tsv", "tsv", "utf-8"),
    ("comments.jsonl", "jsonl", "utf-8"),
    ("comments.xlsx", "xlsx", None),
    ("comments.parquet", "parquet", None),
])
def test_every_format_and_encoding_reads_the_same_rows(name, fmt, encoding):
    source = open_feedback(FIXTURES / name)
    assert (source.format, source.encoding) == (fmt, encoding)
    assert source.columns == ["序号", "满意度", "地市", "意见建议"]
    assert source.text_column == "意见建议"
    rows = list(source.rows)
    assert [row["意见建议"] for row in rows] == EXPECTED_TEXTS
    assert rows[0]["满意度"] == "3"


def test_big5_is_detected_and_read():
    source = open_feedback(FIXTURES / "big5.csv")
    assert source.encoding == "big5"
    assert source.text_column == "意見"
    assert [row["意見"] for row in source.rows] == ["訊號很差，寬頻常斷線", "客服態度很好"]


def test_encoding_option_overrides_detection():
    source = open_feedback(FIXTURES / "gb18030.csv", encoding="gbk")
    assert source.encoding == "gbk"
    assert next(source.rows)["意见建议"] == EXPECTED_TEXTS[0]


def test_bad_json_line_is_skipped_with_a_reason_and_counted():
    source = open_feedback(FIXTURES / "comments.jsonl")
    rows = list(source.rows)
    assert len(rows) == 3
    assert source.stats.rows_read == 4
    assert source.stats.skipped_by_reason == {"invalid_json": 1}


def test_stdin_is_read_and_sniffed():
    data = (FIXTURES / "gb18030.csv").read_bytes()
    source = open_feedback("-", stdin=io.BytesIO(data))
    assert source.name == "<stdin>"
    assert [row["意见建议"] for row in source.rows] == EXPECTED_TEXTS


def test_xlsx_from_stdin_is_recognised_by_its_bytes():
    source = open_feedback("-", stdin=io.BytesIO((FIXTURES / "comments.xlsx").read_bytes()))
    assert source.format == "xlsx"
    assert len(list(source.rows)) == 3


def test_xlsx_skips_a_cover_sheet_and_keeps_rows_with_empty_text():
    source = open_feedback(FIXTURES / "orders.xlsx")
    assert source.columns == ["工单编号", "受理时间", "投诉内容", "处理结果"]
    rows = list(source.rows)
    assert [row["工单编号"] for row in rows] == ["GD001", "GD002", "GD003"]
    assert rows[2]["投诉内容"] == ""


def test_xlsx_sheet_option_by_name_and_number():
    assert open_feedback(FIXTURES / "orders.xlsx", sheet="说明", text_column="1").columns == ["本文件由工单系统导出"]
    assert open_feedback(FIXTURES / "orders.xlsx", sheet="2").text_column == "投诉内容"


def test_unknown_sheet_lists_the_sheets():
    with pytest.raises(InputError, match=r"no sheet '汇总'; sheets are: 说明, 工单"):
        open_feedback(FIXTURES / "orders.xlsx", sheet="汇总")


@pytest.mark.parametrize("name, message", [
    ("empty.csv", "file is empty"),
    ("garbage.csv", "does not look like a text table"),
    ("missing.csv", "no such file"),
    ("no_text_column.csv", "cannot tell which column holds the text; give --text-column (columns are: id, score)"),
])
def test_unreadable_inputs_fail_with_one_line_naming_the_file(name, message):
    with pytest.raises(InputError) as caught:
        open_feedback(FIXTURES / name)
    text = str(caught.value)
    assert name in text and message in text and "\n" not in text


def test_missing_column_lists_the_columns_found():
    with pytest.raises(MissingColumnError) as caught:
        open_feedback(FIXTURES / "utf8.csv", text_column="评论")
    assert str(caught.value).endswith("column '评论' not found; columns are: 序号, 满意度, 地市, 意见建议")


def test_header_only_file_has_no_rows():
    source = open_feedback(FIXTURES / "header_only.csv")
    assert list(source.rows) == []
    assert source.stats.rows_read == 0


def test_ragged_rows_are_repaired_and_counted_not_lost():
    source = open_feedback(FIXTURES / "ragged.csv")
    rows = list(source.rows)
    assert [row["意见建议"] for row in rows] == ["短行", "", "这一行,多了,几个逗号"]
    assert source.stats.warnings == {"short_row_padded": 1, "long_row_joined": 1}


def test_quoted_newlines_stay_inside_the_cell():
    rows = list(open_feedback(FIXTURES / "quoted_newlines.csv").rows)
    assert [row["意见建议"] for row in rows] == ["第一行\r\n第二行，信号差", '说"好"网速']


def test_mixed_utf8_and_gbk_lines_are_all_decoded():
    source = open_feedback(FIXTURES / "mixed_utf8_gbk.csv")
    assert [row["意见建议"] for row in source.rows] == ["网速太慢了", "资费太贵了", "客服很好"]
    assert source.stats.warnings == {"line_in_gb18030": 1}


def test_undecodable_bytes_are_replaced_and_counted():
    data = "序号,意见建议\n1,好\n".encode("utf-8") + b"2,\xff\xfe\xfa bad\n"
    source = open_feedback("-", stdin=io.BytesIO(data), encoding="utf-8")
    rows = list(source.rows)
    assert len(rows) == 2 and "\ufffd" in rows[1]["意见建议"]
    assert source.stats.warnings["bad_bytes_replaced"] == 1


def test_duplicate_and_blank_column_names_get_suffixes():
    source = open_feedback(FIXTURES / "duplicate_columns.csv")
    assert source.columns == ["意见", "意见_2", "column_3", "满意度"]
    assert next(source.rows) == {"意见": "信号差", "意见_2": "网速慢", "column_3": "x", "满意度": "3"}


def test_control_characters_are_kept_faithfully_when_reading():
    rows = list(open_feedback(FIXTURES / "control_chars.csv").rows)
    assert rows[0]["意见建议"] == "信号\x00差\x07了\x1b"


@pytest.mark.parametrize("columns, expected", [
    (["序号", "满意度", "意见建议"], "意见建议"),
    (["工单编号", "投诉内容", "处理结果"], "投诉内容"),
    (["id", "Comment"], "Comment"),
    (["id", "客户意见（选填）"], "客户意见（选填）"),
])
def test_text_column_found_by_name(columns, expected):
    assert resolve_text_column(columns) == expected


@pytest.mark.parametrize("path, head, expected", [
    ("a.CSV", b"", "csv"), ("a.tsv", b"", "tsv"), ("a.xlsx", b"", "xlsx"), ("a.jsonl", b"", "jsonl"),
    ("-", b"PK\x03\x04rest", "xlsx"), ("-", b'{"a": 1}', "jsonl"), ("-", b"a,b", "csv"),
])
def test_detect_format(path, head, expected):
    assert detect_format(path, head) == expected


@pytest.mark.parametrize("name, data, message", [
    ("README.md", "# 说明\n本文件夹是样例。\n", "a Markdown document, not a table of comments"),
    ("page.html", "<html><p>网速慢</p></html>", "an HTML document, not a table of comments"),
    ("report.docx", b"PK\x03\x04rest", "a Word document, not a table of comments"),
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "an Excel 97-2003 workbook (.xls)"),
    ("export", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "an Excel 97-2003 workbook (.xls)"),
    ("page.xls", "\ufeff<html><table><tr><td>意见</td></tr></table></html>", "a web page saved as .xls"),
    ("page16.xls", "\ufeff<html><table><tr><td>意见</td></tr></table></html>".encode("utf-16-le"), "a web page saved as .xls"),
    ("single_file.xls", "MIME-Version: 1.0\r\nX-Document-Type: Workbook\r\n", "a web page saved as .xls"),
    ("locked.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "a workbook saved with a password"),
    ("memo.wps", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "a WPS document, not a table"),
    ("sheet.ods", b"PK\x03\x04rest", "an OpenDocument spreadsheet"),
])
def test_documents_and_old_workbooks_are_refused_in_one_line(tmp_path, name, data, message):
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    with pytest.raises(InputError) as caught:
        open_feedback(path)
    text = str(caught.value)
    assert text.startswith(str(path)) and message in text and "\n" not in text


def test_a_document_is_read_when_its_format_is_given(tmp_path):
    path = tmp_path / "notes.md"
    path.write_text("序号,意见建议\n1,网速太慢\n", encoding="utf-8")
    assert [row["意见建议"] for row in open_feedback(path, fmt="csv").rows] == ["网速太慢"]


def test_a_tab_separated_table_saved_as_xls_is_read(tmp_path):
    # Some CRMs export text tables under .xls.
    path = tmp_path / "export.xls"
    path.write_text("序号\t意见建议\n1\t网速太慢\n2\t信号差\n", encoding="gb18030")
    source = open_feedback(path)
    assert source.columns == ["序号", "意见建议"]
    assert [row["意见建议"] for row in source.rows] == ["网速太慢", "信号差"]


@pytest.mark.parametrize("text, encoding, expected", [
    ("满意度,意见\n9,好", "gb18030", "gb18030"),
    ("滿意度,意見\n9,訊號很好，寬頻也很穩定", "big5", "big5"),
    ("满意度,意见\n9,好", "utf-8", "utf-8"),
])
def test_detect_encoding(text, encoding, expected):
    assert detect_encoding(text.encode(encoding)) == expected


@pytest.mark.parametrize("line, expected", [("a,b,c", ","), ("a\tb\tc", "\t"), ("a;b;c", ";"), ("abc", ",")])
def test_sniff_delimiter(line, expected):
    assert sniff_delimiter(line) == expected


def test_read_fraction_follows_the_bytes_read(tmp_path):
    path = tmp_path / "big.csv"  # 1.2 MB: several of the reader's 256 KB blocks
    path.write_text("序号,意见\n" + "".join(f"{i},第{i}条：家里信号太差了，打电话要跑到阳台上，希望尽快解决谢谢\n"
                                          for i in range(12_000)), encoding="utf-8")
    source = open_feedback(str(path))
    assert source.size == path.stat().st_size and 0 < source.read_fraction() < 0.5
    rows = iter(source.rows)
    for _ in range(6000):
        next(rows)
    assert 0.4 < source.read_fraction() < 0.8
    list(rows)
    assert source.read_fraction() == 1.0


def test_read_fraction_of_xlsx_counts_rows_and_of_stdin_is_unknown():
    source = open_feedback(str(FIXTURES / "comments.xlsx"))
    assert source.rows.expected_rows and source.read_fraction() < 1
    list(source.rows)
    assert source.read_fraction() == 1.0
    piped = open_feedback("-", stdin=io.BytesIO("意见\n网速慢\n".encode()))
    assert piped.size is None and piped.read_fraction() is None


def test_parquet_cells_read_as_the_text_a_spreadsheet_would_show(tmp_path):
    import datetime

    import pyarrow
    from pyarrow import parquet

    table = pyarrow.table({
        "意见": ["网速太慢", None, "信号差"],
        "score": [8.0, float("nan"), 3.5],
        "n": pyarrow.array([1, None, 3], pyarrow.int64()),
        "day": [datetime.date(2026, 11, 2), None, datetime.date(2026, 11, 3)],
        "at": [datetime.datetime(2026, 11, 2, 9, 30), datetime.datetime(2026, 11, 2), None],
        "raw": [b"ok", b"\xff", None],
        "tags": [["a", "b"], None, []],
        "yes": [True, False, None],
    })
    path = tmp_path / "export.parquet"
    parquet.write_table(table, path, row_group_size=2)
    source = open_feedback(path)
    assert (source.format, source.encoding, source.text_column) == ("parquet", None, "意见")
    assert list(source.rows) == [
        {"意见": "网速太慢", "score": "8", "n": "1", "day": "2026-11-02", "at": "2026-11-02 09:30:00",
         "raw": "ok", "tags": '["a", "b"]', "yes": "TRUE"},
        {"意见": "", "score": "", "n": "", "day": "", "at": "2026-11-02", "raw": "\ufffd", "tags": "",
         "yes": "FALSE"},
        {"意见": "信号差", "score": "3.5", "n": "3", "day": "2026-11-03", "at": "", "raw": "", "tags": "[]",
         "yes": ""},
    ]
    assert source.stats.rows_read == 3
    assert source.stats.warnings == {"bad_bytes_replaced": 1}


def test_parquet_is_known_by_its_magic_bytes_on_stdin():
    data = (FIXTURES / "comments.parquet").read_bytes()
    assert detect_format("-", data[:4]) == "parquet"
    source = open_feedback("-", stdin=io.BufferedReader(io.BytesIO(data)))
    assert [row["意见建议"] for row in source.rows] == EXPECTED_TEXTS


@pytest.mark.parametrize("data, message", [
    (b"", "file is empty"),
    (b"PAR1" + bytes(range(200)), "not a readable Parquet file"),
])
def test_a_broken_parquet_file_is_one_clear_error(tmp_path, data, message):
    path = tmp_path / "broken.parquet"
    path.write_bytes(data)
    with pytest.raises(InputError, match=message):
        open_feedback(path)


@pytest.mark.parametrize("before", ["\n", "\r\n\r\n", "  \n", ",,\n"])
def test_blank_lines_before_the_header_are_skipped(tmp_path, before):
    # Some exports start with an empty line (or one of empty cells) above the header.
    path = tmp_path / "export.csv"
    path.write_bytes((before + "序号,意见\r\n1,网速太慢了\r\n2,信号很差\r\n").encode("utf-8"))
    source = open_feedback(path)
    assert source.columns == ["序号", "意见"] and source.text_column == "意见"
    assert [row["意见"] for row in source.rows] == ["网速太慢了", "信号很差"]
    assert source.stats.rows_read == 2


def _rows_of(tmp_path, text, name="orders.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return list(open_feedback(path).rows)


def test_a_quote_never_closed_is_an_error_naming_its_line_not_one_cell(tmp_path):
    text = "编号,意见建议\n1,网速太慢了\n2,\"信号差，客服也差\n3,乱扣费\n4,宽带断网\n5,客服态度好\n"
    with pytest.raises(InputError, match=r"orders.csv: line 3: a quote opened on this line is never closed, "
                                         r"so the last 4 lines would be read as one cell"):
        _rows_of(tmp_path, text)


def test_a_quote_never_closed_after_a_stray_one_is_an_error_though_the_quotes_are_even(tmp_path):
    # 屏幕5" then an opening quote: two quotes on the line, and the second never closes.
    text = '编号,型号,意见建议\n1,x,网速太慢了\n2,屏幕5"寸,"开了不关\n3,y,乱扣费\n4,z,宽带断网\n'
    with pytest.raises(InputError, match=r"orders.csv: line 3: a quote opened on this line is never closed, "
                                         r"so the last 3 lines would be read as one cell"):
        _rows_of(tmp_path, text)


@pytest.mark.parametrize("text", ['"编号,意见建议\n1,网速太慢了\n2,信号差\n', '\n"编号,意见建议\n1,网速太慢了\n'])
def test_a_quote_never_closed_in_the_header_is_an_error_not_a_file_of_no_rows(tmp_path, text):
    with pytest.raises(InputError, match=r"orders.csv: line \d: a quote opened in the header is never closed"):
        _rows_of(tmp_path, text)


def test_a_header_cell_over_two_lines_is_read(tmp_path):
    rows = _rows_of(tmp_path, '"意见\n建议",编号\n网速慢,1\n')
    assert rows == [{"意见\n建议": "网速慢", "编号": "1"}]


@pytest.mark.parametrize("columns", [2, 4])
def test_a_stray_quote_closed_below_is_said_with_its_line(tmp_path, columns):
    """Rows swallowed by a stray quote that another closes are read as the quotes say, and said."""
    from textmine.pipeline.runner import RunResult

    rows = [",".join([str(n), *[f"值{n}"] * (columns - 2), f"评论{n}，网速慢"]) for n in range(30)]
    rows[5] = rows[5].replace("评论5", '"评论5')
    rows[15] = rows[15].replace("评论15", '评论15"')
    path = tmp_path / "orders.csv"
    path.write_text(",".join(f"c{n}" for n in range(columns)) + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    source = open_feedback(path)
    assert len(list(source.rows)) == 20
    accounting = RunResult()
    accounting.add_read_stats([source])
    assert accounting.notes == [f"{path} line 7: a quoted cell runs over lines that look like rows of their own "
                                "(1 such cell); if they are rows, a closing quote is missing or a quote inside a "
                                'cell is not doubled ("")']
    assert not accounting.warnings


def test_long_quoted_cells_and_odd_quotes_in_closed_records_are_read(tmp_path):
    letter = "\n".join(f"第{n}段：网速慢，晚上更慢" for n in range(40))  # 40 lines, one delimiter-free comma each
    text = (f'编号,地市,渠道,意见建议\n1,广州,APP,"{letter}"\n'
            '2,深圳,"热线\n转人工",屏幕5" 的手机信号差\n'  # a multi-line record with a literal quote: odd, but closed
            "3,佛山,APP,最后一行\n")
    rows = _rows_of(tmp_path, text)
    assert [row["编号"] for row in rows] == ["1", "2", "3"]
    assert rows[0]["意见建议"] == letter and rows[1]["意见建议"] == '屏幕5" 的手机信号差'
    # The same record last: its quotes are odd, but its line break is in an earlier, closed cell.
    last = _rows_of(tmp_path, '编号,地市,渠道,意见建议\n1,广州,APP,网速慢\n2,深圳,"热线\n转人工",屏幕5" 的手机信号差\n',
                    "last.csv")
    assert [row["渠道"] for row in last] == ["APP", "热线\n转人工"]
