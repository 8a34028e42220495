"""textmine.io.xlsx_input: damaged or inflated workbooks give one line naming the file, never a traceback."""

import re
import zipfile

import openpyxl
import pytest
from click.testing import CliRunner

from textmine.cli import cli
from textmine.errors import InputError
from textmine.io import xlsx_input
from textmine.io.read import open_feedback

_MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def workbook_parts(tmp_path):
    path = tmp_path / "base.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["序号", "满意度", "意见建议"])
    for number in range(5):
        book.active.append([number, 5, f"网速太慢了{number}"])
    book.save(path)
    with zipfile.ZipFile(path) as package:
        return {info.filename: package.read(info) for info in package.infolist()}


def rewrite(path, parts, changes):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in {**parts, **changes}.items():
            package.writestr(name, data)
    return path


def with_shared_strings(parts, strings_xml):
    """The workbook with its comments moved into a sharedStrings part holding ``strings_xml``."""
    sheet = re.sub(r'<c r="C([2-9])" t="inlineStr"><is><t>[^<]*</t></is></c>', r'<c r="C\1" t="s"><v>0</v></c>',
                   parts["xl/worksheets/sheet1.xml"].decode())
    types = parts["[Content_Types].xml"].decode().replace("</Types>", (
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'))
    rels = parts["xl/_rels/workbook.xml.rels"].decode().replace("</Relationships>", (
        '<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'sharedStrings" Target="sharedStrings.xml"/></Relationships>'))
    return {"xl/worksheets/sheet1.xml": sheet, "[Content_Types].xml": types, "xl/_rels/workbook.xml.rels": rels,
            "xl/sharedStrings.xml": strings_xml}


def test_shared_strings_are_read(tmp_path):
    parts = workbook_parts(tmp_path)
    path = rewrite(tmp_path / "ok.xlsx", parts, with_shared_strings(parts, f"<sst {_MAIN}><si><t>信号差</t></si></sst>"))
    assert [row["意见建议"] for row in open_feedback(path).rows] == ["信号差"] * 5


@pytest.mark.parametrize("damage", ["sheet", "shared_strings", "number"])
def test_damaged_xml_is_one_line_naming_the_file(tmp_path, damage):
    parts = workbook_parts(tmp_path)
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    if damage == "sheet":
        changes = {"xl/worksheets/sheet1.xml": sheet[: len(sheet) * 2 // 3] + "<<<"}
    elif damage == "shared_strings":
        changes = with_shared_strings(parts, f"<sst {_MAIN}><si><t>cut")
    else:  # a 5,000-digit number: Python refuses to make an int of it
        changes = {"xl/worksheets/sheet1.xml": re.sub(r'(<c r="B3"[^>]*>)<v>[^<]*</v>',
                                                      lambda match: match.group(1) + "<v>" + "9" * 5000 + "</v>",
                                                      sheet)}
    path = rewrite(tmp_path / "bad.xlsx", parts, changes)
    result = CliRunner().invoke(cli, ["annotate", str(path), "-j", "1"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {path}: not a readable .xlsx workbook") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.output and "Exception ignored" not in result.output


def test_shared_strings_that_expand_past_the_cap_are_refused_before_loading(tmp_path, monkeypatch):
    # A small file whose shared strings expand to 1.5 GB ended in a MemoryError.
    monkeypatch.setattr(xlsx_input, "MAX_SHARED_STRINGS_BYTES", 10_000)
    parts = workbook_parts(tmp_path)
    strings = f"<sst {_MAIN}><si><t>{'长' * 20_000}</t></si></sst>"
    path = rewrite(tmp_path / "inflated.xlsx", parts, with_shared_strings(parts, strings))
    assert path.stat().st_size < 10_000
    with pytest.raises(InputError, match=r"inflated.xlsx: the workbook part xl/sharedStrings.xml expands to"):
        open_feedback(path)


def test_a_workbook_that_expands_past_the_cap_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx_input, "MAX_WORKBOOK_BYTES", 2_000)
    path = rewrite(tmp_path / "big.xlsx", workbook_parts(tmp_path), {})
    with pytest.raises(InputError, match=r"big.xlsx: the workbook expands to .* save the sheet as CSV"):
        open_feedback(path)
