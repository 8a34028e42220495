"""Where comment texts are analysed: the per-text stages, their cache, their worker processes.

``CommentAnnotator.analyse`` runs clean -> segment -> score / classify ->
duplicate signature on distinct texts; ``AnnotationCache`` remembers the
results in the parent process and turns them into annotated rows;
``analysis_workers`` starts the processes that do the analysing (forked after
the models are loaded, so they share them). ``textmine.pipeline.runner`` puts these
in order with reading and writing.
"""

import gc
from contextlib import contextmanager
from itertools import chain
from typing import NamedTuple

from textmine.text.clean import clean_texts
from textmine.text.junk import junk_reason
from textmine.painpoints.classifier import PainPointClassifier
from textmine.text.dedupe import DuplicateFinder
from textmine.text.lexicon import load_lexicon
from textmine.text.mask import hinted_values, mask_personal_data
from textmine.text.segment import Segmenter
from textmine.sentiment.scorer import SentimentScorer

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
        return TextAnalysis.unpacked(texts, self.analyse_packed(texts), annotation_keys(self.options))

    def analyse_packed(self, texts):
        """``analyse``, packed: what workers send back, thousands of texts a second.

        Each analysis is a plain tuple of plain values, ``(annotation values in
        annotation_keys order, masked text, duplicate signature)``, built as
        such: unpickling a dict and a named tuple per text cost the parent four
        times as much. The masked text is None when masking left the text as it
        was (nearly always), so the text does not travel back.
        ``TextAnalysis.unpacked`` rebuilds the analyses.
        """
        cleaned = clean_texts(texts)
        token_lists = self.segmenter.cut_many(cleaned)
        scores, clauses = self.scorer.score_batch_with_clauses(cleaned, token_lists)
        found = self.classifier.classify_batch(cleaned, token_lists)
        aspects_list = self.scorer.aspect_sentiment_batch(cleaned, token_lists, found, scores, clauses)
        mask = mask_personal_data if self.options.mask else _unchanged
        flags = [junk_reason(text) or "" for text in texts]
        # Duplicates are compared on the cleaned, masked text; flagged rows never are.
        compared = [index for index, flag in enumerate(flags) if not flag]
        signatures = [None] * len(texts)
        for index, signature in zip(compared, self.duplicates.signatures(
                [mask(cleaned[index]) for index in compared])):
            signatures[index] = signature
        label = self.scorer.labeller()
        tokens_wanted, content_words = self.options.tokens, self.options.content_words
        results = []
        for text, flag, signature, score, tokens, categories, aspects in zip(
                texts, flags, signatures, scores.tolist(), token_lists, found, aspects_list):
            values = (
                round(score, 4),
                label(score),
                "|".join([code for code, _ in categories]) or OTHER,
                "|".join([f"{code}:{','.join(words)}" for code, words in categories if words]),
                "|".join([f"{code}:{aspect}" for code, aspect in aspects]),
                flag,
            )
            if tokens_wanted:
                values += (" ".join(tokens),)
            if content_words:
                values += (self.segmenter.content_words(tokens),)
            masked = mask(text)
            results.append((values, None if masked == text else masked, signature))
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

    @classmethod
    def unpacked(cls, texts, packed_analyses, keys):
        """The analyses of ``texts`` from what ``CommentAnnotator.analyse_packed`` made of them."""
        return [cls(dict(zip(keys, values)), text if masked_text is None else masked_text, signature)
                for text, (values, masked_text, signature) in zip(texts, packed_analyses)]


def annotation_keys(options):
    """The keys of ``TextAnalysis.annotation``, in the order ``CommentAnnotator.analyse`` makes them."""
    return ("sentiment_score", "sentiment", "categories", "evidence", "aspects", "flag") \
        + (("tokens",) if options.tokens else ()) + ((CONTENT_KEY,) if options.content_words else ())


def _unchanged(value):
    return value


_PENDING = object()
MASKED_VALUE_CACHE = 50_000  # cell values that masking changes, remembered with their masked form
CLEAN_VALUE_CACHE = 200_000  # cell values (texts, cities, plans, dates) that masking leaves as they are


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
        self._clean = set()

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
        if self.masking:  # a cell holding one of these texts needs no test of its own
            self._learn(texts, [analysis.masked_text for analysis in analyses])

    def store_packed(self, texts, packed_analyses):
        """``store`` for analyses as ``CommentAnnotator.analyse_packed`` made them."""
        self.store(texts, TextAnalysis.unpacked(texts, packed_analyses, self._keys))

    def rows(self, items):
        """``[(annotated row, duplicate signature), ...]``: input columns masked, annotation added."""
        analyses = self._analyses
        found = [analyses[text or ""] for text, _ in items]
        rows = [row for _, row in items]
        if self.masking:
            # The rows are ours (the reader made them): values are replaced in place.
            self._mask_cells(rows)
        for row, analysis in zip(rows, found):
            row.update(analysis.annotation)
        return [(row, analysis.signature) for row, analysis in zip(rows, found)]

    def _mask_cells(self, rows):
        """Give every cell of ``rows`` the value ``mask_personal_data`` makes of it.

        Masking changes few cells, so the work is done on the chunk's distinct
        values with set operations: values known to stay as they are (texts
        learn it from their analysis) drop out at once, the new ones are tested
        together, and only rows holding a value that masking changes are
        visited cell by cell.
        """
        try:
            values = set(chain.from_iterable(map(dict.values, rows)))
            new = list(values.difference(self._clean).difference(self._masked))
            hinted = [new[index] for index in hinted_values(new)]
        except TypeError:  # a value that is no string: one cell at a time
            for row in rows:
                for column, value in row.items():
                    if value.__class__ is str:
                        row[column] = mask_personal_data(value)
            return
        # This chunk's changes, taken before learning: learning may empty the memory.
        changed = {value: self._masked[value] for value in values.intersection(self._masked)}
        masked_values = [mask_personal_data(value) for value in hinted]
        changed.update((value, masked) for value, masked in zip(hinted, masked_values) if masked != value)
        self._learn(hinted, masked_values)
        if len(new) > len(hinted):
            self._learn(set(new).difference(hinted))
        if changed:
            for row in rows:
                if not changed.keys().isdisjoint(row.values()):
                    for column, value in row.items():
                        if value in changed:
                            row[column] = changed[value]

    def _learn(self, values, masked_values=None):
        """Remember which values masking leaves as they are, and the masked form of the others."""
        clean, masked_of = self._clean, self._masked
        if masked_values is None:  # all of them clean
            if len(clean) + len(values) > CLEAN_VALUE_CACHE:
                clean.clear()
            clean.update(values)
            return
        for value, masked in zip(values, masked_values):
            if masked == value:
                if len(clean) >= CLEAN_VALUE_CACHE:
                    clean.clear()
                clean.add(value)
            else:
                if len(masked_of) >= MASKED_VALUE_CACHE:
                    masked_of.clear()
                masked_of[value] = masked


# Set in each worker process (and in the parent for jobs=1).
_ANNOTATOR = None


def _init_worker(options):
    global _ANNOTATOR
    if _ANNOTATOR is None or _ANNOTATOR.options != options:
        _ANNOTATOR = CommentAnnotator(options)


def _analyse_texts(texts):
    return _ANNOTATOR.analyse_packed(texts)


class _Done:
    """Work already done in this process, with the ``get()`` of a pool's pending result."""

    def __init__(self, value):
        self.value = value

    def get(self):
        return self.value


# 100,000 rather than 20,000: on 200,000 comments the parent's collections took
# 0.09 s instead of 0.22 s, and a one-process run 0.5 % fewer instructions.
GC_YOUNG_THRESHOLD = 100_000


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
