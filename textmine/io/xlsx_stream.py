"""Fast rows for big xlsx sheets: the sheet XML is streamed by hand, then spliced into the workbook.

openpyxl builds a cell object per value, which made the 明细 sheet (one row per
comment) the slowest part of a report. Here openpyxl still writes the workbook
(styles, charts, the sheet's header, frozen pane and column widths), while the
rows go straight to a temporary file as SpreadsheetML; ``save_with_rows`` then
copies openpyxl's package into the target, putting the rows inside the sheet.
Memory stays flat however many rows there are.

The cells keep every safety rule of ``textmine.io.write``: text is always an
inline string (never a formula), cleaned by ``safe_xlsx_value`` (``textmine.io._xlsx_values``).

    >>> rows = SheetRows(worksheet)          # worksheet: openpyxl write-only, header appended
    >>> rows.append(["=1+1", 3, None]); save_with_rows(book, worksheet, rows, "out.xlsx")
"""

import datetime
import io
import math
import re
import shutil
import tempfile
import zipfile

from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

from textmine.io._xlsx_values import EXCEL_MAX_CELL_CHARS, ILLEGAL_XLSX_CHARS, safe_xlsx_value

# Deflate level of the package. The rows are most of the work: on 20k survey rows
# (19 MB of XML) levels 1 and 2 took 0.09 s (3.3 and 3.2 MB), level 3 0.13 s (3.0 MB),
# openpyxl's default 6 0.19 s (2.7 MB). Level 2 is the fast one that compresses best.
ROWS_COMPRESSLEVEL = 2
_COPY_CHUNK = 1 << 20
_DATE_TYPES = (datetime.datetime, datetime.date, datetime.time)
_CR = "\r"
_PRESERVE = ' xml:space="preserve"'
# Text this short cannot pass Excel's cell limit, even counted in UTF-16 units (an emoji is two).
_SHORT_ENOUGH = EXCEL_MAX_CELL_CHARS // 2
_find_illegal = ILLEGAL_XLSX_CHARS.search
# Empty text is an empty string cell, as openpyxl writes it: a row of empty texts still counts.
_EMPTY_TEXT = '" t="inlineStr"></c>'


def escape_xml_text(text):
    """Escape text for an XML element; a bare CR would be read back as LF, so it is a reference.

    >>> escape_xml_text("a<b & c\\r")
    'a&lt;b &amp; c&#13;'
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace(_CR, "&#13;")


class SheetRows:
    """Rows for one write-only worksheet, encoded as SpreadsheetML into a temporary file.

    ``worksheet`` is the openpyxl sheet whose rows these are (it lends its workbook
    the number formats of dates); its own rows, such as a header, come first,
    so ``first_row`` is the number of the first row written here. With
    ``last_row`` (Excel's row limit), rows that would pass the row before it are
    only counted in ``left_out``, and ``save_with_rows`` puts a note on the
    analyst's other options in the last row.
    """

    def __init__(self, worksheet, first_row=2, last_row=None):
        self._worksheet = worksheet
        self._file = tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace", newline="")
        self._write = self._file.write
        self._prefixes = []  # '<c r="B' for column 2: the cell's start, before its row number
        self._date_styles = {}
        self.next_row = first_row
        self.last_row = last_row
        self.left_out = 0

    def append(self, values):
        """Write one row (a list or tuple); None, NaN and infinity leave no cell, "" an empty text cell.

        Returns False, and counts the row in ``left_out``, when the sheet is full.
        """
        if self.last_row is not None and self.next_row >= self.last_row:
            self.left_out += 1
            return False
        self._write_row(values)
        return True

    def note_left_out(self):
        """The note on the rows left out, in the last row; nothing if none were."""
        if self.left_out:
            self._write_row([f"此表只能容纳 {self.last_row:,} 行：另有 {self.left_out:,} 行未写入，"
                             "完整结果请输出为 CSV 或 JSONL。"])

    def _write_row(self, values):
        if len(values) > len(self._prefixes):
            self._prefixes.extend(f'<c r="{get_column_letter(i)}'
                                  for i in range(len(self._prefixes) + 1, len(values) + 1))
        self._write(self._row_xml(values))
        self.next_row += 1

    def _row_xml(self, values):
        # The hot loop of a big sheet: the common types are handled inline, without a
        # function call; anything else goes through _cell.
        number = str(self.next_row)
        cells = [f'<row r="{number}">']
        add = cells.append
        for prefix, value in zip(self._prefixes, values):
            kind = type(value)
            if kind is str:
                # isprintable() is a fast first look for characters XML cannot hold (it is
                # also False for line breaks and wide spaces, which then get a closer look).
                if len(value) > _SHORT_ENOUGH or not value.isprintable() and _find_illegal(value):
                    value = safe_xlsx_value(value)
                if not value:
                    add(f'{prefix}{number}{_EMPTY_TEXT}')
                    continue
                # Without xml:space="preserve" a reader may strip leading or trailing spaces;
                # the attribute is added only where needed, as it would swell every cell.
                space = _PRESERVE if value[0] <= " " or value[-1] <= " " else ""
                text = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace(_CR, "&#13;")
                add(f'{prefix}{number}" t="inlineStr"><is><t{space}>{text}</t></is></c>')
            elif kind is int:
                add(f'{prefix}{number}"><v>{value}</v></c>')
            elif kind is float:
                if math.isfinite(value):
                    add(f'{prefix}{number}"><v>{value!r}</v></c>')
            elif value is not None:
                cell = self._cell(value)
                if cell:
                    add(f"{prefix}{number}{cell}")
        add("</row>")
        return "".join(cells)

    def _cell(self, value):
        """The rest of a cell (after its reference) for any other value, as ``write.xlsx`` stores it."""
        value = safe_xlsx_value(value)
        if value is None:
            return ""
        if value == "":
            return _EMPTY_TEXT
        if isinstance(value, bool):
            return f'" t="b"><v>{int(value)}</v></c>'
        if isinstance(value, _DATE_TYPES):
            if getattr(value, "tzinfo", None) is not None:  # Excel has no time zones: keep it readable
                value = value.isoformat()
            else:
                serial = to_excel(value)
                return f'" s="{self._date_style(value)}"><v>{serial!r}</v></c>' if serial is not None else ""
        # Subclasses of int and float (numpy's float64 among them) are written as the plain number.
        if isinstance(value, int):
            return f'"><v>{int(value)}</v></c>'
        if isinstance(value, float):
            return f'"><v>{float(value)!r}</v></c>' if math.isfinite(value) else ""
        text = str(value)
        space = _PRESERVE if text[0] <= " " or text[-1] <= " " else ""
        return f'" t="inlineStr"><is><t{space}>{escape_xml_text(text)}</t></is></c>'

    def _date_style(self, value):
        # openpyxl picks the number format of a date, time or datetime cell; registering
        # one such cell gives the workbook that style and us its index.
        kind = type(value)
        if kind not in self._date_styles:
            self._date_styles[kind] = WriteOnlyCell(self._worksheet, value=value).style_id
        return self._date_styles[kind]

    def size(self):
        """Bytes written so far."""
        self._file.flush()
        return self._file.buffer.tell()

    def copy_to(self, target):
        """Copy the encoded rows (UTF-8 bytes) to the binary stream ``target``."""
        self._file.flush()
        raw = self._file.buffer
        raw.seek(0)
        shutil.copyfileobj(raw, target, _COPY_CHUNK)

    def close(self):
        self._file.close()


def save_with_rows(book, worksheet, rows, target, *, compresslevel=ROWS_COMPRESSLEVEL):
    """Save ``book`` (openpyxl, write-only) to ``target`` with ``rows`` appended to ``worksheet``.

    ``target`` is a path or a binary file. The rest of the package is copied as
    openpyxl wrote it; only the sheet's part gains the rows.
    """
    try:
        rows.note_left_out()
        package = io.BytesIO()
        book.save(package)  # everything but the streamed rows: small, so held in memory
        part = worksheet.path.lstrip("/")
        with zipfile.ZipFile(package) as source, \
                zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as archive:
            if part not in source.namelist():
                raise RuntimeError(f"openpyxl did not write the sheet part {part}")
            for info in source.infolist():
                data = source.read(info)
                if info.filename == part:
                    _write_sheet_part(archive, part, data, rows)
                else:
                    archive.writestr(zipfile.ZipInfo(info.filename, info.date_time), data,
                                     compress_type=zipfile.ZIP_DEFLATED, compresslevel=compresslevel)
    finally:
        rows.close()


def _write_sheet_part(archive, part, sheet_xml, rows):
    head, tail = _split_at_row_end(sheet_xml)
    size = len(head) + rows.size() + len(tail)
    # zip64 only when the part needs it, as zipfile decides for a file of known size:
    # Excel is strict about zip64 records, so small workbooks must not carry them.
    with archive.open(part, "w", force_zip64=size * 1.05 > zipfile.ZIP64_LIMIT) as stream:
        stream.write(head)
        rows.copy_to(stream)
        stream.write(tail)


def _split_at_row_end(sheet_xml):
    """The sheet XML before and after the point where further rows belong."""
    end = sheet_xml.find(b"</sheetData>")
    if end >= 0:
        return sheet_xml[:end], sheet_xml[end:]
    match = re.search(rb"<sheetData\s*/>", sheet_xml)
    if match is None:
        raise RuntimeError("openpyxl wrote a sheet without sheetData")
    return sheet_xml[:match.start()] + b"<sheetData>", b"</sheetData>" + sheet_xml[match.end():]


def discard_workbook(book):
    """Close the sheet writers of an unsaved write-only workbook after a failure, quietly.

    openpyxl streams each write-only sheet through generators inside lxml
    writers; left to the garbage collector after an error or Ctrl-C, each
    prints "Exception ignored ... LxmlSyntaxError". Closed here, in order,
    their complaints are swallowed instead: the workbook is being dropped.
    """
    for sheet in getattr(book, "_sheets", ()):
        writer = getattr(sheet, "_writer", None)
        for generator in (getattr(sheet, "_rows", None), getattr(writer, "xf", None)):
            if generator is not None:
                try:
                    generator.close()
                except Exception:  # noqa: BLE001 - lxml complains about the half-written sheet
                    pass
