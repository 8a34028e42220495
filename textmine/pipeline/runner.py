"""The runner: every input row, in order, as a ``textmine.record.Comment``.

read -> clean -> mask -> segment -> score / classify -> duplicate check. Rows
stream through in chunks, so memory does not grow with the input. Each
distinct comment text is analysed once, by the executor (this process, worker
processes, or a cluster: ``textmine.pipeline.executors``), while this process
reads, masks the other cells and checks duplicates. Results come back in input
order, so the output is the same for any number of jobs. Every consumer (the
annotate writer, the aggregator, the topic sample, the spool) reads the one
stream of Comments.

    >>> with LocalExecutor(options, jobs=2) as executor:
    ...     for chunk in comment_chunks(sources, executor): ...
"""

from collections import Counter, deque
from dataclasses import dataclass, field
from itertools import islice

from textmine.errors import ConfigError, InputError, TextmineError, naming_unexpected_errors, note_where
from textmine.io.formats import ROW_LIKE_CELL
from textmine.io.names import unique_names
from textmine.io.read import open_feedback
from textmine.memo import BoundedMemo
from textmine.pipeline.annotator import MAX_ANALYSED_CHARS
from textmine.record import Comment
from textmine.text.dedupe import DuplicateFinder
from textmine.text.mask import CellMasker, mask_personal_data

CACHE_SIZE = 100_000  # distinct texts whose annotations the runner keeps (see _AnnotationCache)
CHUNK_SIZE = 2000  # rows a chunk; the first chunks are smaller so that every worker starts at once


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
    notes: list = field(default_factory=list)  # warnings not about a row (a column renamed): always shown
    first_place: dict = field(default_factory=dict)  # reason -> "file line N" of its first row

    @property
    def rows_skipped(self):
        return sum(self.skipped_by_reason.values())

    def count_comments(self, comments):
        """Count the flags and duplicate marks of comments, and those analysed on their start only."""
        for comment in comments:
            if len(comment.text) > MAX_ANALYSED_CHARS:
                self.warnings[f"analysed_on_first_{MAX_ANALYSED_CHARS}_chars"] += 1
            if comment.annotation.flag:
                self.flagged[comment.annotation.flag] += 1
            if comment.duplicate_of is not None:
                self.duplicates += 1

    def add_read_stats(self, sources):
        """Add what the readers counted: rows read, skipped and repaired."""
        for source in sources:
            stats = source.stats
            self.rows_read += stats.rows_read
            self.skipped_by_reason.update(stats.skipped_by_reason)
            self.warnings.update(stats.warnings)
            self.notes += [note for note in stats.notes if note not in self.notes]
            for reason, line in stats.first_line_of.items():
                self.first_place.setdefault(reason, f"{source.name} line {line:,}")
            suspect = self.warnings.pop(ROW_LIKE_CELL, 0)
            if suspect:
                # Not a repair: the rows were read as the quotes say, which may be wrong. Always said.
                self.add_notes([f"{self.first_place.pop(ROW_LIKE_CELL)}: a quoted cell runs over lines that look "
                                f"like rows of their own ({suspect:,} such cell{'s' if suspect > 1 else ''}); if they "
                                'are rows, a closing quote is missing or a quote inside a cell is not doubled ("")'])

    def add_notes(self, notes):
        self.notes += [note for note in notes if note not in self.notes]


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


def open_sources(paths, read_options, stdin=None, *, mask=False):
    """Open every input; fail before writing anything if one cannot be read.

    With ``mask``, column names are masked too (a JSONL key or a header can
    hold a phone number): every later stage sees only the masked names.
    """
    sources = []
    for path in paths:
        with naming_unexpected_errors(f"reading {'<stdin>' if str(path) == '-' else path}"):
            sources.append(open_feedback(path, fmt=read_options.input_format, encoding=read_options.encoding,
                                         sheet=read_options.sheet, text_column=read_options.text_column,
                                         stdin=stdin))
    if mask:
        for source in sources:
            _mask_column_names(source)
    return sources


def _mask_column_names(source):
    masked = [mask_personal_data(column) for column in source.columns]
    if masked == source.columns:
        return
    changed = sum(old != new for old, new in zip(source.columns, masked))
    source.rename_columns(unique_names(masked))  # two names can become one: 电话<手机号>
    source.stats.note(f"{source.name}: {changed:,} column name(s) held personal data and are masked")


def _row_chunks(sources, size):
    """Lists of ``(source, row)`` for every row of every source, in order.

    The first lists are smaller (``size // 8``, then doubling up to ``size``),
    so that every worker starts at once.
    """
    chunk, limit = [], max(1, size // 8)
    for source in sources:
        rows, done = iter(source.rows), 0
        while True:
            try:
                block = list(islice(rows, limit - len(chunk)))
            except TextmineError:
                raise
            except MemoryError as exc:
                note_where(exc, f"reading {source.name}")
                raise
            except Exception as exc:  # noqa: BLE001 - whatever a reader hits, the message names the file
                raise InputError(f"{source.name}: cannot read the rows after row {done:,} "
                                 f"({type(exc).__name__}: {exc})") from exc
            if not block:
                break
            done += len(block)
            chunk += [(source, row) for row in block]
            if len(chunk) >= limit:
                yield chunk
                chunk, limit = [], min(size, limit * 2)
    if chunk:
        yield chunk


_PENDING = None  # the cache's value for a text whose analysis is in flight


def _processing(chunk):
    """``"processing survey.csv"``: the files a chunk of ``(source, row)`` comes from (usually one)."""
    return "processing " + ", ".join(dict.fromkeys(source.name for source, _ in chunk))


def processing(comments):
    """``"processing survey.csv"``: the files some Comments come from, for ``errors.note_where``."""
    return "processing " + ", ".join(dict.fromkeys(comment.source for comment in comments))


class _AnnotationCache:
    """The runner's memory of analysed texts: each distinct text is analysed once.

    A text claimed by a chunk in flight must stay until that chunk is finished,
    so the runner, not the memo, decides when to make room (``full``,
    ``make_room``). Room is made by forgetting the texts seen only once: a text
    that came back (满意, 无, a pasted complaint) is likely to come back again.
    On the 1,000,000 survey rows (288,000 distinct texts) this analyses 317,000
    texts with room for 100,000, where emptying the whole memo analysed 327,000
    with room for 200,000; on 200,000 distinct comments the parent's peak fell
    from 626 to 488 MB (``annotate``, two workers).
    """

    def __init__(self, masker):
        self.annotations = BoundedMemo(CACHE_SIZE)  # text -> Annotation (or _PENDING)
        self.repeated = set()  # the texts claimed again while in the memo
        self.masker = masker

    @property
    def full(self):
        return len(self.annotations) > self.annotations.limit

    def claim_missing(self, texts):
        """The distinct texts not analysed or claimed yet; they are marked as claimed."""
        annotations, missing, repeated = self.annotations, [], self.repeated
        for text in texts:
            if text not in annotations:
                annotations[text] = _PENDING
                missing.append(text)
            else:
                repeated.add(text)
        return missing

    def make_room(self):
        """Forget the texts seen once; every text, when those seen again fill more than half the memo.

        Call it with no chunk in flight: each text kept is analysed.
        """
        annotations = self.annotations
        if len(self.repeated) > annotations.limit // 2:
            self.repeated = set()
        kept = {text: annotations[text] for text in self.repeated}
        annotations.clear()
        annotations.update(kept)

    def store(self, texts, annotations):
        self.annotations.update(zip(texts, annotations))
        if self.masker is not None:  # a cell holding one of these texts needs no test of its own
            self.masker.learn(texts, [text if annotation.masked_text is None else annotation.masked_text
                                      for text, annotation in zip(texts, annotations)])


def read_fraction(sources):
    """How much of all the inputs has been read, 0 to 1, each weighed by its size; None if unknown."""
    sizes = [source.size for source in sources]
    if not sizes or None in sizes or not sum(sizes):
        return None
    fractions = [source.read_fraction() for source in sources]
    if None in fractions:
        return None
    return sum(size * fraction for size, fraction in zip(sizes, fractions)) / sum(sizes)


def comment_chunks(sources, executor, *, mask=True, chunk_size=None, progress=None, mark_duplicates=True):
    """Yield every row of ``sources`` as lists of ``Comment``, in input order.

    ``mark_duplicates=False`` leaves ``duplicate_of`` None for a consumer that
    marks duplicates itself (the store, against every comment stored before).

    This process keeps the cache of analysed texts and gives the executor only
    texts it has not seen, so a text repeated across chunks is analysed once
    however the chunks are spread. At most ``executor.in_flight`` chunks are
    pending, so memory stays bounded however long the input is. Chunks hold
    ``chunk_size`` rows, by default the executor's.

    ``progress(rows, fraction)`` is called as each chunk is done: its rows, and
    how much of the input had been read when it was (``read_fraction``).
    """
    masker = CellMasker() if mask else None
    # The source_file cell: a file exported per customer may be named after a phone number.
    source_names = {id(source): mask_personal_data(source.name) if mask else source.name for source in sources}
    cache = _AnnotationCache(masker)
    duplicates = DuplicateFinder()
    pending = deque()
    number = 0

    def finish_oldest():
        chunk, texts, missing, result, fraction = pending.popleft()
        try:
            return comments_of(chunk, texts, missing, result, fraction)
        except Exception as exc:  # a stage's bug: the CLI's one line names the file
            note_where(exc, _processing(chunk))
            raise

    def comments_of(chunk, texts, missing, result, fraction):
        nonlocal number
        if missing:
            cache.store(missing, result.result())
        rows = [row for _, row in chunk]
        if masker is not None:
            masker.mask_rows(rows)  # the rows are ours (the reader made them): masked in place
        annotations = cache.annotations
        comments = []
        for (source, row), text in zip(chunk, texts):
            number += 1
            annotation = annotations[text]
            if masker is not None and annotation.masked_text is not None:
                # The comment's cell as the annotation masked it: the masker's memory of it may be gone,
                # and masking the cell as written may miss what the analysis found (markup in a number).
                row[source.text_column] = annotation.masked_text
            duplicate_of = duplicates.check_signature(number, annotation.signature) if mark_duplicates else None
            comments.append(Comment(number, source_names[id(source)], row, annotation.masked_text or text,
                                    annotation, duplicate_of))
        if progress is not None:
            progress(len(comments), fraction)
        return comments

    for chunk in _row_chunks(sources, chunk_size or executor.chunk_size):
        if cache.full:
            while pending:  # rows in flight still need their cached texts
                yield finish_oldest()
            cache.make_room()
        texts = [row.get(source.text_column) or "" for source, row in chunk]
        missing = cache.claim_missing(texts)
        fraction = read_fraction(sources) if progress is not None else None
        try:
            result = executor.analyse(missing) if missing else None
        except Exception as exc:
            note_where(exc, _processing(chunk))
            raise
        pending.append((chunk, texts, missing, result, fraction))
        if len(pending) >= executor.in_flight:
            yield finish_oldest()
    while pending:
        yield finish_oldest()
