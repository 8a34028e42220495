"""The pieces the workbook's sheets are made of: a write-only sheet that formats its cells,
number formats, column widths, and native charts with fixed colours.

Every number gets a format (counts ``#,##0``, other numbers ``0.00`` unless told
otherwise); every table gets an autofilter and a frozen header; every chart
shows all its category labels, and lines are drawn straight.

    >>> sheet = SheetWriter(book, "痛点", widths=(14, 10))
    >>> sheet.header(["痛点", "提及数"]); sheet.append(["网速", 150]); sheet.filter(1, 2)
"""

import unicodedata

from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, LineChart, PieChart, Reference
from openpyxl.chart.marker import DataPoint
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.drawing.line import LineProperties
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from textmine.io._xlsx_values import LINE_HEIGHT, wrapped_height
from textmine.io.write import safe_xlsx_value

COUNT = "#,##0"
DECIMAL = "0.00"
SHARE = "0.0%"
P_VALUE = "0.0E+00"
SIGNED = "+0.00;-0.00;0.00"
ONE_DECIMAL = "0.0"
# One colour per sentiment, the same in every chart and table: red negative, grey neutral, green positive.
SENTIMENT_COLOURS = {"neg": "D64541", "neu": "A5A5A5", "pos": "4E9A3F"}
BAR_COLOUR = "4C78A8"
# Lines of the trend charts: fixed, told apart easily, and no red or green (those mean sentiment).
LINE_COLOURS = ("4C78A8", "F58518", "72B7B2", "B279A2", "9D755D", "EECA3B", "BAB0AC", "FF9DA6")
LINE_WIDTH = 22225  # EMU: 1.75 pt
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
TITLE_FONT = Font(bold=True, size=13)
NOTE_FONT = Font(italic=True, color="595959")
WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")
_TOP_LEFT = Alignment(vertical="top", horizontal="left")
_WRAP_LEFT = Alignment(wrap_text=True, vertical="top", horizontal="left")
TITLE_HEIGHT = 21.0  # points: a row of 13-point bold text
_CM_PER_BAR = 0.8  # height of one bar of a horizontal bar chart: labels of 14 px fit


def display_width(text):
    """Width of text in Excel's character units: CJK characters count double.

        >>> display_width("网速 slow")
        9
    """
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in str(text))


def fitting_width(values, *, least=6, most=60):
    """A column width that shows every value whole (within ``least`` and ``most``)."""
    widest = max((display_width(value) for value in values if value is not None), default=0)
    return max(least, min(most, widest + 2))


class SheetWriter:
    """A write-only sheet that knows its current row, so charts and filters can point at its tables.

    ``freeze`` is the first cell below and right of what stays in view (``A2``: the header row).
    """

    def __init__(self, book, title, widths=(), freeze="A2"):
        self.ws = book.create_sheet(title)
        if freeze:
            self.ws.freeze_panes = freeze  # write-only: must be set before the first row
        # Printed or converted to PDF, a table and the chart beside it must stay on one page
        # width: landscape, fitted to the width, as many pages down as needed.
        self.ws.page_setup.orientation = "landscape"
        self.ws.page_setup.fitToWidth, self.ws.page_setup.fitToHeight = 1, 0
        self.ws.sheet_properties.pageSetUpPr.fitToPage = True
        self.row = 0
        self.column_widths = []
        self.widths(widths)

    def widths(self, widths):
        self.column_widths = list(widths)
        for index, width in enumerate(widths, 1):
            self.ws.column_dimensions[get_column_letter(index)].width = width

    def cell(self, value, *, font=None, fill=None, wrap=False, number_format=None, left=False):
        cell = WriteOnlyCell(self.ws, value=safe_xlsx_value(value))
        if isinstance(cell.value, str):
            cell.data_type = "s"  # text that starts with '=' must stay text
        elif isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
            cell.number_format = number_format or (COUNT if isinstance(cell.value, int) else DECIMAL)
        if font:
            cell.font = font
        if fill:
            cell.fill = fill
        cell.alignment = (_WRAP_LEFT if left else WRAP) if wrap else (_TOP_LEFT if left else _TOP)
        return cell

    def append(self, values, *, formats=None, wrap_cols=(), left_cols=(), fonts=None, **style):
        """Append a row; ``formats`` and ``fonts``: {column index: number format or font};
        the text of ``wrap_cols`` wraps (the row grows to show it), ``left_cols`` align left."""
        formats, fonts = formats or {}, fonts or {}
        # Rows do not grow by themselves for wrapped text in every spreadsheet: give them the height.
        height = max([wrapped_height(values[i], self.column_widths[i]) for i in wrap_cols
                      if i < len(values) and i < len(self.column_widths) and isinstance(values[i], str)]
                     + [TITLE_HEIGHT if style.get("font") is TITLE_FONT else LINE_HEIGHT])
        if height > LINE_HEIGHT:
            self.ws.row_dimensions[self.row + 1].height = height
        self.ws.append([self.cell(v, number_format=formats.get(i), wrap=i in wrap_cols, left=i in left_cols,
                                  **({"font": fonts[i]} if i in fonts else {}), **style)
                        for i, v in enumerate(values)])
        self.row += 1
        return self.row

    def title(self, text):
        return self.append([text], font=TITLE_FONT)

    def header(self, names):
        return self.append(names, font=HEADER_FONT, fill=HEADER_FILL)

    def note(self, text, wrap=False):
        return self.append([text], font=NOTE_FONT, wrap_cols={0} if wrap else ())

    def blank(self, count=1):
        for _ in range(count):
            self.append([])
        return self.row

    def filter(self, header_row, last_row, columns=None):
        """An autofilter on the table whose header is at ``header_row`` (one a sheet, as Excel allows)."""
        width = columns or self.ws.max_column or 1
        self.ws.auto_filter.ref = f"A{header_row}:{get_column_letter(width)}{max(last_row, header_row)}"


def _axes_visible(chart):
    # Newer Excel hides openpyxl's axes unless told not to delete them.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    return chart


def horizontal_bar_chart(sheet, title, label_col, value_col, first, last, *, value_title=None,
                         number_format=None):
    """Bars of one column, one a row from ``first`` to ``last``, first row on top, every label shown."""
    chart = _axes_visible(BarChart())
    chart.type = "bar"
    chart.title = title
    chart.legend = None
    chart.add_data(Reference(sheet.ws, min_col=value_col, min_row=first - 1, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(sheet.ws, min_col=label_col, min_row=first, max_row=last))
    chart.series[0].graphicalProperties.solidFill = BAR_COLOUR
    chart.series[0].graphicalProperties.line.solidFill = BAR_COLOUR
    chart.x_axis.tickLblSkip = 1  # every category named, however many
    chart.x_axis.tickLblPos = "low"  # labels left of the plot, clear of negative bars
    chart.x_axis.scaling.orientation = "maxMin"  # the table's order, top down
    chart.y_axis.crosses = "max"  # with the categories reversed, keeps the value axis at the bottom
    chart.y_axis.title = value_title
    chart.y_axis.majorGridlines = None
    if number_format:
        chart.y_axis.number_format = number_format
    chart.gapWidth = 60
    bars = last - first + 1
    chart.height, chart.width = max(6.0, bars * _CM_PER_BAR + 3), 16
    return chart


def sentiment_pie(sheet, title, keys, label_col, value_col, first):
    """A pie of the sentiment counts at rows ``first``.., one slice a key of ``keys``, coloured by sentiment."""
    chart = PieChart()
    chart.title = title
    chart.add_data(Reference(sheet.ws, min_col=value_col, min_row=first - 1, max_row=first + len(keys) - 1),
                   titles_from_data=True)
    chart.set_categories(Reference(sheet.ws, min_col=label_col, min_row=first, max_row=first + len(keys) - 1))
    series = chart.series[0]
    for index, key in enumerate(keys):
        point = DataPoint(idx=index)
        point.graphicalProperties.solidFill = SENTIMENT_COLOURS[key]
        point.graphicalProperties.line.solidFill = "FFFFFF"
        series.dPt.append(point)
    return chart


def line_chart(sheet, title, first_col, last_col, header_row, last_row, *, y_title=None, partial_last=False):
    """Straight lines (never smoothed: a curve invents dips) of columns ``first_col``..``last_col``.

    Categories are column A below ``header_row``. With ``partial_last`` the segment to the
    last point is dashed: that period is not complete.
    """
    chart = _axes_visible(LineChart())
    chart.title = title
    chart.y_axis.title = y_title
    chart.add_data(Reference(sheet.ws, min_col=first_col, max_col=last_col, min_row=header_row, max_row=last_row),
                   titles_from_data=True)
    chart.set_categories(Reference(sheet.ws, min_col=1, min_row=header_row + 1, max_row=last_row))
    chart.x_axis.tickLblSkip = 1
    last_point = last_row - header_row - 1
    for index, series in enumerate(chart.series):
        series.smooth = False
        colour = LINE_COLOURS[index % len(LINE_COLOURS)]
        series.graphicalProperties.line.solidFill = colour
        series.graphicalProperties.line.width = LINE_WIDTH
        if partial_last and last_point > 0:
            # The segment to the partial period, dashed (Excel draws it; LibreOffice keeps it solid).
            point = DataPoint(idx=last_point)
            point.graphicalProperties = GraphicalProperties(
                ln=LineProperties(solidFill=colour, prstDash="dash", w=LINE_WIDTH))
            series.dPt.append(point)
    chart.height, chart.width = 9, 24
    return chart
