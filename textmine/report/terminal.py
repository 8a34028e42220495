"""The summary shown in the terminal: overview, top pain points, short boards, alerts, drivers, topics.

With ``plain=True`` (or when writing to a file or pipe) the same content is
written as plain text lines, one fact a line, that grep and diff can read.
On a terminal the same sections are rich tables, each cut to its top rows so
that the summary fits a screen (about 50 lines); ``full=True`` shows every row.

    >>> render_summary(result)                        # rich tables on the terminal
    >>> render_summary(result, sys.stdout, plain=True)
"""

import sys

SENTIMENT_NAMES = {"pos": "正面", "neu": "中性", "neg": "负面"}
TOP_DRIVERS = 5
# Rows of each rich table on a terminal (without --full): the summary of 20k comments fits 50 lines.
SCREEN_ROWS = {"categories": 8, "boards": 5, "alerts": 5, "drivers": 5, "topics": 6, "kano": 6}
TOPIC_WORDS_SHOWN = 6


def _number(value, fmt="{:.2f}"):
    return "-" if value is None else fmt.format(value)


def _short_boards(result):
    """(column, entry) for every segment value with a short board, most significant first."""
    found = [(column, e) for column, entries in result.segments.items() for e in entries if e["short_board"]]
    return sorted(found, key=lambda item: (item[1]["p_adjusted"], item[1]["p_value"], item[0], str(item[1]["value"])))


def _tests_note(result):
    """How the short boards were tested: '共 120 次检验，Benjamini-Hochberg 校正，错误发现率 5%'."""
    fdr = result.fdr or {}
    if not fdr.get("tests"):
        return "未做检验：无分群字段或各组负面评论太少"
    return f"共 {fdr['tests']} 次检验：分群取值 × 痛点，Benjamini-Hochberg 校正，错误发现率 {fdr['level']:.0%}"


def _overview_line(result):
    rows, overview = result.rows, result.overview
    parts = [f"读取 {rows['read']} 行", f"分析 {rows['analyzed']} 行"]
    if rows["skipped"]:
        parts.append(f"跳过 {rows['skipped']} 行")
    if overview["duplicates"]:
        parts.append(f"重复 {overview['duplicates']} 行")
    if overview["flagged"]:
        parts.append(f"无效 {overview['flagged']} 行")
    share = overview["sentiment_share"]
    parts.append("情感 " + " / ".join(f"{SENTIMENT_NAMES[k]} {share[k]:.1%}" for k in ("pos", "neu", "neg")))
    if overview["average_score"] is not None:
        parts.append(f"平均分 {overview['average_score']:.2f}（{overview['score_scale']}）")
    if overview["nps"] is not None:
        parts.append(f"NPS {overview['nps']:+.1f}")
    return "，".join(parts)


def _drivers_heading(result):
    """The drivers' heading; without a score column it says the means are of the sentiment score."""
    heading = "拉低满意度的痛点（若这些评论与其余同分，平均分可提高"
    if result.drivers and result.drivers[0].get("basis") == "sentiment":
        heading += "；无评分列，按情感得分×10 计"
    return heading + "）"


def _period_note(result):
    """'按周比较最后一期，日期 2026-06-01 ~ 2026-11-22' (the period --period auto chose, and why)."""
    period = result.period or {}
    unit = {"week": "周", "month": "月"}.get(period.get("granularity"), "月")
    if not period.get("first_date"):
        return f"按{unit}，无日期"
    return f"按{unit}比较最后一期，日期 {period['first_date']} ~ {period['last_date']}"


def _partial_note(alert):
    if not alert.get("partial"):
        return ""
    return f"（不完整的一期：{alert['days_covered']}/{alert['days_in_period']} 天，按本期评论数比较）"


def summary_lines(result):
    """The summary as plain text lines (what ``plain=True`` prints).

        >>> summary_lines(result)[0]
        '概览：读取 2000 行，分析 1850 行，...'
    """
    lines = ["概览：" + _overview_line(result), "", "主要痛点（提及数 / 占比 / 负面占比）："]
    top = [c for c in result.categories if c["count"]]  # every one: piped, the summary is whole
    lines += [f"  {c['name']}: {c['count']} / {c['share']:.1%} / {c['negative_share']:.1%}" for c in top]
    if not top:
        lines.append("  （无）")
    lines += ["", f"客群短板（{_tests_note(result)}）："]
    boards = _short_boards(result)
    for column, e in boards:
        lines.append(f"  {column}={e['value']}: {result.category_name(e['short_board'])}"
                     f"（组内 {e['share_in_group']:.1%}，其余 {e['share_elsewhere']:.1%}，"
                     f"p={e['p_value']:.2g}，校正后 p={e['p_adjusted']:.2g}）")
        if e.get("short_board_reasons"):
            lines.append(f"    该群体特有的说法：{_reasons(e)}")
    if not boards:
        lines.append("  （无显著短板）")
    lines += requested_reason_lines(result)
    lines += ["", f"预警（{_period_note(result)}）："]
    lines += [f"  {a['name']} {a['period']}: {a['count']} 条，预期 {a['expected']:.1f}，"
              f"{a['ratio']:.1f} 倍，p={a['p_value']:.2g}{_partial_note(a)}" for a in result.alerts]
    if not result.alerts:
        lines.append("  （无）")
    lines += ["", f"{_drivers_heading(result)}："]
    lines += [f"  {d['name']}: {d['impact']:+.2f}（有 {d['mean_with']:.2f} / 无 {d['mean_without']:.2f}，"
              f"占 {d['share']:.1%}）" for d in result.drivers[:TOP_DRIVERS]]
    if not result.drivers:
        lines.append("  （评分不足）")
    lines += ["", "KANO 分类（惩罚-奖励对比分析：负面提及对评分的拉低 / 正面提及的提升）："]
    lines += [f"  {_kano_line(entry)}" for entry in result.kano]
    if not result.kano:
        lines.append("  （评分不足）")
    lines += effect_lines(result)
    if result.topics:
        lines += ["", "主题："]
        lines += [f"  #{t.get('id')} {t.get('label')}（{t.get('size')} 条）: {_words(t)}" for t in result.topics]
    return lines


KANO_NAMES = {"must-be": "必备型", "one-dimensional": "期望型", "attractive": "魅力型",
              "indifferent": "无差异型", "insufficient": "数据不足"}


def _reasons(entry, count=5):
    """``老人 (3.3, 23 条)、排队 (2.9, 12 条)``: a short board's distinctive terms."""
    return "、".join(f"{r['term']}（{r['score']:.1f}，{r['count']} 条）" for r in entry["short_board_reasons"][:count])


def requested_reason_lines(result):
    """``--reasons``: what each group asked for says about its category, one line each."""
    if not getattr(result, "reasons", None):
        return []
    lines = ["", "指定客群的说法（--reasons；词（得分，条数））："]
    for r in result.reasons:
        board = "，是该群体的短板" if r["short_board"] else ""
        terms = "、".join(f"{t['term']}（{t['score']:.1f}，{t['count']} 条）" for t in r["terms"]) or "无突出的说法"
        lines.append(f"  {r['column']}={r['value']} · {r['name']}（{r['rows']} 条中提及 {r['mentions']} 条，"
                     f"负面 {r['negative']} 条{board}）：{terms}")
    return lines


def _kano_line(entry):
    def effect(key):
        return "-" if entry[key] is None else f"{entry[key]:+.2f}"
    return (f"{entry['name']}: {KANO_NAMES.get(entry['class'], entry['class'])}"
            f"（拉低 {effect('penalty')}，提升 {effect('reward')}；负面 {entry['n_neg']} 条，正面 {entry['n_pos']} 条）")
def effect_lines(result):
    """整改效果 (``--measure``): each measure's share before and after, and the test's verdict."""
    effects = getattr(result, "effects", None)
    if not effects:
        return []
    verdicts = {"fell": "显著下降", "rose": "显著上升", "no significant change": "无显著变化",
                "not enough data": "数据不足"}
    lines = ["", "整改效果（措施日期前 → 后：提及占比，负面占比）："]
    for e in effects:
        before, after = e["before"], e["after"]
        where = f" {e['segment']['column']}={e['segment']['value']}" if e["segment"] else ""
        lines.append(f"  {e['name']}{where} {e['date']}: {_number(before['share'], '{:.1%}')} → "
                     f"{_number(after['share'], '{:.1%}')}（p={_number(e['share_p_value'], '{:.2g}')}，"
                     f"{verdicts.get(e['verdict'], e['verdict'])}），负面 "
                     f"{_number(before['negative_share'], '{:.1%}')} → {_number(after['negative_share'], '{:.1%}')}")
    return lines


def _words(topic, count=8):
    """Top words of a topic, whether given as words or as (word, weight) pairs."""
    words = [word[0] if isinstance(word, (list, tuple)) else word for word in topic.get("words", [])]
    return " ".join(map(str, words[:count]))


def _top_category(topic):
    """The name of the pain point a topic overlaps most (its code when the topic has no name for it)."""
    return topic.get("top_category_name") or topic["top_category"]


def topic_lines(summary, topics):
    """The ``topics`` command's report as plain lines: curve, topics, candidate new pain points.

        >>> topic_lines(run.summary, run.result.topics)[0]
        '主题数：6（按 NPMI 一致性自动选择）'
    """
    model = summary.get("topic_model")
    if not model:
        return ["主题：评论太少，无法建模（至少需要 10 条有效评论）"]
    curve = model.get("coherence_curve") or []
    how = "按 NPMI 一致性自动选择" if len(curve) > 1 else "指定"
    lines = [f"主题数：{model['n_topics']}（{how}）"]
    if len(curve) > 1:
        lines.append("一致性曲线（k: NPMI）：" + "  ".join(f"{k}: {score:.3f}" for k, score in curve))
    for topic in topics:
        share = topic.get("negative_share")
        lines += ["", f"#{topic['id']} {topic['label']}  {topic['size']} 条"
                      + (f"，负面 {share:.0%}" if share is not None else "")
                      + (f"，最接近痛点 {_top_category(topic)}（重合 {topic['category_overlap']:.0%}）"
                         if topic.get("top_category") else ""),
                  "  词：" + _words(topic, 10)]
        lines += [f"  例：{example}" for example in topic.get("examples", [])[:5]]
    new = summary.get("new_topics") or []
    lines += ["", "候选新痛点（未被任何类别覆盖、非表扬的评论中的主题，负面占比高的在前）："]
    if not new:
        lines.append("  （无：未分类的非表扬评论太少或没有成形的主题）")
    for topic in new:
        share = topic.get("negative_share")
        negative = f"，负面 {share:.0%}" if share is not None else ""
        lines.append(f"  #{topic['id']} {topic['label']}  {topic['size']} 条{negative}  词：{_words(topic, 8)}")
        lines += [f"    例：{example}" for example in topic.get("examples", [])[:3]]
    return lines


def render_summary(result, console=None, plain=False, full=False):
    """Write the summary to ``console`` (a rich Console or a text file; default stdout).

    Returns nothing: this is output, not data (use ``to_json_summary`` for data).
    On a rich console each section shows its top rows unless ``full``.
        >>> from rich.console import Console
        >>> render_summary(result, Console(), plain=False)
    """
    if plain or (console is not None and not hasattr(console, "print")):
        stream = getattr(console, "file", None) or console or sys.stdout
        for line in summary_lines(result):
            stream.write(line + "\n")
        return
    from rich.console import Console

    console = console or Console()
    _render_rich(result, console, full)


def _table(title, headers, rows, limit, *, full=False, style=None):
    """A compact rich table of the first ``limit`` rows (all with ``full``), saying how many are left out."""
    from rich import box
    from rich.table import Table

    table = Table(title=title, title_justify="left", title_style="bold", box=box.SIMPLE_HEAD, show_edge=False,
                  padding=(0, 1), style=style, caption_justify="left")
    for header, justify in headers:
        table.add_column(header, justify=justify)
    shown = rows if full else rows[:limit]
    for row in shown:
        table.add_row(*(_escape(str(cell)) for cell in row))
    if len(shown) < len(rows):
        table.caption = f"另有 {len(rows) - len(shown)} 项未显示（--full 显示全部）"
    return table


def _render_rich(result, console, full=False):
    console.print(f"[bold]概览[/bold]  {_escape(_overview_line(result))}")
    left, right = "left", "right"
    categories = [c for c in result.categories if c["count"]]  # _table cuts them, saying how many are left
    console.print(_table("主要痛点", [("痛点", left), ("提及数", right), ("占比", right), ("负面占比", right),
                                       ("有/无此痛点均分", right)],
                         [(c["name"], c["count"], f"{c['share']:.1%}", f"{c['negative_share']:.1%}",
                           f"{_number(c['avg_score_with'])} / {_number(c['avg_score_without'])}")
                          for c in categories], SCREEN_ROWS["categories"], full=full))

    boards = _short_boards(result)
    if boards:
        console.print(_table(f"客群短板（{_tests_note(result)}）",
                             [("分群", left), ("取值", left), ("条数", right), ("短板", left),
                              ("组内 / 其余", right), ("p 值", right), ("校正后 p", right)],
                             [(column, e["value"], e["rows"], result.category_name(e["short_board"]),
                               f"{e['share_in_group']:.1%} / {e['share_elsewhere']:.1%}", f"{e['p_value']:.2g}",
                               f"{e['p_adjusted']:.2g}")
                              for column, e in boards], SCREEN_ROWS["boards"], full=full))
    else:
        console.print(f"[bold]客群短板[/bold]：无显著短板（{_escape(_tests_note(result))}）")

    if result.alerts:
        console.print(_table(f"预警（{_period_note(result)}）",
                             [("痛点", left), ("期间", left), ("提及数", right), ("预期", right),
                              ("倍数", right), ("p 值", right)],
                             [(a["name"], a["period"] + _partial_note(a), a["count"], f"{a['expected']:.1f}",
                               f"{a['ratio']:.1f}", f"{a['p_value']:.2g}") for a in result.alerts],
                             SCREEN_ROWS["alerts"], full=full, style="red"))
    else:
        console.print(f"[bold]预警[/bold]：无（{_escape(_period_note(result))}）")

    if result.drivers:
        console.print(_table(_drivers_heading(result),
                             [("痛点", left), ("拖累（分）", right), ("有此痛点均分", right),
                              ("无此痛点均分", right), ("占比", right)],
                             [(d["name"], f"{d['impact']:+.2f}", f"{d['mean_with']:.2f}", f"{d['mean_without']:.2f}",
                               f"{d['share']:.1%}") for d in result.drivers[:TOP_DRIVERS]],
                             SCREEN_ROWS["drivers"], full=full))
    else:
        console.print("[bold]拉低满意度的痛点[/bold]：评分不足")
    reasons = [(column, e) for column, e in boards if e.get("short_board_reasons")]
    for column, e in reasons[:SCREEN_ROWS["boards"]]:
        console.print(f"  {_escape(column)}={_escape(e['value'])} 特有的说法：{_escape(_reasons(e, 3))}")
    for line in requested_reason_lines(result)[1:]:  # asked for by name: every one, without the blank line
        console.print(_escape(line))
    if result.kano:
        console.print(_table("KANO 分类", [("痛点", left), ("类别", left), ("拉低", right), ("提升", right),
                                          ("负面", right), ("正面", right)],
                             [(k["name"], KANO_NAMES.get(k["class"], k["class"]),
                               "-" if k["penalty"] is None else f"{k['penalty']:+.2f}",
                               "-" if k["reward"] is None else f"{k['reward']:+.2f}", k["n_neg"], k["n_pos"])
                              for k in result.kano], SCREEN_ROWS["kano"], full=full))
    for line in effect_lines(result):
        console.print(_escape(line))

    if result.topics:
        console.print(_table("主题", [("#", right), ("主题", left), ("条数", right), ("负面", right),
                                       ("最接近痛点", left), ("关键词", left)],
                             [(t.get("id"), t.get("label"), t.get("size"),
                               "-" if t.get("negative_share") is None else f"{t['negative_share']:.0%}",
                               t.get("top_category_name") or "", _words(t, TOPIC_WORDS_SHOWN))
                              for t in result.topics], SCREEN_ROWS["topics"], full=full))


def _escape(text):
    from rich.markup import escape

    return escape(text)
