"""What a run shows on stderr while it works and when it ends: progress and row accounting.

The bar names its stage (annotating, topics, workbook) and shows the rows done
out of the total: counted when the total is known, else estimated from how
much of the input has been read (bytes, or rows of an xlsx sheet), with the
rate, the time elapsed and the time left.

    >>> with Progress(quiet=False) as progress:
    ...     progress(2000, 0.1)                # 2,000 rows done, a tenth of the input read
    ...     progress.stage("workbook", total=20_000)
"""

import sys
import time

STAGES = ("annotating", "topics", "workbook")
_STEPS = 1000  # the bar's resolution when it follows a fraction of the input
# The reader decodes 256 KB at a time, so early on the bytes read run ahead of the rows done:
# the estimated total is shown once a fifth of the input is read (before, it is too low).
ESTIMATE_FROM = 0.2


class ProgressBar:
    """One line on stderr (rich): stage, bar, rows done / total, rate, elapsed and remaining time."""

    def __init__(self, console):
        from rich.progress import BarColumn, Progress as RichProgress, TextColumn, TimeElapsedColumn, \
            TimeRemainingColumn

        self._progress = RichProgress(
            TextColumn("[bold]{task.description:<10}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
            TextColumn("{task.fields[rows]}"), TextColumn("{task.fields[rate]}"),
            TextColumn("已用"), TimeElapsedColumn(), TextColumn("剩余"), TimeRemainingColumn(),
            console=console, transient=True)
        self._task = None

    def start(self, stage=STAGES[0], total=None):
        self._progress.start()
        self.stage(stage, total)

    def stop(self):
        self._progress.stop()

    def stage(self, name, total=None):
        """Start a stage; ``total``: its rows when known (else they are estimated, or only counted)."""
        if self._task is not None:
            self._progress.remove_task(self._task)
        self._rows, self._total, self._started = 0, total, time.monotonic()
        self._task = self._progress.add_task(name, total=total, rows=self._rows_text(None), rate="")

    def __call__(self, rows, fraction=None):
        """``rows`` more done; ``fraction``: how much of the input has been read (0 to 1), if known."""
        self._rows += rows
        elapsed = max(time.monotonic() - self._started, 1e-6)
        fields = {"rows": self._rows_text(fraction), "rate": f"{self._rows / elapsed:,.0f} 行/秒"}
        if self._total is not None:
            self._progress.update(self._task, completed=self._rows, **fields)
        elif fraction:
            # The total is estimated: the bar and the time left follow the share of the input read.
            self._progress.update(self._task, total=_STEPS, completed=round(fraction * _STEPS), **fields)
        else:
            self._progress.update(self._task, **fields)

    def _rows_text(self, fraction):
        if self._total is not None:
            return f"{self._rows:,} / {self._total:,} 行"
        if fraction and fraction >= ESTIMATE_FROM:
            return f"{self._rows:,} / 约 {round(self._rows / fraction):,} 行"
        return f"{self._rows:,} 行"


class Progress:
    """A progress bar on stderr, only when stderr is a terminal; yields None otherwise.

    ``with Progress(quiet) as progress`` gives a ``ProgressBar`` to call with the rows
    done (``progress(rows, fraction)``) and to name each further stage (``progress.stage(name)``);
    it starts in ``stage`` (of ``total`` rows, when known).
    """

    def __init__(self, quiet, stage=STAGES[0], total=None, console=None):
        self._bar = None
        self._stage = (stage, total)
        if not quiet and (console is not None or sys.stderr.isatty()):
            from rich.console import Console

            self._bar = ProgressBar(console or Console(stderr=True))

    def __enter__(self):
        if self._bar is not None:
            self._bar.start(*self._stage)
        return self._bar

    def __exit__(self, *exc):
        if self._bar is not None:
            self._bar.stop()


def report_rows(result, quiet):
    """The row accounting on stderr: always when rows were skipped, else unless quiet.

    Notes (a column renamed or masked) come first, one line each, even when quiet.
    """
    for note in getattr(result, "notes", ()):
        print(f"textmine: warning: {note}", file=sys.stderr)
    if quiet and not result.rows_skipped:
        return
    parts = [f"read {result.rows_read:,} rows", f"wrote {result.rows_written:,}",
             f"skipped {result.rows_skipped:,}"]
    line = "textmine: " + ", ".join(parts)
    details = []
    places = getattr(result, "first_place", {})
    if result.skipped_by_reason:
        details.append("skipped: " + _counts(result.skipped_by_reason, places))
    if result.flagged:
        details.append("flagged: " + _counts(result.flagged))
    if result.duplicates:
        details.append(f"duplicates: {result.duplicates:,}")
    if result.warnings:
        details.append("repaired: " + _counts(result.warnings, places))
    print(line + ("; " + "; ".join(details) if details else ""), file=sys.stderr)


def report_ingest(result, quiet):
    """The accounting of an ingest on stderr: read = new + already stored + skipped.

    Always when rows were skipped, else unless quiet; notes (a column renamed, a quoted cell
    that looks like rows) first, one line each, even when quiet.
    """
    accounting, stored = result.accounting, result.stored
    for note in accounting.notes:
        print(f"textmine: warning: {note}", file=sys.stderr)
    if quiet and not accounting.rows_skipped:
        return
    line = (f"textmine: read {accounting.rows_read:,} rows: {stored.rows_new:,} new, "
            f"{stored.rows_already_stored:,} already stored, skipped {accounting.rows_skipped:,}; "
            f"{result.store} holds {stored.comments_in_store:,} comments (batch {stored.batch_id})")
    details = []
    if accounting.skipped_by_reason:
        details.append("skipped: " + _counts(accounting.skipped_by_reason))
    if accounting.warnings:
        details.append("repaired: " + _counts(accounting.warnings))
    print(line + ("; " + "; ".join(details) if details else ""), file=sys.stderr)


def _counts(counter, places=None):
    """``reason count`` for each reason, most frequent first, with where the first one was when known."""
    places = places or {}
    return ", ".join(f"{reason} {count:,}" + (f" (first: {places[reason]})" if reason in places else "")
                     for reason, count in sorted(counter.items(), key=lambda kv: -kv[1]))
