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
import os
import math
import re
import shutil
import tempfile
import zipfile

from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

from textmine.io._xlsx_values import (
    EXCEL_MAX_CELL_CHARS, ILLEGAL_XLSX_CHARS, LINE_HEIGHT, safe_xlsx_value, wrapped_height)

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
    analyst's other options in the last row. ``number_formats`` (``{int: "0",
    float: "0.00"}``) gives every number of that type a format; the text of
    ``wrapped_columns`` ({0-based index: column width}) wraps, and its rows grow to show it;
    ``top_aligned`` puts every cell at the top of its row.
    """

    def __init__(self, worksheet, first_row=2, last_row=None, *, number_formats=None, wrapped_columns=None,
                 top_aligned=False):
        self._worksheet = worksheet
        self._file = tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace", newline="")
        self._write = self._file.write
        # In rows grown for wrapped text, every cell at the top reads as one line of the table.
        self._top = top_aligned
        # ' s="N"' on every int and float cell: the style of the number format given for the type.
        formats = number_formats or {}
        self._xml = RowXml(wrapped_columns, self._style_attribute(number_format=formats.get(int)),
                           self._style_attribute(number_format=formats.get(float)), self._date_style)
        self.next_row = first_row
        self.last_row = last_row
        self.left_out = 0

    def _style_attribute(self, *, number_format=None, wrap=False):
        """`` s="N"`` for a cell of that number format or wrapping; "" for the default style."""
        if not number_format and not wrap and not self._top:
            return ""
        return f' s="{self._style_id(WriteOnlyCell(self._worksheet, value=0), number_format, wrap)}"'

    def _style_id(self, cell, number_format=None, wrap=False):
        # Registering one styled cell gives the workbook the style and us its index.
        from openpyxl.styles import Alignment

        if number_format:
            cell.number_format = number_format
        if wrap or self._top:
            cell.alignment = Alignment(wrap_text=wrap or None, vertical="top" if self._top or wrap else None)
        return cell.style_id

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

    def renderer(self, width):
        """The ``RowXml`` of these rows, for ``width`` columns, to render rows elsewhere (a worker process).

        Its rows go in with ``append_rendered``. The styles its cells need are the
        workbook's, so they are registered here first: the text styles of ``width``
        columns and the date formats (``register_date_styles``).
        """
        self.register_date_styles()  # first, as when the rows are written here (the styles' order)
        self._widen(width)
        return self._xml

    def register_date_styles(self):
        """Give the workbook the styles of date, datetime and time cells now, in that order.

        Otherwise each is registered when a first cell needs it; registered first, the
        workbook is the same whether this process or another renders the rows.
        """
        for value in (datetime.date(2000, 1, 1), datetime.datetime(2000, 1, 1), datetime.time()):
            self._date_style(value)

    def room(self):
        """Rows that can still be written (``None``: no limit)."""
        return None if self.last_row is None else max(0, self.last_row - self.next_row)

    def append_rendered(self, xml, count):
        """Write ``count`` rows that ``renderer()`` rendered as ``xml``, numbered from ``next_row`` on."""
        self._write(xml)
        self.next_row += count

    def _widen(self, width):
        xml = self._xml
        if width > len(xml.prefixes):
            added = range(len(xml.prefixes), width)
            xml.prefixes.extend(f'<c r="{get_column_letter(i + 1)}' for i in added)
            xml.text_styles.extend(self._style_attribute(wrap=i in xml.wrapped) for i in added)

    def _write_row(self, values):
        self._widen(len(values))
        self._write(self._xml.row(self.next_row, values))
        self.next_row += 1

    def _date_style(self, value):
        # openpyxl picks the number format of a date, time or datetime cell; registering
        # one such cell gives the workbook that style and us its index.
        styles = self._xml.date_styles
        kind = type(value)
        if kind not in styles:
            styles[kind] = self._style_id(WriteOnlyCell(self._worksheet, value=value))
        return styles[kind]

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


class RowXml:
    """The SpreadsheetML of one row, by number: what ``SheetRows`` writes, and what a worker can render.

    ``prefixes`` ('<c r="B' for column 2) and ``text_styles`` (' s="3"' on the text
    of a wrapped column, else "") grow with the widest row; ``wrapped`` is
    {0-based index: width} of the columns whose text wraps (their rows grow to
    show it whole); ``date_style(value)`` registers a date cell's style in the
    workbook and gives its index; pickled (sent to a worker), it leaves that behind and
    gives the styles registered by then.
    """

    def __init__(self, wrapped=None, int_style="", float_style="", date_style=None):
        self.prefixes = []
        self.text_styles = []
        self.wrapped = dict(wrapped or {})
        self.int_style, self.float_style = int_style, float_style
        self.date_styles = {}  # type of a date value -> its style index
        self._date_style = date_style

    def __getstate__(self):
        return {**self.__dict__, "_date_style": None}  # the workbook's registration stays behind

    def _style_of_date(self, value):
        style = self.date_styles.get(type(value))
        if style is None:
            if self._date_style is not None:
                return self._date_style(value)
            # Sent to a worker, a subclass takes the style of the nearest date type it derives from
            # (a datetime subclass: datetime's, not date's), as openpyxl formats it.
            style = next(self.date_styles[kind] for kind in type(value).__mro__ if kind in self.date_styles)
        return style

    def rows(self, first_number, rows):
        """The XML of consecutive rows, the first numbered ``first_number``."""
        return "".join(self.row(number, values) for number, values in enumerate(rows, first_number))

    def row(self, number, values):
        """The XML of one row (a list or tuple of values) numbered ``number``."""
        # The hot loop of a big sheet: the common types are handled inline, without a
        # function call; anything else goes through _cell.
        number = str(number)
        height = LINE_HEIGHT
        for index, width in self.wrapped.items():
            if index < len(values) and type(values[index]) is str and len(values[index]) * 2 > width - 1.5:
                height = max(height, wrapped_height(values[index], width))
        cells = [f'<row r="{number}" ht="{height}" customHeight="1">' if height > LINE_HEIGHT
                 else f'<row r="{number}">']
        add = cells.append
        int_style, float_style = self.int_style, self.float_style
        for prefix, text_style, value in zip(self.prefixes, self.text_styles, values):
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
                add(f'{prefix}{number}"{text_style} t="inlineStr"><is><t{space}>{text}</t></is></c>')
            elif kind is int:
                add(f'{prefix}{number}"{int_style}><v>{value}</v></c>')
            elif kind is float:
                if math.isfinite(value):
                    add(f'{prefix}{number}"{float_style}><v>{value!r}</v></c>')
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
                return f'" s="{self._style_of_date(value)}"><v>{serial!r}</v></c>' if serial is not None else ""
        # Subclasses of int and float (numpy's float64 among them) are written as the plain number.
        if isinstance(value, int):
            return f'"><v>{int(value)}</v></c>'
        if isinstance(value, float):
            return f'"><v>{float(value)!r}</v></c>' if math.isfinite(value) else ""
        text = str(value)
        space = _PRESERVE if text[0] <= " " or text[-1] <= " " else ""
        return f'" t="inlineStr"><is><t{space}>{escape_xml_text(text)}</t></is></c>'


def save_with_rows(book, worksheet, rows, target, *, compresslevel=ROWS_COMPRESSLEVEL):
    """Save ``book`` (openpyxl, write-only) to ``target`` with ``rows`` appended to ``worksheet``.

    ``target`` is a path or a binary file. The rest of the package is copied as
    openpyxl wrote it; only the sheet's part gains the rows. A path that is no
    regular file (a FIFO, a device) gets the finished package in one write:
    zipfile opens a path for reading and writing, which a pipe's reader can
    see as an early end.
    """
    if isinstance(target, (str, os.PathLike)) and os.path.exists(target) and not os.path.isfile(target):
        with tempfile.TemporaryFile() as finished:
            save_with_rows(book, worksheet, rows, finished, compresslevel=compresslevel)
            finished.seek(0)
            with open(target, "wb") as special:
                shutil.copyfileobj(finished, special)
        return
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
