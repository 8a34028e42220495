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

For ``annotate`` to CSV, TSV or JSON Lines, and for ``analyze``, ``topics``
and ``annotate --topics``, from CSV, TSV or JSON Lines files, the workers also
read the inputs, a byte range each (``submit_partition``, ``submit_kept``,
``textmine.pipeline.partitions``): this process only numbers the rows, marks
duplicates and writes, or merges what the workers counted
(``textmine.pipeline.analyze_partitions``). Otherwise this process reads the
inputs, masks the other cells, checks duplicates and writes (the runner's
part), and the workers do the per-text work, which is most of the CPU time.
distributed is imported only here (``pip install ".[cluster]"`` in textmine's folder).

    >>> with DaskExecutor(LanguageOptions(), "tcp://127.0.0.1:8786") as executor:
    ...     executor.analyse(["网速太慢了"]).result()[0].sentiment
    'neg'
"""

import asyncio
import gc
import logging
import re
import shutil
import tempfile
import threading
import uuid
from concurrent.futures import CancelledError
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

import dask
from distributed import Client, WorkerPlugin, get_worker
from distributed.comm import connect, get_address_host_port
from distributed.scheduler import KilledWorker

from textmine import __version__
from textmine.errors import ClusterError, ConfigError, TextmineError, library_log_at
from textmine.pipeline._process_tuning import long_lived_objects_frozen, tuned_for_tasks
from textmine.pipeline.annotator import CommentAnnotator
from textmine.pipeline.partitions import PartitionAnalyser
from textmine.text.lexicon import load_lexicon

CONNECT_TIMEOUT = 10  # seconds to reach the scheduler: a wrong address fails fast, in one line
WORKER_TIMEOUT = 60  # seconds to wait for a first worker to join the scheduler
# Rows a chunk: a task of up to 20,000 distinct texts is 0.3 to 1 s of work on one
# core, so the scheduler's few milliseconds a task and the transfers are lost in it.
CHUNK_SIZE = 20_000
# Texts travel inside the task (so that a task lost with its worker can run again);
# a chunk of long work orders is more than distributed's 10 MB warning threshold.
LARGE_TASK_WARNING = "256MB"
# Chunks pending at most, whatever the number of worker threads: 320,000 rows held by the
# client. This process reads, masks and writes every row, at 30 to 100 µs a row against
# 130 to 190 µs a text on a worker (benchmarks/README.md), so it keeps no more than a
# few worker threads busy; more chunks pending would only hold more rows in memory.
MAX_IN_FLIGHT = 16


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
        self.partition_analyser = None
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
        # As a local worker's are: the collector never walks the models again (tuned_for_tasks).
        # Garbage first, or a previous run's models, frozen with the rest, would stay for this run.
        gc.collect()
        gc.freeze()

    def teardown(self, worker):
        self.annotator = self.partition_analyser = None
        gc.unfreeze()
        gc.collect()  # the models go now, not at the worker's next full collection
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)

    def analyse(self, texts):
        with self._lock:
            return self.annotator.analyse(texts)

    def run_partition(self, task, partition, arguments):
        """``task(analyser, partition, *arguments)`` with this worker's ``PartitionAnalyser``."""
        with self._lock:
            if self.partition_analyser is None:
                self.partition_analyser = PartitionAnalyser(self.annotator)
            return task(self.partition_analyser, partition, *arguments)


def _analyse_on_worker(plugin_name, texts):
    """A task: the annotations of ``texts``, by the annotator this worker loaded once."""
    with tuned_for_tasks():
        return get_worker().plugins[plugin_name].analyse(texts)


def _partition_on_worker(plugin_name, task, partition, *arguments):
    """A task: one partition read and worked on by this worker (``textmine.pipeline.partitions``)."""
    with tuned_for_tasks():
        return get_worker().plugins[plugin_name].run_partition(task, partition, arguments)


class _Sealed:
    """A task's argument that Dask sends as it is.

    Dask walks lists, tuples and dicts given to a task for futures inside them: the topic
    assignment's items (thousands of word lists each) took about 5 s of the client's CPU on
    200,000 distinct comments (``Client.map`` spent as much tokenizing them).
    """

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


def _apply_on_worker(function, kept, sealed):
    """A task of ``DaskExecutor.submit_on``."""
    with tuned_for_tasks():
        return function(kept, *sealed.value)


def _call_on_worker(function, sealed):
    """A task of ``DaskExecutor.map``."""
    with tuned_for_tasks():
        return function(sealed.value)


def _one_line(exc):
    return " ".join(str(exc).split()) or type(exc).__name__


def _connection_failure(exc):
    """Why a connection failed, without distributed's object names: 'ConnectionRefusedError: ...'."""
    cause = exc.__cause__ or exc
    if isinstance(cause, (TimeoutError, asyncio.CancelledError)) and not str(cause):
        return "no answer"
    return re.sub(r"^in <[^>]*>: ", "", _one_line(cause))


def check_scheduler_address(address):
    """Raise ConfigError unless ``address`` looks like a scheduler's: ``tcp://host:port`` or ``host:port``.

    >>> check_scheduler_address("tcp://10.0.0.5:8786")
    """
    if str(address).lower().startswith("tls://"):
        raise ConfigError(f"--scheduler {address!r}: a tls:// scheduler needs certificates, which textmine does "
                          "not take; give its tcp:// address (on a network you trust) or reach it through a tunnel")
    try:
        tail = str(address).rsplit(":", 1)[-1] if ":" in str(address).split("://", 1)[-1] else ""
        if tail and not tail.isdigit():
            raise ValueError(f"port {tail!r} is not a number")
        _, port = get_address_host_port(address)
        if not 0 < int(port) < 65536:
            raise ValueError(f"port {port} is not from 1 to 65535")
    except ValueError as exc:
        raise ConfigError(f"--scheduler {address!r} is not a scheduler address such as "
                          f"tcp://10.0.0.5:8786 ({_one_line(exc)})") from exc


async def _greet(address, timeout):
    """What answers at ``address`` (Dask's ``type``: 'Scheduler', 'Worker'), asked within ``timeout`` seconds.

    The client's own connect waits without end for the greeting of a server that
    is not Dask's (a web server at that port), and given a worker's address it
    fails after 20 s with a TypeError: this gives up in time, and says which.
    """
    comm = await asyncio.wait_for(connect(address, timeout=timeout), timeout)
    try:
        await comm.write({"op": "identity", "reply": True})
        answer = await asyncio.wait_for(comm.read(), timeout)
    finally:
        await comm.close()
    return answer.get("type") if isinstance(answer, dict) else None


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
    reads_partitions = True  # the client's reading is what limits a cluster (benchmarks/README.md)

    def __init__(self, options, scheduler, *, connect_timeout=None):
        self.options = options
        self.scheduler = scheduler
        self.connect_timeout = CONNECT_TIMEOUT if connect_timeout is None else connect_timeout
        self.in_flight = 2
        self.workers = 1
        self.client = None
        self._plugin_name = f"textmine-annotator-{uuid.uuid4().hex}"
        self._stack = None

    def __enter__(self):
        files = _dictionary_files(self.options)
        if files:  # errors name the analyst's file and line here, before any worker loads it
            load_lexicon(user_dicts=self.options.user_dicts, stopword_files=self.options.stopword_files,
                         synonym_files=self.options.synonym_files, taxonomy_file=self.options.taxonomy_file)
        self._stack = ExitStack()
        try:
            self._stack.enter_context(
                dask.config.set({"distributed.admin.large-graph-warning-threshold": LARGE_TASK_WARNING}))
            # This process streams the rows as a local run's parent does, with its collector tuned alike.
            self._stack.enter_context(long_lived_objects_frozen())
            # A scheduler lost mid-run is textmine's one line ("lost the Dask cluster: ..."), not
            # the client's tracebacks of its reconnection before it.
            self._stack.enter_context(library_log_at("distributed.client", logging.CRITICAL))
            self._connect(files)
        except BaseException:
            self._stack.close()
            raise
        return self

    def _connect(self, files):
        check_scheduler_address(self.scheduler)
        try:
            kind = asyncio.run(_greet(self.scheduler, self.connect_timeout))
            if kind != "Scheduler":
                raise ClusterError(f"{self.scheduler} is " + ("a Dask worker, not the scheduler: give the address "
                                   "the workers were started with (dask worker ADDRESS)" if kind == "Worker" else
                                   "not a Dask scheduler (it answered, but not as one does); give the scheduler's "
                                   "address"))
            self.client = Client(self.scheduler, timeout=self.connect_timeout, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise ClusterError(f"cannot reach the Dask scheduler at {self.scheduler} within "
                               f"{self.connect_timeout:g} s ({_connection_failure(exc)})") from exc
        except TextmineError:
            raise
        except Exception as exc:  # noqa: BLE001 - another server's bytes fail Dask's reading in any way
            raise ClusterError(f"the server at {self.scheduler} did not answer as a Dask scheduler does "
                               f"({type(exc).__name__}: {_one_line(exc)}); is that the scheduler's address?") from exc
        self._stack.callback(self._disconnect)
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
        self.workers = sum(self.client.nthreads().values())
        self.in_flight = min(MAX_IN_FLIGHT, max(2, 2 * self.workers))

    def _disconnect(self):
        try:
            self.client.unregister_worker_plugin(self._plugin_name)  # the workers drop the models
        except Exception:  # noqa: BLE001 - the models go with the workers anyway
            pass
        try:
            self.client.close()
        finally:
            self.client = None

    def __exit__(self, exc_type, exc, traceback):
        self._stack.close()
        return False

    def analyse(self, texts):
        future = self.client.submit(_analyse_on_worker, self._plugin_name, texts,
                                    key=f"textmine-analyse-{uuid.uuid4().hex}")
        return _PendingTask(future)

    def submit_partition(self, task, partition, *arguments):
        future = self.client.submit(_partition_on_worker, self._plugin_name, task, partition, *arguments,
                                    key=f"textmine-partition-{uuid.uuid4().hex}")
        return _PendingTask(future)

    def submit_kept(self, task, partition, *arguments):
        """Like ``submit_partition``, but the result stays on its worker: a Dask future for ``submit_on``.

        If that worker dies, the scheduler runs the task again (it reads a byte range).
        """
        return self.client.submit(_partition_on_worker, self._plugin_name, task, partition, *arguments,
                                  key=f"textmine-kept-{uuid.uuid4().hex}")

    def submit_on(self, function, kept, *arguments):
        """``function(result of kept, *arguments)`` as a task, run where the result is."""
        future = self.client.submit(_apply_on_worker, function, kept, _Sealed(arguments),
                                    key=f"textmine-on-{uuid.uuid4().hex}")
        return _PendingTask(future)

    def on_every_worker(self, function, *arguments):
        """``function(*arguments)`` on each worker now in the cluster, one result each (not a task).

        A worker that dies meanwhile gives no result: it is gone, and one that takes
        its place is a worker that joins later (``function`` must allow for those).
        """
        try:
            return list(self.client.run(function, *arguments, on_error="ignore").values())
        except (CancelledError, OSError, TimeoutError) as exc:
            raise ClusterError(f"lost the Dask cluster: {type(exc).__name__}: {_one_line(exc)}") from exc

    def map(self, function, items):
        # One submit an item, not Client.map, which tokenizes every item to name the graph.
        futures = [self.client.submit(_call_on_worker, function, _Sealed(item),
                                      key=f"textmine-map-{uuid.uuid4().hex}") for item in items]
        return (_PendingTask(future).result() for future in futures)
