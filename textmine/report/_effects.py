"""The workbook's 整改效果 sheet: each measure's category share and negative share before and after its day."""

from textmine.report._sheet import COUNT, P_VALUE, SHARE, SheetWriter, fitting_width

VERDICTS = {"fell": "显著下降", "rose": "显著上升", "no significant change": "无显著变化",
            "not enough data": "数据不足"}
CHANGE = "+0.0%;-0.0%;0.0%"


def write_effects(book, result):
    """Only when ``--measure`` asked for effects: an empty sheet would only puzzle a reader."""
    if not result.effects:
        return
    headers = ["措施", "痛点", "客群", "措施日期", "之前条数", "之前提及", "之前占比", "之后条数", "之后提及",
               "之后占比", "占比变化", "p 值", "之前负面占比", "之后负面占比", "负面占比 p 值", "结论"]
    rows = []
    for e in result.effects:
        before, after = e["before"], e["after"]
        segment = f"{e['segment']['column']}={e['segment']['value']}" if e["segment"] else "全部"
        rows.append([e["measure"], e["name"], segment, e["date"], before["comments"], before["with_category"],
                     before["share"], after["comments"], after["with_category"], after["share"],
                     e["share_change"], e["share_p_value"], before["negative_share"], after["negative_share"],
                     e["negative_share_p_value"], VERDICTS.get(e["verdict"], e["verdict"])])
    widths = [fitting_width([str(row[index]) for row in rows] + [header], least=8)
              for index, header in enumerate(headers)]
    sheet = SheetWriter(book, "整改效果", widths)
    sheet.header(headers)
    formats = {4: COUNT, 5: COUNT, 6: SHARE, 7: COUNT, 8: COUNT, 9: SHARE, 10: CHANGE, 11: P_VALUE,
               12: SHARE, 13: SHARE, 14: P_VALUE}
    for row in rows:
        sheet.append(row, formats=formats)
    sheet.filter(1, max(sheet.row, 2), len(headers))
    sheet.blank()
    sheet.note("双侧两比例 z 检验；p<0.05 视为显著。只计分析行（不含重复与无效）且有日期的评论；"
               "措施日期当天及之后为「之后」。期望频数小于 5 时检验仅供参考。")
