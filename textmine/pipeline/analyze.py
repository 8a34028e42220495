"""The order of the stages for ``analyze`` and ``topics``, on top of the annotate stream.

Pass 1 streams every row through the per-comment stages (pipeline.py) into
the Aggregator (counts only), keeps a seeded sample of comments for the topic
model, and spools the annotated rows to a temporary file. Topics are then
fitted on the sample and assigned to every spooled row (pass 2), and the
reports are written from the aggregates and the spool (pass 3). Memory holds
the aggregates, the sample and one topic id per row, never the rows.

    >>> run = analyze_files(["samples/survey_export.csv"], AnalyzeOptions())
    >>> run.summary["categories"][0]["code"]
"""

import pickle
import random
import tempfile
from array import array
from collections import Counter
from dataclasses import dataclass, field, replace

from textmine.aggregate.aggregator import CATEGORY_NAMES, Aggregator, to_json_summary
from textmine.io.columns import detect_date_column, detect_score_column, detect_segment_columns
from textmine.errors import ConfigError, MissingColumnError
from textmine.pipeline.runner import (LanguageOptions, ReadOptions, RunResult, annotate_stream, open_sources,
                               output_columns, parse_topics_option)
from textmine.pipeline.analysis import CONTENT_KEY, analysis_workers
from textmine.topics.summary import new_issue_topics, topic_summary
from textmine.topics.model import DEFAULT_ENGINE, TopicModel

NO_TOPIC = -1
SAMPLE_FOR_TOPICS = 20_000


@dataclass(frozen=True)
class AnalyzeOptions:
    """What ``analyze`` needs beyond reading and the language stages."""

    segment_columns: tuple = ()  # empty: detected
    date_column: str | None = None
    score_column: str | None = None
    period: str = "month"
    topics: str = "auto"  # "auto", a number, or "0"/"off" for none
    seed: int = 0
    include_duplicates: bool = False
    topic_engine: str = DEFAULT_ENGINE  # "nmf" or "lda" (textmine.topics.engines)


@dataclass
class AnalysisRun:
    """Everything a command writes: the result, the JSON summary and the row accounting."""

    result: object
    summary: dict
    accounting: RunResult
    columns: list
    detected: dict = field(default_factory=dict)
    spool: object = None
    topic_model: object = None

    def annotated_rows(self):
        """The annotated rows (masked), with their topic, read back from the spool."""
        topics = self.spool.topics
        for number, row in enumerate(self.spool):
            if topics is not None:
                topic = topics[number]
                row["topic"] = "" if topic == NO_TOPIC else topic
            yield row

    def close(self):
        if self.spool is not None:
            self.spool.close()


class RowSpool:
    """Annotated rows parked in a temporary file between the passes, pickled in batches.

    Pickling a batch at a time is several times faster than a JSON line per row
    and stores each column name once per batch. Each row's content words go to
    a second, small file, so the topic pass reads only those (``content_keys``).
    ``topics`` (filled by the topic pass) holds one topic id per row, in row order.
    """

    BATCH = 2000

    def __init__(self):
        self._rows = tempfile.TemporaryFile()
        self._keys = tempfile.TemporaryFile()
        self._batch, self._key_batch = [], []
        self.topics = None
        self.rows = 0

    def write(self, row):
        self.rows += 1
        self._key_batch.append((tuple(row.pop(CONTENT_KEY, ())), not row["flag"] and not row["duplicate_of"]))
        self._batch.append(row)
        if len(self._batch) >= self.BATCH:
            self._flush()

    def _flush(self):
        if self._batch:
            pickle.dump(self._batch, self._rows, protocol=pickle.HIGHEST_PROTOCOL)
            pickle.dump(self._key_batch, self._keys, protocol=pickle.HIGHEST_PROTOCOL)
            self._batch, self._key_batch = [], []

    def __iter__(self):
        """The rows, in order, without their content words."""
        return self._read(self._rows)

    def content_keys(self):
        """``(content words as a tuple, counted)`` of each row, in order; counted = neither flagged nor a duplicate."""
        return self._read(self._keys)

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
        self._rows.close()
        self._keys.close()


def _resolve_columns(sources, options):
    """Detect (or check) the date, score and segment columns on the first source."""
    first = sources[0]
    header = first.columns
    sample = first.rows.peek(500)
    for wanted in [options.date_column, options.score_column, *options.segment_columns]:
        if wanted is not None and wanted not in header:
            raise MissingColumnError(wanted, header, first.name)
    date_column = options.date_column or detect_date_column(header, sample)
    score_column, scale = options.score_column, None
    detected_score = detect_score_column(header, sample)
    if score_column is None and detected_score:
        score_column, scale = detected_score
    elif detected_score and detected_score[0] == score_column:
        scale = detected_score[1]
    segments = list(options.segment_columns) or [
        column for column in detect_segment_columns(header, sample)
        if column not in (date_column, score_column, first.text_column)
    ]
    return {"text": first.text_column, "date": date_column, "score": score_column, "scale": scale,
            "segments": segments}


def analyze_files(paths, options=AnalyzeOptions(), *, read_options=ReadOptions(),
                  language=LanguageOptions(), jobs=1, progress=None, stdin=None):
    """Run every analysis over ``paths``; the caller writes the reports from the run."""
    if options.period not in ("month", "week"):
        raise ConfigError(f"--period must be week or month, not {options.period!r}")
    n_topics = parse_topics_option(options.topics)
    language = replace(language, content_words=True)
    sources = open_sources(paths, read_options, stdin=stdin)
    detected = _resolve_columns(sources, options)
    columns, _ = output_columns(sources, language)
    names = {**CATEGORY_NAMES}
    aggregator = Aggregator(segment_columns=detected["segments"], score_scale=detected["scale"],
                            category_names=names, include_duplicates=options.include_duplicates)
    accounting = RunResult()
    sampler = _TopicSample(SAMPLE_FOR_TOPICS, options.seed)
    spool = RowSpool()
    text_of = {source.name: source.text_column for source in sources}
    topics, new_topics, model = [], [], None
    # The same worker processes analyse the comments, then fit the topic search's k side by side.
    with analysis_workers(language, jobs) as workers:
        rows = annotate_stream(sources, language, progress=progress, workers=workers)
        for number, row in enumerate(rows):
            text = row.get(text_of.get(row.get("source_file"), detected["text"]), "")
            analysed = {**row, "text": text, "date": row.get(detected["date"]) if detected["date"] else None,
                        "score": row.get(detected["score"]) if detected["score"] else None,
                        "tokens": row[CONTENT_KEY]}
            aggregator.add(analysed)
            accounting.count_row(row)
            if not row["flag"] and (options.include_duplicates or not row["duplicate_of"]):
                sampler.offer(number, row[CONTENT_KEY], text, row)
            spool.write(row)
        accounting.rows_written = spool.rows
        accounting.add_read_stats(sources)
        if n_topics is not None:
            model, topics, new_topics = _fit_topics(sampler, spool, n_topics, options.seed,
                                                    options.topic_engine, workers.map)
            columns = columns + ["topic"]
    result = aggregator.result(rows_read=accounting.rows_read, skipped_by_reason=accounting.skipped_by_reason,
                               topics=topics)
    result.alerts = [alert for alert in result.alerts if alert.get("granularity", options.period) == options.period]
    summary = to_json_summary(result)
    summary["new_topics"] = [{key: topic[key] for key in ("id", "label", "words", "size", "examples")}
                             for topic in new_topics]
    summary["columns"] = {key: value for key, value in detected.items()}
    if model is not None:
        summary["topic_model"] = {"engine": model.engine, "n_topics": model.n_topics_,
                                  "coherence": "npmi (smoothed)",
                                  "coherence_curve": [list(point) for point in model.coherence_curve_]}
    result.new_topics = new_topics
    return AnalysisRun(result, summary, accounting, columns, detected, spool, model)


class _TopicSample:
    """A seeded reservoir of comments: the topic model trains on at most ``size`` of them."""

    def __init__(self, size, seed):
        self.size = size
        self.random = random.Random(seed)
        self.seen = 0
        self.items = []  # (row number, content words, masked text, sentiment, categories)

    def offer(self, number, words, text, row):
        item = (number, words, text, row["sentiment"],
                [code for code in row["categories"].split("|") if code != "other"])
        self.seen += 1
        if len(self.items) < self.size:
            self.items.append(item)
            return
        slot = self.random.randrange(self.seen)
        if slot < self.size:
            self.items[slot] = item

    def ordered(self):
        return sorted(self.items)


def _fit_topics(sampler, spool, n_topics, seed, engine=DEFAULT_ENGINE, parallel_map=map):
    """Fit on the sample, assign every spooled row, and summarise the topics."""
    items = sampler.ordered()
    if len(items) < 10:
        spool.topics = array("i", [NO_TOPIC]) * spool.rows
        return None, [], []
    _, words, texts, sentiments, categories = map(list, zip(*items))
    model = TopicModel(n_topics, random_state=seed, engine=engine).fit(words, parallel_map)
    topics = topic_summary(model, model.assignments_, sentiments, categories, texts)
    others = [index for index, codes in enumerate(categories) if not codes]
    new_topics = new_issue_topics([words[i] for i in others], [texts[i] for i in others],
                                  sentiments=[sentiments[i] for i in others], random_state=seed,
                                  engine=engine, parallel_map=parallel_map)
    # The sample's comments have their topics already: only other word lists are inferred.
    assigned = {tuple(tokens): NO_TOPIC if topic is None else topic
                for tokens, topic in zip(words, model.assignments_)}
    sizes = _assign_spool(model, spool, assigned)
    for topic in topics:
        topic["size"] = sizes.get(topic["id"], 0)
    topics.sort(key=lambda topic: -topic["size"])
    return model, topics, new_topics


TOPIC_CACHE_SIZE = 200_000


def _assign_spool(model, spool, assigned=None):
    """Give every spooled row its topic (``spool.topics``); return the sizes of the topics.

    Rows with the same content words get the same topic, so each distinct word
    list is inferred once (a bounded cache, which starts with ``assigned``:
    {word tuple: topic}) and in batches.
    """
    spool.topics = array("i")
    sizes = Counter()
    known, batch, waiting = dict(assigned or {}), {}, []

    def flush():
        for key, (topic, _) in zip(batch, model.iter_assign(list(batch))):
            known[key] = NO_TOPIC if topic is None else topic
        for key, counted in waiting:
            topic = known[key]
            spool.topics.append(topic)
            if counted and topic != NO_TOPIC:
                sizes[topic] += 1
        batch.clear()
        waiting.clear()

    for key, counted in spool.content_keys():
        if key not in known and key not in batch:
            if len(known) + len(batch) >= TOPIC_CACHE_SIZE:
                flush()  # every waiting row gets its topic before the cache is emptied
                known.clear()
            batch[key] = None
        waiting.append((key, counted))
        if len(batch) >= 2000 or len(waiting) >= 20_000:
            flush()
    flush()
    return sizes


def annotate_with_topics(paths, output, n_topics, *, seed=0, topic_engine=DEFAULT_ENGINE,
                         read_options=ReadOptions(),
                         language=LanguageOptions(), output_format=None, excel_escape=True, jobs=1,
                         progress=None, stdin=None, stdout=None):
    """``annotate`` with a ``topic`` column: topics need every comment before the first row is out.

    The rows are spooled to a temporary file (memory stays bounded), topics are
    fitted on a seeded sample and assigned, then every row is written.
    """
    from textmine.io.write import open_row_writer

    run = analyze_files(paths, AnalyzeOptions(topics=n_topics, seed=seed, topic_engine=topic_engine),
                        read_options=read_options,
                        language=language, jobs=jobs, progress=progress, stdin=stdin)
    try:
        columns = run.columns if "topic" in run.columns else run.columns + ["topic"]
        with open_row_writer(output, columns, fmt=output_format, excel_escape=excel_escape,
                             stdout=stdout) as writer:
            for row in run.annotated_rows():
                writer.write_row(row)
    finally:
        run.close()
    return run.accounting
