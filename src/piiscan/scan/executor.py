"""Where tasks run: one small interface over a :class:`concurrent.futures.Executor`.

A :class:`Runner` takes a task (a sequence number and an
:class:`~piiscan.scan.plan.ObjectHandle`) and a receiver for its output, and returns a future of
how many values the task sent. A task's output (finding chunks of bounded size, then each
object's row, see :func:`~piiscan.scan.task.run_object`) reaches the receiver while the task
runs, so neither a worker nor the scanner ever holds a big file's findings at once.
:func:`run_tasks` drives any runner: it submits what the plan yields, keeps a bounded window of
tasks in flight, and records each value as it comes. Two runners live here:

- :class:`InlineRunner` runs each task at once in this process (``workers=1``);
- :class:`LocalPool` runs tasks in a :class:`~concurrent.futures.ProcessPoolExecutor` of
  worker processes started from a fork server.

A worker process holds one :class:`~piiscan.scan.task.TaskContext`, built by the pool's
initializer from a :class:`~piiscan.scan.task.WorkerSetup` (the only place the key and the SMB
password travel, once per worker, never with a task) and closed when the worker exits, which
drops its SMB connections. A third runner, :class:`~piiscan.scan.dask_executor.DaskRunner`
(``--executor dask``), runs tasks on a Dask cluster behind the same interface, with a worker
plugin that builds the context and tasks that write their own inventory parts.

Workers send their output to the scanner through one pipe (a
:class:`multiprocessing.SimpleQueue`: a worker blocks while the pipe is full, so a slow scanner
slows the workers down instead of piling chunks up); a thread of the scanner reads the pipe into
a small bounded queue that :meth:`LocalPool.pump` hands to each task's receiver.

Dead workers: when a worker process dies (killed, out of memory), the pool breaks and every
task in it fails. The objects the dead worker was reading get an ``error`` row ("worker died",
counting the findings of theirs already recorded); the others are sent again to a fresh pool,
and the scan goes on. A task sent again passes over the values recorded from its first run (a
task's output is the same each time), so nothing is recorded twice.

No orphans: workers ignore Ctrl-C and hang-ups (the scanner decides) and end when the scanner
process ends, however it ends (a thread in each worker waits on the scanner's pid); the fork
server then exits, and the resource tracker after it. After an interruption,
:meth:`LocalPool.abort` stops the workers at once instead of letting them finish their files,
those still starting included.

No tracebacks on a signal: the fork server and the resource tracker start with Ctrl-C and
hang-ups ignored, and so every worker starts; a signal to the scanner waits while the pool
starts or stops a process (:mod:`piiscan.scan.signals`), so no worker is left half-started.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import itertools
import multiprocessing
import multiprocessing.util
import os
import queue
import select
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing import forkserver, resource_tracker
from types import TracebackType
from typing import Any, Protocol

from piiscan.errors import PiiscanError
from piiscan.model import FindingChunk, ObjectRef, ObjectResult, Status
from piiscan.scan.plan import ObjectHandle
from piiscan.scan.signals import held
from piiscan.scan.task import Emit, TaskContext, WorkerSetup, failed, run_object

__all__ = [
    "REASON_STOPPED",
    "REASON_WORKER_DIED",
    "InlineRunner",
    "LocalPool",
    "Runner",
    "run_task",
    "run_tasks",
]

REASON_WORKER_DIED = "worker died while reading the object"
REASON_STOPPED = "the scan stopped while the object was read"

Output = FindingChunk | ObjectResult
Record = Callable[[Output], None]


class Runner(Protocol):
    """Where tasks run. Use as a context manager; leaving it normally waits for the workers."""

    def __enter__(self) -> Runner: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

    def submit(self, seq: int, handle: ObjectHandle, emit: Emit, *, skip: int = 0) -> Future[int]:
        """Start task ``seq`` on ``handle``; its output goes to ``emit`` (in the thread that
        calls :meth:`pump`), passing over the first ``skip`` values. The future holds how many
        values the task sent; a broken runner returns a failed future."""
        ...

    def pump(self, timeout: float) -> None:
        """Hand the output that arrived to the tasks' receivers, waiting up to ``timeout``
        seconds for some."""
        ...

    def done(self, seq: int) -> None:
        """Task ``seq`` is settled: nothing more of it is handed on."""
        ...

    def recover(self, failed_tasks: set[int]) -> set[int]:
        """After a dead worker: which of ``failed_tasks`` were being read (they get an error
        row), with the runner ready for the others to be submitted again."""
        ...


# -- in this process ---------------------------------------------------------------------------


class InlineRunner:
    """Runs each task at once in this process, with this process's context; its output goes
    to the receiver while the task runs."""

    def __init__(self, context: TaskContext) -> None:
        self.context = context

    def __enter__(self) -> InlineRunner:
        self.context.warm_up()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.context.close()

    def submit(self, seq: int, handle: ObjectHandle, emit: Emit, *, skip: int = 0) -> Future[int]:
        """Scan ``handle`` now; ``KeyboardInterrupt`` goes through, other errors into the future."""
        future: Future[int] = Future()
        try:
            future.set_result(run_object(handle, self.context, emit, skip=skip))
        except Exception as exc:
            future.set_exception(exc)
        return future

    def pump(self, timeout: float) -> None:
        """Nothing arrives later here: the output was handed over during :meth:`submit`."""

    def done(self, seq: int) -> None:
        """Nothing is kept per task here."""

    def recover(self, failed_tasks: set[int]) -> set[int]:
        """Nothing dies here without the scan: never called."""
        return set(failed_tasks)


# -- in worker processes -----------------------------------------------------------------------

# This process's context when it is a pool worker; set once by the pool's initializer.
_CONTEXT: TaskContext | None = None
# Where this worker sends its tasks' output: (task number, value) pairs.
_CHANNEL: Any = None
# Where this worker says which task it reads: the pool's shared board and this worker's slot.
_BOARD: Any = None
_SLOT = -1

# What a worker's slot on the board holds: its pid, and the task it reads (number + 1), 0 when
# idle, or _STOPPED once the pool stopped it (so only a worker that died on its own is charged).
_IDLE = 0
_STOPPED = -1


def _init_worker(setup: WorkerSetup, board: Any, claims: Any, scanner: int, channel: Any) -> None:
    """Pool initializer: take a slot on the board, build the context once, close it at exit.

    :param scanner: the pid of the process that drives the scan; this worker ends with it.
    :param channel: where the tasks' output goes.
    """
    global _CONTEXT, _BOARD, _SLOT, _CHANNEL
    _CHANNEL = channel
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C and hang-ups are the scanner's
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
    _die_with_parent()
    threading.Thread(
        target=_end_with, args=(scanner,), name="piiscan-watch-scanner", daemon=True
    ).start()
    with claims.get_lock():
        slot, claims.value = claims.value, claims.value + 1
    if 2 * slot + 1 < len(board):
        _BOARD, _SLOT = board, slot
        board[2 * slot] = os.getpid()
        signal.signal(signal.SIGTERM, _stopped_by_pool)
    _CONTEXT = TaskContext.build(setup)
    multiprocessing.util.Finalize(None, _CONTEXT.close, exitpriority=10)
    _CONTEXT.warm_up()


def _stopped_by_pool(signum: int, frame: object) -> None:
    """SIGTERM from the pool (it stops every worker when one died): say so, and end."""
    _BOARD[2 * _SLOT + 1] = _STOPPED
    os._exit(128 + signum)


# Exit status of a worker whose scanner is gone.
_SCANNER_GONE = 75
_POLL_SECONDS = 1.0


def _end_with(scanner: int) -> None:
    """Wait for the scanner process to end, then end this worker at once.

    A worker's parent is the fork server, and the fork server only exits when every process
    holding its "alive" pipe is gone, workers included: without this watch, a scanner killed
    with ``kill -9`` would leave the fork server and its idle workers running forever.
    """
    try:
        watch = os.pidfd_open(scanner)
    except ProcessLookupError:
        os._exit(_SCANNER_GONE)
    except (AttributeError, OSError):  # no pidfd here: ask now and then
        while _is_alive(scanner):
            time.sleep(_POLL_SECONDS)
        os._exit(_SCANNER_GONE)
    select.select([watch], [], [])  # readable once the process has ended
    os._exit(_SCANNER_GONE)


def _is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """On Linux, have the kernel kill this worker when its parent (the fork server) ends."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def run_task(seq: int, handle: ObjectHandle, skip: int = 0) -> int:
    """The function a pool worker runs for task ``seq``: its output goes to the scanner
    through the channel; returns how many values were sent."""
    if _CONTEXT is None or _CHANNEL is None:
        raise RuntimeError("piiscan worker used before its initializer ran")
    channel = _CHANNEL

    def send(value: Output) -> None:
        channel.put((seq, value))

    if _BOARD is None:
        return run_object(handle, _CONTEXT, send, skip=skip)
    _BOARD[2 * _SLOT + 1] = seq + 1
    try:
        return run_object(handle, _CONTEXT, send, skip=skip)
    finally:
        if _BOARD[2 * _SLOT + 1] != _STOPPED:
            _BOARD[2 * _SLOT + 1] = _IDLE


def _worker_context() -> multiprocessing.context.BaseContext:
    """Workers start from a clean process, never as a fork of this one.

    By the time the pool starts, this process has threads and open connections (an SMB
    source's receiver thread, its connection pool). A forked child inherits the connections
    but not the threads that serve them, and waits forever on the first SMB reply. The fork
    server is a fresh process that has imported piiscan (engine included) and nothing else.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    # piiscan.scan.fork_server first: it keeps Ctrl-C and hang-ups off the fork server and
    # off each worker until its initializer runs.
    context.set_forkserver_preload(
        ["piiscan.scan.fork_server", "piiscan.scan.executor", "piiscan.engine"]
    )
    return context


def _start_helpers(context: multiprocessing.context.BaseContext) -> None:
    """Start the fork server and the resource tracker (if not yet running) with Ctrl-C and
    hang-ups ignored, which they inherit (so does every worker the fork server forks): a
    terminal's Ctrl-C reaches the whole process group, and had the fork server print a
    ``KeyboardInterrupt`` traceback while it started.

    Meanwhile this thread blocks them too: a signal that comes is held pending (Linux never
    discards a signal the thread it is sent to blocks), and is acted on once the handlers are
    back. (Were another thread of this process to take it in that moment, it would be lost.)
    """
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not (
        threading.main_thread()
    ):
        return  # handlers are the main thread's to set; the pool starts the helpers itself
    signums = [getattr(signal, name) for name in ("SIGINT", "SIGHUP") if hasattr(signal, name)]
    previous_mask = signal.pthread_sigmask(signal.SIG_BLOCK, signums)
    previous = {signum: signal.signal(signum, signal.SIG_IGN) for signum in signums}
    try:
        resource_tracker.ensure_running()
        if context.get_start_method() == "forkserver":
            forkserver.ensure_running()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, previous_mask)


class LocalPool:
    """A pool of worker processes on this machine, each with its own engine and sources.

    Each worker has a slot on a small shared board (no lock: one writer per slot) where it
    notes its pid and the task it reads; that is how a dead worker's task is named.

    :param setup: what each worker builds its context from.
    :param workers: how many worker processes.
    """

    def __init__(self, setup: WorkerSetup, workers: int) -> None:
        self.setup = setup
        self.workers = workers
        self._mp = _worker_context()
        self._pool: ProcessPoolExecutor | None = None
        self._board: Any = None
        self._inbox: _Inbox | None = None
        self._receivers: dict[int, Emit] = {}

    def __enter__(self) -> LocalPool:
        self._start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc is None:
            self._stop()
        else:
            self.abort()

    def _start(self) -> None:
        with held():
            self._start_pool()

    def _start_pool(self) -> None:
        _start_helpers(self._mp)
        # Room for more workers than asked: the pool replaces none, but a slot costs nothing.
        self._board = self._mp.RawArray("q", 4 * self.workers)
        claims = self._mp.Value("i", 0)
        # A fresh channel for every pool: a worker killed while writing to the old one may
        # have left half a message in it.
        channel = self._mp.SimpleQueue()
        self._inbox = _Inbox(channel)
        self._receivers = {}
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=self._mp,
            initializer=_init_worker,
            initargs=(self.setup, self._board, claims, os.getpid(), channel),
        )

    def _stop(self, *, clean: bool = True) -> None:
        with held():
            self._stop_pool(clean=clean)

    def _stop_pool(self, *, clean: bool) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        inbox, self._inbox = self._inbox, None
        if inbox is not None:
            inbox.close(clean=clean)

    def submit(self, seq: int, handle: ObjectHandle, emit: Emit, *, skip: int = 0) -> Future[int]:
        """Queue task ``seq`` for a worker."""
        if self._pool is None:
            raise RuntimeError("the pool is not running")
        self._receivers[seq] = emit
        try:
            with held():  # the pool may start a worker here
                return self._pool.submit(run_task, seq, handle, skip)
        except BrokenProcessPool as exc:
            future: Future[int] = Future()
            future.set_exception(exc)
            return future

    def pump(self, timeout: float) -> None:
        """Hand what the workers sent to the tasks' receivers (a value of a task no longer
        waited for is dropped)."""
        if self._inbox is None:
            return
        for seq, value in self._inbox.take(timeout):
            receiver = self._receivers.get(seq)
            if receiver is not None:
                receiver(value)

    def done(self, seq: int) -> None:
        """Task ``seq`` is settled: its receiver is no longer needed."""
        self._receivers.pop(seq, None)

    def recover(self, failed_tasks: set[int]) -> set[int]:
        """Name the tasks the dead worker was reading, then start a fresh pool.

        The broken pool stops every other worker; they mark their slots as stopped, so only
        the tasks of workers that died on their own are charged. When no task can be named
        (a worker died before it started one), every failed task is charged, so that a scan
        always moves on.
        """
        with held():
            self._stop_pool(clean=False)  # joins every worker: the board is final
            board = self._board
            died = {
                int(board[index]) - 1
                for index in range(1, len(board), 2)
                if board[index] > _IDLE and int(board[index]) - 1 in failed_tasks
            }
            self._start_pool()
        return died or set(failed_tasks)

    def abort(self) -> None:
        """Stop now: drop queued tasks and kill the workers without waiting for their files."""
        with held():  # a signal now is raised once the workers are stopped
            pool = self._pool
            pids: set[int | None] = set()
            if pool is not None:
                # Workers still starting (unpickling what the pool sent them) are not on the
                # board yet: were they left to run on, the scanner's end would take their
                # semaphores away under them, and each would print a traceback.
                started = getattr(pool, "_processes", None) or {}
                pids.update(process.pid for process in list(started.values()))
                pool.shutdown(wait=False, cancel_futures=True)
            board = self._board
            for index in range(0, len(board) if board is not None else 0, 2):
                pids.add(int(board[index]))
            for pid in pids:
                if pid is not None and pid > 0:
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.kill(pid, signal.SIGKILL)
            self._stop(clean=False)


class _Inbox:
    """The scanner's end of a pool's channel: a thread reads the pipe into a small bounded
    queue, so the scan's loop never blocks on the pipe, and a full queue stops the reading
    (and then the workers) until the loop catches up."""

    _CAPACITY = 4
    _END = ("end", None)

    def __init__(self, channel: Any) -> None:
        self._channel = channel
        self._queue: queue.Queue[tuple[int, Output]] = queue.Queue(self._CAPACITY)
        self._closed = threading.Event()
        self._reader = threading.Thread(target=self._read, name="piiscan-results", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while not self._closed.is_set():
            try:
                message = self._channel.get()
            except (EOFError, OSError):
                return
            except Exception:  # half a message from a killed worker: this channel is done
                return
            if message == self._END:
                return
            while not self._closed.is_set():
                try:
                    self._queue.put(message, timeout=0.1)
                    break
                except queue.Full:
                    continue

    def take(self, timeout: float) -> list[tuple[int, Output]]:
        """What arrived, waiting up to ``timeout`` seconds for the first."""
        try:
            taken = [self._queue.get(timeout=timeout)]
        except queue.Empty:
            return []
        while True:
            try:
                taken.append(self._queue.get_nowait())
            except queue.Empty:
                return taken

    def close(self, *, clean: bool) -> None:
        """Stop reading.

        :param clean: every worker ended normally, so the pipe is whole and its lock free:
            the reader is sent the end and joined. Otherwise (a worker was killed, perhaps
            in the middle of a message and holding the pipe's lock) the reader is left
            blocked on the abandoned pipe, a daemon thread that never holds up the scan.
        """
        self._closed.set()
        if clean:
            self._channel.put(self._END)
            self._reader.join()


# -- the loop ----------------------------------------------------------------------------------

# How long the loop waits for output before it looks at the tasks again.
_PUMP_SECONDS = 0.05


@dataclass(slots=True)
class _Task:
    """The scanner's view of one task in flight."""

    seq: int
    handle: ObjectHandle
    received: int = 0  # values recorded from every run of the task
    run_received: int = 0  # values recorded from the current run
    open: dict[ObjectRef, int] = field(default_factory=dict)  # findings streamed, row not yet


def run_tasks(
    runner: Runner,
    items: Iterable[ObjectHandle | ObjectResult],
    record: Record,
    *,
    window: int,
) -> None:
    """Run a task for every handle of ``items`` and record every value as it arrives.

    Rows in ``items`` (entries the walk passed over) are recorded as they come. At most
    ``window`` tasks are in flight, so the walk never runs far ahead of the workers. When the
    loop is stopped (Ctrl-C, a signal), each object with findings recorded but no row yet gets
    an ``error`` row that counts them, so a closed scan has a row for every finding.

    :param runner: where tasks run.
    :param items: what :func:`piiscan.scan.plan.plan` yields.
    :param record: called with each finding chunk and object row, in this thread.
    :param window: tasks in flight at most (at least 1).
    """
    pending: dict[Future[int], _Task] = {}
    numbers = itertools.count()
    current: _Task | None = None  # the task being submitted (an inline one runs meanwhile)
    try:
        for item in items:
            if isinstance(item, ObjectResult):
                record(item)
                continue
            current = _Task(next(numbers), item)
            pending[_submit(runner, current, record)] = current
            current = None
            while len(pending) >= max(window, 1):
                _settle(runner, pending, record)
        while pending:
            _settle(runner, pending, record)
    except BaseException:
        unsettled = [*pending.values(), *([current] if current is not None else [])]
        # When recording is what failed (a full disk), this fails too; the scan then stays
        # open, and the first error is the one that goes on.
        with contextlib.suppress(Exception):
            for task in sorted(unsettled, key=lambda t: t.seq):
                _close_open(task, record, REASON_STOPPED)
        raise


def _submit(runner: Runner, task: _Task, record: Record) -> Future[int]:
    skip = task.received
    task.run_received = 0

    def receive(value: Output) -> None:
        task.received += 1
        task.run_received += 1
        if isinstance(value, FindingChunk):
            task.open[value.ref] = task.open.get(value.ref, 0) + len(value.findings)
        else:
            task.open.pop(value.ref, None)
        record(value)

    return runner.submit(task.seq, task.handle, receive, skip=skip)


def _close_open(task: _Task, record: Record, reason: str) -> None:
    """Rows for the objects of ``task`` whose findings were recorded but whose row was not."""
    for ref, streamed in reversed(task.open.items()):  # members before their containers
        record(ObjectResult(ref=ref, status=Status.ERROR, reason=reason, streamed=streamed))
    task.open.clear()


def _complete(future: Future[int], task: _Task) -> bool:
    """Whether the task is over and every value it sent was received."""
    if not future.done():
        return False
    if future.exception() is not None:
        return True
    return future.result() <= task.run_received


def _settle(runner: Runner, pending: dict[Future[int], _Task], record: Record) -> None:
    """Wait for at least one task and settle what finished; recover from a dead worker."""
    while True:
        runner.pump(0)
        done = [future for future, task in pending.items() if _complete(future, task)]
        if done:
            break
        runner.pump(_PUMP_SECONDS)
    broken = _collect(runner, done, pending, record)
    if not broken:
        return
    # A broken pool fails every task it holds: take them all, then start again. Output of
    # tasks that ended but did not all arrive is lost with the pool's channel: they run again.
    wait(pending)
    runner.pump(0)
    rest = list(pending)
    broken += _collect(runner, [f for f in rest if _complete(f, pending[f])], pending, record)
    broken += [pending.pop(future) for future in list(pending)]
    died = runner.recover({task.seq for task in broken})
    for task in sorted(broken, key=lambda t: t.seq):
        if task.seq in died:
            _died(task, record)
        else:
            pending[_submit(runner, task, record)] = task


def _died(task: _Task, record: Record) -> None:
    handle = task.handle
    top = task.open.pop(handle.ref, 0)
    _close_open(task, record, REASON_WORKER_DIED)
    record(
        dataclasses.replace(
            failed(handle.ref, handle.size, handle.mtime, Status.ERROR, REASON_WORKER_DIED),
            streamed=top,
        )
    )


def _collect(
    runner: Runner,
    done: Iterable[Future[int]],
    pending: dict[Future[int], _Task],
    record: Record,
) -> list[_Task]:
    """Settle the finished tasks; return the tasks a broken pool failed."""
    broken: list[_Task] = []
    for future in sorted(done, key=lambda f: pending[f].seq):
        task = pending.pop(future)
        try:
            future.result()
        except BrokenProcessPool:
            broken.append(task)
            continue
        except PiiscanError as exc:
            _failed_task(task, record, str(exc))
        except Exception as exc:  # a task that failed outside its own guard: a row
            _failed_task(task, record, f"worker failed ({type(exc).__name__})")
        finally:
            if task not in broken:
                runner.done(task.seq)
    return broken


def _failed_task(task: _Task, record: Record, reason: str) -> None:
    handle = task.handle
    top = task.open.pop(handle.ref, 0)
    _close_open(task, record, reason)
    record(
        dataclasses.replace(
            failed(handle.ref, handle.size, handle.mtime, Status.ERROR, reason), streamed=top
        )
    )
