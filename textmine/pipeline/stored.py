"""``analyze --store``: the reports over the stored history, without annotating anything again.

The store gives its comments back as ``Comment`` records in ingest order, with
the annotations and duplicate marks they were stored with; they go through
``analyze_comments``, the path a file run takes (the same Aggregator, the
same topic pass on a seeded sample, the same effect tracking), so a report
over the store equals a report over one file holding the same rows.

    >>> run = analyze_store("history.sqlite", AnalyzeOptions(), since=datetime.date(2026, 1, 1))
    >>> run.summary["store"]["comments"]
"""

from dataclasses import replace
from itertools import islice
from types import SimpleNamespace

from textmine.errors import OptionError, StoreError
from textmine.io.cells import OutputColumns
from textmine.painpoints.taxonomy import Taxonomy
from textmine.pipeline.analyze import AnalyzeOptions, analyze_comments, check_options
from textmine.pipeline.annotation_version import annotation_version
from textmine.pipeline.annotator import LanguageOptions
from textmine.pipeline.runner import CHUNK_SIZE
from textmine.store import open_store, parse_day


def _chunks(comments, progress, size=CHUNK_SIZE):
    comments = iter(comments)
    while True:
        chunk = list(islice(comments, size))
        if not chunk:
            return
        if progress is not None:
            progress(len(chunk))
        yield chunk


def stored_columns(description, options):
    """The columns to analyse: those given, else those the ingests detected or were given.

    The date and the score are the last ingest's that had one; the segments are
    every ingest's, in the order first seen. A store of one export layout gets
    the last ingest's columns; one fed by exports of several (a survey and SMS
    replies) keeps the survey's scores and groups when the SMS replies come last.
    """
    known = description["columns"]
    batches = description.get("batch_columns") or [known]
    latest_score = next((columns for columns in reversed(batches) if columns.get("score")), {})
    score = options.score_column or latest_score.get("score")
    segments = list(options.segment_columns) or list(dict.fromkeys(
        column for columns in batches for column in columns.get("segments") or []))
    return {"text": known.get("text"),
            "date": options.date_column or next((columns["date"] for columns in reversed(batches)
                                                 if columns.get("date")), None),
            "score": score, "scale": latest_score.get("scale") if score == latest_score.get("score") else None,
            "segments": segments}


def analyze_store(store, options=AnalyzeOptions(), *, since=None, until=None, language=LanguageOptions(),
                  progress=None):
    """Every analysis over the comments of ``store`` (a Store or its address) dated within [since, until].

    With ``since`` or ``until``, undated comments are left out (they belong to
    no window). ``language`` only names the taxonomy whose names the reports
    show; annotations are the stored ones (``reannotate`` renews them).
    """
    check_options(options)
    since, until = parse_day(since, "--since"), parse_day(until, "--until")
    if since is not None and until is not None and since > until:
        raise OptionError(f"--since {since} is after --until {until}")
    own = not hasattr(store, "comments")
    store = open_store(store, create=False) if own else store
    try:
        description = store.describe()
        if not description["comments"]:
            raise StoreError(f"{store.name}: the store holds no comments yet")
        if description["unmasked_batches"] and language.mask:
            batches = ", ".join(map(str, description["unmasked_batches"]))
            raise OptionError(f"{store.name}: batch {batches} was ingested with --no-mask, so the store holds "
                              "personal data; give --no-mask to report on it (the reports will show it too)")
        detected = stored_columns(description, options)
        # Each ingest recorded its inputs' columns and the text column it read.
        sources = [SimpleNamespace(**source, text_column=detected["text"]) for source in description["sources"]]
        layout = OutputColumns(sources)
        run = analyze_comments(_chunks(store.comments(since, until, roles=detected), progress), detected, layout,
                               replace(options), Taxonomy.load(language.taxonomy_file))
    finally:
        if own:
            store.close()
    current = annotation_version(language)["digest"]
    description["window"] = {"since": since.isoformat() if since else None,
                             "until": until.isoformat() if until else None}
    # Annotations made by other models or dictionaries than this textmine's: time to reannotate.
    description["versions_differ_from_this_textmine"] = any(
        version["texts"] and version["digest"] != current for version in description["versions"])
    run.summary["store"] = description
    return run

