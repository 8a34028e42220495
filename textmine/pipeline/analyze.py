"""``analyze`` and ``topics``: the runner's comments aggregated, spooled and given topics.

Pass 1 streams every comment from the runner into the Aggregator (counts
only), a seeded sample for the topic model and a spool in a temporary file
(``FirstPass``); on a cluster, the workers read and count partitions of the
inputs and this process merges them in input order, to the same state
(``textmine.pipeline.analyze_partitions``).
Topics are then fitted on the sample and assigned to every spooled comment
(pass 2), and the reports are written from the aggregates and the spool
(pass 3). Memory holds the aggregates, the sample and one topic id per
comment, never the rows.

    >>> run = analyze_files(["samples/survey_export.csv"], AnalyzeOptions())
    >>> run.summary["categories"][0]["code"]
"""

import pickle
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import partial

from textmine.aggregate.aggregator import PERIOD_CHOICES, Aggregator
from textmine.aggregate.effect import EffectTracker, parse_measure
from textmine.aggregate.insights import check_reason_requests, parse_reason_request
from textmine.aggregate.result import to_json_summary
from textmine.cores import default_jobs
from textmine.errors import OptionError, note_where
from textmine.io.cells import DetailRows, OutputColumns, ReadableCells
from textmine.painpoints.taxonomy import Taxonomy
from textmine.pipeline._columns import SAMPLE_ROWS, resolve_columns, value_bands
from textmine.pipeline.analyze_partitions import count_partitions
from textmine.pipeline.annotator import LanguageOptions
from textmine.pipeline.executors import in_windows, open_executor
from textmine.pipeline.partitions import split_inputs, workers_see
from textmine.pipeline.runner import (
    ReadOptions, RunResult, comment_chunks, open_sources, parse_topics_option, processing)
from textmine.topics.model import DEFAULT_ENGINE


# 明细 rows from which worker processes render the sheet (below, this process does: starting the
# workers costs more than they give back); spool batches (2,000 rows) each worker is given at a time.
DETAILS_IN_WORKERS_FROM = 20_000
DETAIL_BATCHES_AT_A_TIME = 2


@dataclass(frozen=True)
class AnalyzeOptions:
    """What ``analyze`` needs beyond reading and the language stages."""

    segment_columns: tuple = ()  # empty: detected
    date_column: str | None = None
    score_column: str | None = None
    period: str = "auto"  # week for dates spanning up to half a year, else month; or "week", "month"
    topics: str = "auto"  # "auto", a number, or "0"/"off" for none
    seed: int = 0
    include_duplicates: bool = False
    topic_engine: str | None = DEFAULT_ENGINE  # "nmf" or "lda" (textmine.topics.engines)
    aggregate: bool = True  # False: topics only (annotate --topics), no aggregates
    bins: tuple = ()  # ((column, "0,50,100"), ...): value bands of numeric segment columns
    measures: tuple = ()  # effect tracking: "CATEGORY[:SEGMENT=VALUE]:DATE" (textmine.aggregate.effect)
    reasons: tuple = ()  # groups whose reasons to give: "COLUMN=VALUE:CATEGORY" (textmine.aggregate.insights)


@dataclass
class AnalysisRun:
    """Everything a command writes: the result, the JSON summary and the row accounting."""

    result: object
    summary: dict
    accounting: RunResult
    layout: OutputColumns
    detected: dict = field(default_factory=dict)
    spool: object = None
    topic_model: object = None
    category_names: dict = field(default_factory=dict)  # {code: name} of the run's taxonomy
    # Worker processes that render the 明细 rows of a large run, and the language options they start with.
    jobs: int = 1
    language: LanguageOptions = LanguageOptions()

    @property
    def topics(self):
        """The topics as reported: fitted, named, sized, largest first; the closest pain point by its name."""
        if self.result is not None:
            return self.result.topics
        return [{**topic, "top_category_name": self.category_names.get(topic["top_category"], topic["top_category"])}
                if topic.get("top_category") else topic for topic in self.summary.get("topics", [])]

    @property
    def columns(self):
        """The columns of the annotated rows, ``topic`` last when topics were fitted."""
        return self.layout.columns

    def comments_with_topics(self):
        """``(comment, topic id)`` of every comment, read back from the spool."""
        return zip(self.spool, self.spool.topics)

    def annotated_rows(self):
        """The annotated rows (masked) as cells under ``columns``, read back from the spool."""
        for comment, topic in self.comments_with_topics():
            yield self.layout.cells(comment, topic)

    def details(self):
        """The rows of the workbook's 明细 sheet, as a reader sees them (``ReadableCells``).

            >>> write_workbook(run.result, "report.xlsx", details=run.details())
        """
        labels = {topic["id"]: topic["label"] for topic in self.topics}
        readable = ReadableCells(self.layout, self.category_names, labels)
        rows = (readable.values(comment, topic) for comment, topic in self.comments_with_topics())
        render = None
        if self.jobs > 1 and self.spool.count >= DETAILS_IN_WORKERS_FROM:
            render = partial(self._rendered_details, readable)
        return DetailRows(readable.columns, rows, readable.legend, readable.text_columns, self.spool.count, render)

    def _rendered_details(self, readable, row_xml, first_number, limit):
        """``(XML, rows)`` of each spool batch as 明细 rows (at most ``limit`` in all), rendered by worker processes.

        The batches travel pickled as the spool holds them and come back as the
        sheet's XML, so this process mostly copies bytes: the workbook of 200,000
        distinct comments took 10.8 s instead of 21.5 (one run each, benchmarks/README.md).
        """
        def jobs():
            number, left, offset = first_number, limit, 0
            for pickled, count in self.spool.pickled_batches():
                take = count if left is None else min(count, left)
                if take <= 0:
                    return
                yield pickled, self.spool.topics[offset:offset + take], number, take
                number += take
                offset += count
                if left is not None:
                    left -= take

        render = partial(_render_detail_rows, readable, row_xml)
        with open_executor(self.language, jobs=self.jobs) as executor:
            for _, rendered in in_windows(executor.map, render, jobs(), DETAIL_BATCHES_AT_A_TIME * self.jobs):
                yield rendered

    def close(self):
        if self.spool is not None:
            self.spool.close()


def _render_detail_rows(readable, row_xml, job):
    """A task: ``(XML, rows)`` of the 明细 rows of one spool batch (``AnalysisRun._rendered_details``)."""
    pickled, topics, first_number, take = job
    comments = pickle.loads(pickled)[:take]
    return row_xml.rows(first_number, map(readable.values, comments, topics)), len(comments)


def analyze_files(paths, options=AnalyzeOptions(), *, read_options=ReadOptions(),
                  language=LanguageOptions(), jobs=1, scheduler=None, progress=None, stdin=None,
                  partition_bytes=None):
    """Run every analysis over ``paths``; the caller writes the reports from the run.

    The per-text stages and the fits of the topic search run in ``jobs`` local
    processes, or on the Dask cluster at ``scheduler``; the results are the same.
    On a cluster, CSV, TSV and JSON Lines inputs are read by the workers, in byte
    ranges of about ``partition_bytes`` (``textmine.pipeline.analyze_partitions``).
    """
    check_options(options)
    language = replace(language, content_words=True)
    sources = open_sources(paths, read_options, stdin=stdin, mask=language.mask)
    taxonomy = Taxonomy.load(language.taxonomy_file)
    detected = resolve_columns(sources, options, taxonomy)
    bands = value_bands(detected["segments"], sources[0].rows.peek(SAMPLE_ROWS), options.bins)
    layout = OutputColumns(sources, tokens=language.tokens)
    # The same worker processes analyse the comments, then fit the topic search's k side by side.
    # As the topics need the workers, they start at once: a small input is not analysed here
    # first, with the second core idle (analyze on 20,000 distinct comments took 22.9 s against
    # 24.9, on the 20,000 survey rows 9.8 s against 10.8; medians of three, wall clock).
    workers_after_chars = 0 if parse_topics_option(options.topics) is not None else None
    with open_executor(language, jobs=jobs, scheduler=scheduler, workers_after_chars=workers_after_chars) as executor:
        split = split_inputs(sources, read_options, mask=language.mask) if executor.reads_partitions else None
        if split is not None and not all(executor.on_every_worker(workers_see, split.splits)):
            split = None  # the inputs are not on a disk the workers share: read here
        if split is None:
            chunks = comment_chunks(sources, executor, mask=language.mask, progress=progress)
            run = analyze_comments(chunks, detected, layout, options, taxonomy, bands=bands,
                                   parallel_map=executor.map, sources=sources, progress=progress)
        else:  # a cluster's workers read the inputs and count their partitions; this process merges
            first_pass = start_first_pass(detected, layout, options, taxonomy, bands)
            count_partitions(split, executor, first_pass, partition_bytes=partition_bytes, progress=progress)
            run = finish_analysis(first_pass, detected, layout, options, taxonomy, bands=bands,
                                  parallel_map=executor.map, sources=sources, progress=progress)
    # The 明细 of a large run is rendered by local workers (with a scheduler too: the workbook is written here).
    run.jobs, run.language = (jobs if scheduler is None else default_jobs()), language
    return run


def check_options(options):
    """Refuse bad option values before any work."""
    if options.period not in PERIOD_CHOICES:
        raise OptionError(f"--period must be auto, week or month, not {options.period!r}")
    parse_topics_option(options.topics)
    for spec in options.measures:
        parse_measure(spec)
    for spec in options.reasons:
        parse_reason_request(spec)


def analyze_comments(chunks, detected, layout, options, taxonomy, *, bands=None, parallel_map=map,
                     sources=None, progress=None):
    """Aggregate a stream of Comment chunks, fit topics on a seeded sample, and summarise.

    The one path of every report: ``chunks`` come from the runner over files
    (``analyze_files``) or from a store (``textmine.pipeline.stored``).
    ``bands``: {column: ValueBands} of numeric segment columns (``value_bands``).
    ``sources``: the open inputs, whose reader counts (rows read, skipped) the
    accounting takes; without them, every comment given counts as read.
    """
    first_pass = start_first_pass(detected, layout, options, taxonomy, bands)
    for comments in chunks:
        try:
            first_pass.add(comments)
        except Exception as exc:  # a bug in a consumer: the CLI's one line names the file
            note_where(exc, processing(comments))
            raise
    return finish_analysis(first_pass, detected, layout, options, taxonomy, bands=bands,
                           parallel_map=parallel_map, sources=sources, progress=progress)


class FirstPass:
    """What the first pass of ``analyze`` keeps of the comments, taken in input order.

    The aggregates (counts only), the effects of the measures, the seeded
    sample for the topic model, the spool, and the counts of the comments the
    analyses leave out (flagged, duplicates) and of the flags. On a cluster,
    each partition's comments go through a ``partial()`` on its worker, and the
    client ``merge``s the partials in input order: the state is that of one
    FirstPass over every comment (``Aggregator.merge``).
    """

    def __init__(self, aggregator, tracker, sample, spool, include_duplicates):
        self.aggregator, self.tracker, self.sample, self.spool = aggregator, tracker, sample, spool
        self.include_duplicates = include_duplicates
        self.excluded = Counter()  # comments the analyses leave out, by reason
        self.counts = RunResult()  # the flags, duplicate marks and long texts of the comments

    def add(self, comments):
        """Take a list of Comments (numbered and marked as duplicates), the next in input order."""
        aggregator, tracker, sample, spool = self.aggregator, self.tracker, self.sample, self.spool
        self.counts.count_comments(comments)
        for comment in comments:
            if aggregator is not None:
                aggregator.add(comment)
            reason = comment.annotation.flag or (
                "duplicate" if comment.duplicate_of is not None and not self.include_duplicates else "")
            if reason:
                self.excluded[reason] += 1
            else:
                sample.offer(comment)
                if tracker is not None:
                    tracker.add(comment)
            spool.write(comment, counted=not reason)

    def partial(self):
        """An empty FirstPass of these settings, for a part of the rows; its spool is in memory."""
        from textmine.pipeline._spool import CommentSpool
        from textmine.pipeline._topic_pass import TopicSample

        return FirstPass(None if self.aggregator is None else self.aggregator.partial(),
                         None if self.tracker is None else self.tracker.partial(),
                         TopicSample(self.sample.size, self.sample.seed, ceiling=self.sample.bound),
                         CommentSpool(in_memory=True),
                         self.include_duplicates)

    def sendable(self):
        """This partial as a worker sends it back: its spool as the bytes of its batches."""
        self.spool = self.spool.spooled()
        return self

    def merge(self, other):
        """Add ``other`` (a ``sendable`` partial over the rows after those taken so far)."""
        if self.aggregator is not None:
            self.aggregator.merge(other.aggregator)
        if self.tracker is not None:
            self.tracker.merge(other.tracker)
        self.sample.merge(other.sample)
        self.spool.append(other.spool)
        self.excluded.update(other.excluded)
        counts = self.counts
        counts.warnings.update(other.counts.warnings)
        counts.flagged.update(other.counts.flagged)
        counts.duplicates += other.counts.duplicates


def start_first_pass(detected, layout, options, taxonomy, bands=None):
    """An empty ``FirstPass`` for the run's columns and options (checked: a bad option is one line)."""
    from textmine.pipeline._spool import CommentSpool
    from textmine.pipeline._topic_pass import TopicSample

    parse_topics_option(options.topics)  # a bad value is refused before any work
    aggregator = tracker = None
    if options.aggregate:
        input_columns = [column for column in layout.columns if column not in layout.annotation]
        reasons = check_reason_requests([parse_reason_request(spec) for spec in options.reasons], taxonomy,
                                        detected["segments"], input_columns)
        aggregator = Aggregator(
            segment_columns=detected["segments"], date_column=detected["date"],
            score_column=detected["score"], score_scale=detected["scale"],
            taxonomy=taxonomy, include_duplicates=options.include_duplicates, period=options.period,
            bands=bands or {}, seed=options.seed, reasons=reasons)
        if options.measures:
            tracker = EffectTracker([parse_measure(spec) for spec in options.measures],
                                    date_column=detected["date"])
            tracker.check(taxonomy, input_columns)
    return FirstPass(aggregator, tracker, TopicSample(seed=options.seed), CommentSpool(), options.include_duplicates)


def finish_analysis(first_pass, detected, layout, options, taxonomy, *, bands=None, parallel_map=map,
                    sources=None, progress=None):
    """Fit and assign the topics, and build the result and the JSON summary, after the first pass."""
    from textmine.pipeline._topic_pass import fit_topics

    n_topics = parse_topics_option(options.topics)
    detected = {**detected, "bands": {column: band.labels for column, band in (bands or {}).items()}}
    aggregator, tracker, sample, spool = first_pass.aggregator, first_pass.tracker, first_pass.sample, first_pass.spool
    excluded, accounting = first_pass.excluded, first_pass.counts
    topics, new_topics, model = [], [], None
    accounting.rows_written = spool.count
    if sources is None:
        accounting.rows_read = spool.count
    else:
        accounting.add_read_stats(sources)
    if n_topics is None:
        spool.no_topics()
    else:
        if hasattr(progress, "stage"):
            progress.stage("topics", total=spool.count)
        model, topics, new_topics = fit_topics(sample, spool, n_topics, options.seed,
                                               options.topic_engine or DEFAULT_ENGINE, parallel_map,
                                               progress=progress)
        layout = layout.with_topic()
    accounting.add_notes(layout.notes)
    result, summary = None, {"rows": _rows_summary(accounting, excluded)}
    if aggregator is not None:
        result = aggregator.result(rows_read=accounting.rows_read, skipped_by_reason=accounting.skipped_by_reason,
                                   topics=topics)
        result.alerts = [alert for alert in result.alerts if alert["granularity"] == result.period["granularity"]]
        result.new_topics = new_topics
        result.effects = tracker.results(taxonomy) if tracker is not None else []
        summary = to_json_summary(result)
        accounting.add_notes(_empty_groups_asked_for(result))
        accounting.add_notes(_measures_without_comments(result))
        if tracker is not None:
            summary["effects"] = result.effects
    else:
        summary["topics"] = topics
    summary["new_topics"] = [{key: topic.get(key) for key in ("id", "label", "words", "size", "negative",
                                                               "negative_share", "examples")}
                             for topic in new_topics]
    summary["columns"] = dict(detected)
    if model is not None:
        summary["topic_model"] = {"engine": model.engine, "n_topics": model.n_topics_,
                                  "coherence": "npmi (smoothed)",
                                  "coherence_curve": [list(point) for point in model.coherence_curve_]}
    return AnalysisRun(result, summary, accounting, layout, detected, spool, model, taxonomy.names)


def _empty_groups_asked_for(result):
    """A note for each ``--reasons`` group without an analysed comment (a typo, most often)."""
    notes = []
    for reason in result.reasons:
        if not reason["rows"]:
            notes.append(f"--reasons {reason['column']}={reason['value']}:{reason['category']}: no analysed comment "
                         f"in that group; the groups of {reason['column']} are: "
                         f"{_groups_shown(result, reason['column']) or 'none'}")
    return notes


def _groups_shown(result, column):
    """The groups of a segment column as a note lists them: the first 20, then how many in all."""
    groups = [str(entry["value"]) for entry in result.segments.get(column, [])]
    return "、".join(groups[:20]) + (f" … ({len(groups):,})" if len(groups) > 20 else "")


def _measures_without_comments(result):
    """A note for each ``--measure`` with no dated comment on one side of its day (a typo, or the wrong day)."""
    notes = []
    for effect in result.effects:
        before, after = effect["before"]["comments"], effect["after"]["comments"]
        if before and after:
            continue
        segment = effect["segment"]
        if segment and not before and not after:
            shown = _groups_shown(result, segment["column"])
            why = (f"no dated, analysed comment in {segment['column']}={segment['value']}"
                   + (f"; the groups of {segment['column']} are: {shown}" if shown else ""))
        else:
            first, last = (result.period or {}).get("first_date"), (result.period or {}).get("last_date")
            why = (f"no dated, analysed comment {'before' if not before else 'from'} {effect['date']}"
                   + (f" (the comments are dated {first} to {last})" if first else ""))
        notes.append(f"--measure {effect['measure']}: {why}")
    return notes


def _rows_summary(accounting, excluded):
    """The ``rows`` of the JSON summary when nothing was aggregated (``topics``)."""
    skipped = {str(reason): count for reason, count in accounting.skipped_by_reason.items()}
    return {"read": accounting.rows_read, "analyzed": accounting.rows_written - sum(excluded.values()),
            "skipped": sum(skipped.values()), "skipped_by_reason": skipped,
            "excluded": sum(excluded.values()), "excluded_by_reason": dict(excluded)}
