"""Scans on a Dask cluster: Dask's ``distributed`` scheduler as a second place tasks run.

``piiscan scan … --executor dask --scheduler tcp://host:8786`` runs the same tasks as a local
scan (:func:`piiscan.scan.task.run_object` on an :class:`~piiscan.scan.plan.ObjectHandle`)
behind the same :class:`~piiscan.scan.executor.Runner` interface, driven by the same loop
(:func:`~piiscan.scan.executor.run_tasks`); only where a task runs and where its rows go differ.

- **Tasks carry descriptions, never content or secrets.** A task is the scan's plugin name and
  an object handle (root index, path, size, mtime, member chain). Each worker opens the object
  itself through its own source for the root (a path on a shared mount, an SMB URL, an IMAP
  folder), so nothing raw travels through the scheduler.
- **One engine and one set of sources per worker thread, built once.** :class:`ScanPlugin`, a
  Dask worker plugin registered for the scan, carries the scan's configuration (which holds no
  key and no password) and builds a :class:`~piiscan.scan.task.TaskContext` when a worker
  joins; a worker running tasks in several threads gets one context per thread that needs one
  (an engine is not shared between threads), closed when the plugin is removed at the scan's
  end.
- **The HMAC key never enters the task graph.** Each worker reads the key file at its own
  ``$PIISCAN_KEY_FILE`` when set, else at the path the scan was given (``--key-file``, resolved
  on the scanner's machine: put the key at the same path on every node), and reports only its
  fingerprint. The scan refuses to start when a worker's fingerprint differs from the
  scanner's, or a worker cannot read its key; a worker that joins later with another key fails
  its tasks (``error`` rows that say so). SMB and IMAP passwords likewise come from each worker's
  environment (``$PIISCAN_SMB_PASSWORD``, ``$PIISCAN_IMAP_PASSWORD``) or password file.
- **Workers write their own parts.** A task writes its rows into the shared inventory itself
  (:mod:`piiscan.scan.task_parts`: ``part-task-<name>.parquet``, the name derived from the
  task and the scanner's run, :func:`run_task_name`) and returns only its counts, which the
  scanner adds to the scan's row and to the progress line. A task Dask runs again after its
  worker died writes the same name and replaces the part of the first run: no row is counted
  twice. The scan is closed only when
  every task has either its part on disk (checked by the scanner) or an ``error`` row (a task
  Dask gave up on after its retries: "worker died").
- **Resume, and the scanner's run.** Each scanner run has a token, sent with every task and
  kept as a marker in the inventory while the run lasts
  (:meth:`~piiscan.inventory.layout.Layout.run_file`); a task renames its part only while
  its run's marker is there, and runs only under its own run's plugin. A resumed scan
  (``--resume``) removes the killed scanner's marker before it looks at the parts
  (:mod:`piiscan.inventory.resume`), so a task still running for that scanner adds nothing;
  the task parts already on disk mark their objects finished. The parts of finished tasks are
  compacted into numbered parts as the scan goes, a group at a time, and the last ones when
  it closes (:meth:`~piiscan.inventory.writer.InventoryWriter.compact_task_parts`).
- **Progress object by object.** A running task reports the objects it finished (its counts
  and part name, never a path) at most every :data:`PROGRESS_SECONDS` through the scheduler's
  event log; :attr:`DaskRunner.running` holds the running tasks' latest reports, which the
  scan adds to its totals, and a task's part's counts replace them when it ends.
- **The plugin leaves with its scanner.** :meth:`DaskRunner.close` removes it from the
  scheduler and the workers whichever way the scan ends (done, an error, Ctrl-C, ``SIGTERM``:
  the scan session closes the runner on every way out). A scanner killed with ``kill -9``
  cannot; its plugin's name carries its Dask client's id, and the next scan removes the
  plugins of clients the scheduler no longer knows (:func:`remove_stale_plugins`).
- **Time limit per object.** Dask runs tasks in threads, where ``SIGALRM`` cannot reach them;
  the per-object limit (``--max-seconds``) is then raised in the task's thread by a watcher
  thread (:func:`piiscan.scan.task._time_limit`). It takes effect at the task's next Python
  bytecode, so a C library stuck in a loop of its own is not stopped.

The inventory directory must be the same directory on the scanner and on every worker (a
shared mount at the same path); a worker that does not see the scan's ``open`` row fails its
tasks with an ``error`` row that says so. TLS between the scanner, the scheduler and the workers
is Dask's own (``tls://`` addresses and its ``distributed.comm.tls`` settings), see the README.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import queue
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Final

from distributed import Client, get_worker
from distributed.client import Future as DaskFuture
from distributed.diagnostics.plugin import WorkerPlugin

from piiscan.config import ScanConfig
from piiscan.errors import ConfigError, InventoryError, PiiscanError
from piiscan.inventory.layout import Layout
from piiscan.inventory.resume import is_running, read_part
from piiscan.keys import KEY_FILE_ENV, Keyer, open_scan_key
from piiscan.known import KnownValueFilter, known_value_keys
from piiscan.model import FindingChunk, ObjectRef, ObjectResult
from piiscan.scan.executor import REASON_WORKER_DIED
from piiscan.scan.plan import Credentials, ObjectHandle
from piiscan.scan.task import Emit, TaskContext, WorkerSetup, run_object
from piiscan.scan.task_parts import TaskPart, TaskPartWriter, remove_task_part, task_name

__all__ = [
    "DaskRunner",
    "RunningCounts",
    "ScanPlugin",
    "TaskFailed",
    "TaskProgress",
    "WorkerReport",
    "connect",
    "remove_stale_plugins",
    "run_dask_task",
]

#: Tasks in flight per worker thread (as the local pool keeps per worker process).
TASKS_PER_THREAD: Final = 4
#: Objects per Dask task at most ...
BATCH_OBJECTS: Final = 32
#: ... and bytes (an object this large or larger goes alone).
BATCH_BYTES: Final = 64 * 1024 * 1024
# After a stop: time for a task that saw the scan open to rename its part's three files.
_RENAME_GRACE_SECONDS: Final = 0.5
#: How long the scanner waits for the scheduler and for a first worker.
CONNECT_SECONDS: Final = 30.0
#: A task reports the objects it finished at most this often (seconds) while it runs: a
#: message to the scheduler per running task per second at most, light next to a task's cost
#: there (a few milliseconds), and often enough for a progress line ...
PROGRESS_SECONDS: Final = 1.0
#: ... under this topic of the scheduler's event log: one topic for every scan, so that the
#: scheduler keeps one bounded log of them (counts and task names only, never a path).
PROGRESS_TOPIC: Final = "piiscan-progress"
# Between a scan's id and the Dask client that registered its plugin, in the plugin's name.
_OWNER = "@"


class TaskFailed(PiiscanError):
    """A task that did not leave its part: its object gets an ``error`` row with this reason."""


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkerReport:
    """What a worker says about itself when the scan starts: never the key, only its
    fingerprint, or why it cannot scan.

    :param fingerprint: the fingerprint of the key the worker read ("" when it read none).
    :param key_file: where the worker looked for its key.
    :param problem: why the worker cannot scan ("" when it can).
    """

    fingerprint: str
    key_file: str
    problem: str = ""


class _WorkerState:
    """One worker's key, known values and task contexts for one scan."""

    def __init__(self, config: ScanConfig, keyer: Keyer) -> None:
        self.config = config
        self.keyer = keyer
        self.known = known_value_keys(config.known_values, keyer)
        self._free: list[TaskContext] = []
        self._all: list[TaskContext] = []
        self._lock = threading.Lock()

    def take(self) -> TaskContext:
        """A context no other thread uses now (built on first need, then reused)."""
        with self._lock:
            if self._free:
                return self._free.pop()
        # Passwords are not part of the setup: each worker's sources read its environment.
        setup = WorkerSetup(config=self.config, keyer=self.keyer, credentials=Credentials())
        context = TaskContext.build(setup)
        context.warm_up()
        with self._lock:
            self._all.append(context)
        return context

    def give(self, context: TaskContext) -> None:
        with self._lock:
            self._free.append(context)

    def close(self) -> None:
        with self._lock:
            contexts, self._all, self._free = self._all, [], []
        for context in contexts:
            context.close()


def worker_key_file(config: ScanConfig, environ: dict[str, str] | None = None) -> Path | None:
    """Where a worker reads its key: its own ``$PIISCAN_KEY_FILE``, else the scan's key file
    (``None``: the worker's default location)."""
    env = os.environ if environ is None else environ
    named = env.get(KEY_FILE_ENV, "")
    return Path(named).expanduser() if named else config.key_file


class ScanPlugin(WorkerPlugin):  # type: ignore[misc]
    """The Dask worker plugin of one scan: reads the worker's key, builds its engine.

    :param config: the scan's configuration (no key, no password), with absolute paths.
    :param scan_id: the scan.
    :param key_fingerprint: the scanner's key fingerprint; a worker with another key refuses
        every task.
    :param run: the scanner's run: a task renames its part only while the run's marker is
        there (:meth:`piiscan.inventory.layout.Layout.run_file`).
    :param owner: the id of the Dask client that registers the plugin (the scanner's): part of
        the plugin's name, so that a later scan knows the plugin of a scanner that is gone
        (:func:`remove_stale_plugins`).
    :param progress_seconds: how often a task reports the objects it finished while it runs
        (:data:`PROGRESS_SECONDS`).
    """

    def __init__(
        self,
        config: ScanConfig,
        *,
        scan_id: str,
        key_fingerprint: str,
        run: str = "",
        owner: str = "",
        progress_seconds: float = PROGRESS_SECONDS,
    ) -> None:
        self.config = config
        self.scan_id = scan_id
        self.key_fingerprint = key_fingerprint
        self.run_token = run
        self.name = plugin_name(scan_id, owner)
        self.progress_seconds = progress_seconds
        self._state: _WorkerState | None = None
        self._report = WorkerReport(fingerprint="", key_file="", problem="not set up")

    def setup(self, worker: Any) -> None:
        """Read this worker's key and build a first engine; never raises (the scanner asks
        for :attr:`report` and refuses to start when something is wrong)."""
        path = worker_key_file(self.config)
        where = str(path) if path is not None else "the default key location"
        try:
            key = open_scan_key(path)
            if key.is_new:
                raise ConfigError(f"no key file at {key.path}")
            state = _WorkerState(self.config, key.keyer)
            state.give(state.take())  # the engine is built and warmed once, now
        except PiiscanError as error:
            self._report = WorkerReport(fingerprint="", key_file=where, problem=str(error))
            return
        except Exception as error:  # a report, not a dead plugin: the scanner names the cause
            problem = f"cannot build the engine ({type(error).__name__})"
            self._report = WorkerReport(fingerprint="", key_file=where, problem=problem)
            return
        self._state = state
        fingerprint = state.keyer.fingerprint
        problem = ""
        if fingerprint != self.key_fingerprint:
            problem = (
                f"key fingerprint {fingerprint} differs from the scan's {self.key_fingerprint}"
            )
        self._report = WorkerReport(fingerprint=fingerprint, key_file=where, problem=problem)

    def teardown(self, worker: Any) -> None:
        """Close the sources of every context (drops this worker's SMB connections)."""
        state, self._state = self._state, None
        if state is not None:
            state.close()

    @property
    def report(self) -> WorkerReport:
        """What this worker says about its key and engine."""
        return self._report

    def run(
        self, handles: Sequence[ObjectHandle], report: Callable[[TaskProgress], None] | None = None
    ) -> list[TaskPart]:
        """Scan a batch of objects on this worker into the batch's own part of the inventory.

        :param report: receives the batch's counts so far, after an object when
            :attr:`progress_seconds` passed since the last report (never after the last
            object: the task's result follows).
        :returns: each object's counts, in order (all naming the one part).
        :raises TaskFailed: when this worker cannot scan (another key, no key, an engine that
            cannot be built); the objects get ``error`` rows with the reason.
        :raises InventoryError: when the part cannot be written.
        """
        state = self._state
        if state is None or self._report.problem:
            raise TaskFailed(f"worker cannot scan: {self._report.problem or 'not set up'}")
        name = run_task_name(self.scan_id, self.run_token, handles)
        context = state.take()
        parts: list[TaskPart] = []
        reported = time.monotonic()
        read = 0
        try:
            with TaskPartWriter(
                self.config.inventory,
                scan_id=self.scan_id,
                name=name,
                key_fingerprint=state.keyer.fingerprint,
                run=self.run_token,
            ) as writer:
                for handle in handles:
                    before = writer.counts()
                    rows: list[ObjectResult] = []
                    partial = (handle.ref, rows) if handle.span else None
                    emit = _known_dropped(writer, state, partial)
                    run_object(handle, context, emit)
                    row = rows[-1] if rows else None
                    parts.append(writer.summary(handle.ref, handle.size, since=before, row=row))
                    read += handle.size or 0
                    now = time.monotonic()
                    if (
                        report is not None
                        and handle.span is None  # a range goes alone: its result follows
                        and len(parts) < len(handles)
                        and now - reported >= self.progress_seconds
                    ):
                        objects, findings, errors = writer.counts()
                        report(TaskProgress(name=name, run=self.run_token, done=len(parts),
                                            objects=objects, findings=findings, errors=errors,
                                            bytes=read))  # fmt: skip
                        reported = now
            return parts
        finally:
            state.give(context)


def _known_dropped(
    writer: TaskPartWriter,
    state: _WorkerState,
    partial: tuple[ObjectRef, list[ObjectResult]] | None,
) -> Emit:
    """A task's receiver: its output without the organisation's known values, into its part.

    :param partial: for a range of a big file, the file and where its partial row goes (its
        findings go to the part, the row to the scanner, which merges the ranges' rows; the
        rows of an mbox range's messages are whole rows, into the part).
    """
    known = KnownValueFilter(state.known)

    def emit(value: FindingChunk | ObjectResult) -> None:
        value = known.apply(value)
        if partial is not None and isinstance(value, ObjectResult) and value.ref == partial[0]:
            writer.add(FindingChunk(ref=value.ref, findings=value.findings))
            partial[1].append(dataclasses.replace(value, findings=(), streamed=value.finding_count))
            return
        writer.add(value)

    return emit


def run_task_name(scan_id: str, run: str, handles: Sequence[ObjectHandle]) -> str:
    """The name of a task's part in one run of the scanner (``run``: its token):
    :func:`~piiscan.scan.task_parts.task_name` of the scan and the run. A task Dask runs again
    within the run keeps its name (its part replaces the first run's); a task of a resumed
    scan never takes the name of one the run before compacted, which the compacted part's
    footer names: a range of a big file that run did not finish is read again, and its rows
    must not be taken for rows the scan holds already."""
    return task_name(f"{scan_id}/{run}" if run else scan_id, handles)


def plugin_name(scan_id: str, owner: str = "") -> str:
    """The name a scan's plugin is registered under on the workers (``owner``: the id of the
    Dask client that registers it)."""
    return f"piiscan-{scan_id}{_OWNER}{owner}" if owner else f"piiscan-{scan_id}"


def plugin_owner(name: str) -> str | None:
    """The Dask client that registered a scan's plugin of this name (``None``: not a scan's
    plugin, or one that does not say)."""
    if not name.startswith("piiscan-") or _OWNER not in name:
        return None
    return name.rsplit(_OWNER, 1)[1] or None


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskProgress:
    """What a running task reports of itself: its counts so far (never a path).

    :param name: the task's part (:func:`~piiscan.scan.task_parts.task_name`).
    :param run: the run of the scanner that sent it.
    :param done: the batch's objects finished so far.
    :param objects: rows in the task's part so far (members included); ``findings``,
        ``errors`` likewise; ``bytes``: the size of the objects finished.
    """

    name: str
    run: str
    done: int
    objects: int
    findings: int
    errors: int
    bytes: int

    def message(self) -> list[Any]:
        """As the scheduler's event log carries it (msgpack: plain values)."""
        return [self.name, self.run, self.done, self.objects, self.findings, self.errors,
                self.bytes]  # fmt: skip

    @classmethod
    def from_message(cls, message: Any) -> TaskProgress | None:
        """From :meth:`message`; ``None`` for anything else on the topic."""
        try:
            name, run, done, objects, findings, errors, size = message
            return cls(name=str(name), run=str(run), done=int(done), objects=int(objects),
                       findings=int(findings), errors=int(errors),
                       bytes=int(size))  # fmt: skip
        except (TypeError, ValueError):
            return None


def run_dask_task(name: str, run: str, handles: Sequence[ObjectHandle]) -> list[TaskPart]:
    """The function a Dask worker runs for one task, a batch of objects (``name``: the scan's
    plugin name; ``run``: the run of the scanner that sent the task)."""
    worker = get_worker()
    plugin = worker.plugins.get(name)
    if not isinstance(plugin, ScanPlugin):
        raise TaskFailed("worker cannot scan: the scan's plugin is not on this worker")
    if plugin.run_token != run:
        # Sent by a scanner that stopped; its scan was resumed since, by a scanner whose
        # plugin this is. The task is not that scanner's to run.
        raise TaskFailed("the task's scanner stopped")

    def report(progress: TaskProgress) -> None:
        worker.log_event(PROGRESS_TOPIC, progress.message())

    return plugin.run(handles, report)


def _worker_report(name: str, dask_worker: Any = None) -> WorkerReport:
    """Run on each worker by :meth:`distributed.Client.run`: its plugin's report."""
    plugin = dask_worker.plugins.get(name) if dask_worker is not None else None
    if not isinstance(plugin, ScanPlugin):
        return WorkerReport(fingerprint="", key_file="", problem="the scan's plugin is missing")
    return plugin.report


def connect(
    config: ScanConfig,
    *,
    scan_id: str,
    key_fingerprint: str,
    on_parts: Callable[[Sequence[TaskPart]], None],
    notice: Callable[[str], None] | None = None,
    on_running: Callable[[], None] | None = None,
) -> DaskRunner:
    """Connect to the scheduler, set every worker up for the scan and check their keys.

    Nothing is written before the checks pass. Plugins that scanners which are gone left on
    the cluster (killed with ``kill -9``, or cut off) are removed first
    (:func:`remove_stale_plugins`).

    :param config: the scan's configuration; ``config.scheduler`` is the scheduler's address.
    :param on_parts: called in the scanning thread with the counts of each task's part, one
        per object of the task.
    :param notice: receives the dashboard's address when the scheduler serves one.
    :param on_running: called in the scanning thread when a running task reported objects it
        finished (:attr:`DaskRunner.running`: the counts of the tasks still running).
    :raises ConfigError: when the scheduler cannot be reached, has no worker, or a worker
        cannot scan (its key differs or is missing, its engine cannot be built).
    """
    address = config.scheduler
    if not address:
        raise ConfigError(
            "--executor dask needs --scheduler ADDRESS (tcp://host:8786), or "
            "scan.scheduler in the config file"
        )
    config = dataclasses.replace(
        config,
        inventory=Path(config.inventory).absolute(),
        key_file=None if config.key_file is None else Path(config.key_file).absolute(),
    )
    try:
        client = Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
    except (OSError, TimeoutError) as error:
        raise ConfigError(
            f"cannot reach the Dask scheduler at {address} ({type(error).__name__})"
        ) from None
    plugin: ScanPlugin | None = None
    try:
        try:
            client.wait_for_workers(1, timeout=CONNECT_SECONDS)
        except TimeoutError:
            raise ConfigError(f"the Dask scheduler at {address} has no worker") from None
        remove_stale_plugins(client)
        plugin = ScanPlugin(
            config, scan_id=scan_id, key_fingerprint=key_fingerprint, run=secrets.token_hex(8),
            owner=str(client.id), progress_seconds=PROGRESS_SECONDS,
        )  # fmt: skip
        client.register_plugin(plugin, name=plugin.name)
        runner = DaskRunner(client, plugin, on_parts=on_parts, on_running=on_running)
        _check_workers(client.run(_worker_report, plugin.name), key_fingerprint)
    except BaseException:
        # Whatever stops the start (a refused worker, Ctrl-C), the plugin goes with it.
        _close_client(client, plugin.name if plugin is not None else "")
        raise
    if notice is not None:
        link = runner.dashboard_link()
        if link:
            notice(f"Dask dashboard: {link}")
    return runner


def remove_stale_plugins(client: Client) -> list[str]:
    """Remove the plugins of scans whose scanner is gone from the cluster.

    A scanner removes its plugin whenever it ends on its own, stopped or not
    (:meth:`DaskRunner.close`); one killed with ``kill -9``, or cut off from the scheduler,
    cannot, and its plugin (an engine and open sources on each worker) would stay on the
    workers, and be set up on every worker that joins, for as long as the scheduler runs. A
    plugin's name says which Dask client registered it (:func:`plugin_name`): the plugins of
    clients the scheduler no longer knows go (the workers close their sources), those of
    scanners still connected (scans of other inventories running now) stay.

    Plugins that earlier piiscan versions registered (``piiscan-<scan id>``, no client in the
    name) are judged by their scan, which each worker holding one looks up in the inventory
    (:func:`_old_plugin_scans`): such a plugin goes when its scan closed ``complete``, or when
    its scanner was killed: its run's marker is still there, though no process holds the scan's
    lock (a scanner that ends on its own removes its marker before it lets the lock go), and
    the scheduler holds no task of that run. Otherwise (a scan not closed whose scanner may be
    starting, a worker that cannot see the inventory, a plugin of a version without run
    markers) it stays: removing a running scanner's plugin would fail its tasks.

    :returns: the names of the plugins removed.
    """

    def registered(dask_scheduler: Any = None) -> tuple[list[str], list[str], list[str]]:
        # Run on the scheduler, which needs no piiscan for it (defined here, it travels whole):
        # the plugins, the clients, and the runs whose tasks it holds (a task's key ends in
        # its run, see DaskRunner._start).
        runs = {key.rsplit("-", 1)[1] for key in dask_scheduler.tasks
                if isinstance(key, str) and key.startswith("piiscan-") and "-" in key}  # fmt: skip
        return sorted(dask_scheduler.worker_plugins), sorted(dask_scheduler.clients), sorted(runs)

    try:
        names, clients, runs = client.run_on_scheduler(registered)
    except Exception:  # an old scheduler, or one that refuses: nothing is removed
        return []
    connected = set(clients)
    stale = [name for name in names if plugin_owner(name) not in (None, *connected)]
    old = [name for name in names if name.startswith("piiscan-") and _OWNER not in name]
    if old:
        stale += _old_plugins_gone(client, old, set(runs))
    removed = []
    for name in stale:
        with contextlib.suppress(Exception):  # removed meanwhile by another scanner
            client.unregister_worker_plugin(name)
            removed.append(name)
    return removed


#: What a worker says of an earlier version's plugin (:func:`_old_plugin_scans`).
_COMPLETE: Final = "complete"
_KILLED: Final = "killed"
_UNKNOWN: Final = "unknown"


def _old_plugins_gone(client: Client, names: list[str], active_runs: set[str]) -> list[str]:
    """Which of the plugins ``names`` (registered by earlier versions) every worker holding
    them says are gone (see :func:`remove_stale_plugins`)."""
    try:
        answers = client.run(_old_plugin_scans, names)
    except Exception:  # a worker without this function (another piiscan): nothing goes
        return []
    verdicts: dict[str, set[str]] = {}
    for found in answers.values():
        for name, (verdict, run) in found.items():
            if verdict == _KILLED and run in active_runs:
                verdict = _UNKNOWN  # its tasks are on the scheduler: its scanner is there
            verdicts.setdefault(name, set()).add(verdict)
    return sorted(name for name, seen in verdicts.items() if _UNKNOWN not in seen)


def _old_plugin_scans(names: list[str], dask_worker: Any = None) -> dict[str, tuple[str, str]]:
    """Run on each worker: for each plugin of ``names`` it holds, whether its scan closed
    complete, its scanner was killed, or it cannot tell; and the plugin's run."""
    found: dict[str, tuple[str, str]] = {}
    for name in names:
        plugin = dask_worker.plugins.get(name) if dask_worker is not None else None
        if plugin is None:
            continue
        scan_id = getattr(plugin, "scan_id", None)
        run = getattr(plugin, "run_token", "")
        inventory = getattr(getattr(plugin, "config", None), "inventory", None)
        verdict = _UNKNOWN
        if isinstance(scan_id, str) and isinstance(run, str) and inventory is not None:
            with contextlib.suppress(Exception):  # unreadable: it cannot tell
                verdict = _scan_verdict(Layout(Path(inventory)), scan_id, run)
        found[name] = (verdict, run if isinstance(run, str) else "")
    return found


def _scan_verdict(layout: Layout, scan_id: str, run: str) -> str:
    """:data:`_COMPLETE`, :data:`_KILLED` or :data:`_UNKNOWN` for one scan and run."""
    if not layout.open_scan_file(scan_id).exists() and layout.scan_file(scan_id).is_file():
        table = read_part("scans", layout.scan_file(scan_id))
        if table is not None and table.num_rows == 1 and table["status"][0].as_py() == "complete":
            return _COMPLETE  # never resumed, never written again
    # Where no lock can be held (no flock: Windows), a free lock says nothing.
    if (
        run
        and os.name == "posix"
        and layout.run_file(scan_id, run).is_file()
        and layout.lock_file(scan_id).is_file()
        and not is_running(layout, scan_id)
    ):
        return _KILLED
    return _UNKNOWN


def _close_client(client: Client, plugin: str) -> None:
    """Remove the scan's plugin from the cluster (when registered) and disconnect; the client
    closes however the removal ends (Ctrl-C included), and a plugin left then is removed by
    the next scan (:func:`remove_stale_plugins`)."""
    try:
        if plugin:
            with contextlib.suppress(Exception):
                client.unregister_worker_plugin(plugin)
    finally:
        with contextlib.suppress(Exception):
            client.close()


def _check_workers(reports: dict[str, WorkerReport], key_fingerprint: str) -> None:
    problems = [
        f"worker {address}: {report.problem}"
        for address, report in sorted(reports.items())
        if report.problem or report.fingerprint != key_fingerprint
    ]
    if problems:
        raise ConfigError(
            f"the scan does not start: {'; '.join(problems)} (this scan's key fingerprint is "
            f"{key_fingerprint}; give every worker the same key file, at the scan's --key-file "
            "path or at its own $PIISCAN_KEY_FILE)"
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class RunningCounts:
    """The counts of the tasks still running on the cluster, as their workers reported them:
    rows in their parts so far (``objects``, ``findings``, ``errors``) and the bytes of the
    objects they finished. When a task ends, its part's counts go to ``on_parts`` and its
    share of these goes. A task run again after its worker died reports the same objects
    again, which count once; only a task that fails after it reported takes its objects
    back (they come again as ``error`` rows, or in the parts of the tasks it is split into).

    Added to the scan's counts, they make a progress line that moves object by object as on
    a local scan, not task by task (a task is a batch of up to :data:`BATCH_OBJECTS` objects).
    """

    objects: int = 0
    findings: int = 0
    errors: int = 0
    bytes: int = 0

    def __bool__(self) -> bool:
        return any((self.objects, self.findings, self.errors, self.bytes))


@dataclass(slots=True)
class _Batch:
    """One Dask task: a batch of the loop's tasks, and their futures."""

    name: str
    seqs: list[int]
    handles: list[ObjectHandle]
    futures: list[Future[int]]
    dask_future: DaskFuture | None = None


class DaskRunner:
    """Runs tasks on a Dask cluster; see the module docstring.

    Made by :func:`connect`. The loop's tasks (one object each) are sent to Dask in batches of
    up to :data:`BATCH_OBJECTS` objects or :data:`BATCH_BYTES` bytes (a batch is sent when
    full, when the cluster has little queued, or whenever the loop waits; a range of a big
    file always goes alone, being a big task itself): a Dask task costs
    the scheduler about a millisecond, and a part three files, which many small files would
    otherwise multiply. Each task's
    future holds ``0`` (no value is handed to the task's receiver: the rows are in the batch's
    part) once the part is on disk and its counts went to ``on_parts``. A batch Dask gave up on
    (its workers kept dying) is sent again one object at a time, so only the object that kills
    workers gets the ``error`` row.
    """

    def __init__(
        self,
        client: Client,
        plugin: ScanPlugin,
        *,
        on_parts: Callable[[Sequence[TaskPart]], None],
        on_running: Callable[[], None] | None = None,
    ) -> None:
        self.client = client
        self.plugin = plugin
        self.on_parts = on_parts
        self.on_running = on_running
        self.layout = Layout(plugin.config.inventory)
        self.scan_id = plugin.scan_id
        self._open: _Batch | None = None
        self._open_bytes = 0
        self._batches: dict[str, _Batch] = {}
        self._by_seq: dict[int, _Batch] = {}
        # What arrives from the client's thread: a task's name when it ended, a running
        # task's report (the scheduler's event log) otherwise.
        self._arrived: queue.Queue[str | TaskProgress] = queue.Queue()
        self._reports: dict[str, TaskProgress] = {}  # the latest of each running task
        self.running = RunningCounts()
        self._accounted: set[str] = set()
        self._submitted: set[str] = set()
        self._closed = False
        workers = client.scheduler_info().get("workers", {})
        self.threads = max(sum(int(w.get("nthreads", 1)) for w in workers.values()), 1)
        self._listening = False
        if on_running is not None:
            client.subscribe_topic(PROGRESS_TOPIC, self._heard)
            self._listening = True

    def _heard(self, event: tuple[float, Any]) -> None:
        """An event of the progress topic (in the client's thread): this run's reports only."""
        report = TaskProgress.from_message(event[1])
        if report is not None and report.run == self.plugin.run_token:
            self._arrived.put(report)

    @property
    def window(self) -> int:
        """Tasks to keep in flight: a few full batches per worker thread of the cluster."""
        return self.threads * TASKS_PER_THREAD * BATCH_OBJECTS

    def dashboard_link(self) -> str:
        """The address of the scheduler's dashboard, or "" when it serves none."""
        services = self.client.scheduler_info().get("services", {})
        if "dashboard" not in services:
            return ""
        with contextlib.suppress(Exception):
            return str(self.client.dashboard_link)
        return ""

    def __enter__(self) -> DaskRunner:
        """Put this run's marker in place (the scan is open now): tasks may rename parts."""
        marker = self._marker()
        if marker is not None:
            try:
                marker.parent.mkdir(mode=0o700, exist_ok=True)
                marker.touch(mode=0o600)
            except OSError as error:
                raise InventoryError(
                    f"cannot write {marker}: {error.strerror or type(error).__name__}"
                ) from None
        return self

    def _marker(self) -> Path | None:
        run = self.plugin.run_token
        return self.layout.run_file(self.scan_id, run) if run else None

    def _end_run(self) -> None:
        """Remove this run's marker: from now on no task renames a part into the scan."""
        marker = self._marker()
        if marker is None:
            return
        with contextlib.suppress(OSError):
            marker.unlink()
        with contextlib.suppress(OSError):
            marker.parent.rmdir()  # when no other run's marker is there

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc is not None:
            self.abort()
        self.close()

    def submit(self, seq: int, handle: ObjectHandle, emit: Emit, *, skip: int = 0) -> Future[int]:
        """Add task ``seq`` to the batch being filled (``emit`` and ``skip`` are not used: a
        task's rows go to its batch's part, and a batch run again replaces it)."""
        future: Future[int] = Future()
        if handle.span is not None:  # a range of a big file is a task of its own
            self._start(_Batch(name="", seqs=[seq], handles=[handle], futures=[future]))
            return future
        if self._open is None:
            self._open = _Batch(name="", seqs=[], handles=[], futures=[])
            self._open_bytes = 0
        batch = self._open
        batch.seqs.append(seq)
        batch.handles.append(handle)
        batch.futures.append(future)
        self._open_bytes += handle.size or 0
        # A batch goes when full, or at once while the cluster has fewer than two batches per
        # thread to do (the first objects of a scan, a small tree: no thread waits for a batch
        # to fill).
        if (
            len(batch.seqs) >= BATCH_OBJECTS
            or self._open_bytes >= BATCH_BYTES
            or len(self._batches) < 2 * self.threads
        ):
            self._send()
        return future

    def _send(self) -> None:
        batch, self._open = self._open, None
        if batch is not None:
            self._start(batch)

    def _start(self, batch: _Batch) -> None:
        batch.name = run_task_name(self.scan_id, self.plugin.run_token, batch.handles)
        # The key names the task for the scheduler and its dashboard: the part and the run,
        # never a path (the dashboard is no place for file names). With the run in it, a
        # resumed scan's task is never taken for the same task of the scanner that was
        # killed, which the scheduler may still know.
        run = self.plugin.run_token
        batch.dask_future = self.client.submit(
            run_dask_task, self.plugin.name, run, batch.handles, key=f"piiscan-{batch.name}-{run}"
        )
        self._batches[batch.name] = batch
        self._submitted.add(batch.name)
        for seq in batch.seqs:
            self._by_seq[seq] = batch
        name = batch.name
        batch.dask_future.add_done_callback(lambda _: self._arrived.put(name))

    def pump(self, timeout: float) -> None:
        """Send the batch being filled; settle the batches Dask reported done, waiting up to
        ``timeout`` seconds for one."""
        self._send()
        try:
            arrived = [self._arrived.get(timeout=timeout)] if timeout > 0 else []
        except queue.Empty:
            return
        while True:
            try:
                arrived.append(self._arrived.get_nowait())
            except queue.Empty:
                break
        reported = False
        for item in arrived:
            if isinstance(item, TaskProgress):
                reported |= self._note(item)
                continue
            batch = self._batches.pop(item, None)
            if batch is not None:
                self._forget(item)
                self._settle(batch)
        if reported and self.on_running is not None:
            self.on_running()

    def _note(self, report: TaskProgress) -> bool:
        """Keep a running task's report; whether the running counts changed."""
        last = self._reports.get(report.name)
        # A task still running, and further than it said: a task run again after its worker
        # died says again what its first run said, and an ended task's late report is old.
        if report.name not in self._batches or (last is not None and last.done >= report.done):
            return False
        self._reports[report.name] = report
        self._add_running(report, +1)
        if last is not None:
            self._add_running(last, -1)
        return True

    def _forget(self, name: str) -> None:
        """A task ended: its counts go from the running ones (its part's go to ``on_parts``)."""
        last = self._reports.pop(name, None)
        if last is not None:
            self._add_running(last, -1)

    def _add_running(self, report: TaskProgress, sign: int) -> None:
        running = self.running
        self.running = RunningCounts(
            objects=running.objects + sign * report.objects,
            findings=running.findings + sign * report.findings,
            errors=running.errors + sign * report.errors,
            bytes=running.bytes + sign * report.bytes,
        )

    def _settle(self, batch: _Batch) -> None:
        dask_future = batch.dask_future
        assert dask_future is not None
        if dask_future.status == "finished":
            parts = dask_future.result()
            if len(parts) == len(batch.futures) and self._has_part(batch.name):
                self._accounted.add(batch.name)
                try:
                    self.on_parts(parts)
                finally:
                    for future in batch.futures:
                        future.set_result(0)
                return
            error: BaseException = TaskFailed(
                "the worker's part is not in the inventory (is the inventory shared?)"
            )
        else:
            error = _task_error(dask_future)
        remove_task_part(self.layout.directory, self.scan_id, batch.name, self.plugin.run_token)
        if (
            isinstance(error, TaskFailed)
            and str(error) == REASON_WORKER_DIED
            and (len(batch.seqs) > 1)
        ):
            for seq, handle, future in zip(batch.seqs, batch.handles, batch.futures, strict=True):
                self._start(_Batch(name="", seqs=[seq], handles=[handle], futures=[future]))
            return
        for future in batch.futures:
            future.set_exception(error)

    def _has_part(self, name: str) -> bool:
        return self.layout.task_part_file("objects", self.scan_id, name).is_file()

    def done(self, seq: int) -> None:
        """Task ``seq`` is settled; Dask may forget its batch once all its tasks are."""
        batch = self._by_seq.pop(seq, None)
        if (
            batch is not None
            and batch.dask_future is not None
            and not any(other in self._by_seq for other in batch.seqs)
        ):
            batch.dask_future.release()

    def recover(self, failed_tasks: set[int]) -> set[int]:
        """Never called: Dask runs a dead worker's tasks again itself."""
        return set(failed_tasks)

    def abort(self) -> None:
        """Stop now: cancel what is queued or running; parts that were not counted go.

        A task already running on a worker goes on (Dask cannot stop a thread), so the scan's
        ``open`` row is removed first: a task renames its part only while that row is there
        (:mod:`piiscan.scan.task_parts`), and the scan is closed right after this, which
        removes the row anyway. Parts renamed before are removed unless they were counted.
        """
        self._open = None
        futures = [b.dask_future for b in self._batches.values() if b.dask_future is not None]
        with contextlib.suppress(Exception):
            self.client.cancel(futures, force=True)
        self._batches.clear()
        self._reports.clear()
        self.running = RunningCounts()
        self._end_run()
        with contextlib.suppress(OSError):
            self.layout.open_scan_file(self.scan_id).unlink()
        time.sleep(_RENAME_GRACE_SECONDS)  # a task past its check is renaming its files
        # Only this run's tasks: the parts an earlier run of a resumed scan left are counted.
        for table in ("objects", "findings", "columns"):
            for name, path in self.layout.task_parts(table, self.scan_id).items():
                if name in self._submitted and name not in self._accounted:
                    with contextlib.suppress(OSError):
                        path.unlink()

    def close(self) -> None:
        """End this run (its marker goes), remove the scan's plugin from the workers (closing
        their sources), disconnect. Closing again does nothing."""
        if self._closed:
            return
        self._closed = True
        self._end_run()
        if self._listening:
            with contextlib.suppress(Exception):
                self.client.unsubscribe_topic(PROGRESS_TOPIC)
        _close_client(self.client, self.plugin.name)


def _task_error(dask_future: DaskFuture) -> BaseException:
    """Why a task failed, as the exception its row's reason is made from."""
    try:
        error = dask_future.exception()
    except BaseException as cancelled:  # cancelled: the scan is stopping
        return TaskFailed(f"the task was cancelled ({type(cancelled).__name__})")
    if error is None:
        return TaskFailed("the task ended without a result")
    if type(error).__name__ == "KilledWorker":
        # Dask ran the task again after each worker died, then gave up on it.
        return TaskFailed(REASON_WORKER_DIED)
    if isinstance(error, Exception):
        return error
    return TaskFailed(f"worker failed ({type(error).__name__})")
