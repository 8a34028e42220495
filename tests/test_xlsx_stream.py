"""Streamed sheet rows: same cells as openpyxl would write, a package Excel and LibreOffice accept."""

import datetime
import shutil
import struct
import subprocess
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell

from textmine.io.write import EXCEL_MAX_CELL_CHARS, TRUNCATION_MARKER, safe_xlsx_value
from textmine.io.xlsx_stream import SheetRows, _split_at_row_end, escape_xml_text, save_with_rows

TRICKY = [
    '=HYPERLINK("http://example.invalid","点我")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1",
    "-5", "+86", "3.5%", "控制\x00字符\x07在这里\x1f", "\x00\x01", "长" * 40_000, None, "", float("nan"),
    float("inf"), float("-inf"), 0, -7, 2**40, 3.5, -0.0145, 1e-7, 1e20, True, False,
    datetime.datetime(2026, 9, 3, 14, 30, 5), datetime.date(2026, 9, 3), datetime.time(8, 15),
    "网速慢，乱扣费", "信号差😡😡", ["speed", "billing"], ("a", 1), {"k": 1}, "  前后有空格  ", " ", "a\r\nb\rc\nd",
    "&<>\"' ]]> &amp;", "tab\tinside", "\u3000全角空格", "lone \ud800 surrogate", "bad \ufffe\uffff end",
]


def reference_book(path, rows):
    """The cells as plain openpyxl wrote them before rows were streamed: the behaviour to keep."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("明细")
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=safe_xlsx_value(value))
            if isinstance(cell.value, str):
                cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
    book.save(path)


def streamed_book(path, rows):
    book = Workbook(write_only=True)
    sheet = book.create_sheet("明细")
    streamed = SheetRows(sheet, first_row=1)
    for row in rows:
        streamed.append(row)
    save_with_rows(book, sheet, streamed, path)


def loaded_cells(path):
    sheet = load_workbook(path)["明细"]
    return {cell.coordinate: (cell.value, cell.data_type, cell.number_format)
            for row in sheet.iter_rows() for cell in row}


def test_streamed_cells_load_as_openpyxl_wrote_them(tmp_path):
    rows = [TRICKY, list(reversed(TRICKY)), [value for value in TRICKY if value is not None][:5], ["", None, ""]]
    reference_book(tmp_path / "reference.xlsx", rows)
    streamed_book(tmp_path / "streamed.xlsx", rows)
    assert loaded_cells(tmp_path / "streamed.xlsx") == loaded_cells(tmp_path / "reference.xlsx")


@pytest.mark.parametrize("value, expected, data_type", [
    ("=1+1", "=1+1", "s"),
    ("-2+3", "-2+3", "s"),
    ("控制\x00字符\x0b", "控制字符", "s"),
    ("  spaces kept  ", "  spaces kept  ", "s"),
    ("a\r\nb", "a\r\nb", "s"),
    ("<b>&amp;</b>", "<b>&amp;</b>", "s"),
    (["speed", "billing"], "speed|billing", "s"),
    ("信号差😡", "信号差😡", "s"),
    (42, 42, "n"),
    (-0.0145, -0.0145, "n"),
    (1e20, 1e20, "n"),
    (True, True, "b"),
    (datetime.datetime(2026, 9, 3, 14, 30, 5), datetime.datetime(2026, 9, 3, 14, 30, 5), "d"),
    (datetime.date(2026, 9, 3), datetime.datetime(2026, 9, 3), "d"),
    # Excel has no time zones (openpyxl refuses them): the moment is kept as readable text.
    (datetime.datetime(2026, 9, 3, 14, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=8))),
     "2026-09-03T14:30:00+08:00", "s"),
    (float("nan"), None, "n"),
    ("", None, "inlineStr"),  # an empty text cell, as openpyxl writes ""
    ("\x07", None, "inlineStr"),
    (None, None, "n"),
])
def test_streamed_cell(tmp_path, value, expected, data_type):
    path = tmp_path / "cell.xlsx"
    streamed_book(path, [["first", value]])
    cell = load_workbook(path)["明细"]["B1"]
    assert (cell.value, cell.data_type) == (expected, data_type)


def test_long_text_is_cut_at_excels_limit_in_utf16_units(tmp_path):
    path = tmp_path / "long.xlsx"
    streamed_book(path, [["长" * 40_000, "😡" * 20_000, "😡" * 16_383]])
    chinese, emoji, fits = next(load_workbook(path)["明细"].iter_rows(values_only=True))
    assert len(chinese) == EXCEL_MAX_CELL_CHARS and chinese.endswith(TRUNCATION_MARKER)
    assert emoji.endswith(TRUNCATION_MARKER) and len(emoji.encode("utf-16-le")) // 2 <= EXCEL_MAX_CELL_CHARS
    assert emoji[:-len(TRUNCATION_MARKER)] == "😡" * len(emoji[:-len(TRUNCATION_MARKER)])  # no half emoji
    assert fits == "😡" * 16_383


def test_rows_follow_the_header_openpyxl_wrote(tmp_path):
    book = Workbook(write_only=True)
    sheet = book.create_sheet("明细")
    sheet.freeze_panes = "A2"
    sheet.column_dimensions["B"].width = 40
    sheet.append(["text", "sentiment"])
    streamed = SheetRows(sheet, first_row=2)
    for index in range(3):
        streamed.append([f"第{index}条", "neg"])
    save_with_rows(book, sheet, streamed, tmp_path / "out.xlsx")
    loaded = load_workbook(tmp_path / "out.xlsx")["明细"]
    assert list(loaded.iter_rows(values_only=True)) == [("text", "sentiment"), ("第0条", "neg"), ("第1条", "neg"),
                                                         ("第2条", "neg")]
    assert loaded.freeze_panes == "A2" and loaded.column_dimensions["B"].width == 40


def test_sheet_without_rows_gets_the_streamed_ones(tmp_path):
    book = Workbook(write_only=True)
    sheet = book.create_sheet("明细")
    streamed = SheetRows(sheet, first_row=1)
    streamed.append(["only row", 1])
    save_with_rows(book, sheet, streamed, tmp_path / "out.xlsx")
    assert list(load_workbook(tmp_path / "out.xlsx")["明细"].iter_rows(values_only=True)) == [("only row", 1)]


def test_package_is_intact_and_has_no_zip64_records(tmp_path):
    path = tmp_path / "out.xlsx"
    streamed_book(path, [[f"第{i}条", i] for i in range(1000)])
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        raw = path.read_bytes()
        for info in archive.infolist():
            # Excel is strict about zip64: a workbook this small must carry no extra fields at all.
            assert info.extra == b""
            local_extra_length = struct.unpack("<H", raw[info.header_offset + 28:info.header_offset + 30])[0]
            assert local_extra_length == 0, info.filename


@pytest.mark.parametrize("text, escaped", [
    ("plain", "plain"), ("a<b>c", "a&lt;b&gt;c"), ("&amp;", "&amp;amp;"), ("x\ry", "x&#13;y"), ('"\'', '"\''),
])
def test_escape_xml_text(text, escaped):
    assert escape_xml_text(text) == escaped


def test_text_with_outer_spaces_is_marked_to_keep_them(tmp_path):
    path = tmp_path / "spaces.xlsx"
    streamed_book(path, [["  前后有空格 ", "中间 有空格"]])
    with zipfile.ZipFile(path) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert '<t xml:space="preserve">  前后有空格 </t>' in sheet_xml
    assert "<t>中间 有空格</t>" in sheet_xml  # only where needed: the attribute would swell every cell


@pytest.mark.skipif(not (shutil.which("soffice") or shutil.which("libreoffice")), reason="LibreOffice not installed")
def test_libreoffice_reads_streamed_cells_as_openpyxls(tmp_path):
    rows = [TRICKY, list(reversed(TRICKY))]
    reference_book(tmp_path / "reference.xlsx", rows)
    streamed_book(tmp_path / "streamed.xlsx", rows)
    office = shutil.which("soffice") or shutil.which("libreoffice")
    subprocess.run([office, "--headless", "--convert-to", "xlsx", "--outdir", str(tmp_path / "resaved"),
                    str(tmp_path / "reference.xlsx"), str(tmp_path / "streamed.xlsx")],
                   check=True, capture_output=True, timeout=180)
    resaved = loaded_cells(tmp_path / "resaved" / "streamed.xlsx")
    assert resaved == loaded_cells(tmp_path / "resaved" / "reference.xlsx")
    assert sum(value is not None for value, _, _ in resaved.values()) == 2 * sum(
        1 for value in TRICKY if safe_xlsx_value(value) not in (None, ""))


def test_every_part_is_deflated(tmp_path):
    path = tmp_path / "out.xlsx"
    streamed_book(path, [["第一行", 1]])
    with zipfile.ZipFile(path) as archive:
        assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_DEFLATED}


@pytest.mark.parametrize("sheet_xml, head, tail", [
    (b"<x><sheetData><row/></sheetData><y/></x>", b"<x><sheetData><row/>", b"</sheetData><y/></x>"),
    (b"<x><sheetData></sheetData></x>", b"<x><sheetData>", b"</sheetData></x>"),
    (b"<x><sheetData/><y/></x>", b"<x><sheetData>", b"</sheetData><y/></x>"),
    (b"<x><sheetData /></x>", b"<x><sheetData>", b"</sheetData></x>"),
])
def test_split_at_row_end(sheet_xml, head, tail):
    assert _split_at_row_end(sheet_xml) == (head, tail)


def test_number_formats_wrapping_and_row_heights(tmp_path):
    path = tmp_path / "styled.xlsx"
    book = Workbook(write_only=True)
    sheet = book.create_sheet("明细")
    sheet.append(["序号", "得分", "意见", "日期"])
    rows = SheetRows(sheet, first_row=2, number_formats={int: "0", float: "0.00"}, wrapped_columns={2: 20},
                     top_aligned=True)
    rows.append([1, 0.125, "短", datetime.date(2026, 11, 3)])
    rows.append([2, 0.5, "网速" * 30, None])
    save_with_rows(book, sheet, rows, path)
    loaded = load_workbook(path)["明细"]
    assert loaded["A2"].number_format == "0" and loaded["B2"].number_format == "0.00"
    assert loaded["B2"].value == 0.125  # the format shows 0.13; the cell keeps the number
    assert loaded["C3"].alignment.wrap_text and not loaded["A2"].alignment.wrap_text
    assert {loaded[ref].alignment.vertical for ref in ("A2", "B2", "C2", "D2")} == {"top"}
    assert loaded["D2"].number_format.startswith("yyyy-mm-dd")
    assert loaded.row_dimensions[2].height is None  # one line: the default height
    assert loaded.row_dimensions[3].height == 15 * 7  # 120 units of text, 18.5 a line in a column 20 wide


def test_wrapped_height():
    from textmine.io._xlsx_values import wrapped_height

    assert wrapped_height("短", 20) == 15
    assert wrapped_height("a" * 37, 20) == 30  # 37 ASCII characters in 18.5 units: two lines
    assert wrapped_height("一\n二\n三", 20) == 45
    assert wrapped_height("长" * 40_000, 50) == 409  # Excel's highest row
