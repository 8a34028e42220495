"""Output paths, checked before any work: a run never fails at its end because of its outputs.

Every output a command will write is checked when the command starts: its
suffix says the format it gets, its folder exists and is writable, and it is
none of the inputs (resolved through symlinks and hard links: textmine never
writes over the export it reads). ``{date}`` in a name becomes today's date,
for cron jobs.

    >>> check_outputs(["survey.csv"], [OutputPath("-o", "report.xlsx", "xlsx")])
    >>> check_outputs(["survey.csv"], [OutputPath("-o", "report.csv", "xlsx")])
    Traceback (most recent call last):
    textmine.errors.OptionError: -o report.csv: the workbook is an Excel file: give a name ending in .xlsx
"""

import datetime
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from textmine.errors import OptionError
from textmine.io.parquet_writer import is_parquet_output

# What each kind of output is, and the suffixes its name may end with (the first is the one to use).
SUFFIXES = {
    "xlsx": ("the workbook is an Excel file", (".xlsx",)),
    "json": ("the summary is JSON", (".json",)),
    "html": ("the topic map is a web page", (".html", ".htm")),
    "csv": ("CSV rows", (".csv", ".txt")),
    "tsv": ("TSV rows", (".tsv", ".tab", ".txt")),
    "jsonl": ("JSON Lines rows", (".jsonl", ".json", ".ndjson")),
    "parquet": ("Parquet rows", (".parquet", ".parq")),
}
ROW_FORMATS = ("csv", "tsv", "jsonl", "xlsx", "parquet")
STDOUT_FORMATS = ("csv", "tsv", "jsonl", "json")  # what can be written to ``-``


@dataclass(frozen=True)
class OutputPath:
    """One output of a command: the option that names it, its path (``-`` = stdout) and its format."""

    option: str
    path: str | None
    format: str


# The output files renamed into place by this run, in order (``textmine.io.write.atomic_path``, the
# Parquet writer), so that a run stopped after some are written can say which; the CLI empties it
# as a command starts.
outputs_in_place = []
STDOUT_NAMES = ("/dev/stdout", "/dev/fd/1", "/proc/self/fd/1")


def dated_path(path):
    """``{date}`` in an output name becomes today's date (``report-{date}.xlsx``), for cron jobs.

    >>> dated_path("report.xlsx")
    'report.xlsx'

    ``/dev/stdout`` (and ``/dev/fd/1``) is stdout, ``-``: whatever stdout is (a pipe, a
    file the shell opened), it is written as stdout is, never replaced by a renamed file.
    """
    if path is not None and str(path) in STDOUT_NAMES:
        return "-"
    if path is None or "{date}" not in str(path):
        return path
    return str(path).replace("{date}", datetime.date.today().isoformat())


def rows_format(path, requested=None):
    """The format ``annotate`` writes to ``path``: ``requested``, else the suffix's; stdout gets CSV.

    A suffix that names another format than ``requested`` is a usage error, and
    so is a suffix textmine does not write (unless ``requested`` says what to write).

    >>> rows_format("out.jsonl"), rows_format("-"), rows_format("out", "tsv")
    ('jsonl', 'csv', 'tsv')
    """
    if path is None or str(path) == "-":
        if requested in ("xlsx", "parquet"):
            raise OptionError(f"--format {requested} cannot go to stdout: give -o annotated.{requested}")
        return requested or "csv"
    suffix = Path(str(path)).suffix.lower()
    named = [fmt for fmt in ROW_FORMATS if suffix in SUFFIXES[fmt][1]]
    if requested:
        if named and requested not in named:
            raise OptionError(f"-o {path}: the suffix {suffix} says {named[0]}, but --format is {requested}")
        return requested
    if named:
        return named[0]
    if not suffix:
        return "csv"
    raise OptionError(f"-o {path}: textmine writes rows as .csv, .tsv, .jsonl, .xlsx or .parquet, not {suffix} "
                      "(or give --format)")


def check_outputs(inputs, outputs, store=None):
    """Raise OptionError unless every output can be written where it is named, as what it is.

    ``inputs``: the input paths (``-`` = stdin); ``outputs``: ``OutputPath``s
    (a None path is not written; ``-`` is stdout, for the formats that can go
    there); ``store``: the file of a SQLite history store, which no output may
    replace either. Names are taken after ``dated_path``.
    """
    sources = [Path(path) for path in inputs if str(path) != "-"]
    seen = {}
    for output in outputs:
        if output.path is None:
            continue
        if str(output.path) == "-":
            if output.format not in STDOUT_FORMATS:
                what, suffixes = SUFFIXES[output.format]
                raise OptionError(f"{output.option} -: {what}, which cannot go to stdout: "
                                  f"give a name ending in {suffixes[0]}")
            continue
        path = Path(dated_path(output.path))
        where = f"{output.option} {output.path}"
        if is_special_file(path):
            # Written into, never replaced (-o /dev/null, a FIFO): no suffix needed, the option
            # says the format, and no temporary file is made in its folder.
            if output.format == "parquet":
                raise OptionError(f"{where}: Parquet is written as a file or a folder of parts, "
                                  "not into a FIFO or a device")
        else:
            _check_file_name(path, where, output.format)
        for source in sources:
            if _same_file(path, source):
                raise OptionError(f"{where}: is also an input; textmine never writes over its input, "
                                  "give another name")
        if store is not None and _same_file(path, Path(store)):
            raise OptionError(f"{where}: is the history store (--store); give another name")
        key = os.path.realpath(path)
        if key in seen:
            raise OptionError(f"{where}: {seen[key]} writes the same file; give another name")
        seen[key] = output.option


def _check_file_name(path, where, fmt):
    """A file made by renaming a temporary one: its suffix says its format, its folder is writable."""
    if path.is_dir() and not (fmt == "parquet" and is_parquet_output(path)):
        raise OptionError(f"{where}: is a folder; give a file name")
    what, suffixes = SUFFIXES[fmt]
    if path.suffix.lower() not in suffixes:
        raise OptionError(f"{where}: {what}: give a name ending in {suffixes[0]}")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OptionError(f"{where}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OptionError(f"{where}: the folder {folder} is not writable")


def is_special_file(path):
    """True for an existing FIFO, device or socket: written in place, as ``tee`` or a shell would.

    >>> is_special_file("/dev/null"), is_special_file("report.xlsx")
    (True, False)
    """
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _same_file(output, source):
    if os.path.realpath(output) == os.path.realpath(source):
        return True
    try:
        return output.exists() and os.path.samefile(output, source)  # hard links
    except OSError:
        return False
