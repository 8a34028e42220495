"""``analyze`` and ``topics``: the runner's comments aggregated, spooled and given topics.

Pass 1 streams every comment from the runner into the Aggregator (counts
only), a seeded sample for the topic model and a spool in a temporary file.
Topics are then fitted on the sample and assigned to every spooled comment
(pass 2), and the reports are written from the aggregates and the spool
(pass 3). Memory holds the aggregates, the sample and one topic id per
comment, never the rows.

    >>> run = analyze_files(["samples/survey_export.csv"], AnalyzeOptions())
    >>> run.summary["categories"][0]["code"]
"""

from collections import Counter
from dataclasses import dataclass, field, replace

from textmine.aggregate.aggregator import PERIOD_CHOICES, Aggregator
from textmine.aggregate.result import to_json_summary
from textmine.errors import MissingColumnError, OptionError
from textmine.io.cells import DetailRows, OutputColumns, ReadableCells
from textmine.aggregate.bands import ValueBands, numeric_column
from textmine.io.columns import (
    detect_date_column, detect_score_column, detect_segment_columns, names_categories, number_or_none)
from textmine.painpoints.taxonomy import OTHER, Taxonomy
from textmine.pipeline.annotator import LanguageOptions
from textmine.pipeline.executors import LocalExecutor
from textmine.pipeline.runner import ReadOptions, RunResult, comment_chunks, open_sources, parse_topics_option
from textmine.topics.model import DEFAULT_ENGINE


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
        return DetailRows(readable.columns, rows, readable.legend, readable.text_columns, self.spool.count)

    def close(self):
        if self.spool is not None:
            self.spool.close()


def _resolve_columns(sources, options, taxonomy):
    """Detect (or check) the date, score and segment columns on the first source."""
    first = sources[0]
    header = first.columns
    sample = first.rows.peek(500)
    for wanted in [options.date_column, options.score_column, *options.segment_columns]:
        if wanted is not None and wanted not in header:
            raise MissingColumnError(wanted, header, first.name)
    names = {code: name for code, name in taxonomy.names.items() if code != OTHER}
    for column in options.segment_columns:
        values = [row.get(column) for row in sample]
        if names_categories(values, names):
            shown = "、".join(sorted({str(v).strip() for v in values if v and str(v).strip()})[:4])
            raise OptionError(f"--segment-column {column}: its values ({shown} …) name the pain-point "
                              "categories, so its short boards would only restate them; it is no customer "
                              "group: leave it out")
    date_column = options.date_column or detect_date_column(header, sample)
    score_column, scale = options.score_column, None
    detected_score = detect_score_column(header, sample)
    if score_column is None and detected_score:
        score_column, scale = detected_score
    elif detected_score and detected_score[0] == score_column:
        scale = detected_score[1]
    segments = list(options.segment_columns) or [
        column for column in detect_segment_columns(header, sample, category_names=names)
        if column not in (date_column, score_column, first.text_column)
    ]
    bands = {}
    given = dict(options.bins)
    for column in given:
        if column not in header:
            raise MissingColumnError(column, header, first.name)
        if column not in segments:
            segments.append(column)
    for column in segments:
        values = [row.get(column) for row in sample]
        if column in given:
            bands[column] = ValueBands.parse(given[column])
        elif numeric_column(values):  # amounts, ages, months: a few bands, not one group per number
            bands[column] = ValueBands.from_values([number for number in map(number_or_none, values)
                                                    if number is not None])
    return {"text": first.text_column, "date": date_column, "score": score_column, "scale": scale,
            "segments": segments, "bands": {column: band.labels for column, band in bands.items()}}, bands


def analyze_files(paths, options=AnalyzeOptions(), *, read_options=ReadOptions(),
                  language=LanguageOptions(), jobs=1, progress=None, stdin=None):
    """Run every analysis over ``paths``; the caller writes the reports from the run."""
    from textmine.pipeline._spool import CommentSpool
    from textmine.pipeline._topic_pass import TopicSample, fit_topics

    if options.period not in PERIOD_CHOICES:
        raise OptionError(f"--period must be auto, week or month, not {options.period!r}")
    n_topics = parse_topics_option(options.topics)
    language = replace(language, content_words=True)
    sources = open_sources(paths, read_options, stdin=stdin, mask=language.mask)
    taxonomy = Taxonomy.load(language.taxonomy_file)
    detected, bands = _resolve_columns(sources, options, taxonomy)
    layout = OutputColumns(sources, tokens=language.tokens)
    aggregator = None
    taxonomy = Taxonomy.load(language.taxonomy_file)
    if options.aggregate:
        aggregator = Aggregator(
            segment_columns=detected["segments"], date_column=detected["date"],
            score_column=detected["score"], score_scale=detected["scale"],
            taxonomy=taxonomy, include_duplicates=options.include_duplicates, period=options.period,
            bands=bands, seed=options.seed)
    accounting = RunResult()
    sample = TopicSample(seed=options.seed)
    spool = CommentSpool()
    topics, new_topics, model = [], [], None
    excluded = Counter()  # comments the analyses leave out, by reason
    # The same worker processes analyse the comments, then fit the topic search's k side by side.
    with LocalExecutor(language, jobs) as executor:
        for comments in comment_chunks(sources, executor, mask=language.mask, progress=progress):
            accounting.count_comments(comments)
            for comment in comments:
                if aggregator is not None:
                    aggregator.add(comment)
                reason = comment.annotation.flag or (
                    "duplicate" if comment.duplicate_of is not None and not options.include_duplicates else "")
                if reason:
                    excluded[reason] += 1
                else:
                    sample.offer(comment)
                spool.write(comment, counted=not reason)
        accounting.rows_written = spool.count
        accounting.add_read_stats(sources)
        if n_topics is None:
            spool.no_topics()
        else:
            if hasattr(progress, "stage"):
                progress.stage("topics", total=spool.count)
            model, topics, new_topics = fit_topics(sample, spool, n_topics, options.seed,
                                                   options.topic_engine or DEFAULT_ENGINE, executor.map,
                                                   progress=progress)
            layout = layout.with_topic()
    accounting.add_notes(layout.notes)
    result, summary = None, {"rows": _rows_summary(accounting, excluded)}
    if aggregator is not None:
        result = aggregator.result(rows_read=accounting.rows_read, skipped_by_reason=accounting.skipped_by_reason,
                                   topics=topics)
        result.alerts = [alert for alert in result.alerts if alert["granularity"] == result.period["granularity"]]
        result.new_topics = new_topics
        summary = to_json_summary(result)
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


def _rows_summary(accounting, excluded):
    """The ``rows`` of the JSON summary when nothing was aggregated (``topics``)."""
    skipped = {str(reason): count for reason, count in accounting.skipped_by_reason.items()}
    return {"read": accounting.rows_read, "analyzed": accounting.rows_written - sum(excluded.values()),
            "skipped": sum(skipped.values()), "skipped_by_reason": skipped,
            "excluded": sum(excluded.values()), "excluded_by_reason": dict(excluded)}
