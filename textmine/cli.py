"""The command line: option parsing and output only; the work is in the library.

Library errors (textmine.errors) become one line on stderr and exit 1; usage
errors exit 2; Ctrl-C exits 130 and leaves no partial file; an unexpected error
shows a traceback only with ``--debug``.
"""

import sys
import traceback
from functools import wraps

import click

from textmine import __version__
from textmine.errors import TextmineError

EXIT_DATA_ERROR = 1
EXIT_INTERRUPTED = 130


class TextmineGroup(click.Group):
    """Turns the library's exceptions into the CLI's error contract."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except TextmineError as exc:
            raise click.ClickException(str(exc)) from exc
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


def input_options(command):
    """Options shared by every command that reads feedback."""
    options = [
        click.argument("inputs", nargs=-1, required=True,
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


class Progress:
    """A rich progress bar on stderr, only when stderr is a terminal."""

    def __init__(self, quiet):
        self._progress = None
        if not quiet and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import Progress as RichProgress

            self._progress = RichProgress(console=Console(stderr=True), transient=True)

    def __enter__(self):
        if self._progress is None:
            return None
        self._progress.start()
        task = self._progress.add_task("annotating", total=None)
        return lambda count: self._progress.advance(task, count)

    def __exit__(self, *exc):
        if self._progress is not None:
            self._progress.stop()


def report_rows(result, quiet):
    """The row accounting on stderr: always when rows were skipped, else unless quiet."""
    if quiet and not result.rows_skipped:
        return
    parts = [f"read {result.rows_read:,} rows", f"wrote {result.rows_written:,}",
             f"skipped {result.rows_skipped:,}"]
    line = "textmine: " + ", ".join(parts)
    details = []
    if result.skipped_by_reason:
        details.append("skipped: " + _counts(result.skipped_by_reason))
    if result.flagged:
        details.append("flagged: " + _counts(result.flagged))
    if result.duplicates:
        details.append(f"duplicates: {result.duplicates:,}")
    if result.warnings:
        details.append("repaired: " + _counts(result.warnings))
    click.echo(line + ("; " + "; ".join(details) if details else ""), err=True)


def _counts(counter):
    return ", ".join(f"{reason} {count:,}" for reason, count in sorted(counter.items(), key=lambda kv: -kv[1]))


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
def annotate(inputs, output, output_format, no_excel_escape, jobs, quiet, **kwargs):
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
    from textmine.pipeline import annotate_files

    check_stdin_once(inputs)
    read_options, language = make_options(kwargs)
    with Progress(quiet) as progress:
        result = annotate_files(
            inputs, output, read_options=read_options, options=language, output_format=output_format,
            excel_escape=not no_excel_escape, jobs=resolve_jobs(jobs), progress=progress,
            stdin=click.get_binary_stream("stdin"), stdout=click.get_text_stream("stdout"),
        )
    report_rows(result, quiet)


def main():
    """Console-script entry point."""
    cli(prog_name="textmine")
