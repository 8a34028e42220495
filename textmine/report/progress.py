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


def _counts(counter, places=None):
    """``reason count`` for each reason, most frequent first, with where the first one was when known."""
    places = places or {}
    return ", ".join(f"{reason} {count:,}" + (f" (first: {places[reason]})" if reason in places else "")
                     for reason, count in sorted(counter.items(), key=lambda kv: -kv[1]))
