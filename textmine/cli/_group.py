"""The ``textmine`` group, the options every command shares, and the CLI's error contract.

Exit codes: 0 success; 1 bad data (library errors, textmine.errors, one line on
stderr); 2 bad usage or option value (Click's own checks and the library's
OptionError, also one line); 3 an alert fired under ``analyze --fail-on-alert``;
130 interrupted, 143 terminated by SIGTERM (no partial file is left either
way). A closed stdout (``| head``) ends the run quietly with 0. An unexpected
error shows a traceback only with ``--debug``.
"""

import errno
import sys
import traceback

import click

from textmine import __version__
from textmine.errors import ConfigError, OptionError, Terminated, TextmineError, where_of
from textmine.io.outputs import outputs_in_place

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


class UsageLine(click.ClickException):
    """A usage error as one line, with where to find help, as every other error is.

    Click prints the usage block and a "Try --help" line before it; in a cron
    mail or a log the error was then the third line of three.
    """

    exit_code = EXIT_USAGE

    def __init__(self, error, command_path=None):
        # Errors of the option parser itself (-o with no value) carry no context: the caller names the command.
        command_path = error.ctx.command_path if error.ctx is not None else command_path
        where = f" (see: {command_path} --help)" if command_path else ""
        super().__init__(f"{error.format_message()}{where}")


# Click 8.2 and later raise this for a command given no arguments that shows its help then.
_NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())


class TextmineGroup(click.Group):
    """Turns the library's exceptions into the CLI's error contract."""

    def make_context(self, *args, **kwargs):
        try:
            return super().make_context(*args, **kwargs)
        except _NO_ARGS_IS_HELP:  # `textmine` alone: the help, as click gives it
            raise
        except click.UsageError as exc:  # `textmine --bogus`
            raise UsageLine(exc) from exc

    def invoke(self, ctx):
        outputs_in_place.clear()
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
            click.echo(f"textmine: interrupted; {_left_as_it_was(ctx)}", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except Terminated as exc:
            click.echo(f"textmine: terminated (signal {exc.signal_number}); {_left_as_it_was(ctx)}", err=True)
            ctx.exit(128 + exc.signal_number)
        except click.UsageError as exc:  # a command's options, or an unknown command
            command = ctx.invoked_subcommand
            raise UsageLine(exc, f"{ctx.command_path} {command}" if command else ctx.command_path) from exc
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except OSError as exc:
            if exc.errno not in _FULL_OR_FAILING or where_of(exc):
                raise click.ClickException(unexpected_error_line(exc)) from exc
            # Not a bug: stdout (a full disk, /dev/full) or a temporary file could not be written.
            _silence_stdout()
            raise click.ClickException(_cannot_write(exc)) from exc
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            if (ctx.obj or {}).get("debug"):
                traceback.print_exc()
                if where_of(exc) and not hasattr(exc, "add_note"):  # Python 3.10 shows no notes
                    click.echo(f"textmine: while {where_of(exc)}", err=True)
            raise click.ClickException(unexpected_error_line(exc)) from exc


_FULL_OR_FAILING = {errno.ENOSPC, errno.EIO, errno.EFBIG, errno.EDQUOT}
_STORE_COMMANDS = ("ingest", "reannotate")


def _cannot_write(exc):
    """The line for a full or failing stdout (/dev/full) or temporary file: not a bug, no traceback."""
    return f"cannot write the output: {exc.strerror or exc}"


def _left_as_it_was(ctx):
    """What an interrupted command leaves: no output file; for a store command, the store as before."""
    if ctx.invoked_subcommand in _STORE_COMMANDS:
        return "the store is as it was before this batch"
    if outputs_in_place:
        return f"written before it: {', '.join(outputs_in_place)}; no other output file was written"
    return "no output file was written"


def unexpected_error_line(exc):
    """One line for an exception that is a bug, not bad data: the file it happened on when known.

    >>> unexpected_error_line(RuntimeError("boom"))
    'unexpected error: RuntimeError: boom (run with --debug for the traceback)'
    """
    where = where_of(exc)
    lines = str(exc).splitlines() or [""]
    detail = lines[0] + (" …" if len(lines) > 1 else "")
    return (f"unexpected error{f' while {where}' if where else ''}: {type(exc).__name__}"
            f"{f': {detail}' if detail else ''} (run with --debug for the traceback)")


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


# The options that decide annotations (dictionaries, taxonomy, sentiment engine), and how a
# run goes (processes, cluster, quiet): every command that annotates takes them.
LANGUAGE_OPTIONS = [
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
]
def check_scheduler(ctx, param, value):
    """A scheduler address that cannot be one is a usage error naming where it came from."""
    if not value:
        return value
    from textmine.pipeline.dask_executor import check_scheduler_address

    try:
        check_scheduler_address(value)
    except ConfigError as exc:
        # The value may come from the environment: the message names both places.
        raise click.UsageError(str(exc).replace("--scheduler ", "--scheduler (or TEXTMINE_SCHEDULER) ", 1),
                               ctx) from exc
    return value


RUN_OPTIONS = [
    click.option("--jobs", "-j", type=click.IntRange(min=1), callback=check_jobs,
                 help="Worker processes (default: all cores; at most 4 per core)."),
    click.option("--scheduler", envvar="TEXTMINE_SCHEDULER", metavar="ADDRESS", callback=check_scheduler,
                 help="Run on the workers of this Dask scheduler (tcp://host:8786) instead of local "
                      "processes; default: $TEXTMINE_SCHEDULER."),
    click.option("--quiet", "-q", is_flag=True,
                 help="Nothing on stdout but what an option sends there (-o -, --json -); "
                      "no progress or row counts on stderr unless rows were skipped."),
]
CONFIG_OPTION = click.option("--config", type=click.Path(exists=True, dir_okay=False), callback=load_config,
                             is_eager=True, expose_value=False,
                             help="TOML file with defaults for the options, named as typed (see the README).")


def _with_options(command, options):
    for option in reversed(options):
        command = option(command)
    return command


def input_options(command, inputs_required=True):
    """Options shared by every command that reads feedback."""
    return _with_options(command, [
        click.argument("inputs", nargs=-1, required=inputs_required,
                       type=click.Path(exists=True, dir_okay=False, allow_dash=True)),
        CONFIG_OPTION,
        click.option("--text-column", "-c", help="Column holding the comments (name or 1-based number)."),
        click.option("--encoding", help="Input encoding (default: detected)."),
        click.option("--sheet", help="Worksheet of an .xlsx input (name or 1-based number)."),
        click.option("--input-format", type=click.Choice(["csv", "tsv", "xlsx", "jsonl", "parquet"]),
                     help="Input format (default: from the suffix or the content)."),
        *LANGUAGE_OPTIONS,
        click.option("--no-mask", is_flag=True, help="Keep phone, ID, card numbers and e-mails unmasked."),
        *RUN_OPTIONS,
    ])


def language_options(command):
    """The options of a command that annotates but reads no input (``reannotate``)."""
    return _with_options(command, [CONFIG_OPTION, *LANGUAGE_OPTIONS, *RUN_OPTIONS])


def make_options(kwargs):
    """Split the shared options into the library's option objects."""
    from textmine.pipeline import ReadOptions

    read_options = ReadOptions(
        text_column=kwargs.pop("text_column"), encoding=kwargs.pop("encoding"),
        sheet=kwargs.pop("sheet"), input_format=kwargs.pop("input_format"),
    )
    return read_options, language_from(kwargs, mask=not kwargs.pop("no_mask"))


def language_from(kwargs, *, mask=True):
    """The LanguageOptions of the options in ``LANGUAGE_OPTIONS`` (taken out of ``kwargs``)."""
    from textmine.pipeline import LanguageOptions

    return LanguageOptions(
        user_dicts=tuple(kwargs.pop("user_dicts")), stopword_files=tuple(kwargs.pop("stopword_files")),
        synonym_files=tuple(kwargs.pop("synonym_files")), taxonomy_file=kwargs.pop("taxonomy_file"),
        sentiment_engine=kwargs.pop("sentiment_engine"), mask=mask, tokens=kwargs.pop("tokens", False),
    )


def check_stdin_once(inputs):
    if list(inputs).count("-") > 1:
        raise click.UsageError("'-' (stdin) can be given only once")


def resolve_jobs(jobs):
    from textmine.cores import default_jobs

    return jobs or default_jobs()


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
    except OSError as exc:  # --help or --version into a full stdout: before any command ran
        if exc.errno not in _FULL_OR_FAILING:
            raise
        _silence_stdout()
        click.echo(f"Error: {_cannot_write(exc)}", err=True)
        sys.exit(1)


def store_file(store):
    """The file of a SQLite ``--store`` (None for none or PostgreSQL); the store package only when given."""
    if not store:
        return None
    from textmine.store import sqlite_path

    return sqlite_path(store)
