"""The one module that knows the order of the stages.

read -> clean -> mask -> segment -> score / classify -> (dedupe) -> write.
Rows stream through in chunks, so memory does not grow with the input. Each
distinct comment text is analysed once (clean, segment, score, classify,
duplicate signature: ``textmine.text_analysis``); with ``jobs > 1`` that runs
in worker processes while the parent reads, masks, checks duplicates and
writes. Results come back in input order, so the output is identical to
``jobs=1``.

    >>> result = annotate_files(["samples/sms_replies.csv"], "out.csv")
    >>> result.rows_written == result.rows_read - result.rows_skipped
    True
"""

import os
from collections import Counter, deque
from dataclasses import dataclass, field

from textmine.dedupe import DuplicateFinder
from textmine.errors import ConfigError
from textmine.read import open_feedback
from textmine.text_analysis import AnnotationCache, analysis_workers
from textmine.write import open_row_writer

ANNOTATION_COLUMNS = ["sentiment_score", "sentiment", "categories", "evidence", "aspects",
                      "duplicate_of", "flag"]
CACHE_SIZE = 200_000  # distinct texts whose annotations the parent process keeps


@dataclass(frozen=True)
class LanguageOptions:
    """What the per-comment stages need; picklable so worker processes can rebuild them."""

    user_dicts: tuple = ()
    stopword_files: tuple = ()
    synonym_files: tuple = ()
    taxonomy_file: str | None = None
    sentiment_engine: str = "textmine"
    mask: bool = True
    tokens: bool = False
    content_words: bool = False  # analyses and topics need the filtered words of each comment


@dataclass(frozen=True)
class ReadOptions:
    text_column: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    input_format: str | None = None


@dataclass
class RunResult:
    """Row accounting for one run: rows_read = rows_written + rows_skipped."""

    rows_read: int = 0
    rows_written: int = 0
    skipped_by_reason: Counter = field(default_factory=Counter)
    warnings: Counter = field(default_factory=Counter)
    flagged: Counter = field(default_factory=Counter)
    duplicates: int = 0
    rows_over_limit: int = 0

    @property
    def rows_skipped(self):
        return sum(self.skipped_by_reason.values())

    def count_row(self, row):
        """Count one annotated row's flag and duplicate mark."""
        if row["flag"]:
            self.flagged[row["flag"]] += 1
        if row["duplicate_of"]:
            self.duplicates += 1

    def add_read_stats(self, sources):
        """Add what the readers counted: rows read, skipped and repaired."""
        for source in sources:
            self.rows_read += source.stats.rows_read
            self.skipped_by_reason.update(source.stats.skipped_by_reason)
            self.warnings.update(source.stats.warnings)


def parse_topics_option(value):
    """``auto`` | N | ``0``/``off`` (no topics) -> "auto", an int, or None.

    >>> parse_topics_option("8")
    8
    """
    text = str(value).strip().lower()
    if text in ("0", "off", "none", "no"):
        return None
    if text == "auto":
        return "auto"
    if text.isdigit() and 1 <= int(text) <= 50:
        return int(text)
    raise ConfigError(f"--topics must be auto, off or a number from 1 to 50, not {value!r}")


def default_jobs():
    """All cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def annotate_chunks(chunks, options, jobs=1, workers=None):
    """Yield each chunk of ``(text, row)`` annotated, in input order, as ``[(row, signature), ...]``.

    The parent keeps the cache of analysed texts and sends only texts it has
    not seen to ``jobs`` worker processes (or to ``workers``, if given), so a
    text repeated across chunks is analysed once however the chunks are spread.
    At most ``2 * jobs`` chunks are in flight, so memory stays bounded however
    long the input is.
    """
    if workers is None:
        with analysis_workers(options, jobs) as workers:
            yield from annotate_chunks(chunks, options, jobs, workers)
        return
    cache = AnnotationCache(options)
    in_flight = 1 if workers.pool is None else 2 * workers.processes
    pending = deque()

    def finish_oldest():
        chunk, missing, result = pending.popleft()
        if missing:
            cache.store_packed(missing, result.get())
        return cache.rows(chunk)

    for chunk in chunks:
        if len(cache) > CACHE_SIZE:
            while pending:  # rows in flight still need their cached texts
                yield finish_oldest()
            cache.clear()
        missing = cache.claim_missing(text for text, _ in chunk)
        pending.append((chunk, missing, workers.analyse(missing) if missing else None))
        if len(pending) >= in_flight:
            yield finish_oldest()
    while pending:
        yield finish_oldest()


def open_sources(paths, read_options, stdin=None):
    """Open every input; fail before writing anything if one cannot be read."""
    return [
        open_feedback(path, fmt=read_options.input_format, encoding=read_options.encoding,
                      sheet=read_options.sheet, text_column=read_options.text_column, stdin=stdin)
        for path in paths
    ]


def output_columns(sources, options):
    """Input columns (union, in order of appearance) then the annotation columns.

    An input column whose name clashes with an annotation column keeps its
    values under ``<name>_input``, so nothing the analyst had is overwritten.
    """
    columns = []
    for source in sources:
        for column in source.columns:
            if column not in columns:
                columns.append(column)
    annotation = ANNOTATION_COLUMNS + (["tokens"] if options.tokens else [])
    renamed = {column: f"{column}_input" for column in columns if column in annotation}
    columns = [renamed.get(column, column) for column in columns]
    if len(sources) > 1:
        columns.insert(0, "source_file")
    return columns + annotation, renamed


def iter_items(sources, renamed):
    """Yield ``(text, row)`` for every row of every source, in order."""
    several = len(sources) > 1
    for source in sources:
        for row in source.rows:
            text = row.get(source.text_column, "")
            if renamed:
                row = {renamed.get(column, column): value for column, value in row.items()}
            if several:
                row = {"source_file": source.name, **row}
            yield text, row


def chunked(iterable, size):
    """Lists of ``size`` items; the first ones smaller, so that every worker starts at once.

    >>> [len(chunk) for chunk in chunked(range(2000), 1000)]
    [125, 250, 500, 1000, 125]
    """
    chunk, limit = [], max(1, size // 8)
    for item in iterable:
        chunk.append(item)
        if len(chunk) >= limit:
            yield chunk
            chunk, limit = [], min(size, limit * 2)
    if chunk:
        yield chunk


def annotate_stream(sources, options, *, jobs=1, chunk_size=2000, progress=None, workers=None):
    """Yield annotated rows of all sources with ``duplicate_of`` filled in.

    ``workers`` (``analysis_workers``) are used if given, else ``jobs`` are started.
    """
    _, renamed = output_columns(sources, options)
    finder = DuplicateFinder()
    row_number = 0
    chunks = chunked(iter_items(sources, renamed), chunk_size)
    for annotated_chunk in annotate_chunks(chunks, options, jobs, workers):
        for row, signature in annotated_chunk:
            row_number += 1
            row["duplicate_of"] = finder.check_signature(str(row_number), signature) or ""
            yield row
        if progress is not None:
            progress(len(annotated_chunk))


def annotate_files(paths, output, *, read_options=ReadOptions(), options=LanguageOptions(),
                   output_format=None, excel_escape=True, jobs=1, chunk_size=2000,
                   progress=None, stdin=None, stdout=None):
    """Annotate every row of ``paths`` and write them to ``output`` (``-`` = stdout).

    Returns a RunResult with the row accounting and the reasons for anything
    flagged, skipped or repaired on the way.
    """
    sources = open_sources(paths, read_options, stdin=stdin)
    columns, _ = output_columns(sources, options)
    result = RunResult()
    with open_row_writer(output, columns, fmt=output_format, excel_escape=excel_escape,
                         stdout=stdout) as writer:
        for row in annotate_stream(sources, options, jobs=jobs, chunk_size=chunk_size, progress=progress):
            writer.write_row(row)
            result.count_row(row)
        result.rows_written = writer.rows_written
        result.rows_over_limit = getattr(writer, "rows_over_limit", 0)
    result.add_read_stats(sources)
    if result.rows_over_limit:
        result.skipped_by_reason["over_excel_row_limit"] += result.rows_over_limit
    return result
