"""The 趋势与预警 sheet: the alerts, then the mentions per month and per ISO week, each with its chart.

A last period that the data does not cover to its end is partial: its label says
up to which day (``2026-11（截至11-20）``), a note says why its counts are low, and
the chart draws the segment to it dashed.

    >>> write_trends(book, result)
"""

from textmine.report._sheet import DECIMAL, ONE_DECIMAL, P_VALUE, SheetWriter, line_chart

TREND_SERIES = 6  # categories drawn on a trend chart; more lines are unreadable
TREND_CATEGORIES = 12  # categories in a trend table
CHART_ROWS = 20  # rows kept free under a table for its chart (9 cm high)


def period_labels(trend):
    """The periods as the sheet shows them: the last one marked when it is partial.

        >>> period_labels({"periods": ["2026-10", "2026-11"], "partial_last": True, "last_date": "2026-11-20"})
        ['2026-10', '2026-11（截至11-20）']
    """
    labels = list(trend.get("periods") or [])
    if labels and trend.get("partial_last") and trend.get("last_date"):
        labels[-1] = f"{labels[-1]}（截至{trend['last_date'][5:]}）"
    return labels


def write_trends(book, result):
    sheet = SheetWriter(book, "趋势与预警", (20, 10) + (11,) * TREND_CATEGORIES, freeze="A3")
    sheet.title("预警（最后一期显著上升的痛点）")
    header = sheet.header(["痛点", "期间", "提及数", "预期", "倍数", "p 值", "基线期间"])
    for a in result.alerts:
        sheet.append([a["name"], a["period"], a["count"], a["expected"], a["ratio"], a["p_value"],
                      " ~ ".join(a["baseline_periods"])], formats={3: ONE_DECIMAL, 4: DECIMAL, 5: P_VALUE})
    if not result.alerts:
        sheet.append(["无显著上升的痛点"])
    sheet.filter(header, sheet.row, 7)
    for by, label in (("month", "按月"), ("week", "按周（ISO）")):
        trend = result.trends.get(by) or {}
        periods = period_labels(trend)
        if not periods:
            continue
        codes = [c["code"] for c in result.categories if c["code"] in trend["counts"]][:TREND_CATEGORIES]
        sheet.blank()
        sheet.title(f"{label}提及数")
        first = sheet.header(["期间", "总条数"] + [result.category_name(c) for c in codes])
        for index, period in enumerate(periods):
            sheet.append([period, trend["totals"][index]] + [trend["counts"][c][index] for c in codes])
        last = sheet.row
        partial = bool(trend.get("partial_last"))
        if partial:
            sheet.note(f"注：{trend['periods'][-1]} 的数据截至 {trend['last_date']}，不是完整的一期："
                       "条数偏少不代表下降。")
        shown = min(len(codes), TREND_SERIES)
        if shown:
            chart = line_chart(sheet, f"{label}各痛点提及数（前 {shown} 个痛点）", 3, 2 + shown, first, last,
                               y_title="条数", partial_last=partial)
            sheet.ws.add_chart(chart, f"A{sheet.row + 2}")
            sheet.blank(CHART_ROWS)
