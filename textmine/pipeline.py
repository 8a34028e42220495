"""The one module that knows the order of the stages.

read -> clean -> mask -> segment -> score / classify -> (dedupe) -> write.
Rows stream through in chunks, so memory does not grow with the input. Each
distinct comment text is analysed once (clean, segment, score, classify,
duplicate signature); with ``jobs > 1`` that runs in worker processes while the
parent reads, masks, checks duplicates and writes. Results come back in input
order, so the output is identical to ``jobs=1``.

    >>> result = annotate_files(["samples/sms_replies.csv"], "out.csv")
    >>> result.rows_written == result.rows_read - result.rows_skipped
    True
"""

import os
from collections import Counter, deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import NamedTuple

from textmine.clean import clean_text, junk_reason
from textmine.classify import PainPointClassifier
from textmine.dedupe import DuplicateFinder
from textmine.errors import ConfigError
from textmine.lexicon import load_lexicon
from textmine.mask import mask_personal_data
from textmine.read import open_feedback
from textmine.segment import Segmenter
from textmine.sentiment import SentimentScorer
from textmine.write import open_row_writer

ANNOTATION_COLUMNS = ["sentiment_score", "sentiment", "categories", "evidence", "aspects",
                      "duplicate_of", "flag"]
OTHER = "other"
CACHE_SIZE = 200_000  # distinct texts whose annotations the parent process keeps
CONTENT_KEY = "_content_words"  # internal: travels with a row between stages, never written


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


class CommentAnnotator:
    """Runs the per-comment stages on distinct texts; built once per process."""

    def __init__(self, options):
        self.options = options
        self.lexicon = load_lexicon(
            user_dicts=options.user_dicts, stopword_files=options.stopword_files,
            synonym_files=options.synonym_files, taxonomy_file=options.taxonomy_file,
        )
        self.segmenter = Segmenter(self.lexicon)
        self.classifier = PainPointClassifier(self.lexicon.taxonomy)
        self.scorer = SentimentScorer(engine=options.sentiment_engine)
        self.duplicates = DuplicateFinder()  # only its settings: signatures are made here

    def analyse(self, texts):
        """``TextAnalysis`` of each raw comment text, in order; one per text given.

        Every stage is a pure function of the text, so callers may cache the
        results by text (``AnnotationCache``) without changing any output.
        """
        cleaned = [clean_text(text) for text in texts]
        token_lists = self.segmenter.cut_many(cleaned)
        scores = self.scorer.score_batch(cleaned, token_lists)
        found = self.classifier.classify_batch(cleaned, token_lists)
        aspects_list = self.scorer.aspect_sentiment_batch(cleaned, token_lists, found, scores)
        mask = mask_personal_data if self.options.mask else _unchanged
        results = []
        for index, text in enumerate(texts):
            categories, score, tokens = found[index], float(scores[index]), token_lists[index]
            annotation = {
                "sentiment_score": round(score, 4),
                "sentiment": self.scorer.label(score),
                "categories": "|".join(code for code, _ in categories) or OTHER,
                "evidence": "|".join(f"{code}:{','.join(words)}" for code, words in categories if words),
                "aspects": "|".join(f"{code}:{label}" for code, label in aspects_list[index]),
                "flag": junk_reason(text) or "",
            }
            if self.options.tokens:
                annotation["tokens"] = " ".join(tokens)
            if self.options.content_words:
                annotation[CONTENT_KEY] = self.segmenter.content_words(tokens)
            # Duplicates are compared on the cleaned, masked text; flagged rows never are.
            signature = None if annotation["flag"] else self.duplicates.signature(mask(cleaned[index]))
            results.append(TextAnalysis(annotation, mask(text), signature))
        return results

    def annotate(self, items):
        """Annotate ``[(text, row), ...]`` in this process; return ``[(row, signature), ...]``."""
        cache = AnnotationCache(self.options)
        missing = cache.claim_missing(text for text, _ in items)
        cache.store(missing, self.analyse(missing))
        return cache.rows(items)


class TextAnalysis(NamedTuple):
    """The annotation columns of one distinct text, its masked form and its duplicate signature.

    A tuple, not a dataclass: thousands a second are pickled between processes.
    """

    annotation: dict
    masked_text: str
    signature: tuple | None


def _unchanged(value):
    return value


_PENDING = object()
MASKED_VALUE_CACHE = 50_000  # short cell values (dates, cities, plans) masked once each


class AnnotationCache:
    """The parent process's memory of analysed texts, and the assembly of annotated rows.

    Exports repeat themselves (满意, 无, the same pasted complaint): each
    distinct text is analysed once, in whichever process, and every row with
    that text gets a copy of its annotation. At most CACHE_SIZE texts are kept.
    """

    def __init__(self, options):
        self.mask = mask_personal_data if options.mask else _unchanged
        self._analyses = {}
        self._masked = {}

    def __len__(self):
        return len(self._analyses)

    def clear(self):
        self._analyses.clear()

    def claim_missing(self, texts):
        """The distinct texts not analysed or requested yet; they are marked as requested."""
        analyses, missing = self._analyses, []
        for text in texts:
            text = text or ""
            if text not in analyses:
                analyses[text] = _PENDING
                missing.append(text)
        return missing

    def store(self, texts, analyses):
        self._analyses.update(zip(texts, analyses))

    def rows(self, items):
        """``[(annotated row, duplicate signature), ...]``: input columns masked, annotation added."""
        analyses, masked_get, mask_value = self._analyses, self._masked.get, self._mask_value
        results = []
        for text, row in items:
            analysis = analyses[text or ""]
            # The row is ours (the reader made it): values are replaced in place.
            for column, value in row.items():
                if value.__class__ is str:
                    if value == text:
                        row[column] = analysis.masked_text
                    else:
                        masked = masked_get(value)
                        row[column] = mask_value(value) if masked is None else masked
            row.update(analysis.annotation)
            results.append((row, analysis.signature))
        return results

    def _mask_value(self, value):
        masked = self.mask(value)
        if len(value) <= 40:  # short values repeat (dates, cities, plans); long ones rarely do
            if len(self._masked) >= MASKED_VALUE_CACHE:
                self._masked.clear()
            self._masked[value] = masked
        return masked


# Set in each worker process (and in the parent for jobs=1).
_ANNOTATOR = None


def _init_worker(options):
    global _ANNOTATOR
    if _ANNOTATOR is None or _ANNOTATOR.options != options:
        _ANNOTATOR = CommentAnnotator(options)


def _analyse_texts(texts):
    return _ANNOTATOR.analyse(texts)


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


class _Done:
    """Work already done in this process, with the ``get()`` of a pool's pending result."""

    def __init__(self, value):
        self.value = value

    def get(self):
        return self.value


@contextmanager
def _text_analysis(options, jobs):
    """A function that starts ``_analyse_texts`` on a list and returns its pending result."""
    _init_worker(options)
    if jobs <= 1:
        yield lambda texts: _Done(_analyse_texts(texts))
        return
    import multiprocessing

    # fork shares the already-loaded dictionaries and models with the workers.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    pool = context.Pool(jobs, initializer=_init_worker, initargs=(options,))
    try:
        yield lambda texts: pool.apply_async(_analyse_texts, (texts,))
        pool.close()
    finally:
        pool.terminate()
        pool.join()


def annotate_chunks(chunks, options, jobs=1):
    """Yield each chunk of ``(text, row)`` annotated, in input order, as ``[(row, signature), ...]``.

    The parent keeps the cache of analysed texts and sends only texts it has
    not seen to ``jobs`` worker processes, so a text repeated across chunks is
    analysed once however the chunks are spread. At most ``2 * jobs`` chunks
    are in flight, so memory stays bounded however long the input is.
    """
    cache = AnnotationCache(options)
    in_flight = 1 if jobs <= 1 else 2 * jobs
    pending = deque()

    def finish_oldest():
        chunk, missing, result = pending.popleft()
        if missing:
            cache.store(missing, result.get())
        return cache.rows(chunk)

    with _text_analysis(options, jobs) as start:
        for chunk in chunks:
            if len(cache) > CACHE_SIZE:
                while pending:  # rows in flight still need their cached texts
                    yield finish_oldest()
                cache.clear()
            missing = cache.claim_missing(text for text, _ in chunk)
            pending.append((chunk, missing, start(missing) if missing else None))
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


def annotate_stream(sources, options, *, jobs=1, chunk_size=2000, progress=None):
    """Yield annotated rows of all sources with ``duplicate_of`` filled in."""
    _, renamed = output_columns(sources, options)
    finder = DuplicateFinder()
    row_number = 0
    for annotated_chunk in annotate_chunks(chunked(iter_items(sources, renamed), chunk_size), options, jobs):
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
