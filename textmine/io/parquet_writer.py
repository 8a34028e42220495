"""Annotated rows as Parquet: one file, or a folder of parts when the output is large.

Up to ``PART_ROWS`` rows the output is one Parquet file at the path given.
Past that it becomes a folder of that name holding ``part-00000.parquet``,
``part-00001.parquet``, ... of ``PART_ROWS`` rows each (the layout Spark,
Dask and pandas read as one dataset: ``pandas.read_parquet("out.parquet")``
works on both). Every column is text, as in the CSV output, except
``sentiment_score``, ``duplicate_of`` and ``topic``, which are numbers
(``textmine.io.cells.NUMBER_COLUMNS``; an empty cell is null).

As for every file textmine writes, the output appears whole or not at all:
parts go to a temporary folder beside the target, which is renamed over it
at the end. pyarrow is imported only here (the cluster extra).

    >>> with ParquetRowWriter.open("out.parquet", ["意见", "sentiment"]) as writer:
    ...     writer.write_rows([{"意见": "网速太慢", "sentiment": "neg"}])
"""

import os
import shutil
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

from textmine.errors import OutputError
from textmine.io.cells import NUMBER_COLUMNS

PART_ROWS = 1_000_000  # rows a part: past this the output is a folder of parts
ROW_GROUP_ROWS = 100_000  # rows a row group: what a reader loads at a time
_PART_NAME = "part-{:05d}.parquet"


def _pyarrow():
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError as exc:
        raise OutputError("writing Parquet needs pyarrow: pip install '.[cluster]' in textmine's folder") from exc
    return pyarrow


class ParquetRowWriter:
    """Rows (dicts of cells) into Parquet parts in ``folder``; ``rows_written`` counts them."""

    def __init__(self, folder, columns, *, part_rows=None):
        self.pa = _pyarrow()
        self.columns = list(columns)
        self.folder = Path(folder)
        self.part_rows = part_rows or PART_ROWS
        kinds = {"double": self.pa.float64(), "int64": self.pa.int64()}
        self.schema = self.pa.schema([(column, kinds.get(NUMBER_COLUMNS.get(column), self.pa.string()))
                                      for column in self.columns])
        self.parts = []
        self.rows_written = 0
        self._writer = None
        self._part_written = 0
        self._rows = []  # rows given one at a time, converted in batches
        self._arrays = []  # converted batches, written as one row group
        self._buffered = 0

    def write_row(self, row):
        self._rows.append(row)
        if len(self._rows) >= 2000:
            self.write_rows([])

    def write_rows(self, rows):
        rows = list(rows)
        if self._rows:
            rows, self._rows = self._rows + rows, []
        while rows:
            # A batch never crosses the end of a part.
            room = self.part_rows - self._part_written - self._buffered
            batch, rows = rows[:room], rows[room:]
            self._arrays.append(self._converted(batch))
            self._buffered += len(batch)
            self.rows_written += len(batch)
            if self._buffered >= ROW_GROUP_ROWS or self._part_written + self._buffered >= self.part_rows:
                self._write_row_group()

    def _converted(self, rows):
        """One Arrow array a column; numbers parsed, empty cells null."""
        arrays = []
        for column, field in zip(self.columns, self.schema):
            values = [row.get(column, "") for row in rows]
            if field.type == self.pa.string():
                values = [value if value.__class__ is str else str(value) for value in values]
            else:
                number = float if field.type == self.pa.float64() else int
                values = [None if value in ("", None) else number(value) for value in values]
            arrays.append(self.pa.array(values, type=field.type))
        return arrays

    def _write_row_group(self):
        if not self._buffered:
            return
        if self._writer is None:
            path = self.folder / _PART_NAME.format(len(self.parts))
            self._writer = self.pa.parquet.ParquetWriter(path, self.schema)
            self.parts.append(path)
        columns = [self.pa.concat_arrays([batch[index] for batch in self._arrays])
                   for index in range(len(self.columns))]
        self._writer.write_table(self.pa.Table.from_arrays(columns, schema=self.schema),
                                 row_group_size=ROW_GROUP_ROWS)
        self._part_written += self._buffered
        self._arrays, self._buffered = [], 0
        if self._part_written >= self.part_rows:
            self._writer.close()
            self._writer, self._part_written = None, 0

    def close(self):
        """Write what is buffered; an empty output is still one file with the columns."""
        self.write_rows([])
        self._write_row_group()
        if self._writer is None and not self.parts:
            path = self.folder / _PART_NAME.format(0)
            self.pa.parquet.write_table(self.schema.empty_table(), path)
            self.parts.append(path)
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    @classmethod
    @contextmanager
    def open(cls, path, columns, *, part_rows=None):
        """A writer whose output appears at ``path`` when the block ends without error."""
        from textmine.io.outputs import outputs_in_place  # here: that module imports this one

        target = Path(path)
        folder = target.parent if str(target.parent) else Path(".")
        if not folder.is_dir():
            raise OutputError(f"{path}: folder {folder} does not exist")
        if target.is_dir() and not is_parquet_output(target):
            raise OutputError(f"{path}: is a folder that is not a Parquet output of textmine; "
                              "give another name or remove it")
        temporary = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder))
        try:
            writer = cls(temporary, columns, part_rows=part_rows)
            yield writer
            writer.close()
            if len(writer.parts) == 1:
                _replace(writer.parts[0], target)
            else:
                os.chmod(temporary, 0o777 & ~_umask())
                _replace(temporary, target)
            outputs_in_place.append(str(path))
        finally:
            shutil.rmtree(temporary, ignore_errors=True)


def is_parquet_output(folder):
    """Whether ``folder`` holds only Parquet files: a folder of parts an earlier run may replace."""
    return all(entry.is_file() and entry.suffix == ".parquet" for entry in folder.iterdir())


def _umask():
    umask = os.umask(0)
    os.umask(umask)
    return umask


def _replace(source, target):
    """Rename ``source`` over ``target``, a file or a folder of parts from an earlier run."""
    if source.is_file():
        os.chmod(source, 0o666 & ~_umask())
    if not target.is_dir() and not (source.is_dir() and target.exists()):
        os.replace(source, target)
        return
    # A folder cannot be renamed over a file or a folder: the old output goes first.
    old = target.with_name(f".{target.name}.{uuid.uuid4().hex}.old.tmp")
    os.replace(target, old)
    os.replace(source, target)
    if old.is_dir():
        shutil.rmtree(old, ignore_errors=True)
    else:
        old.unlink(missing_ok=True)
