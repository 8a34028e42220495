"""The project's exceptions: one error contract for every stage.

Every message is a single line that names the file (and line or column when
known), because the CLI prints it as is and exits 1. An unexpected exception
(a bug, not bad data) keeps its type, and ``naming_unexpected_errors`` notes on
it which file was being read or written, for the CLI's one line.
"""

import logging
from contextlib import contextmanager


class TextmineError(Exception):
    """Base class: bad data or configuration that the user can fix."""


class InputError(TextmineError):
    """An input file cannot be read or is not what it should be."""


class LineError(InputError):
    """An input that cannot be read at one of its lines: ``name: line N<reason>``.

    A partition read on a worker counts lines from its own first line;
    ``moved(lines)`` is the same error counted from the file's first line.
    """

    def __init__(self, name, line, reason):
        self.name, self.line, self.reason = name, line, reason
        super().__init__(f"{name}: line {line:,}{reason}")

    def __reduce__(self):  # crosses processes with its parts, not only its message
        return LineError, (self.name, self.line, self.reason)

    def moved(self, lines):
        return LineError(self.name, self.line + lines, self.reason)


class MissingColumnError(InputError):
    """A requested column is not in the input; the message lists the columns found."""

    def __init__(self, column, available, source=None):
        self.column = column
        self.available = list(available)
        where = f"{source}: " if source else ""
        found = ", ".join(self.available) if self.available else "(none)"
        super().__init__(f"{where}column {column!r} not found; columns are: {found}")


class DictionaryError(TextmineError):
    """A dictionary, stopword, synonym or taxonomy file has a bad line."""

    def __init__(self, source, line_number, line, reason="invalid dictionary entry"):
        self.source = str(source)
        self.line_number = line_number
        super().__init__(f"{reason} in {source} at line {line_number}: {line!r}")


class ConfigError(TextmineError):
    """A configuration file or option value is invalid."""


class OutputError(TextmineError):
    """An output file cannot be written."""


class OptionError(ConfigError):
    """An option's value cannot be used: a bad usage, which the CLI exits with status 2.

    Raised by the library when a value only turns out to be wrong against the
    files (an output that would replace an input, a segment column that names
    the categories), so the message says which option to change.
    """


class Terminated(BaseException):
    """The run was asked to stop by a signal (SIGTERM from timeout, cron, systemd, docker stop).

    A BaseException, like KeyboardInterrupt, so that no ``except Exception``
    swallows it and every cleanup (``finally``, the atomic writes) runs on
    the way out. The CLI exits with 128 + the signal's number.
    """

    def __init__(self, signal_number):
        self.signal_number = signal_number
        super().__init__(f"terminated by signal {signal_number}")


class ClusterError(TextmineError):
    """The Dask cluster cannot be reached, or lost the work it was given."""


class WorkerDied(TextmineError):
    """A worker process of a local run ended while the run needed it (its work is lost)."""


class StoreError(TextmineError):
    """A history store cannot be opened, read or written (``textmine.store``)."""


def note_where(exc, where):
    """Note on an unexpected exception what was being done (``"processing survey.csv"``).

    The first note is kept: the innermost code knows best. A TextmineError
    already names its file and gets none. On Python 3.11 and later the note
    also shows under the traceback (``--debug``).
    """
    if isinstance(exc, TextmineError) or getattr(exc, "textmine_where", None) is not None:
        return
    try:
        exc.textmine_where = where
    except AttributeError:  # an exception type without a __dict__
        return
    if hasattr(exc, "add_note"):
        exc.add_note(f"textmine: while {where}")


def where_of(exc):
    """What was being done when ``exc`` was raised (``note_where``), or None when nobody said.

    >>> where_of(ValueError())
    """
    return getattr(exc, "textmine_where", None)


@contextmanager
def naming_unexpected_errors(where):
    """Note ``where`` on an unexpected exception leaving the block (``note_where``).

    >>> with naming_unexpected_errors("writing report.xlsx"):
    ...     write_workbook(result, "report.xlsx")
    """
    try:
        yield
    except Exception as exc:
        note_where(exc, where)
        raise


@contextmanager
def library_log_at(name, level):
    """A library's logger set to ``level`` for a while, then restored: its chatter or its own
    error reports kept out of textmine's one-line messages."""
    logger = logging.getLogger(name)
    before = logger.level
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.setLevel(before)
