"""``ingest`` and ``reannotate``: the runner's comments into a history store, and the store's texts again.

``ingest_files`` annotates the rows of the inputs as ``annotate`` does and adds
them to the store in one transaction: a row stored before (the same
``--id-column`` value, or the same cells) is counted as already stored, so
re-exported weeks overlap safely. Rows read = new + already stored + skipped.

    >>> result = ingest_files(["week47.csv"], "history.sqlite", IngestOptions(id_column="工单号"))
    >>> result.stored.rows_new + result.stored.rows_already_stored + result.accounting.rows_skipped
"""

from collections import deque
from dataclasses import dataclass, replace

from textmine.errors import MissingColumnError, note_where
from textmine.pipeline._columns import resolve_columns
from textmine.pipeline.annotation_version import annotation_version
from textmine.pipeline.annotator import LanguageOptions
from textmine.painpoints.taxonomy import Taxonomy
from textmine.pipeline.executors import open_executor
from textmine.pipeline.runner import ReadOptions, RunResult, comment_chunks, open_sources, processing
from textmine.store import BatchInfo, open_store


@dataclass(frozen=True)
class IngestOptions:
    """The columns an ingest records besides the text: as ``analyze`` takes them, plus the row id."""

    id_column: str | None = None
    segment_columns: tuple = ()  # empty: detected
    date_column: str | None = None
    score_column: str | None = None


@dataclass
class IngestResult:
    """The reader's accounting (read, skipped, flagged, repaired) and what the store did with the rows."""

    accounting: RunResult
    stored: object  # textmine.store.StoredBatch
    store: str  # the store's address, without a password
    version: dict

    def summary(self):
        """The JSON summary of ``ingest --json``."""
        accounting, stored = self.accounting, self.stored
        skipped = {str(reason): count for reason, count in accounting.skipped_by_reason.items()}
        return {
            "store": self.store, "batch": stored.batch_id,
            "rows": {"read": accounting.rows_read, "new": stored.rows_new,
                     "already_stored": stored.rows_already_stored, "skipped": sum(skipped.values()),
                     "skipped_by_reason": skipped},
            "flagged": dict(accounting.flagged), "duplicates_new": stored.duplicates_new,
            "texts_new": stored.texts_new, "comments_in_store": stored.comments_in_store,
            "repaired": dict(accounting.warnings), "notes": list(accounting.notes),
            "version": {key: self.version[key] for key in ("textmine", "models", "dictionaries")},
        }


def ingest_files(paths, store, options=IngestOptions(), *, read_options=ReadOptions(),
                 language=LanguageOptions(), jobs=1, scheduler=None, progress=None, stdin=None):
    """Annotate every row of ``paths`` and add the new ones to ``store`` (a Store or its address).

    The per-text stages run in ``jobs`` local processes, or on the Dask cluster
    at ``scheduler``, as for ``annotate``.
    """
    language = replace(language, content_words=True, tokens=False)
    sources = open_sources(paths, read_options, stdin=stdin, mask=language.mask)
    detected = resolve_columns(sources, options, Taxonomy.load(language.taxonomy_file))
    if options.id_column is not None:
        for source in sources:
            if options.id_column not in source.columns:
                raise MissingColumnError(options.id_column, source.columns, source.name)
    columns = {**detected, "id": options.id_column}
    version = annotation_version(language)
    info = BatchInfo(sources=[{"name": source.name, "columns": list(source.columns)} for source in sources],
                     columns=columns, version=version, masked=language.mask)
    own = not hasattr(store, "ingest")
    accounting = RunResult()
    # The executor first: a cluster that cannot be reached leaves no new, empty store behind.
    with open_executor(language, jobs=jobs, scheduler=scheduler) as executor:
        store = open_store(store) if own else store
        try:
            with store.ingest(info) as writer:
                for chunk in comment_chunks(sources, executor, mask=language.mask, progress=progress,
                                            mark_duplicates=False):  # the store marks them against its history
                    try:
                        accounting.count_comments(chunk)
                        writer.add(chunk)
                    except Exception as exc:  # a bug: the CLI's one line names the file
                        note_where(exc, processing(chunk))
                        raise
                accounting.add_read_stats(sources)
                stored = writer.finish(accounting.rows_read, accounting.skipped_by_reason)
        finally:
            if own:
                store.close()
    accounting.rows_written = stored.rows_new
    return IngestResult(accounting, stored, store.name, version)


def reannotate_store(store, language=LanguageOptions(), *, jobs=1, scheduler=None, progress=None):
    """Recompute every annotation of ``store`` with this textmine's models and ``language``'s dictionaries.

    Returns the store's counts (texts, texts_changed, duplicates_changed,
    batch_id, version_id) and the new version.
    """
    language = replace(language, content_words=True, tokens=False)
    version = annotation_version(language)
    own = not hasattr(store, "reannotate")
    store = open_store(store, create=False) if own else store
    try:
        with open_executor(language, jobs=jobs, scheduler=scheduler) as executor:
            def analyse_chunks(chunks):
                pending = deque()
                for ids, texts in chunks:
                    pending.append((ids, executor.analyse(texts)))
                    if len(pending) >= executor.in_flight:
                        ids, result = pending.popleft()
                        yield ids, _progressed(result.result(), progress)
                while pending:
                    ids, result = pending.popleft()
                    yield ids, _progressed(result.result(), progress)

            counts = store.reannotate(analyse_chunks, version)
    finally:
        if own:
            store.close()
    return counts, version


def _progressed(annotations, progress):
    if progress is not None:
        progress(len(annotations))
    return annotations
