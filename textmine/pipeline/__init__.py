"""The runner and what runs on it: the only package that knows the order of the stages.

read -> clean / mask -> segment -> score / classify -> topics -> aggregate ->
write. ``comment_chunks`` (runner.py) yields every input row as a
``textmine.record.Comment`` in input order; the per-text stages run behind an
executor (executors.py); ``annotate_files`` and ``analyze_files`` consume the
stream. ``analyze_files`` lives in ``textmine.pipeline.analyze``, imported only
by the commands that aggregate (its statistics load scipy, which ``annotate``
never needs).

    >>> result = annotate_files(["samples/sms_replies.csv"], "out.csv", jobs=2)
    >>> run = textmine.pipeline.analyze.analyze_files(["samples/survey_export.csv"])
"""

from textmine.pipeline.annotate import annotate_files, annotate_with_topics
from textmine.pipeline.annotator import CommentAnnotator, LanguageOptions
from textmine.pipeline.executors import LocalExecutor, default_jobs, open_executor
from textmine.pipeline.runner import ReadOptions, RunResult, comment_chunks, open_sources, parse_topics_option

__all__ = [
    "CommentAnnotator", "LanguageOptions", "LocalExecutor", "ReadOptions",
    "RunResult", "annotate_files", "annotate_with_topics", "comment_chunks",
    "default_jobs", "open_executor", "open_sources", "parse_topics_option",
]
