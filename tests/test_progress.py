"""textmine.report.progress: the bar names its stage and shows rows done / total, rate and times."""

import io

from rich.console import Console

from textmine.report.progress import Progress, ProgressBar, report_rows


def fields(bar):
    (task,) = bar._progress.tasks
    return task.description, task.fields["rows"], task.fields["rate"], task.total, task.completed


def console():
    return Console(file=io.StringIO(), force_terminal=True, width=160)


def test_quiet_or_not_a_terminal_gives_no_bar():
    with Progress(quiet=True, console=console()) as progress:
        assert progress is None
    with Progress(quiet=False) as progress:  # pytest's stderr is not a terminal
        assert progress is None


def test_estimated_total_from_the_share_of_the_input_read():
    with Progress(quiet=False, console=console()) as bar:
        assert isinstance(bar, ProgressBar)
        bar(500, 0.1)
        description, rows, rate, _, _ = fields(bar)
        assert description == "annotating" and rows == "500 行" and rate.endswith("行/秒")  # too early to tell
        bar(4500, 0.5)
        _, rows, _, total, completed = fields(bar)
        assert rows == "5,000 / 约 10,000 行" and completed / total == 0.5


def test_counted_total_and_stages():
    with Progress(quiet=False, stage="workbook", total=20_000, console=console()) as bar:
        bar(1000)
        assert fields(bar)[:2] == ("workbook", "1,000 / 20,000 行") and fields(bar)[3:] == (20_000, 1000)
        bar.stage("topics")
        assert fields(bar)[:2] == ("topics", "0 行")  # a new stage starts from nothing
        bar(300)
        assert fields(bar)[1] == "300 行"


def test_the_bar_line_shows_rate_elapsed_and_remaining():
    screen = console()
    with Progress(quiet=False, stage="workbook", total=100, console=screen) as bar:
        bar(50)
        bar._progress.refresh()
    text = screen.file.getvalue()
    for part in ("workbook", "50 / 100 行", "行/秒", "已用", "剩余", "50%"):
        assert part in text


def test_report_rows_prints_the_accounting(capsys):
    from collections import Counter
    from types import SimpleNamespace

    result = SimpleNamespace(rows_read=10, rows_written=9, rows_skipped=1, skipped_by_reason=Counter(bad=1),
                             flagged=Counter(), duplicates=0, warnings=Counter())
    report_rows(result, quiet=True)
    assert capsys.readouterr().err == "textmine: read 10 rows, wrote 9, skipped 1; skipped: bad 1\n"
