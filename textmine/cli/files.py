"""The commands over files: ``annotate``, ``analyze`` (also over a history store) and ``topics``."""

import sys

import click

from textmine.cli._group import (
    EXIT_ALERT, TopicsType, check_stdin_once, cli, input_options, make_options, resolve_jobs, seed_option, store_file,
    topic_engine_option)
from textmine.io.outputs import OutputPath, check_outputs, dated_path, rows_format
from textmine.report.progress import Progress, report_rows


@cli.command()
@input_options
# A folder is allowed here: a Parquet output past a million rows is a folder of parts,
# which the next run replaces (check_outputs refuses any other folder).
@click.option("--output", "-o", default="-", show_default=True, type=click.Path(allow_dash=True),
              help="Output file (.csv, .tsv, .jsonl, .xlsx, .parquet; {date} allowed) or - for stdout.")
@click.option("--format", "output_format", type=click.Choice(["csv", "tsv", "jsonl", "xlsx", "parquet"]),
              help="Output format (default: from the suffix; CSV on stdout).")
@click.option("--bom/--no-bom", default=None,
              help="Start CSV/TSV with a UTF-8 BOM, which Excel needs to read Chinese "
                   "(default: in files, not on stdout).")
@click.option("--tokens", is_flag=True, help="Add a tokens column (space-separated words).")
@click.option("--no-excel-escape", is_flag=True,
              help="Do not prefix formula-like cells with ' in CSV files (for pipelines).")
@click.option("--topics", "topics", default=None, type=TopicsType(),
              help="Add a topic column: auto (number chosen by coherence) or a number. Reads the input twice.")
@seed_option
@topic_engine_option
def annotate(inputs, output, output_format, bom, no_excel_escape, topics, seed, topic_engine, jobs, quiet,
             **kwargs):
    """Write every input row back with sentiment, pain points and flags.

    Reads CSV, TSV, XLSX or JSONL files (or - for stdin) in any encoding an
    export uses, finds the text column, and streams the rows out with the
    columns sentiment_score, sentiment, categories, evidence, aspects,
    duplicate_of and flag added. Personal data is masked unless --no-mask.

    \b
    Example:
        textmine annotate survey_export.csv -o annotated.csv
        cat replies.csv | textmine annotate - --text-column 回复内容 --bom > for_excel.csv
    """
    from textmine.pipeline import annotate_files, parse_topics_option

    check_stdin_once(inputs)
    output = dated_path(output)
    output_format = rows_format(output, output_format)
    check_outputs(inputs, [OutputPath("-o", output, output_format)])
    read_options, language = make_options(kwargs)
    writing = dict(output_format=output_format, excel_escape=not no_excel_escape, bom=bom, jobs=resolve_jobs(jobs),
                   scheduler=kwargs["scheduler"], stdin=sys.stdin.buffer, stdout=sys.stdout)
    with Progress(quiet) as progress:
        if topics is not None and parse_topics_option(topics) is not None:
            # Imported here: the topic stage loads gensim, which plain annotate never needs.
            from textmine.pipeline import annotate_with_topics

            result = annotate_with_topics(inputs, output, topics, seed=seed, topic_engine=topic_engine,
                                          read_options=read_options, language=language, progress=progress,
                                          **writing)
        else:
            result = annotate_files(inputs, output, read_options=read_options, options=language,
                                    progress=progress, **writing)
    report_rows(result, quiet)


def analysis_options(command):
    """Options shared by analyze and topics."""
    options = [
        click.option("--topics", "topics", default="auto", show_default=True, type=TopicsType(),
                     help="Number of topics: auto (chosen by coherence), a number, or off."),
        seed_option,
        topic_engine_option,
        click.option("--topics-html", type=click.Path(dir_okay=False),
                     help="Write an interactive topic map (one HTML file, works offline; {date} allowed)."),
        click.option("--json", "json_path", type=click.Path(dir_okay=False, allow_dash=True),
                     help="Write the JSON summary here ({date} allowed; - for stdout)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def analysis_outputs(inputs, topics, outputs, store=None):
    """The outputs (``OutputPath``s) of analyze or topics, dated and checked before any work.

    ``store``: the ``--store`` given, which no output may replace. Returns {option: path or None}.
    """
    from textmine.pipeline import parse_topics_option

    check_stdin_once(inputs)
    paths = {output.option: dated_path(output.path) for output in outputs}
    if paths.get("--topics-html") and parse_topics_option(topics) is None:
        raise click.UsageError("--topics-html needs topics: leave out --topics off")
    check_outputs(inputs, [OutputPath(output.option, paths[output.option], output.format) for output in outputs],
                  store=store_file(store))
    return paths


def write_topics_html(run, path):
    """The topic map of a run, from the fitted model and the topics as reported."""
    from textmine.report.topic_map import write_topic_map

    model = run.topic_model
    write_topic_map(path, model.topic_word_ if model is not None else [], run.topics)


def run_analysis(inputs, kwargs, analyze_options, jobs, quiet):
    from textmine.pipeline.analyze import analyze_files

    read_options, language = make_options(kwargs)
    with Progress(quiet) as progress:
        return analyze_files(inputs, analyze_options, read_options=read_options, language=language,
                             jobs=resolve_jobs(jobs), scheduler=kwargs["scheduler"], progress=progress,
                             stdin=sys.stdin.buffer)


def history_options(command):
    """analyze over a history store (textmine.store): the options besides --measure."""
    options = [
        click.option("--store", help="History store: a SQLite file (made on first use) or postgresql://...; "
                                     "INPUTs are ingested first, then the report covers the stored history."),
        click.option("--since", help="With --store: only comments dated on or after this day."),
        click.option("--until", help="With --store: only comments dated on or before this day."),
        click.option("--id-column", help="With --store: the column that identifies a row across exports."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@cli.command()
@lambda command: input_options(command, inputs_required=False)  # none with --store: the stored history
@analysis_options
@click.option("--output", "-o", type=click.Path(dir_okay=False),
              help="Excel workbook to write (.xlsx; {date} allowed, e.g. report-{date}.xlsx).")
@click.option("--segment-column", "segment_columns", multiple=True,
              help="Customer-group column to compare (repeatable; default: detected).")
@click.option("--bins", multiple=True, callback=lambda ctx, param, values: _bins(values), metavar="COLUMN=EDGES",
              help="Value bands of a numeric group column, e.g. 月ARPU=0,50,100,200,500 (default: from quantiles).")
@click.option("--date-column", help="Date column for trends (default: detected).")
@click.option("--score-column", help="Satisfaction / NPS score column, 0-10 or 1-5 (default: detected).")
@click.option("--period", type=click.Choice(["auto", "week", "month"]), default="auto", show_default=True,
              help="Period the alerts compare: auto is week when the dates span up to half a year "
                   "(183 days), month beyond.")
@click.option("--include-duplicates", is_flag=True, help="Count duplicate comments in the analyses.")
@click.option("--fail-on-alert", is_flag=True, help="Exit with status 3 when an alert fires (for cron).")
@click.option("--full", is_flag=True, help="Show every row of the terminal summary (default: the top rows).")
@click.option("--measure", "measures", multiple=True, metavar="CATEGORY[:COLUMN=VALUE]:DATE",
              help="Effect of a measure taken on DATE: the category's share and negative share before and "
                   "after, with a significance test (repeatable). CATEGORY is its code, as in the JSON "
                   "summary, or its name; e.g. CODE:2026-10-01 or CODE:地市=佛山:2026-10-01.")
@click.option("--reasons", multiple=True, metavar="COLUMN=VALUE:CATEGORY",
              help="What a customer group says about a category, short board or not: its distinctive words "
                   "with scores and two masked comments (repeatable; CATEGORY is its code, as in the JSON "
                   "summary, or its name), e.g. 年龄段=60以上:CODE.")
@history_options
def analyze(inputs, output, json_path, segment_columns, bins, date_column, score_column, period, topics, seed,
            topic_engine, topics_html, include_duplicates, fail_on_alert, full, jobs, quiet, **kwargs):
    """The report: pain points, short boards, trends, alerts, drivers, topics.

    Writes an Excel workbook with native charts (-o), a JSON summary for
    scripts (--json), and a summary on the terminal. Date, score and segment
    columns are detected when not given. Alerts compare the last week (the
    last month when the dates span more than half a year; see --period).

    \b
    Example:
        textmine analyze survey_export.csv -o report-{date}.xlsx --json summary.json
        textmine analyze orders.xlsx --segment-column 地市 --period week --fail-on-alert
        textmine analyze week47.csv --store history.sqlite --period week --fail-on-alert
        textmine analyze --store history.sqlite --since 2026-01-01 --measure CODE:2026-10-01
        textmine analyze survey_export.csv --reasons 年龄段=60以上:CODE
    """
    from textmine.io.write import write_json_summary
    from textmine.pipeline.analyze import AnalyzeOptions
    from textmine.report.terminal import render_summary

    paths = analysis_outputs(inputs, topics, [OutputPath("-o", output, "xlsx"), OutputPath("--json", json_path, "json"),
                                              OutputPath("--topics-html", topics_html, "html")], kwargs.get("store"))
    history = {key: kwargs.pop(key) for key in ("store", "since", "until", "id_column")}
    options = AnalyzeOptions(segment_columns=tuple(segment_columns), bins=bins, date_column=date_column,
                             score_column=score_column, period=period, topics=topics, seed=seed,
                             topic_engine=topic_engine, include_duplicates=include_duplicates,
                             measures=tuple(kwargs.pop("measures")), reasons=tuple(kwargs.pop("reasons")))
    if history["store"]:
        from textmine.cli.store import run_store_analysis

        run = run_store_analysis(inputs, kwargs, options, history, jobs, quiet)
    elif not inputs or any(history.values()):
        raise click.UsageError("Missing argument 'INPUTS...' (or give --store)" if not inputs
                               else "--since, --until and --id-column need --store")
    else:
        run = run_analysis(inputs, kwargs, options, jobs, quiet)
    try:
        if paths["-o"]:
            from textmine.report.excel import write_workbook
            from textmine.io.write import atomic_path

            details = run.details()
            with atomic_path(paths["-o"]) as temporary, Progress(quiet, "workbook", details.count) as progress:
                left_out = write_workbook(run.result, temporary, details=details, progress=progress,
                                          name=paths["-o"])
            from textmine.pipeline.annotate import note_columns_left_out

            note_columns_left_out(run.accounting, paths["-o"], left_out)
        if paths["--json"]:
            write_json_summary(run.summary, paths["--json"], stdout=sys.stdout)
        if paths["--topics-html"]:
            write_topics_html(run, paths["--topics-html"])
    finally:
        run.close()
    if not quiet and json_path != "-":
        render_summary(run.result, plain=not sys.stdout.isatty(), full=full)
    report_rows(run.accounting, quiet)
    if fail_on_alert and run.result.alerts:
        click.echo(f"textmine: {len(run.result.alerts)} alert(s) fired", err=True)
        sys.exit(EXIT_ALERT)


@cli.command()
@input_options
@analysis_options
def topics(inputs, json_path, topics, seed, topic_engine, topics_html, jobs, quiet, **kwargs):
    """Topics of the comments, with the number of topics chosen by coherence.

    Prints the coherence curve, each topic's label, words, size, share of
    negative comments, the pain point it overlaps most and typical comments
    (masked), then candidate new pain points: topics of the negative comments
    that no category covers.

    \b
    Example:
        textmine topics survey_export.csv
        textmine topics orders.xlsx --topics 8 --seed 1 --json topics.json
        textmine topics survey_export.csv --topic-engine lda --topics-html map.html
    """
    from textmine.io.write import write_json_summary
    from textmine.pipeline.analyze import AnalyzeOptions
    from textmine.report.terminal import topic_lines

    paths = analysis_outputs(inputs, topics, [OutputPath("--json", json_path, "json"),
                                              OutputPath("--topics-html", topics_html, "html")])
    options = AnalyzeOptions(topics=topics, seed=seed, topic_engine=topic_engine, aggregate=False)
    run = run_analysis(inputs, kwargs, options, jobs, quiet)
    run.close()
    if paths["--topics-html"]:
        write_topics_html(run, paths["--topics-html"])
    if paths["--json"]:
        keys = ("topic_model", "topics", "new_topics", "rows")
        write_json_summary({key: run.summary.get(key) for key in keys}, paths["--json"], stdout=sys.stdout)
    if not quiet and json_path != "-":
        for line in topic_lines(run.summary, run.topics):
            click.echo(line)
    report_rows(run.accounting, quiet)


def _bins(values):
    """``("月ARPU=0,50,100",)`` -> ``(("月ARPU", "0,50,100"),)``; a usage error for anything else."""
    parsed = []
    for value in values:
        column, sep, edges = value.partition("=")
        if not sep or not column.strip() or not edges.strip():
            raise click.BadParameter(f"expected COLUMN=EDGES such as 月ARPU=0,50,100, not {value!r}",
                                     param_hint="--bins")
        parsed.append((column.strip(), edges.strip()))
    return tuple(parsed)
