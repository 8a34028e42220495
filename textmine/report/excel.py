"""The workbook for the team lead ("给领导的一张表"): tables, native charts, the worst verbatims.

Sheets: 概览, 痛点, 情感, 客群短板, 趋势与预警, 驱动因素, 主题, 典型原声, 明细. The workbook is
written in openpyxl's write-only mode; the rows of 明细 (one per comment, capped at
Excel's 1,048,576 rows) stream to disk as XML (``textmine.io.xlsx_stream``), so memory
stays bounded. No input text can become a live formula: every string is stored as
a string cell (see ``safe_xlsx_value``).

    >>> write_workbook(result, "report.xlsx", annotated_rows=rows)
    >>> load_workbook("report.xlsx").sheetnames[0]
    '概览'
"""


from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, LineChart, PieChart, Reference
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from textmine.errors import OutputError
from textmine.io.write import EXCEL_MAX_ROWS, safe_xlsx_value
from textmine.io.xlsx_stream import SheetRows, save_with_rows
from textmine.painpoints.taxonomy import OTHER

SENTIMENT_NAMES = {"pos": "正面", "neu": "中性", "neg": "负面"}
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
_TITLE_FONT = Font(bold=True, size=13)
_WRAP = Alignment(wrap_text=True, vertical="top")
_TREND_SERIES = 6  # categories drawn on a trend chart; more lines are unreadable


class _Sheet:
    """A write-only sheet that knows its current row, so charts can point at the tables."""

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
        for index, width in enumerate(widths, 1):
            self.ws.column_dimensions[get_column_letter(index)].width = width

    def cell(self, value, *, font=None, fill=None, wrap=False, number_format=None):
        cell = WriteOnlyCell(self.ws, value=safe_xlsx_value(value))
        if isinstance(cell.value, str):
            cell.data_type = "s"  # text that starts with '=' must stay text
        if font:
            cell.font = font
        if fill:
            cell.fill = fill
        if wrap:
            cell.alignment = _WRAP
        if number_format and isinstance(cell.value, (int, float)):
            cell.number_format = number_format
        return cell

    def append(self, values, *, formats=None, wrap_cols=(), **style):
        formats = formats or {}
        self.ws.append([self.cell(v, number_format=formats.get(i), wrap=i in wrap_cols, **style)
                        for i, v in enumerate(values)])
        self.row += 1
        return self.row

    def title(self, text):
        return self.append([text], font=_TITLE_FONT)

    def header(self, names):
        return self.append(names, font=_HEADER_FONT, fill=_HEADER_FILL)

    def blank(self):
        return self.append([])


def _axes_visible(chart):
    # Newer Excel hides openpyxl's axes unless told not to delete them.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    return chart


def _bar_chart(sheet, title, label_col, value_col, first, last, *, horizontal=False, y_title=None):
    chart = _axes_visible(BarChart())
    chart.type = "bar" if horizontal else "col"
    chart.title = title
    chart.legend = None
    chart.y_axis.title = y_title
    chart.add_data(Reference(sheet.ws, min_col=value_col, min_row=first - 1, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(sheet.ws, min_col=label_col, min_row=first, max_row=last))
    chart.height, chart.width = 8, 16
    return chart


def _write_overview(book, result):
    sheet = _Sheet(book, "概览", (28, 60), freeze="A3")
    rows, overview = result.rows, result.overview
    sheet.title("textmine 客户之声分析概览")
    sheet.header(["指标", "数值"])
    lines = [("读取行数", rows["read"]), ("分析行数", rows["analyzed"]), ("读取时跳过", rows["skipped"])]
    lines += [(f"  跳过原因：{reason}", count) for reason, count in rows["skipped_by_reason"].items()]
    lines += [("重复（未计入分析）", overview["duplicates"]), ("无效/灌水（未计入分析）", overview["flagged"])]
    lines += [(f"{SENTIMENT_NAMES[k]}条数", result.sentiment[k]) for k in ("pos", "neu", "neg")]
    lines += [("负面占比", overview["sentiment_share"]["neg"]), ("有评分的行数", overview["scored_rows"]),
              ("平均满意度", overview["average_score"]), ("评分刻度", overview["score_scale"]),
              ("NPS（9-10 分占比 − 0-6 分占比，×100）", overview["nps"]),
              ("无日期行数", overview["undated_rows"])]
    top = [c for c in result.categories if c["code"] != OTHER and c["count"]][:3]
    lines.append(("最大痛点", "、".join(f"{c['name']}（{c['count']}条，{c['share']:.1%}）" for c in top) or "无"))
    lines.append(("拉低满意度最多", "、".join(f"{d['name']}（{d['impact']:+.2f}）" for d in result.drivers[:3]) or "无"))
    lines.append(("预警", "；".join(f"{a['name']} {a['period']}：{a['count']} 条，预期 {a['expected']}"
                                     for a in result.alerts) or "无"))
    for label, value in lines:
        share = isinstance(value, float) and label.endswith("占比")
        sheet.append([label, value], formats={1: "0.0%" if share else None}, wrap_cols={1})
    sheet.blank()
    sheet.title("说明")
    for note in (
        "重复与无效评论计数但不参与分析；占比的分母是分析行数。",
        "客群短板：组内负面评论中某痛点的占比显著高于其余客户（Fisher 精确检验，按痛点数 Bonferroni 校正，"
        "p<0.05，组内负面评论至少若干条），取提升倍数最大者。",
        "预警：最后一期的提及数对比「前几期占比 × 本期总量」的泊松检验，p<0.01、至少 5 条且达到预期的 1.5 倍。",
        "驱动因素：（无此痛点的平均分 − 有此痛点的平均分）× 提及占比 = 若这些评论与其余评论同分，平均分能提高多少。",
    ):
        sheet.append([note], wrap_cols={0})


def _write_categories(book, result):
    sheet = _Sheet(book, "痛点", (18, 14, 10, 10, 10, 12, 16, 16))
    sheet.header(["代码", "痛点", "提及数", "占比", "负面数", "负面占比", "有此痛点平均分", "无此痛点平均分"])
    # 'other' goes last and stays out of the chart: it is the rest, not a pain point,
    # and its bar would dwarf the ones the reader came for.
    ordered = sorted(result.categories, key=lambda c: c["code"] == OTHER)
    for c in ordered:
        sheet.append([c["code"], c["name"], c["count"], c["share"], c["negative"], c["negative_share"],
                      c["avg_score_with"], c["avg_score_without"]], formats={3: "0.0%", 5: "0.0%"})
    charted = sum(1 for c in ordered if c["code"] != OTHER)
    if charted:
        sheet.ws.add_chart(_bar_chart(sheet, "各痛点提及数", 2, 3, 2, 1 + charted, y_title="条数"), "J2")


def _write_sentiment(book, result):
    sheet = _Sheet(book, "情感", (10, 10, 10))
    sheet.header(["情感", "条数", "占比"])
    share = result.overview["sentiment_share"]
    for key in ("pos", "neu", "neg"):
        sheet.append([SENTIMENT_NAMES[key], result.sentiment[key], share[key]], formats={2: "0.0%"})
    chart = PieChart()
    chart.title = "情感分布"
    chart.add_data(Reference(sheet.ws, min_col=2, min_row=1, max_row=4), titles_from_data=True)
    chart.set_categories(Reference(sheet.ws, min_col=1, min_row=2, max_row=4))
    sheet.ws.add_chart(chart, "E2")


def _write_segments(book, result):
    sheet = _Sheet(book, "客群短板", (12, 16, 8, 10, 10, 14, 14, 10, 10, 10, 10), freeze="C2")
    sheet.header(["分群字段", "取值", "条数", "负面占比", "平均分", "最大痛点", "短板", "提升倍数", "p 值",
                  "组内占比", "组外占比"])
    for column, entries in result.segments.items():
        for e in entries:
            sheet.append([column, e["value"], e["rows"], e["negative_share"], e["avg_score"],
                          result.category_name(e["top_pain_point"]) if e["top_pain_point"] else "",
                          result.category_name(e["short_board"]) if e["short_board"] else "",
                          e["lift"], e["p_value"], e["share_in_group"], e["share_elsewhere"]],
                         formats={3: "0.0%", 9: "0.0%", 10: "0.0%"})
    if sheet.row > 1:
        last = sheet.row
        sheet.ws.conditional_formatting.add(f"D2:D{last}", ColorScaleRule(
            start_type="min", start_color="FFFFFF", end_type="max", end_color="F8696B"))
        sheet.ws.conditional_formatting.add(f"E2:E{last}", ColorScaleRule(
            start_type="min", start_color="F8696B", mid_type="percentile", mid_value=50, mid_color="FFEB84",
            end_type="max", end_color="63BE7B"))
    else:
        sheet.append(["未指定或未发现分群字段（如 地市、年龄段、套餐）。"])


def _write_trends(book, result):
    sheet = _Sheet(book, "趋势与预警", (14, 10) + (11,) * 12, freeze=None)
    sheet.title("预警（最后一期显著上升的痛点）")
    sheet.header(["痛点", "期间", "提及数", "预期", "倍数", "p 值", "基线期间"])
    for a in result.alerts:
        sheet.append([a["name"], a["period"], a["count"], a["expected"], a["ratio"], a["p_value"],
                      " ~ ".join(a["baseline_periods"])])
    if not result.alerts:
        sheet.append(["无显著上升的痛点"])
    chart_row = 1  # charts sit right of the tables, stacked so they never overlap
    for by, label in (("month", "按月"), ("week", "按周（ISO）")):
        trend = result.trends.get(by) or {}
        periods = trend.get("periods") or []
        if not periods:
            continue
        codes = [c["code"] for c in result.categories if c["code"] in trend["counts"]][:12]
        sheet.blank()
        sheet.title(f"{label}提及数")
        first = sheet.header(["期间", "总条数"] + [result.category_name(c) for c in codes])
        for index, period in enumerate(periods):
            sheet.append([period, trend["totals"][index]] + [trend["counts"][c][index] for c in codes])
        last = sheet.row
        chart = _axes_visible(LineChart())
        chart.title = f"{label}各痛点提及数"
        chart.y_axis.title = "条数"
        chart.height, chart.width = 8, 18
        shown = min(len(codes), _TREND_SERIES)
        if shown:
            chart.add_data(Reference(sheet.ws, min_col=3, max_col=2 + shown, min_row=first, max_row=last),
                           titles_from_data=True)
            chart.set_categories(Reference(sheet.ws, min_col=1, min_row=first + 1, max_row=last))
            chart_row = max(chart_row, first)
            sheet.ws.add_chart(chart, f"{get_column_letter(len(codes) + 4)}{chart_row}")
            chart_row += 18  # a chart 8 cm high covers about 16 rows


def _write_effects(book, result):
    """整改效果: each measure's category share and negative share before and after its day (only when asked)."""
    effects = getattr(result, "effects", None)
    if not effects:
        return
    sheet = _Sheet(book, "整改效果", (24, 14, 12, 12) + (11,) * 10)
    sheet.header(["措施", "痛点", "客群", "措施日期", "之前条数", "之前提及", "之前占比", "之后条数", "之后提及",
                  "之后占比", "占比变化", "p 值", "之前负面占比", "之后负面占比", "负面占比 p 值", "结论"])
    verdicts = {"fell": "显著下降", "rose": "显著上升", "no significant change": "无显著变化",
                "not enough data": "数据不足"}
    for e in effects:
        before, after = e["before"], e["after"]
        segment = f"{e['segment']['column']}={e['segment']['value']}" if e["segment"] else "全部"
        sheet.append([e["measure"], e["name"], segment, e["date"], before["comments"], before["with_category"],
                      before["share"], after["comments"], after["with_category"], after["share"],
                      e["share_change"], e["share_p_value"], before["negative_share"], after["negative_share"],
                      e["negative_share_p_value"], verdicts.get(e["verdict"], e["verdict"])],
                     formats={6: "0.0%", 9: "0.0%", 10: "+0.0%;-0.0%", 12: "0.0%", 13: "0.0%"})
    sheet.blank()
    sheet.append(["双侧两比例 z 检验；p<0.05 视为显著。只计分析行（不含重复与无效）且有日期的评论；"
                  "措施日期当天及之后为「之后」。期望频数小于 5 时检验仅供参考。"], wrap_cols={0})


def _write_drivers(book, result):
    sheet = _Sheet(book, "驱动因素", (18, 14, 14, 14, 10, 10, 10))
    sheet.header(["痛点", "对均分的拖累（分）", "有此痛点均分", "无此痛点均分", "提及占比", "条数", "依据"])
    for d in result.drivers:
        sheet.append([d["name"], d["impact"], d["mean_with"], d["mean_without"], d["share"], d["rows"],
                      "满意度" if d["basis"] == "score" else "情感得分×10"], formats={4: "0.0%"})
    if result.drivers:
        sheet.ws.add_chart(_bar_chart(sheet, "各痛点对平均分的拖累", 1, 2, 2, sheet.row, horizontal=True,
                                      y_title="分"), "I2")
    else:
        sheet.append(["评分或情感数据不足，无法计算。"])


def _write_topics(book, result):
    sheet = _Sheet(book, "主题", (8, 24, 60, 10))
    sheet.header(["编号", "主题", "关键词", "条数"])
    for t in result.topics:
        sheet.append([t.get("id"), t.get("label"), " ".join(map(str, t.get("words", []))), t.get("size")],
                     wrap_cols={2})
    if not result.topics:
        sheet.append(["", "未运行主题模型"])
    if result.keywords:
        sheet.blank()
        sheet.title("高频词")
        sheet.header(["", "词", "出现次数", "负面评论中"])
        for k in result.keywords:
            sheet.append(["", k["word"], k["count"], k["negative"]])
    if result.word_pairs:
        sheet.blank()
        sheet.title("常见搭配（同一评论中共同出现）")
        sheet.header(["", "词对", "次数"])
        for pair in result.word_pairs:
            sheet.append(["", " + ".join(pair["words"]), pair["count"]])


def _write_verbatims(book, result):
    segment_columns = list(result.segments)
    sheet = _Sheet(book, "典型原声", (14, 8, 10, 10) + (10,) * len(segment_columns) + (80,))
    sheet.header(["痛点", "情感", "情感得分", "满意度"] + segment_columns + ["原声（已脱敏）"])
    text_col = 4 + len(segment_columns)
    for code, items in result.verbatims.items():
        for item in items:
            sheet.append([result.category_name(code), SENTIMENT_NAMES.get(item["sentiment"], item["sentiment"]),
                          item["sentiment_score"], item["score"]]
                         + [item.get(column) for column in segment_columns] + [item["text"]], wrap_cols={text_col})


def _write_details(book, annotated_rows, columns):
    """The 明细 sheet: openpyxl writes its header; the rows stream as XML (see ``xlsx_stream``)."""
    sheet = _Sheet(book, "明细")
    rows = iter(annotated_rows)
    first = next(rows, None)
    if columns is None:
        columns = list(first) if first else []
    for index, column in enumerate(columns, 1):
        sheet.ws.column_dimensions[get_column_letter(index)].width = 40 if column in ("text", "evidence") else 14
    sheet.header(columns)
    details = SheetRows(sheet.ws, first_row=sheet.row + 1, last_row=EXCEL_MAX_ROWS)
    if first is None:
        return sheet.ws, details
    for row in _chain(first, rows):
        details.append(list(map(row.get, columns)))
    return sheet.ws, details


def _chain(first, rest):
    yield first
    yield from rest


def write_workbook(result, path, annotated_rows=None, columns=None):
    """Write the analysis (and, if given, the annotated rows on 明细) as an xlsx file at ``path``.

    ``columns`` orders the 明细 columns (default: the keys of the first row).
        >>> write_workbook(agg.result(), "report.xlsx", annotated_rows=rows, columns=["text", "sentiment"])
    """
    try:
        # Opened first, so an unwritable path fails before any work (and leaves no temp sheets behind).
        handle = open(path, "wb")
    except OSError as exc:
        raise OutputError(f"{path}: cannot write the workbook: {exc.strerror or exc}") from exc
    with handle:
        book = Workbook(write_only=True)
        for write in (_write_overview, _write_categories, _write_sentiment, _write_segments, _write_trends,
                      _write_effects, _write_drivers, _write_topics, _write_verbatims):
            write(book, result)
        try:
            sheet, details = _write_details(book, annotated_rows if annotated_rows is not None else [], columns)
            save_with_rows(book, sheet, details, handle)
        except OSError as exc:  # a full disk, for the rows' temporary file or the workbook
            raise OutputError(f"{path}: cannot write the workbook: {exc.strerror or exc}") from exc
