"""The command line: option parsing and output only; the work is in the library.

Exit codes: 0 success; 1 bad data (library errors, textmine.errors, one line on
stderr); 2 bad usage or option value (Click's own checks and the library's
OptionError, also one line); 3 an alert fired under ``analyze --fail-on-alert``;
130 interrupted (no partial file is left). A closed stdout (``| head``) ends
the run quietly with 0. An unexpected error shows a traceback only with ``--debug``.
"""

import sys
import traceback

import click

from textmine import __version__
from textmine.errors import ConfigError, OptionError, Terminated, TextmineError
from textmine.io.outputs import OutputPath, check_outputs, dated_path, rows_format
from textmine.report.progress import Progress, report_rows

EXIT_USAGE = 2
EXIT_ALERT = 3
EXIT_INTERRUPTED = 130
# textmine.topics.engines.ENGINES, written out: importing it would load numpy on every start.
TOPIC_ENGINES = ("nmf", "lda")
# Options of annotate, analyze and topics alike (each use makes an option of its own).
seed_option = click.option("--seed", type=int, default=0, show_default=True, help="Seed for repeatable topics.")
topic_engine_option = click.option("--topic-engine", type=click.Choice(TOPIC_ENGINES), default="nmf",
                                   show_default=True,
                                   help="Topic model: nmf (best on short comments) or lda (gensim).")


class BadOptionValue(click.ClickException):
    """A bad option value found by the library: one line, like any error, and exit 2."""

    exit_code = EXIT_USAGE


class TextmineGroup(click.Group):
    """Turns the library's exceptions into the CLI's error contract."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except OptionError as exc:
            raise BadOptionValue(str(exc)) from exc
        except TextmineError as exc:
            raise click.ClickException(str(exc)) from exc
        except BrokenPipeError:
            # The reader of our stdout went away (| head): it has what it wanted, so stop
            # quietly and successfully, like other tools.
            _silence_stdout()
            ctx.exit(0)
        except KeyboardInterrupt:
            click.echo("textmine: interrupted; no output file was written", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except Terminated as exc:
            click.echo(f"textmine: terminated (signal {exc.signal_number}); no output file was written", err=True)
            ctx.exit(128 + exc.signal_number)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            if (ctx.obj or {}).get("debug"):
                traceback.print_exc()
            raise click.ClickException(
                f"unexpected error: {type(exc).__name__}: {exc} (run with --debug for the traceback)"
            ) from exc


class TopicsType(click.ParamType):
    """``--topics``: auto, off or a number from 1 to 50 (a usage error otherwise)."""

    name = "auto|off|N"

    def convert(self, value, param, ctx):
        from textmine.pipeline.runner import parse_topics_option

        try:
            parse_topics_option(value)
        except ConfigError as exc:
            self.fail(str(exc).replace("--topics must be ", "must be "), param, ctx)
        return str(value).strip().lower()


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


def load_config(ctx, param, path):
    """``--config``: the file's settings become the command's defaults (eager: read before the others)."""
    if path is None:
        return None
    from textmine.io.config import config_defaults

    others = ctx.parent.command.commands.values() if ctx.parent is not None else ()
    defaults = config_defaults(path, ctx.info_name, _typed_names(ctx.command), elsewhere={
        name for other in others if other is not ctx.command for name in _typed_names(other)})
    ctx.default_map = {**(ctx.default_map or {}), **defaults}
    return path


def _typed_names(command):
    """{name as typed, dashes as underscores: (parameter name, repeatable)} of a command's options."""
    from textmine.io.config import option_key

    names = {}
    for param in command.params:
        if isinstance(param, click.Option) and param.name and param.name != "config":
            for spelling in [param.name, *(opt for opt in param.opts if opt.startswith("--"))]:
                names[option_key(spelling)] = (param.name, param.multiple)
    return names
def check_jobs(ctx, param, jobs):
    """A usage error for more worker processes than the machine can use (4 per core)."""
    from textmine.cores import max_jobs

    if jobs is not None and jobs > max_jobs():
        raise click.BadParameter(f"{jobs} is more than {max_jobs()}, 4 worker processes per core", ctx, param)
    return jobs


def input_options(command):
    """Options shared by every command that reads feedback."""
    options = [
        click.argument("inputs", nargs=-1, required=True,
                       type=click.Path(exists=True, dir_okay=False, allow_dash=True)),
        click.option("--config", type=click.Path(exists=True, dir_okay=False), callback=load_config,
                     is_eager=True, expose_value=False,
                     help="TOML file with defaults for the options, named as typed (see the README)."),
        click.option("--text-column", "-c", help="Column holding the comments (name or 1-based number)."),
        click.option("--encoding", help="Input encoding (default: detected)."),
        click.option("--sheet", help="Worksheet of an .xlsx input (name or 1-based number)."),
        click.option("--input-format", type=click.Choice(["csv", "tsv", "xlsx", "jsonl", "parquet"]),
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
        click.option("--jobs", "-j", type=click.IntRange(min=1), callback=check_jobs,
                     help="Worker processes (default: all cores; at most 4 per core)."),
        click.option("--scheduler", envvar="TEXTMINE_SCHEDULER", metavar="ADDRESS",
                     help="Run on the workers of this Dask scheduler (tcp://host:8786) instead of local "
                          "processes; default: $TEXTMINE_SCHEDULER."),
        click.option("--quiet", "-q", is_flag=True,
                     help="Nothing on stdout but what an option sends there (-o -, --json -); "
                          "no progress or row counts on stderr unless rows were skipped."),
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
    from textmine.cores import default_jobs

    return jobs or default_jobs()


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


def analysis_outputs(inputs, topics, outputs):
    """The outputs (``OutputPath``s) of analyze or topics, dated and checked before any work.

    Returns {option: path or None}.
    """
    from textmine.pipeline import parse_topics_option

    check_stdin_once(inputs)
    paths = {output.option: dated_path(output.path) for output in outputs}
    if paths.get("--topics-html") and parse_topics_option(topics) is None:
        raise click.UsageError("--topics-html needs topics: leave out --topics off")
    check_outputs(inputs, [OutputPath(output.option, paths[output.option], output.format) for output in outputs])
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


@cli.command()
@input_options
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
    """
    from textmine.io.write import write_json_summary
    from textmine.pipeline.analyze import AnalyzeOptions
    from textmine.report.terminal import render_summary

    paths = analysis_outputs(inputs, topics, [OutputPath("-o", output, "xlsx"), OutputPath("--json", json_path, "json"),
                                              OutputPath("--topics-html", topics_html, "html")])
    options = AnalyzeOptions(segment_columns=tuple(segment_columns), bins=bins, date_column=date_column,
                             score_column=score_column, period=period, topics=topics, seed=seed,
                             topic_engine=topic_engine, include_duplicates=include_duplicates)
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
def _raise_terminated(signal_number, _frame):
    raise Terminated(signal_number)


def main():
    """Console-script entry point.

    SIGTERM (timeout, cron, systemd, docker stop) is turned into an exception
    that unwinds like Ctrl-C: temporary files are removed, one line is printed
    and the exit status is 143.
    """
    import signal

    signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        cli(prog_name="textmine")
    except Terminated as exc:  # before a command started (while the options were parsed)
        click.echo("textmine: terminated", err=True)
        sys.exit(128 + exc.signal_number)
