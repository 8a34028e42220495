"""Where comment texts are analysed: the per-text stages, their cache, their worker processes.

``CommentAnnotator.analyse`` runs clean -> segment -> score / classify ->
duplicate signature on distinct texts; ``AnnotationCache`` remembers the
results in the parent process and turns them into annotated rows;
``analysis_workers`` starts the processes that do the analysing (forked after
the models are loaded, so they share them). ``textmine.pipeline`` puts these
in order with reading and writing.
"""

import gc
from contextlib import contextmanager
from typing import NamedTuple

from textmine.clean import clean_text, junk_reason
from textmine.classify import PainPointClassifier
from textmine.dedupe import DuplicateFinder
from textmine.lexicon import load_lexicon
from textmine.mask import mask_personal_data, personal_data_hint
from textmine.segment import Segmenter
from textmine.sentiment import SentimentScorer

OTHER = "other"
CONTENT_KEY = "_content_words"  # internal: travels with a row between stages, never written


class CommentAnnotator:
    """Runs the per-comment stages on distinct texts; built once per process."""

    def __init__(self, options):
        self.options = options
        self.lexicon = load_lexicon(
            user_dicts=options.user_dicts, stopword_files=options.stopword_files,
            synonym_files=options.synonym_files, taxonomy_file=options.taxonomy_file,
        )
        self.segmenter = Segmenter(self.lexicon)
        self.classifier = PainPointClassifier(self.lexicon.taxonomy)
        self.scorer = SentimentScorer(engine=options.sentiment_engine)
        self.duplicates = DuplicateFinder()  # only its settings: signatures are made here

    def analyse(self, texts):
        """``TextAnalysis`` of each raw comment text, in order; one per text given.

        Every stage is a pure function of the text, so callers may cache the
        results by text (``AnnotationCache``) without changing any output.
        """
        cleaned = [clean_text(text) for text in texts]
        token_lists = self.segmenter.cut_many(cleaned)
        scores, clauses = self.scorer.score_batch_with_clauses(cleaned, token_lists)
        found = self.classifier.classify_batch(cleaned, token_lists)
        aspects_list = self.scorer.aspect_sentiment_batch(cleaned, token_lists, found, scores, clauses)
        mask = mask_personal_data if self.options.mask else _unchanged
        results = []
        for index, text in enumerate(texts):
            categories, score, tokens = found[index], float(scores[index]), token_lists[index]
            annotation = {
                "sentiment_score": round(score, 4),
                "sentiment": self.scorer.label(score),
                "categories": "|".join(code for code, _ in categories) or OTHER,
                "evidence": "|".join(f"{code}:{','.join(words)}" for code, words in categories if words),
                "aspects": "|".join(f"{code}:{label}" for code, label in aspects_list[index]),
                "flag": junk_reason(text) or "",
            }
            if self.options.tokens:
                annotation["tokens"] = " ".join(tokens)
            if self.options.content_words:
                annotation[CONTENT_KEY] = self.segmenter.content_words(tokens)
            # Duplicates are compared on the cleaned, masked text; flagged rows never are.
            signature = None if annotation["flag"] else self.duplicates.signature(mask(cleaned[index]))
            results.append(TextAnalysis(annotation, mask(text), signature))
        return results

    def annotate(self, items):
        """Annotate ``[(text, row), ...]`` in this process; return ``[(row, signature), ...]``."""
        cache = AnnotationCache(self.options)
        missing = cache.claim_missing(text for text, _ in items)
        cache.store(missing, self.analyse(missing))
        return cache.rows(items)


class TextAnalysis(NamedTuple):
    """The annotation columns of one distinct text, its masked form and its duplicate signature."""

    annotation: dict
    masked_text: str
    signature: tuple | None

    def packed(self):
        """A plain tuple of plain values: what crosses between processes, thousands a second.

        Unpickling a dict and a named tuple per text cost the parent four times
        as much as this; ``unpacked`` rebuilds the analysis with the keys it knows.
        """
        return tuple(self.annotation.values()), self.masked_text, self.signature

    @classmethod
    def unpacked(cls, packed_analyses, keys):
        return [cls(dict(zip(keys, values)), masked_text, signature)
                for values, masked_text, signature in packed_analyses]


def annotation_keys(options):
    """The keys of ``TextAnalysis.annotation``, in the order ``CommentAnnotator.analyse`` makes them."""
    return ("sentiment_score", "sentiment", "categories", "evidence", "aspects", "flag") \
        + (("tokens",) if options.tokens else ()) + ((CONTENT_KEY,) if options.content_words else ())


def _unchanged(value):
    return value


_PENDING = object()
MASKED_VALUE_CACHE = 50_000  # cell values (cities, plans, dates) masked once each


class AnnotationCache:
    """The parent process's memory of analysed texts, and the assembly of annotated rows.

    Exports repeat themselves (满意, 无, the same pasted complaint): each
    distinct text is analysed once, in whichever process, and every row with
    that text gets a copy of its annotation. ``pipeline.annotate_chunks`` empties
    it past ``pipeline.CACHE_SIZE`` texts.
    """

    def __init__(self, options):
        self.masking = options.mask
        self._keys = annotation_keys(options)
        self._analyses = {}
        self._masked = {}

    def __len__(self):
        return len(self._analyses)

    def clear(self):
        self._analyses.clear()

    def claim_missing(self, texts):
        """The distinct texts not analysed or requested yet; they are marked as requested."""
        analyses, missing = self._analyses, []
        for text in texts:
            text = text or ""
            if text not in analyses:
                analyses[text] = _PENDING
                missing.append(text)
        return missing

    def store(self, texts, analyses):
        """Remember the ``TextAnalysis`` of each text."""
        self._analyses.update(zip(texts, analyses))

    def store_packed(self, texts, packed_analyses):
        """``store`` for analyses as ``TextAnalysis.packed`` made them."""
        self.store(texts, TextAnalysis.unpacked(packed_analyses, self._keys))

    def rows(self, items):
        """``[(annotated row, duplicate signature), ...]``: input columns masked, annotation added."""
        analyses, masked_get, mask_value = self._analyses, self._masked.get, self._mask_value
        masking = self.masking
        results = []
        for text, row in items:
            analysis = analyses[text or ""]
            # The row is ours (the reader made it): values are replaced in place.
            for column, value in row.items() if masking else ():
                if value == text:
                    row[column] = analysis.masked_text
                    continue
                masked = masked_get(value)
                if masked is None:
                    if value.__class__ is not str:
                        continue
                    masked = mask_value(value)
                row[column] = masked
            row.update(analysis.annotation)
            results.append((row, analysis.signature))
        return results

    def _mask_value(self, value):
        """Masked ``value``, remembered if it is likely to come again."""
        if personal_data_hint(value) is None:
            masked = value
            if len(value) > 2 and value.isdigit():
                return value  # row ids: never again, and the cheap test is as quick as the cache
        else:
            masked = mask_personal_data(value)
            if len(value) > 40:
                return masked  # long values (comments in another column) rarely repeat
        if len(self._masked) >= MASKED_VALUE_CACHE:
            self._masked.clear()
        self._masked[value] = masked
        return masked


# Set in each worker process (and in the parent for jobs=1).
_ANNOTATOR = None


def _init_worker(options):
    global _ANNOTATOR
    if _ANNOTATOR is None or _ANNOTATOR.options != options:
        _ANNOTATOR = CommentAnnotator(options)


def _analyse_texts(texts):
    return [analysis.packed() for analysis in _ANNOTATOR.analyse(texts)]


class _Done:
    """Work already done in this process, with the ``get()`` of a pool's pending result."""

    def __init__(self, value):
        self.value = value

    def get(self):
        return self.value


GC_YOUNG_THRESHOLD = 20_000


@contextmanager
def _long_lived_objects_frozen():
    """Keep the cyclic garbage collector off the loaded models while rows stream.

    Python's collector walks every container it tracks. The dictionaries and
    models are hundreds of thousands of objects that never become garbage:
    frozen before the fork, they are never walked, in the parent or in a
    worker, and a worker's collector never writes to their memory pages, which
    stay shared. Young collections are rarer too: a chunk makes many
    short-lived containers at once. Together this took 8 to 9 % off the CPU
    time of ``annotate`` on 200,000 comments (four runs each way).
    """
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(thresholds[0], GC_YOUNG_THRESHOLD), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


class AnalysisWorkers:
    """Where texts are analysed: this process (one job) or a pool of forked workers.

    ``analyse`` starts the analysis of a list of texts and returns its pending
    result; ``map`` runs other independent work (the fits of the topic search)
    on the same processes, results in the order of the items.
    """

    def __init__(self, pool=None, processes=1):
        self.pool = pool
        self.processes = processes

    def analyse(self, texts):
        if self.pool is None:
            return _Done(_analyse_texts(texts))
        return self.pool.apply_async(_analyse_texts, (texts,))

    def map(self, function, items):
        if self.pool is None:
            return map(function, items)
        return self.pool.imap(function, items)


@contextmanager
def analysis_workers(options, jobs):
    """``AnalysisWorkers`` with the models loaded: ``jobs`` processes, or this one for ``jobs <= 1``.

    The models are loaded here first, so that forked workers share them.
    """
    _init_worker(options)
    with _long_lived_objects_frozen():
        if jobs <= 1:
            yield AnalysisWorkers()
            return
        import multiprocessing

        # fork shares the already-loaded dictionaries and models with the workers.
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        context = multiprocessing.get_context(method)
        pool = context.Pool(jobs, initializer=_init_worker, initargs=(options,))
        try:
            yield AnalysisWorkers(pool, jobs)
            pool.close()
        finally:
            pool.terminate()
            pool.join()
