"""The per-text stages on a Dask distributed cluster: the executor past one machine.

``DaskExecutor`` offers what ``LocalExecutor`` offers (``analyse``, ``map``,
``in_flight``, ``chunk_size``), so the runner and the stages run unchanged:

- the models are loaded once per worker process, not once per task: a worker
  plugin carries the ``LanguageOptions`` and the bytes of the analyst's own
  dictionary files, and builds the ``CommentAnnotator`` when the worker
  joins (a worker that joins or restarts later gets it too);
- each chunk of distinct texts is one task; results come back in the order
  the runner asks for them, with at most ``in_flight`` chunks pending, so
  the client's memory is bounded whatever the input;
- a worker that dies takes its running tasks with it and the scheduler runs
  them again on another (up to ``distributed.scheduler.allowed-failures``
  times); an annotation is a pure function of its text, so the output does
  not change.

This process still reads the inputs, masks the other cells, checks duplicates
and writes (the runner's part); the workers do the per-text work, which is
most of the CPU time. distributed is imported only here
(``pip install "textmine[cluster]"``).

    >>> with DaskExecutor(LanguageOptions(), "tcp://127.0.0.1:8786") as executor:
    ...     executor.analyse(["网速太慢了"]).result()[0].sentiment
    'neg'
"""

import asyncio
import ctypes
import os
import re
import shutil
import sys
import tempfile
import threading
import uuid
from concurrent.futures import CancelledError
from contextlib import contextmanager
from dataclasses import replace
from functools import partial
from pathlib import Path

import dask
from distributed import Client, WorkerPlugin, get_worker
from distributed.comm import get_address_host_port
from distributed.scheduler import KilledWorker

from textmine import __version__
from textmine.errors import ClusterError, ConfigError, TextmineError
from textmine.pipeline.annotator import CommentAnnotator
from textmine.text.lexicon import load_lexicon

CONNECT_TIMEOUT = 10  # seconds to reach the scheduler: a wrong address fails fast, in one line
WORKER_TIMEOUT = 60  # seconds to wait for a first worker to join the scheduler
# Rows a chunk: a task of up to 20,000 distinct texts is 0.3 to 1 s of work on one
# core, so the scheduler's few milliseconds a task and the transfers are lost in it.
CHUNK_SIZE = 20_000
# Texts travel inside the task (so that a task lost with its worker can run again);
# a chunk of long work orders is more than distributed's 10 MB warning threshold.
LARGE_TASK_WARNING = "256MB"


# Dask starts its workers with MALLOC_TRIM_THRESHOLD_=65536, so that freed memory goes
# back to the system at once. glibc then also stops raising its mmap threshold, and every
# numpy array over 128 KiB is mapped and unmapped again: one NMF fit of the topic search
# took 0.35 s of CPU on a worker against 0.06 s in a plain process (5,000 comments), and a
# partition of texts about 10 % more. While a textmine task runs, freed memory stays in the
# heap up to these sizes; when no textmine task runs, the worker's settings are back.
KEPT_HEAP_BYTES = 32 << 20  # glibc's largest mmap threshold on 64-bit systems
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt's parameters (malloc.h)
_DEFAULT_MMAP_THRESHOLD = 128 * 1024
_heap_lock = threading.Lock()
_heap_users = 0


def _worker_mallopt():
    """glibc's ``mallopt`` and the thresholds to restore, when Dask set a trim threshold; else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        restore = (int(os.environ["MALLOC_TRIM_THRESHOLD_"]),
                   int(os.environ.get("MALLOC_MMAP_THRESHOLD_", _DEFAULT_MMAP_THRESHOLD)))
        return ctypes.CDLL("libc.so.6").mallopt, restore
    except (KeyError, ValueError, OSError, AttributeError):
        return None


@contextmanager
def heap_kept():
    """Keep freed memory in the heap while the block runs (see KEPT_HEAP_BYTES); threads may nest."""
    global _heap_users
    found = _worker_mallopt()
    if found is None:
        yield
        return
    mallopt, (trim, mmap) = found
    with _heap_lock:
        _heap_users += 1
        if _heap_users == 1:
            mallopt(_M_MMAP_THRESHOLD, KEPT_HEAP_BYTES)
            mallopt(_M_TRIM_THRESHOLD, 2 * KEPT_HEAP_BYTES)
    try:
        yield
    finally:
        with _heap_lock:
            _heap_users -= 1
            if _heap_users == 0:
                mallopt(_M_TRIM_THRESHOLD, trim)
                mallopt(_M_MMAP_THRESHOLD, mmap)


def _dictionary_files(options):
    """{path: bytes} of the analyst's own dictionary files: the workers may not see this disk."""
    paths = [*options.user_dicts, *options.stopword_files, *options.synonym_files]
    if options.taxonomy_file is not None:
        paths.append(options.taxonomy_file)
    files = {}
    for path in paths:
        try:
            files[str(path)] = Path(path).read_bytes()
        except OSError as exc:
            raise ClusterError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    return files


class AnnotatorPlugin(WorkerPlugin):
    """Builds the ``CommentAnnotator`` once in a worker process and runs its tasks.

    Sent to every worker once; the dictionary files travel as bytes and are
    written to a folder of the worker's own. One task runs at a time in a
    process (a lock): the stages are Python, so threads would not run them in
    parallel, and the annotator's memos are not shared between threads.
    """

    def __init__(self, options, files, version=__version__):
        self.options = options
        self.files = files
        self.version = version
        self.annotator = None
        self._folder = None
        self._lock = threading.Lock()

    def __getstate__(self):
        return {"options": self.options, "files": self.files, "version": self.version}

    def __setstate__(self, state):
        self.__init__(state["options"], state["files"], state["version"])

    async def setup(self, worker):
        # A second or two of loading: off the worker's event loop, which must keep answering.
        await asyncio.get_running_loop().run_in_executor(None, self._load)

    def _load(self):
        if self.version != __version__:
            raise ClusterError(f"the workers run textmine {__version__}, this client {self.version}: "
                               "install the same version on both")
        options = self.options
        if self.files:
            self._folder = Path(tempfile.mkdtemp(prefix="textmine-dictionaries-"))
            local = {}
            for number, (path, data) in enumerate(self.files.items()):
                local[path] = self._folder / f"{number}-{Path(path).name}"
                local[path].write_bytes(data)

            def here(paths):
                return tuple(str(local[str(path)]) for path in paths)

            options = replace(options, user_dicts=here(options.user_dicts),
                              stopword_files=here(options.stopword_files),
                              synonym_files=here(options.synonym_files),
                              taxonomy_file=None if options.taxonomy_file is None
                              else here([options.taxonomy_file])[0])
        self.annotator = CommentAnnotator(options)

    def teardown(self, worker):
        self.annotator = None
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)

    def analyse(self, texts):
        with self._lock:
            return self.annotator.analyse(texts)


def _analyse_on_worker(plugin_name, texts):
    """A task: the annotations of ``texts``, by the annotator this worker loaded once."""
    with heap_kept():
        return get_worker().plugins[plugin_name].analyse(texts)


def _call_on_worker(function, item):
    """A task of ``DaskExecutor.map``."""
    with heap_kept():
        return function(item)


def _one_line(exc):
    return " ".join(str(exc).split()) or type(exc).__name__


def _connection_failure(exc):
    """Why a connection failed, without distributed's object names: 'ConnectionRefusedError: ...'."""
    cause = exc.__cause__ or exc
    if isinstance(cause, TimeoutError) and not str(cause):
        return "no answer"
    return re.sub(r"^in <[^>]*>: ", "", _one_line(cause))


def check_scheduler_address(address):
    """Raise ConfigError unless ``address`` looks like a scheduler's: ``tcp://host:port`` or ``host:port``.

    >>> check_scheduler_address("tcp://10.0.0.5:8786")
    """
    try:
        get_address_host_port(address)
    except ValueError as exc:
        raise ConfigError(f"--scheduler {address!r} is not a scheduler address such as "
                          f"tcp://10.0.0.5:8786 ({_one_line(exc)})") from exc


class _PendingTask:
    """A submitted task with the ``result()`` of a pending analysis."""

    def __init__(self, future):
        self._future = future

    def result(self):
        try:
            return self._future.result()
        except TextmineError:
            raise
        except KilledWorker as exc:
            raise ClusterError(f"Dask workers died running a task again and again ({_one_line(exc)}); "
                               "is a worker short of memory?") from exc
        except (CancelledError, OSError, TimeoutError) as exc:
            raise ClusterError(f"lost the Dask cluster: {type(exc).__name__}: {_one_line(exc)}") from exc
        finally:
            self._future = None  # the scheduler forgets the task and its result


class DaskExecutor:
    """The per-text stages on the workers of the Dask scheduler at ``scheduler``.

    ``scheduler`` is an address such as ``tcp://10.0.0.5:8786``. The models are
    loaded once per worker (``AnnotatorPlugin``) and dropped from the workers
    when the run ends.
    """

    chunk_size = CHUNK_SIZE

    def __init__(self, options, scheduler, *, connect_timeout=None):
        self.options = options
        self.scheduler = scheduler
        self.connect_timeout = CONNECT_TIMEOUT if connect_timeout is None else connect_timeout
        self.in_flight = 2
        self.client = None
        self._plugin_name = f"textmine-annotator-{uuid.uuid4().hex}"
        self._config = None

    def __enter__(self):
        files = _dictionary_files(self.options)
        if files:  # errors name the analyst's file and line here, before any worker loads it
            load_lexicon(user_dicts=self.options.user_dicts, stopword_files=self.options.stopword_files,
                         synonym_files=self.options.synonym_files, taxonomy_file=self.options.taxonomy_file)
        self._config = dask.config.set({"distributed.admin.large-graph-warning-threshold": LARGE_TASK_WARNING})
        self._config.__enter__()
        try:
            self._connect(files)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _connect(self, files):
        check_scheduler_address(self.scheduler)
        try:
            self.client = Client(self.scheduler, timeout=self.connect_timeout, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise ClusterError(f"cannot reach the Dask scheduler at {self.scheduler} within "
                               f"{self.connect_timeout:g} s ({_connection_failure(exc)})") from exc
        try:
            self.client.wait_for_workers(1, timeout=WORKER_TIMEOUT)
        except TimeoutError as exc:
            raise ClusterError(f"no Dask worker joined the scheduler at {self.scheduler} "
                               f"within {WORKER_TIMEOUT} s; start some with: dask worker {self.scheduler}") from exc
        try:
            self.client.register_plugin(AnnotatorPlugin(self.options, files), name=self._plugin_name)
        except TextmineError:
            raise
        except Exception as exc:  # noqa: BLE001 - whatever a worker failed with, in one line
            raise ClusterError(f"the Dask workers could not load textmine's models: "
                               f"{type(exc).__name__}: {_one_line(exc)}") from exc
        # Two chunks for each worker thread: one running, one waiting to start.
        self.in_flight = max(2, 2 * sum(self.client.nthreads().values()))

    def __exit__(self, exc_type, exc, traceback):
        try:
            if self.client is not None:
                try:
                    self.client.unregister_worker_plugin(self._plugin_name)
                except Exception:  # noqa: BLE001 - the models go with the workers anyway
                    pass
                self.client.close()
        finally:
            self.client = None
            if self._config is not None:
                self._config.__exit__(None, None, None)
                self._config = None
        return False

    def analyse(self, texts):
        future = self.client.submit(_analyse_on_worker, self._plugin_name, texts,
                                    key=f"textmine-analyse-{uuid.uuid4().hex}")
        return _PendingTask(future)

    def map(self, function, items):
        items = list(items)
        futures = self.client.map(partial(_call_on_worker, function), items,
                                  key=[f"textmine-map-{uuid.uuid4().hex}" for _ in items])
        return (_PendingTask(future).result() for future in futures)
