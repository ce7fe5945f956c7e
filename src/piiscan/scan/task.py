"""One task: one object in, its rows out. No pool, queue or process concerns live here.

:func:`scan_object` opens the object of an :class:`~piiscan.scan.plan.ObjectHandle` through the
:class:`TaskContext` of the process it runs in, extracts it (containers recurse through the same
dispatcher with a depth limit), analyses every segment, and returns one
:class:`~piiscan.model.ObjectResult` per object (the file and each member). Nothing raw leaves:
records hold HMAC value keys and masked previews only.

A :class:`TaskContext` is what one process needs to run tasks: the engine, the key, the limits
and one source per root, built from a picklable :class:`WorkerSetup` once per process and closed
when the process stops (which drops its SMB connections).

Failure is a row: any exception while reading one object becomes a status and a reason that
names the kind of failure, never the content. A file that takes longer than
``Limits.max_object_seconds`` is stopped by an alarm and becomes a ``timed_out`` row that keeps
what was found before the alarm (and the rows of members already finished). The alarm is
``SIGALRM`` where a task runs in a process's main thread (the local pool, in-process scans), and
an exception raised asynchronously by a watcher thread where it runs in any other thread (Dask
runs tasks in threads); both take effect at the task's next Python bytecode.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from piiscan.config import ScanConfig
from piiscan.errors import ExtractionError, NoTextError, SourceError
from piiscan.extractors.base import Blob, Limits, Member
from piiscan.keys import Keyer
from piiscan.model import FindingRecord, ObjectRef, ObjectResult, Status
from piiscan.plugins import load_registry
from piiscan.scan.columns import ColumnCounter
from piiscan.scan.names import NameMasks, as_read, scan_names
from piiscan.scan.plan import Credentials, ObjectHandle, open_roots
from piiscan.sources import Source

if TYPE_CHECKING:
    from piiscan.engine import Engine

__all__ = [
    "CONTENT_HASH_MAX_BYTES",
    "ObjectTimeout",
    "TaskContext",
    "WorkerSetup",
    "failed",
    "scan_object",
]

# Objects up to this size get a keyed content hash (they are read a second time for it).
CONTENT_HASH_MAX_BYTES = 16 * 1024 * 1024

# Fictional: Skatteverket's test personnummer and PTS's range for fiction.
# "Zorbo Quapp" is in no name list, so the name model is asked (and loaded).
_WARM_UP_TEXT = "Kontakta Zorbo Quapp, personnummer 19121212-1212, mobil 070-174 06 05."


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkerSetup:
    """What a process needs to build its :class:`TaskContext`; sent once per worker, never
    with a task.

    :param config: the scan's configuration.
    :param keyer: the scan's key (kept out of ``repr``).
    :param credentials: secrets of the sources (kept out of ``repr``).
    """

    config: ScanConfig
    keyer: Keyer = field(repr=False)
    credentials: Credentials = field(default_factory=Credentials, repr=False)


@dataclass(slots=True, kw_only=True)
class TaskContext:
    """One process's engine, key, limits and sources, built once and used by every task.

    Sources are made from the configuration when a task first needs one, and kept open (one
    SMB connection per server) until :meth:`close`.
    """

    engine: Engine
    keyer: Keyer = field(repr=False)
    limits: Limits
    config: ScanConfig
    credentials: Credentials = field(repr=False)
    _sources: list[Source] | None = field(default=None, repr=False)

    @classmethod
    def build(
        cls,
        setup: WorkerSetup,
        *,
        engine: Engine | None = None,
        sources: list[Source] | None = None,
    ) -> TaskContext:
        """A context for ``setup`` (sources open lazily).

        :param engine: an engine already built from ``setup.config``; built here if ``None``.
        :param sources: sources of ``setup.config``'s roots this process has already (the
            walk's, when tasks run in the process that walks: one connection serves both).
        :raises PiiscanError: for a configuration the engine cannot be built from.
        """
        config = setup.config
        return cls(
            engine=engine or build_engine(config),
            keyer=setup.keyer,
            limits=config.limits,
            config=config,
            credentials=setup.credentials,
            _sources=sources,
        )

    def warm_up(self) -> None:
        """Load what the engine loads on first use (the name model, compiled metadata) before
        the first object, so that its time limit is spent on the object."""
        self.engine.analyze(_WARM_UP_TEXT)

    def source(self, root_index: int) -> Source:
        """The source of root ``root_index``, opened in this process once."""
        if self._sources is None:
            self._sources = open_roots(self.config, self.credentials)
        return self._sources[root_index]

    def close(self) -> None:
        """Close every source this context opened; the context can still be used after."""
        sources, self._sources = self._sources, None
        for source in sources or ():
            source.close()


def build_engine(config: ScanConfig) -> Engine:
    """The engine of a scan's configuration (its recognizer directories and engine settings).

    :raises PiiscanError: for a configuration the engine cannot be built from.
    """
    from piiscan.engine import build_engine as build

    return build(load_registry(config.recognizer_dirs), config.engine)


class ObjectTimeout(BaseException):
    """Raised by the per-object alarm.

    A ``BaseException``, like ``KeyboardInterrupt``, so that a parser's own broad
    ``except Exception`` cannot swallow it and carry on reading.
    """


# After the limit, the alarm rings again at this interval until it is lifted: an exception
# raised from a signal handler is lost when it lands in a garbage-collector callback or a
# __del__ method, and the next ring must still stop the file.
_RING_AGAIN_SECONDS = 0.25


def _ring(signum: int, frame: object) -> None:
    raise ObjectTimeout


def _lift_alarm() -> None:
    if hasattr(signal, "setitimer"):
        signal.setitimer(signal.ITIMER_REAL, 0)


# How this thread's running time limit is silenced once its ring was heard (see _hush).
_LOCAL = threading.local()


def _hush() -> None:
    """The ring was heard: no more rings while the row is written."""
    stop: Callable[[], None] | None = getattr(_LOCAL, "stop", None)
    if stop is not None:
        _surely(stop)


def _surely(stop: Callable[[], None]) -> None:
    """Run ``stop`` to its end even when a ring lands while it runs (it is then run again;
    once it has run, nothing rings)."""
    while True:
        try:
            stop()
            return
        except ObjectTimeout:
            continue


def _raise_in(thread_id: int, exc: type[BaseException] | None) -> None:
    """Raise ``exc`` in thread ``thread_id`` at its next bytecode; ``None`` withdraws one
    that was not raised yet."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exc) if exc is not None else None
    )


class _ThreadAlarm:
    """The time limit for a task that runs outside the main thread (a Dask worker's thread, a
    library caller's): a watcher thread raises :class:`ObjectTimeout` in the task's thread,
    and again every ``_RING_AGAIN_SECONDS`` until stopped, as the ``SIGALRM`` alarm does."""

    def __init__(self, seconds: float) -> None:
        self._target = threading.get_ident()
        self._seconds = seconds
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._watcher = threading.Thread(target=self._watch, name="piiscan-time-limit", daemon=True)

    def start(self) -> None:
        self._watcher.start()

    def _watch(self) -> None:
        wait = self._seconds
        while not self._stopped.wait(wait):
            with self._lock:
                if self._stopped.is_set():
                    return
                _raise_in(self._target, ObjectTimeout)
            wait = _RING_AGAIN_SECONDS

    def stop(self) -> None:
        with self._lock:
            if not self._stopped.is_set():
                self._stopped.set()
                _raise_in(self._target, None)

    def join(self) -> None:
        self._watcher.join()


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`ObjectTimeout` in this thread when ``seconds`` of wall time have passed.

    In a process's main thread the alarm is ``SIGALRM``, which interrupts Python code, and C
    code that checks for signals (the regex engine, subprocess waits). In any other thread (a
    Dask worker runs tasks in threads) a watcher thread raises the exception asynchronously in
    the task's thread, which takes effect at its next Python bytecode. Neither stops a C
    library stuck in a loop of its own.
    """
    if seconds <= 0:
        yield
        return
    if threading.current_thread() is not threading.main_thread() or not hasattr(
        signal, "setitimer"
    ):
        alarm = _ThreadAlarm(seconds)
        _LOCAL.stop = alarm.stop
        alarm.start()
        try:
            yield
        finally:
            _surely(alarm.stop)
            alarm.join()
            _LOCAL.stop = None
        return
    previous = signal.signal(signal.SIGALRM, _ring)
    _LOCAL.stop = _lift_alarm
    signal.setitimer(signal.ITIMER_REAL, seconds, _RING_AGAIN_SECONDS)
    try:
        yield
    finally:
        _surely(_lift_alarm)
        _LOCAL.stop = None
        signal.signal(signal.SIGALRM, previous)


def scan_object(handle: ObjectHandle, context: TaskContext) -> list[ObjectResult]:
    """Scan one object (and everything inside it) into object results.

    :param handle: the object, as the walk met it.
    :param context: this process's engine, key, limits and sources.
    :returns: the object's row and a row per member, members first.
    """
    ref, size, mtime = handle.ref, handle.size, handle.mtime
    try:
        blob = context.source(handle.root_index).open(handle.source_path)
    except ExtractionError as exc:
        return [_named(failed(ref, size, mtime, exc.status, str(exc)), context)]
    except SourceError as exc:  # the root cannot be reached from here (SMB logon refused)
        return [_named(failed(ref, size, mtime, Status.ERROR, str(exc)), context)]
    except OSError as exc:  # permission denied: the name is still data
        return [_named(failed(ref, size, mtime, Status.ERROR, _os_reason(exc)), context)]
    results: list[ObjectResult] = []
    try:
        with _time_limit(context.limits.max_object_seconds):
            _scan_blob(blob, ref, size, mtime, context, results)
    except ObjectTimeout:
        # The alarm rang between two statements of the driver itself, outside the guard.
        _hush()
        if not any(result.ref == ref for result in results):
            reason = _timeout_reason(context.limits)
            results.append(failed(ref, size, mtime, Status.TIMED_OUT, reason))
    return results


def _timeout_reason(limits: Limits) -> str:
    return f"stopped after {limits.max_object_seconds:g} s (per-file time limit)"


def _scan_blob(
    blob: Blob,
    ref: ObjectRef,
    size: int | None,
    mtime: float | None,
    context: TaskContext,
    results: list[ObjectResult],
) -> None:
    from piiscan.extractors.dispatch import extract

    started = time.perf_counter()
    records: list[FindingRecord] = []
    status, reason, media_type = Status.OK, "", ""
    timed_out = False
    content_hash = ""
    # Names are data: the object's own names are scanned first, even when its content
    # cannot be read (piiscan.scan.names). The member chain is the ``member`` column, not
    # part of the locator.
    names = NameMasks(context.engine.analyze)
    columns = ColumnCounter()
    try:
        records.extend(_name_records(ref, context))
        content_hash = _content_hash(blob, context.keyer)
        if blob.size == 0:
            raise NoTextError("empty file")
        media_type, items = extract(blob, context.limits)
        for item in items:
            if isinstance(item, Member):
                child = ref.child(item.name)
                _scan_blob(item.blob, child, item.blob.size, item.mtime, context, results)
                continue
            if columns.note(item):  # a table's row count: no text
                continue
            locator = names.locator(item)
            found = list(context.engine.analyze_segment(as_read(item)))
            columns.add(names.counted(item, locator), found)  # names masked there too
            records.extend(
                FindingRecord.from_finding(
                    names.finding(finding, item), locator=locator, keyer=context.keyer
                )
                for finding in found
            )
    except ExtractionError as exc:
        status, reason = Status(exc.status), str(exc)
    except ObjectTimeout:
        _hush()
        status, reason, timed_out = Status.TIMED_OUT, _timeout_reason(context.limits), True
    except (KeyboardInterrupt, SystemExit):
        raise
    except MemoryError:
        status, reason = Status.ERROR, "out of memory while reading the object"
    except BaseException as exc:  # one bad file is a row; calamine panics are BaseExceptions
        # The exception text may quote the content, so only its type is recorded.
        status, reason = Status.ERROR, f"unexpected {type(exc).__name__} while reading"
    results.append(
        ObjectResult(
            ref=ref,
            status=status,
            reason=reason,
            size=size,
            mtime=mtime,
            media_type=media_type,
            content_hash=content_hash,
            duration=time.perf_counter() - started,
            findings=tuple(records),
            columns=columns.profiles(),
        )
    )
    if timed_out and ref.members:
        raise ObjectTimeout  # the time is up for the containers around this member too


def _name_records(ref: ObjectRef, context: TaskContext) -> list[FindingRecord]:
    """The findings in the object's own names (piiscan.scan.names)."""
    return [
        FindingRecord.from_finding(finding, locator=segment.locator, keyer=context.keyer)
        for segment, findings in scan_names(ref, context.engine)
        for finding in findings
    ]


def _named(result: ObjectResult, context: TaskContext) -> ObjectResult:
    """The row of an object that could not be opened, with the findings in its names."""
    try:
        records = _name_records(result.ref, context)
    except Exception:  # the row says why the object failed; its names are a bonus
        return result
    return dataclasses.replace(result, findings=tuple(records)) if records else result


def _content_hash(blob: Blob, keyer: Keyer) -> str:
    """The keyed content hash of objects small enough that reading them again is cheap."""
    if blob.size is None or blob.size > CONTENT_HASH_MAX_BYTES:
        return ""
    try:
        with blob.opener() as stream:
            return keyer.content_key(stream)
    except OSError:
        return ""


def failed(
    ref: ObjectRef, size: int | None, mtime: float | None, status: Status | str, reason: str
) -> ObjectResult:
    """The row of an object that could not be scanned."""
    return ObjectResult(ref=ref, status=Status(status), reason=reason, size=size, mtime=mtime)


def _os_reason(exc: OSError) -> str:
    return exc.strerror.lower() if exc.strerror else type(exc).__name__
