"""Comments parked in a temporary file between the passes of ``analyze``."""

import io
import pickle
import tempfile
from array import array
from dataclasses import dataclass

from textmine.errors import OutputError

SPOOL_BATCH = 2000  # comments pickled together: each shared annotation is written once a batch


class CommentSpool:
    """Comments in a temporary file, pickled in batches, read back in order.

    Pickling a batch at a time is several times faster than a JSON line per row
    and stores each column name and each shared annotation once per batch. Each
    comment's content words go to a second, small file as well, so the topic
    pass reads only those (``content_keys``). ``topics`` (filled by the topic
    pass) holds one topic id per comment, in order.
    """

    def __init__(self, *, in_memory=False):
        # In memory: a worker's spool of one partition, sent to the client (``spooled``, ``append``).
        self._comments = io.BytesIO() if in_memory else tempfile.TemporaryFile()
        self._keys = io.BytesIO() if in_memory else tempfile.TemporaryFile()
        self._batch, self._key_batch = [], []
        self._batch_ends = []  # (where a batch of comments ends in its file, its comments)
        self._slim = {}  # id(annotation) -> (the annotation, kept alive so the id stays its own; its spooled copy)
        self.topics = None
        self.count = 0

    def write(self, comment, counted):
        """Park one comment; ``counted``: whether the topic sizes count it.

        Read back, the comment has no content words nor duplicate signature: they are
        in the second file, and used before the spool. Left out, a distinct review-length
        comment takes 21 -> 14 µs to read back (650 -> 420 bytes), which the workbook's
        明细 pays once a row.
        """
        self.count += 1
        annotation = comment.annotation
        self._key_batch.append((annotation.content_words or (), counted))
        if annotation.content_words is not None or annotation.signature is not None:
            # One copy a batch of an annotation that rows share, as pickle would keep it.
            held = self._slim.get(id(annotation))
            if held is None:
                held = self._slim[id(annotation)] = (annotation, annotation._replace(content_words=None,
                                                                                   signature=None))
            comment = comment._replace(annotation=held[1])
        self._batch.append(comment)
        if len(self._batch) >= SPOOL_BATCH:
            self._flush()

    def _flush(self):
        if self._batch:
            try:
                pickle.dump(self._batch, self._comments, protocol=pickle.HIGHEST_PROTOCOL)
                self._batch_ends.append((self._comments.tell(), len(self._batch)))
                pickle.dump(self._key_batch, self._keys, protocol=pickle.HIGHEST_PROTOCOL)
                self._comments.flush()  # a full disk shows here, not later when the file is read back
                self._keys.flush()
            except OSError as exc:  # a full disk: say where, which the bare OSError does not
                raise _no_room(exc) from exc
            self._batch, self._key_batch = [], []
            self._slim = {}

    def __iter__(self):
        """The comments, in order."""
        return self._read(self._comments)

    def pickled_batches(self):
        """``(pickled list of comments, their number)`` of each batch, in order, as the spool holds them.

        For work on the comments in other processes: the bytes go as they are, and
        only the process that works on a batch unpickles it.
        """
        self._flush()
        start = 0
        for end, count in self._batch_ends:
            self._comments.seek(start)
            yield self._comments.read(end - start), count
            start = end

    def spooled(self):
        """``SpooledComments``: the bytes of this spool's batches, for another spool to ``append``."""
        self._flush()
        return SpooledComments(self._comments.getvalue(), self._keys.getvalue(), list(self._batch_ends), self.count)

    def append(self, spooled):
        """Add the comments of ``spooled`` after those written so far, their batches as they are."""
        self._flush()
        start = self._comments.seek(0, io.SEEK_END)
        self._keys.seek(0, io.SEEK_END)
        try:
            self._comments.write(spooled.comments)
            self._keys.write(spooled.keys)
            self._comments.flush()
            self._keys.flush()
        except OSError as exc:
            raise _no_room(exc) from exc
        self._batch_ends += [(start + end, count) for end, count in spooled.batch_ends]
        self.count += spooled.count

    def content_keys(self):
        """``(content words, counted)`` of each comment, in order."""
        return self._read(self._keys)

    def no_topics(self):
        """Give every comment 'no topic'."""
        self.topics = array("i", [-1]) * self.count

    def _read(self, file):
        self._flush()
        file.seek(0)
        while True:
            try:
                batch = pickle.load(file)
            except EOFError:
                return
            yield from batch

    def close(self):
        self._comments.close()
        self._keys.close()


@dataclass
class SpooledComments:
    """The pickled batches of a spool (``CommentSpool.spooled``): where each ends, and its comments."""

    comments: bytes
    keys: bytes
    batch_ends: list
    count: int


def _no_room(exc):
    return OutputError(f"temporary file in {tempfile.gettempdir()}: cannot write: "
                       f"{exc.strerror or exc} (set TMPDIR to a folder with room)")
