"""Where the per-text stages run: the executor seam of the runner.

An executor is a context manager with the models loaded inside it. It offers:

- ``analyse(texts)``: start the analysis of a list of distinct texts and return
  a pending result whose ``result()`` is the list of ``Annotation`` records;
- ``map(function, items)``: other independent work (the fits of the topic
  search) on the same processes, results in the order of the items;
- ``in_flight``: how many analyses the runner may keep pending at once;
- ``chunk_size``: how many rows the runner reads into one chunk;
- ``reads_partitions``: whether its workers should read the inputs themselves
  (``textmine.pipeline.partitions``), and ``submit_partition(task, partition,
  *arguments)``, which runs ``task(analyser, partition, *arguments)`` with the
  worker's ``PartitionAnalyser`` and returns a pending result; ``workers``, how
  many tasks run at once; ``submit_kept``, the same with the result kept where
  it is, and ``submit_on(function, kept, *arguments)``, a task on that result.

``LocalExecutor`` runs in this process (one job) or in forked worker processes,
started only once the input has proved big enough for them to pay;
``DaskExecutor`` (``textmine.pipeline.dask_executor``) on a Dask cluster.
``open_executor`` picks one; the stages never see which.

    >>> with LocalExecutor(LanguageOptions(), jobs=2) as executor:
    ...     executor.analyse(["网速太慢了"]).result()[0].sentiment
    'neg'
"""

import gc
import multiprocessing
import signal
import threading
from itertools import islice

from textmine.cores import default_jobs, max_jobs
from textmine.errors import ConfigError, WorkerDied
from textmine.pipeline._process_tuning import long_lived_objects_frozen
from textmine.pipeline.annotator import CommentAnnotator
from textmine.pipeline.runner import CHUNK_SIZE

__all__ = ["Finished", "LocalExecutor", "default_jobs", "open_executor"]

# Set in each worker process (and in this one for one job).
_ANNOTATOR = None


def _load_annotator(options):
    global _ANNOTATOR
    if _ANNOTATOR is None or _ANNOTATOR.options != options:
        _ANNOTATOR = CommentAnnotator(options)
    return _ANNOTATOR


def _start_worker(options):
    """A worker leaves Ctrl-C and SIGTERM to the parent, which stops it.

    Ctrl-C in a terminal reaches every process of the group: a worker that
    took it would print a KeyboardInterrupt traceback of its own. The parent's
    SIGTERM handler (``textmine.cli``) is inherited across the fork; a worker
    ends on SIGTERM quietly instead, as ``Pool.terminate`` expects.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _load_annotator(options)


def _analyse(texts):
    return _ANNOTATOR.analyse(texts)


class Finished:
    """Work already done, with the ``result()`` of a pending one."""

    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value

    def ready(self):
        return True


class _PoolResult:
    def __init__(self, async_result, watch):
        self._async_result = async_result
        self._watch = watch

    def result(self):
        while not self._async_result.ready():
            self._async_result.wait(WORKER_CHECK_SECONDS)
            self._watch()
        return self._async_result.get()

    def ready(self):
        return self._async_result.ready()

    def wait(self, timeout):
        self._async_result.wait(timeout)


# Worker processes start only once the texts given to ``analyse`` hold this many
# characters (about a second of analysis in one process); the texts up to there
# are analysed here. Forking the workers, sending them the texts and taking the
# annotations back cost about 0.15 s of CPU, more than a second core gives back
# on small inputs: annotate on 20,000 survey rows (441,000 characters of
# distinct texts) took 2.87 s with two workers against 2.60 s in one process,
# on 3,000 distinct comments (215,000 characters) 1.63 s against 1.44 s; with
# workers started after 250,000 characters, the 20,000 survey rows still took
# 2.74 s against 2.31 s (medians of three and five, wall clock, on a busy
# machine). A big input loses at most the second core's share of these first
# texts, about half a second.
WORKERS_AFTER_CHARS = 500_000
# On an error the analyses in flight (a few chunks: seconds at most) are let finish before the
# workers are stopped; this bounds the wait should a worker be stuck.
IN_FLIGHT_WAIT_SECONDS = 60
# How often a wait for the workers checks that none of them died. A worker killed
# (by the kernel short of memory, or kill -9) takes its task with it, and the pool
# would wait for that result for ever.
WORKER_CHECK_SECONDS = 1.0
ABANDON_WAIT_SECONDS = 1  # for Pool.terminate after a worker died: it hangs when the dead one held a lock


class LocalExecutor:
    """The per-text stages in this process (``jobs <= 1``) or in ``jobs`` forked workers.

    The models are loaded in this process first, so that forked workers share
    them instead of loading their own. With several jobs the workers start when
    the texts given to ``analyse`` pass ``workers_after_chars`` characters
    (default ``WORKERS_AFTER_CHARS``), or at the first ``map``: a small input
    is analysed here, as with one job.
    """

    chunk_size = CHUNK_SIZE
    # Reading in worker processes would not lighten this process's part: it is the
    # reader here. submit_partition runs partitions in this process (for tests).
    reads_partitions = False

    def __init__(self, options, jobs=1, *, workers_after_chars=None):
        self.options = options
        self.jobs = max(1, int(jobs))
        if self.jobs > max_jobs():
            raise ConfigError(f"--jobs {self.jobs} is more than {max_jobs()} "
                              f"(4 worker processes per core); give fewer")
        self.in_flight = 1 if self.jobs == 1 else 2 * self.jobs
        self._chars_before_workers = WORKERS_AFTER_CHARS if workers_after_chars is None else workers_after_chars
        self._pool = None
        self._workers = []
        self._frozen = None
        self._in_flight = []  # analyses sent to the workers and maybe not finished
        self._partition_analyser = None

    @property
    def workers(self):
        return self.jobs

    @property
    def workers_started(self):
        return self._pool is not None

    def __enter__(self):
        _load_annotator(self.options)
        self._frozen = long_lived_objects_frozen()
        self._frozen.__enter__()
        return self

    def _start_workers(self):
        # What this process has built since entering (the runner's cache) is frozen
        # too, so the workers' collectors never walk it (nor copy its pages).
        gc.freeze()
        # fork shares the already-loaded dictionaries and models with the workers.
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        context = multiprocessing.get_context(method)
        self._pool = context.Pool(self.jobs, initializer=_start_worker, initargs=(self.options,))
        # The pool replaces a worker that dies, but not the task it held: the processes
        # started here are watched (Pool keeps them in its private _pool list).
        self._workers = list(self._pool._pool)

    def _dead_worker(self):
        """How a worker process that died died ('was killed by signal 9 (SIGKILL)'), or None.

        (Workers end with 0 once the pool is closed and its work done: that is no death.)
        """
        for process in self._workers:
            code = process.exitcode
            if code:
                return f"was killed by signal {-code} ({_signal_name(-code)})" if code < 0 else f"exited with {code}"
        return None

    def _abandon_pool(self):
        """Stop the workers when one died: its analyses never finish, and Pool.terminate may hang.

        A worker killed while it waited for a task (or sent a result) holds a queue's
        lock for ever, and Pool.terminate takes that lock first. So the workers are
        killed here, and terminate (which also stops the pool's threads) runs in a
        thread of its own that is given a second.
        """
        for process in self._pool._pool:
            process.kill()
        stopping = threading.Thread(target=self._pool.terminate, daemon=True, name="textmine-pool-terminate")
        stopping.start()
        stopping.join(ABANDON_WAIT_SECONDS)

    def _check_workers(self):
        """Raise ``WorkerDied`` if a worker process has ended: its task is lost."""
        how = self._dead_worker()
        if how is not None:
            raise WorkerDied(f"a worker process {how} and its comments were lost; was the machine short of "
                             "memory? Run again, with fewer --jobs if so")

    def __exit__(self, exc_type, exc, traceback):
        try:
            if self._pool is not None:
                if exc_type is None:
                    self._pool.close()
                # A worker stopped while it sends a result leaves the result queue's lock taken
                # for ever, and Pool.terminate then hangs on that lock (seen on `annotate | head`,
                # where the closed pipe ends the run mid-stream): on an error, let the analyses in
                # flight finish first.
                if self._dead_worker() is None:
                    for pending in self._in_flight:
                        pending.wait(IN_FLIGHT_WAIT_SECONDS)
                    self._pool.terminate()
                    self._pool.join()
                else:
                    self._abandon_pool()
        finally:
            self._pool = None
            self._workers = []
            self._in_flight = []
            self._frozen.__exit__(exc_type, exc, traceback)
        return False

    def analyse(self, texts):
        if self._pool is None:
            if self.jobs == 1 or self._chars_before_workers > 0:
                self._chars_before_workers -= sum(map(len, texts))
                annotations = _analyse(texts)
                # What a chunk leaves behind in this process (the runner's cache, the
                # stages' memos) lives on; frozen, the collector stops walking it at
                # every young collection. analyse makes no reference cycles (20,000
                # distinct comments left none to collect), so nothing is kept that the
                # collector would have freed. annotate -j 1 on 20,000 distinct comments:
                # 4.08 -> 3.78 CPU s (-7 %). Done in worker processes and in the parent
                # of workers, it made no difference (200,000 comments), so it is not.
                gc.freeze()
                return Finished(annotations)
            self._start_workers()
        pending = _PoolResult(self._pool.apply_async(_analyse, (texts,)), self._check_workers)
        self._in_flight = [other for other in self._in_flight if not other.ready()] + [pending]
        return pending

    def submit_partition(self, task, partition, *arguments):
        if self._partition_analyser is None:
            from textmine.pipeline.partitions import PartitionAnalyser

            self._partition_analyser = PartitionAnalyser(_load_annotator(self.options))
        return Finished(task(self._partition_analyser, partition, *arguments))

    def submit_kept(self, task, partition, *arguments):
        """``submit_partition`` whose result stays where it ran, for ``submit_on`` (for tests)."""
        return self.submit_partition(task, partition, *arguments).result()

    def submit_on(self, function, kept, *arguments):
        return Finished(function(kept, *arguments))

    def on_every_worker(self, function, *arguments):
        """``[function(*arguments)]``: this machine's worker processes see what the parent sees."""
        return [function(*arguments)]

    def map(self, function, items):
        if self._pool is None and self.jobs > 1:
            self._start_workers()
        if self._pool is None:
            return map(function, items)
        return self._watched(self._pool.imap(function, items))

    def _watched(self, results):
        while True:
            try:
                yield results.next(WORKER_CHECK_SECONDS)
            except multiprocessing.TimeoutError:
                self._check_workers()
            except StopIteration:
                return


def _signal_name(number):
    try:
        return signal.Signals(number).name
    except ValueError:
        return "an unknown signal"


def in_windows(parallel_map, function, items, size, *, sent=None):
    """``(item, function(sent(item)))`` for each of ``items``, in order, given ``size`` at a time to ``parallel_map``.

    The next window is taken from ``items`` and given to the workers before the
    results of the last one are handed out, so that the workers are busy while
    this process makes the items and takes the results; at most two windows of
    items and results are held. ``sent`` (default: the item itself) is what of
    an item travels to the workers.
    """
    sent = sent or (lambda item: item)
    items = iter(items)
    pending = None
    while window := list(islice(items, size)):
        results = parallel_map(function, [sent(item) for item in window])
        if pending is not None:
            yield from zip(*pending)
        pending = window, results
    if pending is not None:
        yield from zip(*pending)


def open_executor(options, *, jobs=1, scheduler=None, workers_after_chars=None):
    """A ``DaskExecutor`` on the scheduler at ``scheduler`` when one is given, else a ``LocalExecutor``.

    With a scheduler, the cluster's workers set the parallelism and ``jobs`` and
    ``workers_after_chars`` (see ``LocalExecutor``) are not used.

        >>> with open_executor(LanguageOptions(), scheduler="tcp://127.0.0.1:8786") as executor: ...
    """
    if not scheduler:
        return LocalExecutor(options, jobs, workers_after_chars=workers_after_chars)
    try:
        # Imported only here: distributed is an optional dependency (the cluster extra).
        from textmine.pipeline.dask_executor import DaskExecutor
    except ImportError as exc:
        raise ConfigError(f"--scheduler needs Dask ({exc}): pip install '.[cluster]' in textmine's folder") from exc
    return DaskExecutor(options, scheduler)
