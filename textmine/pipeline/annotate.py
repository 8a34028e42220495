"""``annotate``: every input row written back with its annotation, streamed.

    >>> result = annotate_files(["samples/sms_replies.csv"], "out.csv")
    >>> result.rows_written == result.rows_read - result.rows_skipped
    True
"""

from textmine.io.cells import OutputColumns
from textmine.io.line_format import text_line_format
from textmine.io.write import open_row_writer
from textmine.pipeline.annotate_partitions import write_partitions
from textmine.pipeline.annotator import LanguageOptions
from textmine.pipeline.executors import open_executor
from textmine.pipeline.partitions import split_inputs, workers_see
from textmine.pipeline.runner import ReadOptions, RunResult, comment_chunks, open_sources


def annotate_files(paths, output, *, read_options=ReadOptions(), options=LanguageOptions(),
                   output_format=None, excel_escape=True, bom=None, jobs=1, scheduler=None, chunk_size=None,
                   partition_bytes=None, progress=None, stdin=None, stdout=None):
    """Annotate every row of ``paths`` and write them to ``output`` (``-`` = stdout).

    The per-text stages run in ``jobs`` local processes, or on the Dask
    cluster at ``scheduler`` (an address such as ``tcp://host:8786``); the
    output is the same. On a cluster, CSV, TSV and JSON Lines inputs written
    to CSV, TSV or JSON Lines are read by the workers, in byte ranges of about
    ``partition_bytes`` (``textmine.pipeline.annotate_partitions``). Returns a
    RunResult with the row accounting and the reasons for anything flagged,
    skipped or repaired on the way.
    """
    sources = open_sources(paths, read_options, stdin=stdin, mask=options.mask)
    layout = OutputColumns(sources, tokens=options.tokens)
    result = RunResult()
    with open_row_writer(output, layout.columns, fmt=output_format, excel_escape=excel_escape, bom=bom,
                         stdout=stdout, keep_columns=layout.essential) as writer:
        with open_executor(options, jobs=jobs, scheduler=scheduler) as executor:
            line_format = text_line_format(output, output_format, excel_escape)
            split = split_inputs(sources, read_options, mask=options.mask) \
                if executor.reads_partitions and line_format is not None else None
            if split is not None and not all(executor.on_every_worker(workers_see, split.splits)):
                split = None  # the inputs are not on a disk the workers share: read here
            if split is not None:
                write_partitions(split, executor, layout, writer, line_format, result,
                                 partition_bytes=partition_bytes, progress=progress)
            else:
                for comments in comment_chunks(sources, executor, mask=options.mask, chunk_size=chunk_size,
                                               progress=progress):
                    writer.write_rows(layout.cells_of(comments))
                    result.count_comments(comments)
        result.rows_written = writer.rows_written
        result.rows_over_limit = getattr(writer, "rows_over_limit", 0)
        note_columns_left_out(result, output, getattr(writer, "columns_left_out", 0))
    result.add_read_stats(sources)
    result.add_notes(layout.notes)
    if result.rows_over_limit:
        result.skipped_by_reason["over_excel_row_limit"] += result.rows_over_limit
    return result


def note_columns_left_out(result, output, left_out):
    """A note on the columns an xlsx sheet could not hold (past Excel's 16,384)."""
    if left_out:
        result.add_notes([f"{output}: {left_out:,} input column(s) left out of the sheet (Excel holds "
                          f"16,384 columns); write CSV or JSONL for every column"])


def annotate_with_topics(paths, output, n_topics, *, seed=0, topic_engine=None, read_options=ReadOptions(),
                         language=LanguageOptions(), output_format=None, excel_escape=True, bom=None, jobs=1,
                         scheduler=None, progress=None, stdin=None, stdout=None):
    """``annotate`` with a ``topic`` column: topics need every comment before the first row is out.

    The comments are spooled to a temporary file (memory stays bounded), topics
    are fitted on a seeded sample and assigned, then every row is written.
    """
    from textmine.pipeline.analyze import AnalyzeOptions, analyze_files

    run = analyze_files(paths, AnalyzeOptions(topics=n_topics, seed=seed, topic_engine=topic_engine,
                                              aggregate=False),
                        read_options=read_options, language=language, jobs=jobs, scheduler=scheduler,
                        progress=progress, stdin=stdin)
    try:
        layout = run.layout.with_topic()
        run.accounting.add_notes(layout.notes)
        with open_row_writer(output, layout.columns, fmt=output_format, excel_escape=excel_escape, bom=bom,
                             stdout=stdout, keep_columns=layout.essential) as writer:
            for comment, topic in run.comments_with_topics():
                writer.write_row(layout.cells(comment, topic))
        note_columns_left_out(run.accounting, output, getattr(writer, "columns_left_out", 0))
    finally:
        run.close()
    return run.accounting
