"""Rows of an .xlsx workbook, read in openpyxl's streaming mode, with bounded memory.

An xlsx file is a zip of XML parts. Before openpyxl loads anything, the sizes
the zip declares for its parts are checked (zipfile never expands a part past
its declared size): the shared strings are held in memory whole, so a small
file whose strings expand to gigabytes is refused with a clear error instead of
ending in a MemoryError. Any error openpyxl or lxml raise on a damaged part,
on loading or while the rows stream, becomes one line naming the file (and
the sheet and row where known).

    >>> columns, rows, _ = open_xlsx(open("orders.xlsx", "rb"), "orders.xlsx", None, ReadStats())
"""

import io
import zipfile

from textmine.errors import InputError
from textmine.io.formats import TEXT_COLUMN_NAMES, RowStream, cell_text, unique_columns

MAX_SHARED_STRINGS_BYTES = 256 * 1024 * 1024  # held in memory whole by openpyxl
MAX_PART_BYTES = 2 * 1024 * 1024 * 1024  # one sheet's XML, streamed: a bound on time
MAX_WORKBOOK_BYTES = 4 * 1024 * 1024 * 1024  # every part together, expanded
_MIB = 1024 * 1024


def check_expanded_size(package, name):
    """An InputError when the parts of the zip ``package`` would expand past the limits."""
    total = 0
    for info in package.infolist():
        total += info.file_size
        limit = MAX_SHARED_STRINGS_BYTES if info.filename.lower().endswith("sharedstrings.xml") else MAX_PART_BYTES
        if info.file_size > limit:
            raise InputError(f"{name}: the workbook part {info.filename} expands to {info.file_size // _MIB:,} MB, "
                             f"more than the {limit // _MIB:,} MB textmine reads; save the sheet as CSV")
    if total > MAX_WORKBOOK_BYTES:
        raise InputError(f"{name}: the workbook expands to {total // _MIB:,} MB, more than the "
                         f"{MAX_WORKBOOK_BYTES // _MIB:,} MB textmine reads; save the sheet as CSV")


def _unreadable(name, exc, where=""):
    detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return InputError(f"{name}: not a readable .xlsx workbook{where} ({type(exc).__name__}: {detail})")


def open_xlsx(stream, name, sheet, stats):
    """``(columns, rows, None)`` of the chosen sheet; see the module's docstring."""
    import openpyxl

    try:
        data = stream.read()
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            check_expanded_size(package, name)
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        worksheet = choose_sheet(workbook, sheet, name)
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged part can fail openpyxl or lxml in any way
        raise _unreadable(name, exc) from exc
    finally:
        stream.close()
    cells = _guarded(worksheet.iter_rows(values_only=True), name, worksheet.title)
    header = None
    for values in cells:
        if values and any(value not in (None, "") for value in values):
            header = [cell_text(value) for value in values]
            break
    if header is None:
        raise InputError(f"{name}: sheet {worksheet.title!r} is empty")
    while header and header[-1] == "":
        header.pop()
    columns = unique_columns(header, stats, name)

    def rows():
        width = len(columns)
        for values in cells:
            if not values or all(value in (None, "") for value in values):
                continue
            stats.rows_read += 1
            texts = [cell_text(value) for value in values]
            if len(texts) > width:
                extra = [text for text in texts[width:] if text]
                texts = texts[:width]
                if extra:
                    stats.warn("long_row_joined")
                    texts[-1] = "\t".join([texts[-1], *extra])
            texts += [""] * (width - len(texts))
            yield dict(zip(columns, texts))
        workbook.close()

    # The sheet's recorded size (its dimension) counts the header and any rows above it.
    expected = worksheet.max_row - 1 if isinstance(worksheet.max_row, int) and worksheet.max_row > 1 else None
    return columns, RowStream(rows(), expected), None


def _guarded(rows, name, title):
    """The rows of a sheet; an error while they stream (damaged XML) becomes an InputError naming the row."""
    number = 0
    while True:
        try:
            values = next(rows)
        except StopIteration:
            return
        except Exception as exc:  # noqa: BLE001 - see open_xlsx
            raise _unreadable(name, exc, f": sheet {title!r} after row {number:,}") from exc
        number += 1
        yield values


def choose_sheet(workbook, sheet, name):
    """The sheet asked for (name or 1-based number), else the first whose header names a text column."""
    if sheet is None:
        # A CRM export often has a cover sheet first: take the first sheet whose
        # header names a text column, else the first sheet.
        for worksheet in workbook.worksheets:
            header = next(worksheet.iter_rows(max_row=1, values_only=True), ())
            names = [cell_text(value).lower() for value in header]
            if any(wanted in name for name in names for wanted in TEXT_COLUMN_NAMES):
                return worksheet
        return workbook.worksheets[0]
    if sheet in workbook.sheetnames:
        return workbook[sheet]
    if str(sheet).isdigit() and 1 <= int(sheet) <= len(workbook.worksheets):
        return workbook.worksheets[int(sheet) - 1]
    raise InputError(f"{name}: no sheet {sheet!r}; sheets are: {', '.join(workbook.sheetnames)}")
