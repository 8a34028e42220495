"""Rows of a Parquet file, a batch at a time (pyarrow, the cluster extra).

Text columns are taken as they are; numbers, dates, lists and the rest become
the text a spreadsheet would show (``cell_text``, as for xlsx and JSON Lines
cells), with null and NaN empty.

    >>> columns, rows = open_parquet(open("orders.parquet", "rb"), "orders.parquet", ReadStats())
"""

import io

from textmine.errors import InputError
from textmine.io.formats import RowStream, cell_text, unique_columns

PARQUET_BATCH_ROWS = 10_000  # rows converted to text at a time: memory stays bounded


def open_parquet(stream, name, stats):
    """The columns of the schema and a RowStream of its rows, cells as text."""
    try:
        import pyarrow
        import pyarrow.parquet as parquet
    except ImportError as exc:
        raise InputError(f"{name}: reading Parquet needs pyarrow: pip install '.[cluster]' in textmine's folder") from exc
    if not stream.seekable():  # stdin: Parquet's index is at the end of the file
        stream = io.BytesIO(stream.read())
    try:
        table = parquet.ParquetFile(stream)
    except (pyarrow.ArrowException, OSError) as exc:
        raise InputError(f"{name}: not a readable Parquet file ({exc})") from exc
    header = list(table.schema_arrow.names)
    if not header:
        raise InputError(f"{name}: file is empty")
    columns = unique_columns(header, stats, name)
    is_text = (pyarrow.types.is_string, pyarrow.types.is_large_string)
    texts = [_text_column if any(test(field.type) for test in is_text) else _other_column
             for field in table.schema_arrow]

    def rows():
        try:
            for batch in table.iter_batches(batch_size=PARQUET_BATCH_ROWS):
                stats.rows_read += batch.num_rows
                values = [text(batch.column(index), stats) for index, text in enumerate(texts)]
                for row in zip(*values):
                    yield dict(zip(columns, row))
        except (pyarrow.ArrowException, OSError) as exc:
            raise InputError(f"{name}: cannot read the Parquet data after row {stats.rows_read}: {exc}") from exc

    return columns, RowStream(rows())


def _text_column(column, stats):
    return column.fill_null("").to_pylist()


def _other_column(column, stats):
    texts = []
    for value in column.to_pylist():
        if value.__class__ is float and value != value:  # NaN: a missing number, as pandas writes it
            value = None
        elif isinstance(value, bytes):
            try:
                value = value.decode("utf-8")
            except UnicodeDecodeError:
                stats.warn("bad_bytes_replaced")
                value = value.decode("utf-8", errors="replace")
        texts.append(cell_text(value))
    return texts
