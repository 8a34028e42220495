"""The workbook for the team lead ("给领导的一张表"): tables, native charts, the worst verbatims.

Sheets: 概览, 痛点, 情感, 客群短板, 趋势与预警, 整改效果 (with --measure), 驱动因素, 主题, 典型原声, 明细, 字段说明.
Everything a manager reads is in Chinese and by name: categories by the run's
taxonomy, sentiment as 正面/中性/负面; the CSV column names and category codes
are on 字段说明 only. Every number has a number format, every table an
autofilter and a frozen header. The workbook is written in openpyxl's
write-only mode; the rows of 明细 (one per comment, capped at Excel's 1,048,576
rows) stream to disk as XML (``textmine.io.xlsx_stream``), so memory stays
bounded. No input text can become a live formula: every string is stored as a
string cell (see ``safe_xlsx_value``).

    >>> write_workbook(run.result, "report.xlsx", details=run.details())
    >>> load_workbook("report.xlsx").sheetnames[0]
    '概览'
"""

from itertools import chain, islice

from openpyxl import Workbook
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Font

from textmine.errors import OutputError
from textmine.io.cells import FLAG_NAMES, SENTIMENT_NAMES, DetailRows
from textmine.io.write import EXCEL_MAX_ROWS, safe_xlsx_value  # noqa: F401 (safe_xlsx_value: public here)
from textmine.io._xlsx_values import columns_that_fit
from textmine.io.xlsx_stream import SheetRows, discard_workbook, save_with_rows
from textmine.painpoints.taxonomy import OTHER
from textmine.report._effects import write_effects
from textmine.report._kano import write_kano
from textmine.report._sheet import (
    COUNT, DECIMAL, ONE_DECIMAL, P_VALUE, SENTIMENT_COLOURS, SHARE, SIGNED, SheetWriter, fitting_width,
    horizontal_bar_chart, sentiment_pie)
from textmine.report._trends import write_trends

SENTIMENT_KEYS = ("pos", "neu", "neg")
TEXT_WIDTH = 50  # comment columns: wide enough to read a sentence, and wrapped
REASONS_WIDTH = 40  # 客群短板's reasons: past this, they wrap
KEYWORDS_SHOWN = 10  # words (with weights) in a topic's keyword cell
WIDTH_SAMPLE = 200  # rows of 明细 whose values size its columns
PROGRESS_EVERY = 1000  # 明细 rows between two progress reports


def _write_overview(book, result):
    rows, overview = result.rows, result.overview
    lines = [("读取行数", rows["read"]), ("分析行数", rows["analyzed"]), ("读取时跳过", rows["skipped"])]
    lines += [(f"  跳过原因：{reason}", count) for reason, count in rows["skipped_by_reason"].items()]
    lines += [("重复（未计入分析）", overview["duplicates"]), ("无效/灌水（未计入分析）", overview["flagged"])]
    lines += [("客群短板的检验次数（Benjamini-Hochberg 校正）", (result.fdr or {}).get("tests", 0))]
    lines += [(f"{SENTIMENT_NAMES[k]}条数", result.sentiment[k]) for k in SENTIMENT_KEYS]
    lines += [("负面占比", overview["sentiment_share"]["neg"]), ("有评分的行数", overview["scored_rows"]),
              ("平均满意度", overview["average_score"]), ("评分刻度", overview["score_scale"]),
              ("NPS（9-10 分占比 − 0-6 分占比，×100）", overview["nps"]),
              ("无日期行数", overview["undated_rows"])]
    month = result.trends.get("month") or {}
    if month.get("last_date"):
        partial = f"（{month['periods'][-1]} 不是完整的一个月）" if month.get("partial_last") else ""
        lines.append(("数据截至", month["last_date"] + partial))
    top = [c for c in result.categories if c["code"] != OTHER and c["count"]][:3]
    lines.append(("最大痛点", "、".join(f"{c['name']}（{c['count']}条，{c['share']:.1%}）" for c in top) or "无"))
    by_sentiment = bool(result.drivers) and result.drivers[0]["basis"] == "sentiment"
    lines.append(("拉低满意度最多" + ("（按情感得分×10，无评分列）" if by_sentiment else ""),
                  "、".join(f"{d['name']}（{d['impact']:+.2f}）" for d in result.drivers[:3]) or "无"))
    lines.append(("预警的期间", _period_note(result.period)))
    lines.append(("预警", "；".join(f"{a['name']} {a['period']}：{a['count']} 条，预期 {a['expected']:.1f}"
                                     for a in result.alerts) or "无"))
    notes = (
        ("分析范围", "重复与无效评论计数但不参与分析；占比的分母是分析行数。"),
        ("客群短板", "组内负面评论中某痛点的占比显著高于其余客户（Fisher 精确检验；本次全部“分群取值 × 痛点”的检验"
                 "一起做 Benjamini-Hochberg 校正，错误发现率 "
                 f"{(result.fdr or {}).get('level', 0.05):.0%}；组内负面评论太少的分群不检验），取提升倍数最大者。"),
        ("预警", "最后一期的提及数对比「前几期占比 × 本期总量」的泊松检验，p<0.01、至少 5 条且达到预期的 1.5 倍。"),
        ("驱动因素", "（无此痛点的平均分 − 有此痛点的平均分）× 提及占比 = 若这些评论与其余评论同分，平均分能提高多少。"
                 + ("无评分列时用情感得分×10（0-10）代替评分。" if by_sentiment else "")),
        ("不完整的一期", "数据截止日早于最后一期的结束日时，该期标为「截至某日」，其条数偏少不代表下降。"),
        ("字段说明", "明细各列对应的 CSV 列名、痛点代码见「字段说明」表。"),
    )
    labels = [label for label, _ in lines] + [label for label, _ in notes]
    sheet = SheetWriter(book, "概览", (fitting_width(labels + ["指标"]), 80), freeze="A3")
    sheet.title("textmine 客户之声分析概览")
    sheet.header(["指标", "数值"])
    formats = {"负面占比": SHARE, "平均满意度": DECIMAL, "NPS（9-10 分占比 − 0-6 分占比，×100）": ONE_DECIMAL}
    for label, value in lines:
        sheet.append([label, value], formats={1: formats.get(label, COUNT)}, wrap_cols={1}, left_cols={1})
    sheet.blank()
    sheet.title("说明")
    for label, note in notes:
        sheet.append([label, note], wrap_cols={1})


_UNIT = {"week": "周", "month": "月"}


def _period_note(period):
    """'周（自动：日期 2026-06-01 ~ 2026-11-22，不超过半年按周）' for the 概览 sheet."""
    period = period or {}
    unit = _UNIT.get(period.get("granularity"), "月")
    if not period.get("first_date"):
        return f"{unit}（无日期）"
    how = "自动：不超过半年按周，更长按月" if period.get("requested") == "auto" else "指定"
    return f"{unit}（{how}；日期 {period['first_date']} ~ {period['last_date']}）"


def _write_categories(book, result):
    # 'other' goes last and stays out of the chart: it is the rest, not a pain point,
    # and its bar would dwarf the ones the reader came for.
    ordered = sorted(result.categories, key=lambda c: c["code"] == OTHER)
    headers = ["痛点", "提及数", "占比", "负面数", "负面占比", "有此痛点平均分", "无此痛点平均分"]
    sheet = SheetWriter(book, "痛点", [fitting_width([c["name"] for c in ordered] + ["痛点"])]
                        + [fitting_width([h], least=8) for h in headers[1:]])
    sheet.header(headers)
    for c in ordered:
        sheet.append([c["name"], c["count"], c["share"], c["negative"], c["negative_share"],
                      c["avg_score_with"], c["avg_score_without"]], formats={2: SHARE, 4: SHARE})
    sheet.filter(1, sheet.row, len(headers))
    charted = sum(1 for c in ordered if c["code"] != OTHER)
    if charted:
        sheet.ws.add_chart(horizontal_bar_chart(sheet, "各痛点提及数", 1, 2, 2, 1 + charted, value_title="条数",
                                                number_format=COUNT), "I2")


def _write_sentiment(book, result):
    sheet = SheetWriter(book, "情感", (10, 10, 10))
    sheet.header(["情感", "条数", "占比"])
    share = result.overview["sentiment_share"]
    for key in SENTIMENT_KEYS:
        colour = Font(bold=True, color=SENTIMENT_COLOURS[key])
        sheet.append([SENTIMENT_NAMES[key], result.sentiment[key], share[key]], formats={2: SHARE}, fonts={0: colour})
    sheet.filter(1, sheet.row, 3)
    sheet.ws.add_chart(sentiment_pie(sheet, "情感分布", SENTIMENT_KEYS, 1, 2, 2), "E2")


def _write_segments(book, result):
    headers = ["分群字段", "取值", "条数", "负面占比", "平均分", "最大痛点", "短板", "提升倍数", "p 值",
               "校正后 p 值", "组内占比", "组外占比", "该群体特有的说法（得分，条数）", "例句（已脱敏）"]
    entries = [(column, e) for column, items in result.segments.items() for e in items]
    name = result.category_name
    table = [[column, e["value"], e["rows"], e["negative_share"], e["avg_score"],
              name(e["top_pain_point"]) if e["top_pain_point"] else "",
              name(e["short_board"]) if e["short_board"] else "",
              e["lift"], e["p_value"], e.get("p_adjusted"), e["share_in_group"], e["share_elsewhere"],
              "、".join(f"{r['term']}（{r['score']:.1f}，{r['count']}）" for r in e.get("short_board_reasons", [])),
              "\n".join(e.get("short_board_examples", []))]
             for column, e in entries]
    widths = [fitting_width([row[i] for row in table if isinstance(row[i], str)] + [header], least=8, most=24)
              for i, header in enumerate(headers)]
    # The reasons' header is the longest: its column shows it whole (longer reasons wrap), and
    # the examples are comments, as wide as every comment column.
    widths[12] = fitting_width([row[12] for row in table] + [headers[12]], most=REASONS_WIDTH)
    widths[13] = TEXT_WIDTH if any(row[13] for row in table) else fitting_width([headers[13]])
    sheet = SheetWriter(book, "客群短板", widths, freeze="C2")
    sheet.header(headers)
    for values in table:
        sheet.append(values, formats={3: SHARE, 7: DECIMAL, 8: P_VALUE, 9: P_VALUE, 10: SHARE, 11: SHARE},
                     wrap_cols={12, 13})
    if table:
        last = sheet.row
        sheet.filter(1, last, len(headers))
        fdr = result.fdr or {}
        sheet.blank()
        sheet.append([f"共 {fdr.get('tests', 0)} 次检验（每个分群字段的每个取值 × 每个痛点），"
                      f"Benjamini-Hochberg 校正，错误发现率 {fdr.get('level', 0.05):.0%}；"
                      f"短板 {fdr.get('short_boards', 0)} 个。"])
        sheet.ws.conditional_formatting.add(f"D2:D{last}", ColorScaleRule(
            start_type="min", start_color="FFFFFF", end_type="max", end_color="F8696B"))
        sheet.ws.conditional_formatting.add(f"E2:E{last}", ColorScaleRule(
            start_type="min", start_color="F8696B", mid_type="percentile", mid_value=50, mid_color="FFEB84",
            end_type="max", end_color="63BE7B"))
    else:
        sheet.append(["未指定或未发现分群字段（如 地市、年龄段、套餐）。"])
        sheet.filter(1, 1, len(headers))


def _write_drivers(book, result):
    headers = ["痛点", "对均分的拖累（分）", "有此痛点均分", "无此痛点均分", "提及占比", "条数", "依据"]
    sheet = SheetWriter(book, "驱动因素", [fitting_width([d["name"] for d in result.drivers] + ["痛点"])]
                        + [fitting_width([h], least=8) for h in headers[1:-1]] + [fitting_width(["情感得分×10"])])
    sheet.header(headers)
    for d in result.drivers:
        sheet.append([d["name"], d["impact"], d["mean_with"], d["mean_without"], d["share"], d["rows"],
                      "满意度" if d["basis"] == "score" else "情感得分×10"], formats={1: SIGNED, 4: SHARE})
    sheet.filter(1, max(sheet.row, 2), len(headers))
    if result.drivers:
        sheet.ws.add_chart(horizontal_bar_chart(sheet, "各痛点对平均分的拖累（分）", 1, 2, 2, sheet.row,
                                                value_title="分", number_format=DECIMAL), "I2")
    else:
        sheet.append(["评分或情感数据不足，无法计算。"])


def topic_keywords(topic, count=KEYWORDS_SHOWN):
    """``信号 0.13、手机 0.06``: a topic's top words with their weights, as a reader reads them.

        >>> topic_keywords({"words": [("信号", 0.1258), ("手机", 0.0592)]})
        '信号 0.13、手机 0.06'
    """
    shown = []
    for word in list(topic.get("words") or [])[:count]:
        if isinstance(word, (list, tuple)) and len(word) == 2:
            shown.append(f"{word[0]} {float(word[1]):.2f}")
        else:
            shown.append(str(word))
    return "、".join(shown)


def _write_topics(book, result):
    headers = ["编号", "主题", "条数", "负面占比", "最接近痛点", "重合", "关键词（权重）"]
    labels = [t.get("label") or "" for t in result.topics]
    sheet = SheetWriter(book, "主题", (6, fitting_width(labels + ["主题"], most=30), 8, 10, 12, 8, 70))
    sheet.header(headers)
    for t in result.topics:
        sheet.append([t.get("id"), t.get("label"), t.get("size"), t.get("negative_share"),
                      t.get("top_category_name") or "", t.get("category_overlap") if t.get("top_category") else None,
                      topic_keywords(t)], formats={0: "0", 3: SHARE, 5: SHARE}, wrap_cols={6})
    sheet.filter(1, max(sheet.row, 2), len(headers))
    if not result.topics:
        sheet.append(["", "未运行主题模型"])
    new_topics = result.new_topics
    if new_topics:
        sheet.blank()
        sheet.title("候选新痛点（未被任何类别覆盖、非表扬的评论中的主题，负面占比高的在前）")
        # The columns of the topic table above: 条数 and 负面占比 line up with its own.
        sheet.header(["编号", "主题", "条数", "负面占比", "", "", "关键词；典型评论（已脱敏）"])
        for t in new_topics:
            words = " ".join(_word(w) for w in t.get("words", []))
            sheet.append([t.get("id"), t.get("label"), t.get("size"), t.get("negative_share"), None, None,
                          "\n".join([words] + list(t.get("examples", [])[:3]))],
                         formats={0: "0", 2: "#,##0", 3: SHARE}, wrap_cols={6})
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


def _word(word):
    """A topic word, given as a word or as a (word, weight) pair."""
    return str(word[0] if isinstance(word, (list, tuple)) else word)


def _write_verbatims(book, result):
    segment_columns = list(result.segments)
    headers = ["痛点", "情感", "情感得分", "满意度"] + segment_columns + ["原声（已脱敏）"]
    items = [(code, item) for code, entries in result.verbatims.items() for item in entries]
    segment_widths = [fitting_width([str(item.get(column) or "") for _, item in items] + [column], least=8, most=24)
                      for column in segment_columns]
    names = [result.category_name(code) for code in result.verbatims]
    sheet = SheetWriter(book, "典型原声", [fitting_width(names + ["痛点"]), 8, 10, 8] + segment_widths + [80])
    sheet.header(headers)
    text_col = 4 + len(segment_columns)
    for code, item in items:
        score = item["score"]
        sheet.append([result.category_name(code), SENTIMENT_NAMES.get(item["sentiment"], item["sentiment"]),
                      item["sentiment_score"], score]
                     + [item.get(column) for column in segment_columns] + [item["text"]],
                     formats={3: "0" if isinstance(score, (int, float)) and float(score).is_integer() else DECIMAL},
                     wrap_cols={text_col})
    sheet.filter(1, max(sheet.row, 2), len(headers))


def _write_details(book, details, progress=None):
    """The 明细 sheet: openpyxl writes its header; the rows stream as XML (see ``xlsx_stream``)."""
    sheet = SheetWriter(book, "明细")
    # Past Excel's 16,384 columns the comment and the columns textmine adds stay.
    keep = set(details.text_columns) | {header for header, *_ in details.legend}
    columns, left_out = columns_that_fit(list(details.columns), keep)
    rows = iter(details.rows)
    if left_out:
        kept = [list(details.columns).index(column) for column in columns[:-1]]
        rows = ([row[i] if i < len(row) else None for i in kept] for row in rows)
    first = list(islice(rows, WIDTH_SAMPLE))  # these rows size the columns
    wrapped = {i for i, column in enumerate(columns) if column in details.text_columns}
    widths = []
    for i, column in enumerate(columns):
        if i in wrapped:
            widths.append(TEXT_WIDTH)
        else:
            sample = [str(row[i]) for row in first if i < len(row) and row[i] is not None]
            widths.append(fitting_width([column] + sample, least=8, most=36))
    # Long annotation cells (evidence, aspects) wrap in their column rather than spill over.
    wrapped |= {i for i, width in enumerate(widths) if width >= 36}
    wrapped = {i: widths[i] for i in sorted(wrapped)}
    sheet.widths(widths)
    sheet.ws.print_title_rows = "1:1"  # the header on every printed page
    sheet.header(columns)
    rows_out = SheetRows(sheet.ws, first_row=sheet.row + 1, last_row=EXCEL_MAX_ROWS,
                         number_formats={int: "0", float: DECIMAL}, wrapped_columns=wrapped, top_aligned=True)
    rows_out.register_date_styles()  # the same workbook, rendered here or by workers
    if details.render is not None and not left_out:
        # The rows again, from the first, rendered by workers; this process copies their XML.
        room = rows_out.room()
        for xml, count in details.render(rows_out.renderer(len(columns)), rows_out.next_row, room):
            rows_out.append_rendered(xml, count)
            if progress is not None:
                progress(count)
        if room is not None and details.count is not None and details.count > room:
            rows_out.left_out += details.count - room  # counted, as append counts them, for the sheet's note
            if progress is not None:
                progress(details.count - room)
    else:
        done = 0
        for values in chain(first, rows):
            rows_out.append(values)
            done += 1
            if progress is not None and done % PROGRESS_EVERY == 0:
                progress(PROGRESS_EVERY)
        if progress is not None and done % PROGRESS_EVERY:
            progress(done % PROGRESS_EVERY)
    sheet.filter(1, rows_out.next_row - 1, max(len(columns), 1))
    return sheet.ws, rows_out, left_out


def _write_legend(book, result, details):
    """字段说明: the CSV column of each 明细 header and the code of each name, for whoever uses the CSV or JSON."""
    sheet = SheetWriter(book, "字段说明", (22, 22, 70))
    sheet.header(["明细中的列名", "CSV / JSON 中的列名", "含义"])
    for header, column, meaning in details.legend:
        sheet.append([header, column, meaning], wrap_cols={2})
    if details.columns and not details.legend:
        sheet.append(["（明细各列即输入的列）", "", ""])
    sheet.filter(1, max(sheet.row, 2), 3)
    sheet.blank()
    sheet.title("名称与代码")
    sheet.header(["名称", "代码", "类别"])
    for code, name in result.category_names.items():
        sheet.append([name, code, "痛点"])
    for key in SENTIMENT_KEYS:
        sheet.append([SENTIMENT_NAMES[key], key, "情感"])
    for key, name in FLAG_NAMES.items():
        sheet.append([name, key, "无效原因"])


def write_workbook(result, path, details=None, *, progress=None, name=None):
    """Write the analysis (and, if given, the rows of 明细) as an xlsx file at ``path``.

    ``details`` is a ``textmine.io.cells.DetailRows`` (``AnalysisRun.details()``
    gives the annotated comments as a reader sees them); ``progress(rows)`` is
    told of the 明细 rows as they are written. ``name``: the file to name in
    errors, when ``path`` is a temporary file standing in for it.
        >>> write_workbook(run.result, "report.xlsx", details=DetailRows(["意见"], [["网速慢"]]))
    """
    details = details if details is not None else DetailRows([], [])
    name = path if name is None else name
    try:
        # Opened first, so an unwritable path fails before any work (and leaves no temp sheets behind).
        handle = open(path, "wb")
    except OSError as exc:
        raise OutputError(f"{name}: cannot write the workbook: {exc.strerror or exc}") from exc
    with handle:
        book = Workbook(write_only=True)
        try:
            for write in (_write_overview, _write_categories, _write_sentiment, _write_segments, write_trends,
                          write_effects, _write_drivers, write_kano, _write_topics, _write_verbatims):
                write(book, result)
            sheet, rows, left_out = _write_details(book, details, progress)
            _write_legend(book, result, details)
            save_with_rows(book, sheet, rows, handle)
        except BaseException as exc:
            discard_workbook(book)  # no "Exception ignored" from openpyxl's half-written sheets
            if isinstance(exc, OSError):  # a full disk, for the rows' temporary file or the workbook
                raise OutputError(f"{name}: cannot write the workbook: {exc.strerror or exc}") from exc
            raise
    return left_out
