"""Where tasks run: one small interface over a :class:`concurrent.futures.Executor`.

A :class:`Runner` takes a task (a sequence number and an
:class:`~piiscan.scan.plan.ObjectHandle`) and returns a future of the object's rows.
:func:`run_tasks` drives any runner: it submits what the plan yields, keeps a bounded window of
tasks in flight, and records each result as it comes back. Two runners exist:

- :class:`InlineRunner` runs each task at once in this process (``workers=1``);
- :class:`LocalPool` runs tasks in a :class:`~concurrent.futures.ProcessPoolExecutor` of
  worker processes started from a fork server.

A worker process holds one :class:`~piiscan.scan.task.TaskContext`, built by the pool's
initializer from a :class:`~piiscan.scan.task.WorkerSetup` (the only place the key and the SMB
password travel, once per worker, never with a task) and closed when the worker exits, which
drops its SMB connections. A Dask runner fits the same interface: the executor of
``distributed.Client.get_executor()``, with a worker plugin that builds the context.

Dead workers: when a worker process dies (killed, out of memory), the pool breaks and every
task in it fails. The objects the dead worker was reading get an ``error`` row ("worker died");
the others are sent again to a fresh pool, and the scan goes on.

No orphans: workers ignore Ctrl-C and hang-ups (the scanner decides) and end when the scanner
process ends, however it ends (a thread in each worker waits on the scanner's pid); the fork
server then exits, and the resource tracker after it. After an interruption,
:meth:`LocalPool.abort` stops the workers at once instead of letting them finish their files.
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import multiprocessing
import multiprocessing.util
import os
import select
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType
from typing import Any, Protocol

from piiscan.errors import PiiscanError
from piiscan.model import ObjectResult, Status
from piiscan.scan.plan import ObjectHandle
from piiscan.scan.task import TaskContext, WorkerSetup, failed, scan_object

__all__ = [
    "REASON_WORKER_DIED",
    "InlineRunner",
    "LocalPool",
    "Runner",
    "run_task",
    "run_tasks",
]

REASON_WORKER_DIED = "worker died while reading the object"

Record = Callable[[list[ObjectResult]], None]


class Runner(Protocol):
    """Where tasks run. Use as a context manager; leaving it normally waits for the workers."""

    def __enter__(self) -> Runner: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

    def submit(self, seq: int, handle: ObjectHandle) -> Future[list[ObjectResult]]:
        """Start task ``seq`` on ``handle``; a broken runner returns a failed future."""
        ...

    def recover(self, failed_tasks: set[int]) -> set[int]:
        """After a dead worker: which of ``failed_tasks`` were being read (they get an error
        row), with the runner ready for the others to be submitted again."""
        ...


# -- in this process ---------------------------------------------------------------------------


class InlineRunner:
    """Runs each task at once in this process, with this process's context."""

    def __init__(self, context: TaskContext) -> None:
        self.context = context

    def __enter__(self) -> InlineRunner:
        self.context.warm_up()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.context.close()

    def submit(self, seq: int, handle: ObjectHandle) -> Future[list[ObjectResult]]:
        """Scan ``handle`` now; ``KeyboardInterrupt`` goes through, other errors into the future."""
        future: Future[list[ObjectResult]] = Future()
        try:
            future.set_result(scan_object(handle, self.context))
        except Exception as exc:
            future.set_exception(exc)
        return future

    def recover(self, failed_tasks: set[int]) -> set[int]:
        """Nothing dies here without the scan: never called."""
        return set(failed_tasks)


# -- in worker processes -----------------------------------------------------------------------

# This process's context when it is a pool worker; set once by the pool's initializer.
_CONTEXT: TaskContext | None = None
# Where this worker says which task it reads: the pool's shared board and this worker's slot.
_BOARD: Any = None
_SLOT = -1

# What a worker's slot on the board holds: its pid, and the task it reads (number + 1), 0 when
# idle, or _STOPPED once the pool stopped it (so only a worker that died on its own is charged).
_IDLE = 0
_STOPPED = -1


def _init_worker(setup: WorkerSetup, board: Any, claims: Any, scanner: int) -> None:
    """Pool initializer: take a slot on the board, build the context once, close it at exit.

    :param scanner: the pid of the process that drives the scan; this worker ends with it.
    """
    global _CONTEXT, _BOARD, _SLOT
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


def run_task(seq: int, handle: ObjectHandle) -> list[ObjectResult]:
    """The function a pool worker runs for task ``seq``."""
    if _CONTEXT is None:
        raise RuntimeError("piiscan worker used before its initializer ran")
    if _BOARD is None:
        return scan_object(handle, _CONTEXT)
    _BOARD[2 * _SLOT + 1] = seq + 1
    try:
        return scan_object(handle, _CONTEXT)
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
    context.set_forkserver_preload(["piiscan.scan.executor", "piiscan.engine"])
    return context


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
        # Room for more workers than asked: the pool replaces none, but a slot costs nothing.
        self._board = self._mp.RawArray("q", 4 * self.workers)
        claims = self._mp.Value("i", 0)
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=self._mp,
            initializer=_init_worker,
            initargs=(self.setup, self._board, claims, os.getpid()),
        )

    def _stop(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def submit(self, seq: int, handle: ObjectHandle) -> Future[list[ObjectResult]]:
        """Queue task ``seq`` for a worker."""
        if self._pool is None:
            raise RuntimeError("the pool is not running")
        try:
            return self._pool.submit(run_task, seq, handle)
        except BrokenProcessPool as exc:
            future: Future[list[ObjectResult]] = Future()
            future.set_exception(exc)
            return future

    def recover(self, failed_tasks: set[int]) -> set[int]:
        """Name the tasks the dead worker was reading, then start a fresh pool.

        The broken pool stops every other worker; they mark their slots as stopped, so only
        the tasks of workers that died on their own are charged. When no task can be named
        (a worker died before it started one), every failed task is charged, so that a scan
        always moves on.
        """
        self._stop()  # joins every worker: the board is final
        board = self._board
        died = {
            int(board[index]) - 1
            for index in range(1, len(board), 2)
            if board[index] > _IDLE and int(board[index]) - 1 in failed_tasks
        }
        self._start()
        return died or set(failed_tasks)

    def abort(self) -> None:
        """Stop now: drop queued tasks and kill the workers without waiting for their files."""
        pool = self._pool
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        board = self._board
        for index in range(0, len(board) if board is not None else 0, 2):
            pid = int(board[index])
            if pid > 0:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
        self._stop()


# -- the loop ----------------------------------------------------------------------------------


def run_tasks(
    runner: Runner,
    items: Iterable[ObjectHandle | ObjectResult],
    record: Record,
    *,
    window: int,
) -> None:
    """Run a task for every handle of ``items`` and record every row, in completion order.

    Rows in ``items`` (entries the walk passed over) are recorded as they come. At most
    ``window`` tasks are in flight, so the walk never runs far ahead of the workers.

    :param runner: where tasks run.
    :param items: what :func:`piiscan.scan.plan.plan` yields.
    :param record: called with the rows of each finished task, in this thread.
    :param window: tasks in flight at most (at least 1).
    """
    pending: dict[Future[list[ObjectResult]], tuple[int, ObjectHandle]] = {}
    numbers = itertools.count()
    for item in items:
        if isinstance(item, ObjectResult):
            record([item])
            continue
        seq = next(numbers)
        pending[runner.submit(seq, item)] = (seq, item)
        while len(pending) >= max(window, 1):
            _settle(runner, pending, record)
    while pending:
        _settle(runner, pending, record)


def _settle(
    runner: Runner,
    pending: dict[Future[list[ObjectResult]], tuple[int, ObjectHandle]],
    record: Record,
) -> None:
    """Wait for at least one task and record what finished; recover from a dead worker."""
    done, _ = wait(pending, return_when=FIRST_COMPLETED)
    broken = _collect(done, pending, record)
    if not broken:
        return
    # A broken pool fails every task it holds: take them all, then start again.
    rest, _ = wait(pending)
    broken += _collect(rest, pending, record)
    died = runner.recover({seq for seq, _ in broken})
    for seq, handle in broken:
        if seq in died:
            record(
                [failed(handle.ref, handle.size, handle.mtime, Status.ERROR, REASON_WORKER_DIED)]
            )
        else:
            pending[runner.submit(seq, handle)] = (seq, handle)


def _collect(
    done: Iterable[Future[list[ObjectResult]]],
    pending: dict[Future[list[ObjectResult]], tuple[int, ObjectHandle]],
    record: Record,
) -> list[tuple[int, ObjectHandle]]:
    """Record the finished tasks' rows; return the tasks a broken pool failed."""
    broken: list[tuple[int, ObjectHandle]] = []
    for future in sorted(done, key=lambda f: pending[f][0]):
        seq, handle = pending.pop(future)
        try:
            results = future.result()
        except BrokenProcessPool:
            broken.append((seq, handle))
            continue
        except PiiscanError as exc:
            results = [failed(handle.ref, handle.size, handle.mtime, Status.ERROR, str(exc))]
        except Exception as exc:  # a task that failed outside its own guard: a row
            reason = f"worker failed ({type(exc).__name__})"
            results = [failed(handle.ref, handle.size, handle.mtime, Status.ERROR, reason)]
        record(results)
    return broken
