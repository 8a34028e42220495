"""The one module that knows the order of the stages.

read -> clean -> mask -> segment -> score / classify -> (dedupe) -> write.
Rows stream through in chunks, so memory does not grow with the input; with
``jobs > 1`` the per-comment stages run in worker processes, and results come
back in input order, so the output is identical to ``jobs=1``.

    >>> result = annotate_files(["samples/sms_replies.csv"], "out.csv")
    >>> result.rows_written == result.rows_read - result.rows_skipped
    True
"""

import os
from collections import Counter, deque
from dataclasses import dataclass, field

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
CACHE_SIZE = 200_000  # distinct texts whose annotations a process keeps
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
    """Runs the per-comment stages on a chunk of rows; built once per process."""

    def __init__(self, options):
        self.options = options
        self.lexicon = load_lexicon(
            user_dicts=options.user_dicts, stopword_files=options.stopword_files,
            synonym_files=options.synonym_files, taxonomy_file=options.taxonomy_file,
        )
        self.segmenter = Segmenter(self.lexicon)
        self.classifier = PainPointClassifier(self.lexicon.taxonomy)
        self.scorer = SentimentScorer(engine=options.sentiment_engine)
        self._cache = {}

    def analyse_texts(self, texts):
        """The per-text annotations of raw comment texts, computed once per distinct text.

        Exports repeat themselves (满意, 无, the same pasted complaint), so results
        are cached by raw text; the cache is cleared when it grows past
        CACHE_SIZE entries, which bounds memory. Every stage is a pure function of
        the text, so the cache changes speed, never results.
        """
        cache = self._cache
        missing = list(dict.fromkeys(text for text in texts if text not in cache))
        if missing:
            if len(cache) + len(missing) > CACHE_SIZE:
                cache.clear()
            cleaned = [clean_text(text) for text in missing]
            token_lists = self.segmenter.cut_many(cleaned)
            scores = self.scorer.score_batch(cleaned, token_lists)
            found = self.classifier.classify_batch(cleaned, token_lists)
            aspects_list = self.scorer.aspect_sentiment_batch(cleaned, token_lists, found, scores)
            for index, text in enumerate(missing):
                categories, score, tokens = found[index], float(scores[index]), token_lists[index]
                aspects = aspects_list[index]
                annotation = {
                    "sentiment_score": round(score, 4),
                    "sentiment": self.scorer.label(score),
                    "categories": "|".join(code for code, _ in categories) or OTHER,
                    "evidence": "|".join(f"{code}:{','.join(words)}" for code, words in categories if words),
                    "aspects": "|".join(f"{code}:{label}" for code, label in aspects),
                    "flag": junk_reason(text) or "",
                }
                if self.options.tokens:
                    annotation["tokens"] = " ".join(tokens)
                if self.options.content_words:
                    annotation[CONTENT_KEY] = self.segmenter.content_words(tokens)
                dedupe_text = mask_personal_data(cleaned[index]) if self.options.mask else cleaned[index]
                cache[text] = (annotation, dedupe_text)
        return [cache[text] for text in texts]

    def annotate(self, items):
        """Annotate ``[(text, row), ...]``; return ``[(row, dedupe_text), ...]``.

        Each returned row holds the input columns (masked unless turned off)
        plus the annotation columns; ``dedupe_text`` is the cleaned, masked text
        the duplicate finder compares.
        """
        mask = mask_personal_data if self.options.mask else (lambda value: value)
        analysed = self.analyse_texts([text or "" for text, _ in items])
        results = []
        for (_, row), (annotation, dedupe_text) in zip(items, analysed):
            annotated = {column: mask(value) if isinstance(value, str) else value
                         for column, value in row.items()}
            annotated.update(annotation)
            results.append((annotated, dedupe_text))
        return results


# Set in each worker process (and in the parent for jobs=1).
_ANNOTATOR = None


def _init_worker(options):
    global _ANNOTATOR
    if _ANNOTATOR is None or _ANNOTATOR.options != options:
        _ANNOTATOR = CommentAnnotator(options)


def _annotate_chunk(items):
    return _ANNOTATOR.annotate(items)


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


def annotate_chunks(chunks, options, jobs=1):
    """Yield annotated chunks in input order, ``jobs`` processes at a time.

    At most ``2 * jobs`` chunks are in flight, so memory stays bounded
    however long the input is.
    """
    _init_worker(options)
    if jobs <= 1:
        for chunk in chunks:
            yield _annotate_chunk(chunk)
        return
    import multiprocessing

    # fork shares the already-loaded dictionaries and models with the workers.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    pool = context.Pool(jobs, initializer=_init_worker, initargs=(options,))
    try:
        pending = deque()
        for chunk in chunks:
            pending.append(pool.apply_async(_annotate_chunk, (chunk,)))
            if len(pending) >= 2 * jobs:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()
        pool.close()
    finally:
        pool.terminate()
        pool.join()


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
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def annotate_stream(sources, options, *, jobs=1, chunk_size=1000, progress=None):
    """Yield annotated rows of all sources with ``duplicate_of`` filled in."""
    _, renamed = output_columns(sources, options)
    finder = DuplicateFinder()
    row_number = 0
    for annotated_chunk in annotate_chunks(chunked(iter_items(sources, renamed), chunk_size), options, jobs):
        for row, dedupe_text in annotated_chunk:
            row_number += 1
            first = finder.check(str(row_number), dedupe_text) if not row["flag"] else None
            row["duplicate_of"] = first or ""
            yield row
        if progress is not None:
            progress(len(annotated_chunk))


def annotate_files(paths, output, *, read_options=ReadOptions(), options=LanguageOptions(),
                   output_format=None, excel_escape=True, jobs=1, chunk_size=1000,
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
