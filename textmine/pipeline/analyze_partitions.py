"""``analyze``'s first pass over partitions read by the workers: the client only merges.

Each partition takes two tasks on the workers. The first (``read_partition``)
reads a byte range of an input (``textmine.pipeline.partitions``), masks and
analyses its rows, and keeps the Comments on its worker; the client gets back
only the duplicate signatures (``ReadPartition.signatures_only``). Taking the partitions
in input order, the client numbers the rows over all inputs and checks each
signature against every row before it, as the runner does. The second task
(``count_partition``) gives the kept Comments their numbers and duplicate
marks and runs them through a partial ``FirstPass`` (the aggregates, the
measures, the topic sample, a spool in memory), which the client merges in
input order. The merged state is that of a local run's first pass, so the
JSON summary, the topics and the workbook are the same
(``Aggregator.merge``); the client's work a row is a duplicate check and
copying the spool's bytes.

    >>> split = split_inputs(sources, read_options, mask=True)
    >>> count_partitions(split, executor, first_pass, progress=progress)
"""

from array import array
from collections import deque
from dataclasses import dataclass, replace

from textmine.io.read import ReadStats
from textmine.pipeline.annotate_partitions import NO_SIGNATURE, signatures_of_rows
from textmine.pipeline.partitions import PartitionExtent, read_partition_rows, results_in_order
from textmine.text.dedupe import DuplicateFinder


@dataclass
class ReadPartition:
    """A partition's rows as Comments (not yet numbered), kept on the worker that read them."""

    extent: PartitionExtent
    stats: ReadStats
    comments: list
    signature_of_row: array  # each row's index in ``signatures``, or NO_SIGNATURE
    signatures: list  # the distinct duplicate signatures of the partition's texts
    error: Exception | None = None  # a LineError that stopped the reading
    kept: object = None  # on the client: the worker's future of the whole ReadPartition

    def signatures_only(self):
        """What the client needs to number the rows and mark duplicates: all but the Comments."""
        return replace(self, comments=len(self.comments))


def read_partition(analyser, partition):
    """A worker task: the rows of ``partition`` read, masked and analysed (``ReadPartition``)."""
    rows, stats, extent, error = read_partition_rows(partition)
    comments = analyser.comments(rows, partition.source)
    return ReadPartition(extent, stats, comments, *signatures_of_rows(comments), error)


def partition_signatures(read):
    """A worker task on a kept ``ReadPartition``: its signatures, for the client."""
    return read.signatures_only()


def count_partition(read, first_number, duplicate_of, first_pass):
    """A worker task: the kept Comments numbered from ``first_number``, marked, and taken by ``first_pass``.

    ``duplicate_of``: {row index in the partition: number of its first copy};
    ``first_pass``: an empty partial ``FirstPass``. Returns it ``sendable``.
    """
    comments = [comment._replace(number=first_number + index, duplicate_of=duplicate_of.get(index))
                for index, comment in enumerate(read.comments)]
    first_pass.add(comments)
    return first_pass.sendable()


class _KeptRead:
    """A partition read and kept on its worker; ``result()``: its signatures, with ``kept``."""

    def __init__(self, executor, partition):
        self.kept = executor.submit_kept(read_partition, partition)
        self.signatures = executor.submit_on(partition_signatures, self.kept)

    def result(self):
        return replace(self.signatures.result(), kept=self.kept)


def count_partitions(split, executor, first_pass, *, partition_bytes=None, progress=None):
    """Run ``analyze``'s first pass over every partition of ``split`` on the executor's workers.

    The partials are merged into ``first_pass`` in input order; ``split.finish()``
    gives the sources the reader's counts. ``progress(rows, fraction)`` as for
    ``comment_chunks``. At most ``executor.in_flight`` partitions are being read
    and as many being counted, so the memory of the client and of the workers
    is bounded whatever the input.
    """
    duplicates = DuplicateFinder()
    check = duplicates.check_signature
    number, done, total = 0, 0, max(1, split.size)
    counting = deque()

    def count(partition, part):
        nonlocal number
        if part.error is not None:  # as a local run stops: at the first bad line in input order
            raise part.error.moved(split.lines_before(partition))
        split.add(partition, part.stats, part.extent)
        marks = {}
        signatures = part.signatures
        for index, signature in enumerate(part.signature_of_row):
            if signature != NO_SIGNATURE:
                first = check(number + 1 + index, signatures[signature])
                if first is not None:
                    marks[index] = first
        counting.append((partition, part.comments,
                         executor.submit_on(count_partition, part.kept, number + 1, marks,
                                            first_pass.partial())))
        number += part.comments

    def merge_oldest_count():
        nonlocal done
        partition, rows, pending = counting.popleft()
        first_pass.merge(pending.result())
        done += partition.end - partition.start
        if progress is not None:
            progress(rows, min(1.0, done / total))

    def read(partition):
        return _KeptRead(executor, partition)

    for partition, part in results_in_order(executor, split.partitions(partition_bytes, executor.workers), read):
        count(partition, part)
        if len(counting) >= executor.in_flight:
            merge_oldest_count()
    while counting:
        merge_oldest_count()
    split.finish()
