"""Inputs cut into partitions that cluster workers read themselves: byte ranges that start on a line.

The client (``split_inputs``) reads only each file's header and cuts the rest
into byte ranges that start just after a line end; a worker reads its range
(``read_partition``), decodes, parses, masks and analyses it, and sends back
compact results. A small file is one partition, so a many-file input is
partitioned by whole files as well.

A CSV cell may hold line ends (work orders quote their paragraphs), so a cut
may fall inside a record. A worker therefore reads every record that *starts*
in its range, reading past the range's end to finish the last one, and says
where it stopped. The client takes the results in input order
(``results_in_order``): a partition that did not start where the one before it
stopped is read again from there. Each partition is parsed from a record
boundary, as one reader over the whole file would, so the rows, the repairs
and their line numbers are the same as a local run's. JSON Lines hold one
record a line and never cross a cut.

Formats that cannot be cut are read by the client as before: xlsx, Parquet,
stdin (and FIFOs), and UTF-16 (its line ends are two bytes).

    >>> split = split_inputs(sources, ReadOptions(), mask=True)
    >>> partitions = split.partitions(partition_bytes=4 << 20)
"""

import csv
import hashlib
import os
import stat
from collections import deque
from dataclasses import dataclass, replace

from textmine.errors import InputError, LineError, TextmineError
from textmine.io.formats import TrackedLines, delimited_rows, jsonl_rows, parse_json_lines, read_delimited_header
from textmine.io.lines import CountedLines, LineRange, decoded_lines, line_end_of
from textmine.io.read import SAMPLE_BYTES, ReadStats
from textmine.memo import BoundedMemo
from textmine.record import Comment
from textmine.text.mask import CellMasker, mask_personal_data

PARTITION_BYTES = 4 << 20  # about 20,000 survey rows or 15,000 app reviews: 2 to 3 s of one core
MIN_PARTITION_BYTES = 64 << 10  # smaller inputs are cut for each worker thread to have work, not finer
WORKER_CACHE_SIZE = 100_000  # distinct texts whose annotations a worker keeps from one partition to the next
SPLIT_FORMATS = ("csv", "tsv", "jsonl")
_BOM_UTF8 = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class SplitSource:
    """One input file as its partitions' readers need it: how to decode and parse any range of it."""

    index: int  # the input's place among the inputs
    path: str  # absolute: a worker's working folder is not the client's
    name: str  # as messages name it
    cell_name: str  # the source_file cell (masked)
    format: str
    encoding: str  # how its lines are decoded (past a UTF-8 BOM: utf-8)
    strict_given: bool  # the user gave the encoding: no fallback encoding for odd lines
    line_end: str
    delimiter: str | None
    read_columns: tuple  # the column names in the file
    columns: tuple  # the names rows are given (masked, made unique)
    text_column: str
    data_start: int  # the byte where the data rows start
    header_lines: int  # the lines before it
    size: int
    fingerprint: str  # of its size, time, first and last bytes: a worker checks it reads the same file
    modified: int  # its modification time in nanoseconds: each range's reader checks it


@dataclass(frozen=True)
class Partition:
    """A byte range of a ``SplitSource``: the records that start in ``[start, end)``."""

    source: SplitSource
    start: int
    end: int


@dataclass
class PartitionExtent:
    """Where a partition's reading stopped: ``stop`` (a record boundary) and the lines it read."""

    start: int
    stop: int
    lines: int


def _splittable_file(path):
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def _split_source(index, source, read_options, mask):
    """A ``SplitSource`` and the reader's counts for the header, or None when the input cannot be cut."""
    if source.format not in SPLIT_FORMATS or source.name == "<stdin>" or not _splittable_file(source.name):
        return None
    encoding = source.encoding
    if encoding is None or encoding.replace("_", "-").lower().startswith("utf-16"):
        return None
    header_stats = ReadStats()
    with open(source.name, "rb", buffering=SAMPLE_BYTES) as stream:
        head = stream.peek(SAMPLE_BYTES)[:SAMPLE_BYTES]
        line_end = line_end_of(head, encoding)
        bom = 0
        if encoding.replace("_", "-").lower() in ("utf-8-sig", "utf8-sig"):
            encoding = "utf-8"
            bom = len(_BOM_UTF8) if head.startswith(_BOM_UTF8) else 0
        stream.seek(bom)
        data_start, delimiter, header_lines = bom, None, 0
        if source.format != "jsonl":
            lines = CountedLines(stream, encoding, header_stats, name=source.name,
                                 strict_given=read_options.encoding is not None, line_end=line_end)
            columns, delimiter, reader = read_delimited_header(
                lines, source.name, header_stats, "\t" if source.format == "tsv" else None)
            header_lines = reader.line_num
            # The header reader took a line it did not parse (blank lines before the header), or the
            # columns are not those the client opened: the data's start is not known for sure.
            if len(lines.sizes) != header_lines or columns != source.read_columns:
                return None
            data_start += lines.bytes_read
    split = SplitSource(index, os.path.abspath(source.name), source.name, mask_personal_data(source.name) if mask else source.name,
                        source.format, encoding, read_options.encoding is not None, line_end, delimiter,
                        tuple(source.read_columns), tuple(source.columns), source.text_column, data_start,
                        header_lines, source.size, *_fingerprint(source.name))
    return split, header_stats


FINGERPRINT_BYTES = 1 << 16


def _fingerprint(path):
    """``(hash, modification time)``: a hash of a file's size, modification time (in nanoseconds) and
    first and last 64 KB (the header among them), and the time it hashed.

    Cheap, and enough to tell another file at the same path (an export of
    another day, a copy put in its place) from this one. A shared disk gives
    every machine the same modification time, to the nanosecond. (A disk that
    keeps coarser times gives the client and the workers different ones: the
    client then reads the file itself.) A copy made to look the same (same
    size, time and first and last bytes) is not told apart.
    """
    with open(path, "rb") as stream:
        status = os.fstat(stream.fileno())
        digest = hashlib.blake2b(f"{status.st_size}:{status.st_mtime_ns}".encode(), digest_size=16)
        digest.update(stream.read(FINGERPRINT_BYTES))
        if status.st_size > FINGERPRINT_BYTES:
            stream.seek(max(FINGERPRINT_BYTES, status.st_size - FINGERPRINT_BYTES))
            digest.update(stream.read(FINGERPRINT_BYTES))
    return digest.hexdigest(), status.st_mtime_ns


_SEEN_AS_THE_CLIENT_DOES = BoundedMemo(1000)  # (path, fingerprint) this worker process has checked


def _sees_as_the_client(split, *, again=False):
    """True when this process sees ``split``'s file as the client did (``_fingerprint``); an OSError passes.

    Asked of every worker when the run starts (``workers_see``, ``again``: a
    worker lives on from run to run, and what it sees at a path may change), and
    by a worker before its first range of a file (``read_partition``): one that
    joined later was not asked at the start. There a file once seen the same is
    not hashed again.
    """
    key = (split.path, split.fingerprint)
    if not again and key in _SEEN_AS_THE_CLIENT_DOES:
        return True
    if _fingerprint(split.path)[0] != split.fingerprint:
        return False
    _SEEN_AS_THE_CLIENT_DOES.remember(key, True)
    return True


class SplitInputs:
    """The inputs cut into partitions, and the row accounting their readers add up to.

    ``add(partition, stats, extent)`` takes each partition's reader counts in
    input order; ``finish()`` gives each source the counts of the whole file,
    line numbers counted from its first line, as a local run's reader has them.
    """

    def __init__(self, sources, splits, header_stats):
        self.sources = sources
        self.splits = splits
        self._stats = []
        for source, stats in zip(sources, header_stats):
            stats.notes = list(source.stats.notes)  # column names renamed or masked, said when opened
            self._stats.append(stats)
        self._lines_before = [split.header_lines for split in splits]

    @property
    def size(self):
        return sum(split.size - split.data_start for split in self.splits)

    def partitions(self, partition_bytes=None, workers=1):
        """Every partition of every input, in input order.

        Ranges are ``partition_bytes`` long, each moved on to just past a line
        end. By default ``PARTITION_BYTES``, shorter when the inputs would
        otherwise give fewer than two partitions per worker thread (down to
        ``MIN_PARTITION_BYTES``).
        """
        size = partition_bytes or max(MIN_PARTITION_BYTES,
                                      min(PARTITION_BYTES, self.size // max(1, 2 * workers) + 1))
        partitions = []
        for split in self.splits:
            cuts = [split.data_start]
            with open(split.path, "rb") as stream:
                while cuts[-1] + size < split.size:
                    cut = _next_line_start(stream, cuts[-1] + size, split.line_end.encode("ascii"))
                    if cut >= split.size:
                        break
                    cuts.append(cut)
            cuts.append(split.size)
            partitions += [Partition(split, start, end) for start, end in zip(cuts, cuts[1:])]
        return partitions

    def lines_before(self, partition):
        """The lines of its file before ``partition`` (once the partitions before it are added)."""
        return self._lines_before[partition.source.index]

    def add(self, partition, stats, extent):
        """Count a partition's reader: its rows, skips and repairs, their first lines over the file."""
        index = partition.source.index
        total, before = self._stats[index], self._lines_before[index]
        total.rows_read += stats.rows_read
        total.skipped_by_reason.update(stats.skipped_by_reason)
        total.warnings.update(stats.warnings)
        for reason, line in stats.first_line_of.items():
            total.first_line_of.setdefault(reason, before + line)
        self._lines_before[index] = before + extent.lines

    def finish(self):
        """Each source's counts become those of its partitions (its own readers only peeked)."""
        for source, stats in zip(self.sources, self._stats):
            source.stats = stats


def workers_see(splits):
    """True when this process sees each of ``splits`` as the client does: same path, size, time, first and last bytes.

    Run on a worker before it is given ranges: the inputs must be on a disk
    the workers share with the client (else the client reads them).
    """
    try:
        return all(_sees_as_the_client(split, again=True) for split in splits)
    except OSError:
        return False


def split_inputs(sources, read_options, *, mask):
    """``SplitInputs`` over ``sources`` when every one can be cut into byte ranges, else None."""
    splits, header_stats = [], []
    for index, source in enumerate(sources):
        split = _split_source(index, source, read_options, mask)
        if split is None:
            return None
        splits.append(split[0])
        header_stats.append(split[1])
    return SplitInputs(sources, splits, header_stats)


def _next_line_start(stream, offset, separator):
    """The byte just past the first line end at or after ``offset`` (the file's size if none)."""
    stream.seek(offset)
    position = offset
    while True:
        block = stream.read(1 << 16)
        if not block:
            return position
        found = block.find(separator)
        if found >= 0:
            return position + found + 1
        position += len(block)


class _RangeReader:
    """A CSV reader that ends before a record that would start past its range.

    The record that starts in the range and ends past it is read whole: the
    lines after the range (``CountedLines``) are read only for it.
    """

    def __init__(self, reader, in_range):
        self._reader = reader
        self._range = in_range

    @property
    def line_num(self):
        return self._reader.line_num

    def __iter__(self):
        return self

    def __next__(self):
        if self._range.exhausted and self._reader.line_num >= self._range.lines:
            raise StopIteration
        return next(self._reader)


def read_partition(partition, stats):
    """``(rows, extent)``: the rows of the records that start in ``partition``; ``extent()`` once they are read.

    Line numbers in ``stats`` count from the partition's first line.
    """
    split = partition.source
    try:
        seen = _sees_as_the_client(split)
    except OSError:
        seen = True  # open() below says why, naming the file
    if not seen:
        raise InputError(f"{split.name}: changed while it was read, or a worker sees another file at its path "
                         "(its size, time or first and last bytes differ from what the client saw)")
    try:
        stream = open(split.path, "rb", buffering=1 << 16)
    except OSError as exc:  # deleted or moved during the run: the file's fault, not the cluster's
        raise InputError(f"{split.name}: cannot be read any more ({exc.strerror or type(exc).__name__}); "
                         "was it moved or deleted while it was read?") from exc
    status = os.fstat(stream.fileno())
    if status.st_size != split.size:
        stream.close()
        raise InputError(f"{split.name}: changed while it was read ({status.st_size:,} bytes now, {split.size:,} "
                         "when the run started), or the worker sees another file at its path")
    if status.st_mtime_ns != split.modified:
        stream.close()
        raise InputError(f"{split.name}: changed while it was read (modified at another time than when the run "
                         "started), or the worker sees another file at its path")
    stream.seek(partition.start)
    in_range = LineRange(stream, partition.end - partition.start, split.line_end)
    lines = decoded_lines(in_range, split.encoding, stats, name=split.name, strict_given=split.strict_given,
                          line_end=split.line_end)
    past_end = []

    def extent():
        taken = past_end[0] if past_end else None
        return PartitionExtent(partition.start, partition.end + (taken.bytes_read if taken else 0),
                               in_range.lines + (len(taken.sizes) if taken else 0))

    if split.format == "jsonl":
        rows = jsonl_rows(parse_json_lines(lines, stats), split.read_columns, stats, split.columns)
        return _closing(rows, stream), extent

    def with_lines_past_end():
        yield from lines
        taken = CountedLines(stream, split.encoding, stats, name=split.name, strict_given=split.strict_given,
                             line_end=split.line_end, first_number=in_range.lines + 1)
        past_end.append(taken)
        yield from taken

    tracked = TrackedLines(with_lines_past_end())
    reader = _RangeReader(csv.reader(tracked, delimiter=split.delimiter), in_range)
    rows = delimited_rows(reader, list(split.columns), split.delimiter, stats, split.name, tracked)
    return _closing(rows, stream), extent


def _closing(rows, stream):
    try:
        yield from rows
    finally:
        stream.close()


def read_partition_rows(partition):
    """``(rows, stats, extent, error)`` of a partition, read whole.

    An error at a line (``LineError``) is given back, not raised: its line
    counts from the partition's start, and only the client knows the lines
    before it (``SplitInputs.lines_before``). An unexpected failure names the file.
    """
    stats = ReadStats()
    rows, extent = read_partition(partition, stats)
    try:
        rows = list(rows)
    except LineError as exc:
        return [], stats, extent(), exc
    except (TextmineError, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - whatever a reader hits, the message names the file
        raise InputError(f"{partition.source.name}: cannot read the rows of bytes {partition.start:,} to "
                         f"{partition.end:,} ({type(exc).__name__}: {exc})") from exc
    return rows, stats, extent(), None


def results_in_order(executor, partitions, submit):
    """``(partition, result)`` over ``partitions``, in input order, at most ``executor.in_flight`` pending.

    ``submit(partition)`` sends a partition's task to a worker (as
    ``executor.submit_partition`` does) and returns a pending result whose
    ``result()`` has an ``extent``. A partition that did not start where the one
    before it stopped (a record crossed the cut) is read again from there, here
    and now: rare, and only that partition waits.
    """
    pending = deque()
    expected = {}  # source index -> where its next partition must start

    def finish_oldest():
        partition, future = pending.popleft()
        result = future.result()
        start = expected.get(partition.source.index, partition.source.data_start)
        if partition.start != start:
            partition = replace(partition, start=start, end=max(start, partition.end))
            result = submit(partition).result()
        expected[partition.source.index] = result.extent.stop
        return partition, result

    for partition in partitions:
        pending.append((partition, submit(partition)))
        if len(pending) >= executor.in_flight:
            yield finish_oldest()
    while pending:
        yield finish_oldest()


class PartitionAnalyser:
    """A worker's part of a run over partitions: its models, its memory of analysed texts, its cell masker.

    Each distinct text is analysed once per worker (not once per run: a text
    repeated in partitions that run on two workers is analysed on both);
    the other cells are masked as the runner masks them.
    """

    def __init__(self, annotator):
        self.annotator = annotator
        self.annotations = BoundedMemo(WORKER_CACHE_SIZE)  # text -> Annotation
        self.masker = CellMasker() if annotator.options.mask else None

    def comments(self, rows, split):
        """The rows as ``Comment`` records, masked, in order; numbers and duplicate marks are the client's."""
        texts = [row.get(split.text_column) or "" for row in rows]
        annotations = self.annotations
        known = {text: annotations.get(text) for text in texts}  # the memo may empty itself below
        missing = [text for text, annotation in known.items() if annotation is None]
        if missing:
            found = self.annotator.analyse(missing)
            known.update(zip(missing, found))
            annotations.remember_many(list(zip(missing, found)))
            if self.masker is not None:  # a cell holding one of these texts needs no test of its own
                self.masker.learn(missing, [text if annotation.masked_text is None else annotation.masked_text
                                            for text, annotation in zip(missing, found)])
        if self.masker is not None:
            self.masker.mask_rows(rows)
            for row, text in zip(rows, texts):  # the comment's cell as its annotation masked it, as the runner does
                if known[text].masked_text is not None:
                    row[split.text_column] = known[text].masked_text
        name = split.cell_name
        return [Comment(0, name, row, known[text].masked_text or text, known[text], None)
                for row, text in zip(rows, texts)]
