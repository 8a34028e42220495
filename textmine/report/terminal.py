"""The summary shown in the terminal: overview, top pain points, short boards, alerts, drivers.

With ``plain=True`` (or when writing to a file or pipe) the same content is
written as plain text lines, one fact a line, that grep and diff can read.

    >>> render_summary(result)                        # rich tables on the terminal
    >>> render_summary(result, sys.stdout, plain=True)
"""

import sys

SENTIMENT_NAMES = {"pos": "正面", "neu": "中性", "neg": "负面"}
TOP_CATEGORIES = 10


def _number(value, fmt="{:.2f}"):
    return "-" if value is None else fmt.format(value)


def _short_boards(result):
    """(column, entry) for every segment value with a short board, most significant first."""
    found = [(column, e) for column, entries in result.segments.items() for e in entries if e["short_board"]]
    return sorted(found, key=lambda item: (item[1]["p_value"], item[0], str(item[1]["value"])))


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


def summary_lines(result):
    """The summary as plain text lines (what ``plain=True`` prints).

        >>> summary_lines(result)[0]
        '概览：读取 2000 行，分析 1850 行，...'
    """
    lines = ["概览：" + _overview_line(result), "", "主要痛点（提及数 / 占比 / 负面占比）："]
    top = [c for c in result.categories if c["count"]][:TOP_CATEGORIES]
    lines += [f"  {c['name']}: {c['count']} / {c['share']:.1%} / {c['negative_share']:.1%}" for c in top]
    if not top:
        lines.append("  （无）")
    lines += ["", "客群短板："]
    boards = _short_boards(result)
    lines += [f"  {column}={e['value']}: {result.category_name(e['short_board'])}"
              f"（组内 {e['share_in_group']:.1%}，其余 {e['share_elsewhere']:.1%}，p={e['p_value']:.2g}）"
              for column, e in boards]
    if not boards:
        lines.append("  （无显著短板）")
    lines += ["", "预警："]
    lines += [f"  {a['name']} {a['period']}: {a['count']} 条，预期 {a['expected']:.1f}，"
              f"{a['ratio']:.1f} 倍，p={a['p_value']:.2g}" for a in result.alerts]
    if not result.alerts:
        lines.append("  （无）")
    lines += ["", "拉低满意度的痛点（若这些评论与其余同分，平均分可提高）："]
    lines += [f"  {d['name']}: {d['impact']:+.2f}（有 {d['mean_with']:.2f} / 无 {d['mean_without']:.2f}，"
              f"占 {d['share']:.1%}）" for d in result.drivers[:5]]
    if not result.drivers:
        lines.append("  （评分不足）")
    lines += effect_lines(result)
    if result.topics:
        lines += ["", "主题："]
        lines += [f"  #{t.get('id')} {t.get('label')}（{t.get('size')} 条）: {_words(t)}" for t in result.topics]
    return lines


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
    lines += ["", "候选新痛点（未被任何类别覆盖的评论中的主题）："]
    if not new:
        lines.append("  （无：未分类评论太少或没有成形的主题）")
    for topic in new:
        lines.append(f"  #{topic['id']} {topic['label']}  {topic['size']} 条  词：{_words(topic, 8)}")
        lines += [f"    例：{example}" for example in topic.get("examples", [])[:3]]
    return lines


def render_summary(result, console=None, plain=False):
    """Write the summary to ``console`` (a rich Console or a text file; default stdout).

    Returns nothing: this is output, not data (use ``to_json_summary`` for data).
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
    _render_rich(result, console)


def _render_rich(result, console):
    from rich.table import Table

    console.print(f"[bold]概览[/bold]  {_escape(_overview_line(result))}")
    table = Table(title="主要痛点", title_justify="left")
    for header, justify in (("痛点", "left"), ("提及数", "right"), ("占比", "right"), ("负面占比", "right"),
                            ("有/无此痛点均分", "right")):
        table.add_column(header, justify=justify)
    for c in [c for c in result.categories if c["count"]][:TOP_CATEGORIES]:
        _add_row(table, c["name"], str(c["count"]), f"{c['share']:.1%}", f"{c['negative_share']:.1%}",
                      f"{_number(c['avg_score_with'])} / {_number(c['avg_score_without'])}")
    console.print(table)

    boards = _short_boards(result)
    if boards:
        table = Table(title="客群短板", title_justify="left")
        for header in ("分群", "取值", "条数", "短板", "组内 / 其余", "p 值"):
            table.add_column(header)
        for column, e in boards:
            _add_row(table, column, e["value"], str(e["rows"]), result.category_name(e["short_board"]),
                          f"{e['share_in_group']:.1%} / {e['share_elsewhere']:.1%}", f"{e['p_value']:.2g}")
        console.print(table)
    else:
        console.print("客群短板：无显著短板")

    if result.alerts:
        table = Table(title="预警", title_justify="left", style="red")
        for header in ("痛点", "期间", "提及数", "预期", "倍数", "p 值"):
            table.add_column(header)
        for a in result.alerts:
            _add_row(table, a["name"], a["period"], str(a["count"]), f"{a['expected']:.1f}", f"{a['ratio']:.1f}",
                          f"{a['p_value']:.2g}")
        console.print(table)
    else:
        console.print("预警：无")

    if result.drivers:
        table = Table(title="拉低满意度的痛点", title_justify="left")
        for header in ("痛点", "拖累（分）", "有此痛点均分", "无此痛点均分", "占比"):
            table.add_column(header)
        for d in result.drivers[:5]:
            _add_row(table, d["name"], f"{d['impact']:+.2f}", f"{d['mean_with']:.2f}", f"{d['mean_without']:.2f}",
                          f"{d['share']:.1%}")
        console.print(table)
    for line in effect_lines(result):
        console.print(_escape(line))


def _add_row(table, *cells):
    # Names and segment values come from the input: '[...]' must print as is, not as markup.
    table.add_row(*(_escape(str(cell)) for cell in cells))


def _escape(text):
    from rich.markup import escape

    return escape(text)
