"""Where the per-text stages run: the executor seam of the runner.

An executor is a context manager with the models loaded inside it. It offers:

- ``analyse(texts)``: start the analysis of a list of distinct texts and return
  a pending result whose ``result()`` is the list of ``Annotation`` records;
- ``map(function, items)``: other independent work (the fits of the topic
  search) on the same processes, results in the order of the items;
- ``in_flight``: how many analyses the runner may keep pending at once;
- ``chunk_size``: how many rows the runner reads into one chunk.

``LocalExecutor`` runs in this process (one job) or in forked worker processes;
``DaskExecutor`` (``textmine.pipeline.dask_executor``) on a Dask cluster.
``open_executor`` picks one; the stages never see which.

    >>> with LocalExecutor(LanguageOptions(), jobs=2) as executor:
    ...     executor.analyse(["网速太慢了"]).result()[0].sentiment
    'neg'
"""

import multiprocessing
import os

from textmine.errors import ConfigError
from textmine.pipeline._process_tuning import long_lived_objects_frozen
from textmine.pipeline.annotator import CommentAnnotator
from textmine.pipeline.runner import CHUNK_SIZE

# Set in each worker process (and in this one for one job).
_ANNOTATOR = None


def _load_annotator(options):
    global _ANNOTATOR
    if _ANNOTATOR is None or _ANNOTATOR.options != options:
        _ANNOTATOR = CommentAnnotator(options)
    return _ANNOTATOR


def _analyse(texts):
    return _ANNOTATOR.analyse(texts)


class Finished:
    """Work already done, with the ``result()`` of a pending one."""

    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value


class _PoolResult:
    def __init__(self, async_result):
        self._async_result = async_result

    def result(self):
        return self._async_result.get()


def default_jobs():
    """All cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


class LocalExecutor:
    """The per-text stages in this process (``jobs <= 1``) or in ``jobs`` forked workers.

    The models are loaded in this process first, so that forked workers share
    them instead of loading their own.
    """

    chunk_size = CHUNK_SIZE

    def __init__(self, options, jobs=1):
        self.options = options
        self.jobs = max(1, int(jobs))
        self.in_flight = 1 if self.jobs == 1 else 2 * self.jobs
        self._pool = None
        self._frozen = None

    def __enter__(self):
        _load_annotator(self.options)
        self._frozen = long_lived_objects_frozen()
        self._frozen.__enter__()
        if self.jobs > 1:
            # fork shares the already-loaded dictionaries and models with the workers.
            method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
            context = multiprocessing.get_context(method)
            self._pool = context.Pool(self.jobs, initializer=_load_annotator, initargs=(self.options,))
        return self

    def __exit__(self, exc_type, exc, traceback):
        try:
            if self._pool is not None:
                if exc_type is None:
                    self._pool.close()
                self._pool.terminate()
                self._pool.join()
        finally:
            self._pool = None
            self._frozen.__exit__(exc_type, exc, traceback)
        return False

    def analyse(self, texts):
        if self._pool is None:
            return Finished(_analyse(texts))
        return _PoolResult(self._pool.apply_async(_analyse, (texts,)))

    def map(self, function, items):
        if self._pool is None:
            return map(function, items)
        return self._pool.imap(function, items)


def open_executor(options, *, jobs=1, scheduler=None):
    """A ``DaskExecutor`` on the scheduler at ``scheduler`` when one is given, else a ``LocalExecutor``.

    With a scheduler, the cluster's workers set the parallelism and ``jobs`` is not used.

        >>> with open_executor(LanguageOptions(), scheduler="tcp://127.0.0.1:8786") as executor: ...
    """
    if not scheduler:
        return LocalExecutor(options, jobs)
    try:
        # Imported only here: distributed is an optional dependency (the cluster extra).
        from textmine.pipeline.dask_executor import DaskExecutor
    except ImportError as exc:
        raise ConfigError(f"--scheduler needs Dask ({exc}): pip install 'textmine[cluster]'") from exc
    return DaskExecutor(options, scheduler)
