"""The one module that knows the order of the stages.

read -> clean -> mask -> segment -> score / classify -> (dedupe) -> write.
Rows stream through in chunks, so memory does not grow with the input. Each
distinct comment text is analysed once (clean, segment, score, classify,
duplicate signature: ``textmine.pipeline.analysis``); with ``jobs > 1`` that runs
in worker processes while the parent reads, masks, checks duplicates and
writes. Results come back in input order, so the output is identical to
``jobs=1``.

    >>> result = annotate_files(["samples/sms_replies.csv"], "out.csv")
    >>> result.rows_written == result.rows_read - result.rows_skipped
    True
"""

import os
from collections import Counter, deque
from itertools import islice
from operator import itemgetter, methodcaller
from dataclasses import dataclass, field

from textmine.text.dedupe import DuplicateFinder
from textmine.errors import ConfigError
from textmine.io.read import open_feedback
from textmine.pipeline.analysis import AnnotationCache, analysis_workers
from textmine.io.write import open_row_writer

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
        self.count_rows([row])

    def count_rows(self, rows):
        """Count the flags and duplicate marks of annotated rows."""
        self.flagged.update(filter(None, map(itemgetter("flag"), rows)))
        self.duplicates += sum(map(bool, map(itemgetter("duplicate_of"), rows)))

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


def item_chunks(sources, renamed, size):
    """Lists of ``(text, row)`` for every row of every source, in order.

    The first lists are smaller (``size // 8``, then doubling up to ``size``),
    so that every worker starts at once. A list is cut from the rows and paired
    with their texts by C iterators: no Python code runs per row here.
    """
    several = len(sources) > 1
    chunk, limit = [], max(1, size // 8)
    for source in sources:
        rows = iter(source.rows)
        if renamed:
            rows = ({renamed.get(column, column): value for column, value in row.items()} for row in rows)
        if several:
            rows = ({"source_file": source.name, **row} for row in rows)
        text_of = methodcaller("get", source.text_column, "")
        while True:
            block = list(islice(rows, limit - len(chunk)))
            if not block:
                break
            chunk += zip(map(text_of, block), block)
            if len(chunk) >= limit:
                yield chunk
                chunk, limit = [], min(size, limit * 2)
    if chunk:
        yield chunk


def annotate_stream(sources, options, *, jobs=1, chunk_size=2000, progress=None, workers=None):
    """Yield annotated rows of all sources with ``duplicate_of`` filled in.

    ``workers`` (``analysis_workers``) are used if given, else ``jobs`` are started.
    """
    for rows in annotated_row_chunks(sources, options, jobs=jobs, chunk_size=chunk_size,
                                     progress=progress, workers=workers):
        yield from rows


def annotated_row_chunks(sources, options, *, jobs=1, chunk_size=2000, progress=None, workers=None):
    """``annotate_stream``, a list of rows at a time: writers take a chunk in one call."""
    _, renamed = output_columns(sources, options)
    check_signature = DuplicateFinder().check_signature
    row_number = 0
    chunks = item_chunks(sources, renamed, chunk_size)
    for annotated_chunk in annotate_chunks(chunks, options, jobs, workers):
        rows = []
        for row, signature in annotated_chunk:
            row_number += 1
            row["duplicate_of"] = check_signature(str(row_number), signature) or ""
            rows.append(row)
        yield rows
        if progress is not None:
            progress(len(rows))


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
        for rows in annotated_row_chunks(sources, options, jobs=jobs, chunk_size=chunk_size,
                                         progress=progress):
            writer.write_rows(rows)
            result.count_rows(rows)
        result.rows_written = writer.rows_written
        result.rows_over_limit = getattr(writer, "rows_over_limit", 0)
    result.add_read_stats(sources)
    if result.rows_over_limit:
        result.skipped_by_reason["over_excel_row_limit"] += result.rows_over_limit
    return result
