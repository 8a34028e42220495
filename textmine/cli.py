"""The command line: option parsing and output only; the work is in the library.

Library errors (textmine.errors) become one line on stderr and exit 1; usage
errors exit 2; Ctrl-C exits 130 and leaves no partial file; an unexpected error
shows a traceback only with ``--debug``.
"""

import sys
import traceback

import click

from textmine import __version__
from textmine.errors import TextmineError
from textmine.report.progress import Progress, report_rows

EXIT_DATA_ERROR = 1
EXIT_INTERRUPTED = 130
# textmine.topics.engines.ENGINES, written out: importing it would load numpy on every start.
TOPIC_ENGINES = ("nmf", "lda")
# Options of annotate, analyze and topics alike (each use makes an option of its own).
seed_option = click.option("--seed", type=int, default=0, show_default=True, help="Seed for repeatable topics.")
topic_engine_option = click.option("--topic-engine", type=click.Choice(TOPIC_ENGINES), default="nmf",
                                   show_default=True,
                                   help="Topic model: nmf (best on short comments) or lda (gensim).")


class TextmineGroup(click.Group):
    """Turns the library's exceptions into the CLI's error contract."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except TextmineError as exc:
            raise click.ClickException(str(exc)) from exc
        except BrokenPipeError:
            # The reader of our stdout went away (| head): stop quietly, like other tools.
            _silence_stdout()
            ctx.exit(EXIT_DATA_ERROR)
        except KeyboardInterrupt:
            click.echo("textmine: interrupted; no output file was written", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            if (ctx.obj or {}).get("debug"):
                traceback.print_exc()
            raise click.ClickException(
                f"unexpected error: {type(exc).__name__}: {exc} (run with --debug for the traceback)"
            ) from exc


def _silence_stdout():
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass  # stdout is not a real file (tests)


@click.group(cls=TextmineGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="textmine")
@click.option("--debug", is_flag=True, help="Show a traceback on unexpected errors.")
@click.pass_context
def cli(ctx, debug):
    """textmine: turn Chinese telecom customer feedback into answers.

    \b
    Example:
        textmine annotate survey.csv -o annotated.csv
    """
    ctx.ensure_object(dict)["debug"] = debug


def input_options(command, inputs_required=True):
    """Options shared by every command that reads feedback."""
    options = [
        click.argument("inputs", nargs=-1, required=inputs_required,
                       type=click.Path(exists=True, dir_okay=False, allow_dash=True)),
        click.option("--text-column", "-c", help="Column holding the comments (name or 1-based number)."),
        click.option("--encoding", help="Input encoding (default: detected)."),
        click.option("--sheet", help="Worksheet of an .xlsx input (name or 1-based number)."),
        click.option("--input-format", type=click.Choice(["csv", "tsv", "xlsx", "jsonl"]),
                     help="Input format (default: from the suffix or the content)."),
        click.option("--dict", "user_dicts", multiple=True, type=click.Path(exists=True, dir_okay=False),
                     help="Extra jieba user dictionary (word freq tag), repeatable."),
        click.option("--stopwords", "stopword_files", multiple=True,
                     type=click.Path(exists=True, dir_okay=False), help="Extra stopword file, repeatable."),
        click.option("--synonyms", "synonym_files", multiple=True,
                     type=click.Path(exists=True, dir_okay=False), help="Extra synonym file, repeatable."),
        click.option("--taxonomy", "taxonomy_file", type=click.Path(exists=True, dir_okay=False),
                     help="Taxonomy file replacing the packaged one."),
        click.option("--sentiment-engine", type=click.Choice(["textmine", "snownlp"]), default="textmine",
                     show_default=True, help="snownlp keeps the old baseline for comparison."),
        click.option("--no-mask", is_flag=True, help="Keep phone, ID, card numbers and e-mails unmasked."),
        click.option("--jobs", "-j", type=click.IntRange(min=1), help="Worker processes (default: all cores)."),
        click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary line."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def make_options(kwargs):
    """Split the shared options into the library's option objects."""
    from textmine.pipeline import LanguageOptions, ReadOptions

    read_options = ReadOptions(
        text_column=kwargs.pop("text_column"), encoding=kwargs.pop("encoding"),
        sheet=kwargs.pop("sheet"), input_format=kwargs.pop("input_format"),
    )
    language = LanguageOptions(
        user_dicts=tuple(kwargs.pop("user_dicts")), stopword_files=tuple(kwargs.pop("stopword_files")),
        synonym_files=tuple(kwargs.pop("synonym_files")), taxonomy_file=kwargs.pop("taxonomy_file"),
        sentiment_engine=kwargs.pop("sentiment_engine"), mask=not kwargs.pop("no_mask"),
        tokens=kwargs.pop("tokens", False),
    )
    return read_options, language


def check_stdin_once(inputs):
    if list(inputs).count("-") > 1:
        raise click.UsageError("'-' (stdin) can be given only once")


def resolve_jobs(jobs):
    from textmine.pipeline import default_jobs

    return jobs or default_jobs()


@cli.command()
@input_options
@click.option("--output", "-o", default="-", show_default=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="Output file (.csv, .tsv, .jsonl, .xlsx) or - for stdout.")
@click.option("--format", "output_format", type=click.Choice(["csv", "tsv", "jsonl", "xlsx"]),
              help="Output format (default: from the suffix; CSV on stdout).")
@click.option("--tokens", is_flag=True, help="Add a tokens column (space-separated words).")
@click.option("--no-excel-escape", is_flag=True,
              help="Do not prefix formula-like cells with ' in CSV files (for pipelines).")
@click.option("--topics", "topics", default=None,
              help="Add a topic column: auto (number chosen by coherence) or a number. Reads the input twice.")
@seed_option
@topic_engine_option
def annotate(inputs, output, output_format, no_excel_escape, topics, seed, topic_engine, jobs, quiet,
             **kwargs):
    """Write every input row back with sentiment, pain points and flags.

    Reads CSV, TSV, XLSX or JSONL files (or - for stdin) in any encoding an
    export uses, finds the text column, and streams the rows out with the
    columns sentiment_score, sentiment, categories, evidence, aspects,
    duplicate_of and flag added. Personal data is masked unless --no-mask.

    \b
    Example:
        textmine annotate survey_export.csv -o annotated.csv
        cat replies.csv | textmine annotate - --text-column 回复内容 > out.csv
    """
    from textmine.pipeline import annotate_files, parse_topics_option

    check_stdin_once(inputs)
    read_options, language = make_options(kwargs)
    if topics is not None and parse_topics_option(topics) is not None:
        # Imported here: the topic stage loads gensim, which plain annotate never needs.
        from textmine.pipeline import annotate_with_topics

        with Progress(quiet) as progress:
            result = annotate_with_topics(
                inputs, output, topics, seed=seed, topic_engine=topic_engine,
                read_options=read_options, language=language,
                output_format=output_format, excel_escape=not no_excel_escape, jobs=resolve_jobs(jobs),
                progress=progress, stdin=click.get_binary_stream("stdin"), stdout=click.get_text_stream("stdout"),
            )
        report_rows(result, quiet)
        return
    with Progress(quiet) as progress:
        result = annotate_files(
            inputs, output, read_options=read_options, options=language, output_format=output_format,
            excel_escape=not no_excel_escape, jobs=resolve_jobs(jobs), progress=progress,
            stdin=click.get_binary_stream("stdin"), stdout=click.get_text_stream("stdout"),
        )
    report_rows(result, quiet)


def load_config(ctx, _param, path):
    """Read defaults for the command's options from a TOML file (eager: before the others).

    Keys are option names with underscores (``segment_column = ["地区类型"]``), at the
    top level or under a table named after the command (``[analyze]``).
    """
    if path is None:
        return None
    import tomllib

    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise click.BadParameter(f"cannot read {path}: {exc}", ctx=ctx, param=_param) from exc
    section = data.get(ctx.info_name, {})
    defaults = {key.replace("-", "_"): value for key, value in data.items() if not isinstance(value, dict)}
    defaults.update({key.replace("-", "_"): value for key, value in section.items()})
    known = {param.name for param in ctx.command.params}
    unknown = sorted(set(defaults) - known)
    if unknown:
        raise click.BadParameter(f"unknown setting(s) in {path}: {', '.join(unknown)}", ctx=ctx, param=_param)
    ctx.default_map = {**(ctx.default_map or {}), **defaults}
    return path


def dated(path):
    """Replace ``{date}`` in an output path with today's date, for cron jobs."""
    if path is None or "{date}" not in path:
        return path
    import datetime

    return path.replace("{date}", datetime.date.today().isoformat())


def analysis_options(command):
    """Options shared by analyze and topics."""
    options = [
        click.option("--config", type=click.Path(exists=True, dir_okay=False), callback=load_config,
                     is_eager=True, expose_value=False, help="TOML file with defaults for these options."),
        click.option("--topics", "topics", default="auto", show_default=True,
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


def write_json(summary, path):
    import json

    from textmine.io.write import atomic_path

    text = json.dumps(summary, ensure_ascii=False, indent=2, default=str) + "\n"
    if path == "-":
        click.echo(text, nl=False)
        return
    with atomic_path(path) as temporary:
        temporary.write_text(text, encoding="utf-8")


def check_topics_html(topics_html, topics):
    from textmine.pipeline import parse_topics_option

    if topics_html and parse_topics_option(topics) is None:
        raise click.UsageError("--topics-html needs topics: leave out --topics off")


def write_topics_html(run, path):
    """The topic map of a run, from the fitted model and the topics as reported."""
    from textmine.report.topic_map import write_topic_map

    model = run.topic_model
    write_topic_map(dated(path), model.topic_word_ if model is not None else [], run.topics)


def run_analysis(inputs, kwargs, analyze_options, jobs, quiet):
    from textmine.pipeline.analyze import analyze_files

    check_stdin_once(inputs)
    read_options, language = make_options(kwargs)
    with Progress(quiet) as progress:
        return analyze_files(inputs, analyze_options, read_options=read_options, language=language,
                             jobs=resolve_jobs(jobs), progress=progress, stdin=click.get_binary_stream("stdin"))


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
              help="Excel workbook to write ({date} allowed, e.g. report-{date}.xlsx).")
@click.option("--segment-column", "segment_columns", multiple=True,
              help="Customer-group column to compare (repeatable; default: detected).")
@click.option("--date-column", help="Date column for trends (default: detected).")
@click.option("--score-column", help="Satisfaction / NPS score column, 0-10 or 1-5 (default: detected).")
@click.option("--period", type=click.Choice(["week", "month"]), default="month", show_default=True,
              help="Period of the trend alerts.")
@click.option("--include-duplicates", is_flag=True, help="Count duplicate comments in the analyses.")
@click.option("--fail-on-alert", is_flag=True, help="Exit with status 3 when an alert fires (for cron).")
@click.option("--measure", "measures", multiple=True, metavar="CATEGORY[:COLUMN=VALUE]:DATE",
              help="Effect of a measure taken on DATE: the category's share and negative share before and "
                   "after, with a significance test (repeatable), e.g. billing:2026-10-01.")
@history_options
def analyze(inputs, output, json_path, segment_columns, date_column, score_column, period, topics, seed,
            topic_engine, topics_html, include_duplicates, fail_on_alert, jobs, quiet, **kwargs):
    """The weekly report: pain points, short boards, trends, alerts, drivers, topics.

    Writes an Excel workbook with native charts (-o), a JSON summary for
    scripts (--json), and a summary on the terminal. Date, score and segment
    columns are detected when not given.

    \b
    Example:
        textmine analyze survey_export.csv -o report-{date}.xlsx --json summary.json
        textmine analyze orders.xlsx --segment-column 地市 --period week --fail-on-alert
        textmine analyze week47.csv --store history.sqlite --period week --fail-on-alert
        textmine analyze --store history.sqlite --since 2026-01-01 --measure billing:2026-10-01
    """
    from textmine.pipeline.analyze import AnalyzeOptions
    from textmine.report.terminal import render_summary

    check_topics_html(topics_html, topics)
    history = {key: kwargs.pop(key) for key in ("store", "since", "until", "id_column")}
    options = AnalyzeOptions(segment_columns=tuple(segment_columns), date_column=date_column,
                             score_column=score_column, period=period, topics=topics, seed=seed,
                             topic_engine=topic_engine, include_duplicates=include_duplicates,
                             measures=tuple(kwargs.pop("measures")))
    if history["store"]:
        from textmine.cli_store import run_store_analysis

        run = run_store_analysis(inputs, kwargs, options, history, jobs, quiet)
    elif not inputs or any(history.values()):
        raise click.UsageError("Missing argument 'INPUTS...' (or give --store)" if not inputs
                               else "--since, --until and --id-column need --store")
    else:
        run = run_analysis(inputs, kwargs, options, jobs, quiet)
    try:
        if output:
            from textmine.report.excel import write_workbook
            from textmine.io.write import atomic_path

            with atomic_path(dated(output)) as temporary:
                write_workbook(run.result, temporary, annotated_rows=run.annotated_rows(), columns=run.columns)
        if json_path:
            write_json(run.summary, dated(json_path))
        if topics_html:
            write_topics_html(run, topics_html)
    finally:
        run.close()
    if json_path != "-":
        render_summary(run.result, plain=not sys.stdout.isatty())
    report_rows(run.accounting, quiet)
    if fail_on_alert and run.result.alerts:
        click.echo(f"textmine: {len(run.result.alerts)} alert(s) fired", err=True)
        sys.exit(3)


@cli.command()
@input_options
@analysis_options
def topics(inputs, json_path, topics, seed, topic_engine, topics_html, jobs, quiet, **kwargs):
    """Topics of the comments, with the number of topics chosen by coherence.

    Prints the coherence curve, each topic's label, words, size, share of
    negative comments, the pain point it overlaps most and typical comments
    (masked), then candidate new pain points: topics of the comments that no
    category covers.

    \b
    Example:
        textmine topics survey_export.csv
        textmine topics orders.xlsx --topics 8 --seed 1 --json topics.json
        textmine topics survey_export.csv --topic-engine lda --topics-html map.html
    """
    from textmine.pipeline.analyze import AnalyzeOptions
    from textmine.report.terminal import topic_lines

    check_topics_html(topics_html, topics)
    options = AnalyzeOptions(topics=topics, seed=seed, topic_engine=topic_engine, aggregate=False)
    run = run_analysis(inputs, kwargs, options, jobs, quiet)
    run.close()
    if topics_html:
        write_topics_html(run, topics_html)
    if json_path:
        keys = ("topic_model", "topics", "new_topics", "rows")
        write_json({key: run.summary.get(key) for key in keys}, dated(json_path))
    if json_path != "-":
        for line in topic_lines(run.summary, run.topics):
            click.echo(line)
    report_rows(run.accounting, quiet)


from textmine import cli_store  # noqa: E402,F401 - adds ingest and reannotate; they use the helpers above


def main():
    """Console-script entry point."""
    cli(prog_name="textmine")
