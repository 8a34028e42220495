"""What a run shows on stderr while it works and when it ends: progress and row accounting.

    >>> with Progress(quiet=False) as advance:
    ...     advance(2000)
"""

import sys


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
    print(line + ("; " + "; ".join(details) if details else ""), file=sys.stderr)


def report_ingest(result, quiet):
    """The accounting of an ingest on stderr: read = new + already stored + skipped.

    Always when rows were skipped, else unless quiet.
    """
    accounting, stored = result.accounting, result.stored
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


def _counts(counter):
    return ", ".join(f"{reason} {count:,}" for reason, count in sorted(counter.items(), key=lambda kv: -kv[1]))
