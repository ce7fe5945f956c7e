"""One task: one object in, its rows out. No pool, queue or process concerns live here.

:func:`run_object` opens the object of an :class:`~piiscan.scan.plan.ObjectHandle` through the
:class:`TaskContext` of the process it runs in, extracts it (containers recurse through the same
dispatcher with a depth limit), hands its segments to the engine in batches
(:meth:`~piiscan.engine.Engine.analyze_batch`: one call for many cells), and hands its output
on as it goes: :class:`~piiscan.model.FindingChunk` values of at most :data:`CHUNK_RECORDS`
findings while an object is read, then one :class:`~piiscan.model.ObjectResult` per object (the
file and each member, members first) carrying the last findings and the count sent ahead. So a
task's memory stays bounded however many findings a file holds (a sheet of a million rows).
:func:`scan_object` collects the same output into whole results. Nothing raw leaves: records
hold HMAC value keys and masked previews only. What to do with an object (empty, too large,
too deep, too much text) is decided by :func:`piiscan.extractors.dispatch.extract`, not here.

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
from piiscan.errors import ExtractionError, SourceError
from piiscan.extractors.base import Blob, Limits, Member
from piiscan.keys import Keyer, ValueKeys
from piiscan.model import (
    FindingChunk,
    FindingRecord,
    ObjectRef,
    ObjectResult,
    Segment,
    Status,
)
from piiscan.plugins import Registry, load_registry
from piiscan.scan.columns import ColumnCounter
from piiscan.scan.names import NameMasks, as_read, scan_names
from piiscan.scan.plan import Credentials, ObjectHandle, open_roots
from piiscan.sources import Source
from piiscan.sources.select import REASON_EXCLUDED

if TYPE_CHECKING:
    from piiscan.engine import Engine
    from piiscan.scan.ranges import Span

__all__ = [
    "BATCH_CHARS",
    "BATCH_SEGMENTS",
    "CHUNK_RECORDS",
    "CONTENT_HASH_MAX_BYTES",
    "Emit",
    "ObjectTimeout",
    "TaskContext",
    "WorkerSetup",
    "failed",
    "run_object",
    "scan_object",
]

# Objects up to this size get a keyed content hash (they are read a second time for it).
CONTENT_HASH_MAX_BYTES = 16 * 1024 * 1024

#: Findings per chunk a task hands on while it reads an object (bounds a task's memory and
#: what crosses to the scanner at once; about 1 KB a finding).
CHUNK_RECORDS = 2000
#: Segments are handed to the engine in batches of at most about this many characters (a
#: segment this long goes alone) ...
BATCH_CHARS = 64 * 1024
#: ... and this many segments (cells, field values: one engine call per batch). A dump holds
#: about 40,000 cells a MB: a batch of 2,048 pays the engine's and the name model's fixed
#: cost per call a quarter as often as one of 512 (15-20 % of the engine's time on a dump).
BATCH_SEGMENTS = 2048

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
    :param chunk_records: findings per chunk a task hands on at most.
    """

    config: ScanConfig
    keyer: Keyer = field(repr=False)
    credentials: Credentials = field(default_factory=Credentials, repr=False)
    chunk_records: int = CHUNK_RECORDS


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
    chunk_records: int = CHUNK_RECORDS
    _sources: list[Source] | None = field(default=None, repr=False)
    # Content names (columns, keys, elements, header labels) with their masks, for every
    # object this process reads with this engine (piiscan.scan.names.NameMasks).
    _name_masks: dict[str, str | None] = field(default_factory=dict, repr=False)

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
            chunk_records=setup.chunk_records,
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


def build_engine(config: ScanConfig, registry: Registry | None = None) -> Engine:
    """The engine of a scan's configuration (its recognizer directories and engine settings).

    :param registry: the registry of ``config.recognizer_dirs`` when the caller loaded it
        already (the scanner does, before the engine); loaded here otherwise.
    :raises PiiscanError: for a configuration the engine cannot be built from.
    """
    from piiscan.engine import build_engine as build

    return build(registry or load_registry(config.recognizer_dirs), config.engine)


class ObjectTimeout(BaseException):
    """Raised by the per-object alarm.

    A ``BaseException``, like ``KeyboardInterrupt``, so that a parser's own broad
    ``except Exception`` cannot swallow it and carry on reading.
    """


# After the limit, the alarm rings again at this interval until it is lifted: an exception
# raised from a signal handler is lost when it lands in a garbage-collector callback or a
# __del__ method, and the next ring must still stop the file.
_RING_AGAIN_SECONDS = 0.25


class _Guard:
    """Whether this thread is handing a result on (a ring must then wait), and whether one did.

    A ring must never land inside the hand-over: a chunk half written to the pipe to the
    scanner, or a row half added to the inventory, would be lost or corrupt. While
    :func:`_handing_over` runs, a ring is only noted; the alarm rings again every
    ``_RING_AGAIN_SECONDS`` after the limit, and the next ring stops the object.
    """

    __slots__ = ("deferring", "due")

    def __init__(self) -> None:
        self.deferring = False
        self.due = False


def _guard() -> _Guard:
    guard: _Guard | None = getattr(_LOCAL, "guard", None)
    if guard is None:
        guard = _LOCAL.guard = _Guard()
    return guard


def _ring(signum: int, frame: object) -> None:
    guard = _guard()
    if guard.deferring:
        guard.due = True
        return
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
        self._rang = False
        self._guard = _guard()
        self._watcher = threading.Thread(target=self._watch, name="piiscan-time-limit", daemon=True)

    def start(self) -> None:
        self._watcher.start()

    def _watch(self) -> None:
        wait = self._seconds
        while not self._stopped.wait(wait):
            with self._lock:
                if self._stopped.is_set():
                    return
                self._rang = True
                if self._guard.deferring:
                    self._guard.due = True
                else:
                    _raise_in(self._target, ObjectTimeout)
            wait = _RING_AGAIN_SECONDS

    def defer(self) -> None:
        """Called in the task's thread as a hand-over starts: a ring raised already but not
        yet taken is withdrawn and noted instead (the limit has passed either way)."""
        with self._lock:
            self._guard.deferring = True
            if self._rang:
                _raise_in(self._target, None)
                self._guard.due = True

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
    guard = _guard()
    guard.deferring = guard.due = False
    if seconds <= 0:
        yield
        return
    if threading.current_thread() is not threading.main_thread() or not hasattr(
        signal, "setitimer"
    ):
        alarm = _ThreadAlarm(seconds)
        _LOCAL.stop = alarm.stop
        _LOCAL.defer = alarm.defer
        alarm.start()
        try:
            yield
        finally:
            _surely(alarm.stop)
            alarm.join()
            _LOCAL.stop = _LOCAL.defer = None
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


@contextlib.contextmanager
def _handing_over() -> Iterator[None]:
    """No ring lands while the block runs; one that came meanwhile is dropped (the alarm
    rings again every ``_RING_AGAIN_SECONDS`` after the limit)."""
    guard = _guard()
    if guard.deferring:  # nested: the outer hand-over decides
        yield
        return
    defer: Callable[[], None] | None = getattr(_LOCAL, "defer", None)
    if defer is not None:
        defer()
    else:
        guard.deferring = True
    try:
        yield
    finally:
        # A ring noted meanwhile is not raised here (the value was handed over whole): the
        # alarm rings again shortly after the limit, and that ring stops the object.
        guard.deferring = guard.due = False


Emit = Callable[[FindingChunk | ObjectResult], None]
"""Receives a task's output as it goes: finding chunks, and each object's result after them."""


class _HandOverFailed(BaseException):
    """What the receiver of a task's output raised (the inventory could not be written, the
    pipe to the scanner broke): it ends the task rather than becoming the object's row."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(type(error).__name__)
        self.error = error


def run_object(
    handle: ObjectHandle,
    context: TaskContext,
    emit: Emit,
    *,
    skip: int = 0,
    chunk_records: int | None = None,
) -> int:
    """Scan one object (and everything inside it), handing its output to ``emit`` as it goes.

    For each object (the file, and each member before the container holding it), ``emit``
    receives :class:`~piiscan.model.FindingChunk` values of at most ``chunk_records`` findings
    while the object is read, then the object's :class:`~piiscan.model.ObjectResult` with the
    last findings and the count streamed ahead. A task's output is the same each time it runs,
    so a task run again after a dead worker can pass over what was received already.

    :param handle: the object, as the walk met it.
    :param context: this process's engine, key, limits and sources.
    :param emit: receives the output, in this thread; what it raises ends the task and is
        raised here.
    :param skip: values of the output not to hand over again (received from an earlier run).
    :param chunk_records: findings per chunk at most; the context's when ``None``.
    :returns: how many values were handed to ``emit``.
    """
    handed = 0
    seen = 0
    finished: set[ObjectRef] = set()  # objects whose row was handed over

    def hand(value: FindingChunk | ObjectResult) -> None:
        nonlocal handed, seen
        with _handing_over():
            if isinstance(value, ObjectResult):
                finished.add(value.ref)
            seen += 1
            if seen <= skip:
                return
            try:
                emit(value)
            except BaseException as error:
                raise _HandOverFailed(error) from None
            handed += 1

    try:
        size = context.chunk_records if chunk_records is None else chunk_records
        _run_object(handle, context, hand, finished, max(size, 1))
    except _HandOverFailed as failure:
        raise failure.error from None
    return handed


def scan_object(handle: ObjectHandle, context: TaskContext) -> list[ObjectResult]:
    """Scan one object (and everything inside it) into whole object results.

    :func:`run_object` without the streaming, for callers that want every finding of an
    object in its result (tests, small objects): memory then grows with the object.

    :param handle: the object, as the walk met it.
    :param context: this process's engine, key, limits and sources.
    :returns: the object's row and a row per member, members first.
    """
    results: list[ObjectResult] = []
    pending: dict[ObjectRef, list[FindingRecord]] = {}

    def collect(value: FindingChunk | ObjectResult) -> None:
        if isinstance(value, FindingChunk):
            pending.setdefault(value.ref, []).extend(value.findings)
            return
        ahead = pending.pop(value.ref, [])
        findings = (*ahead, *value.findings)
        results.append(dataclasses.replace(value, findings=findings, streamed=0))

    run_object(handle, context, collect)
    return results


def _run_object(
    handle: ObjectHandle,
    context: TaskContext,
    emit: Emit,
    finished: set[ObjectRef],
    chunk_records: int,
) -> None:
    ref, size, mtime = handle.ref, handle.size, handle.mtime
    if handle.row is not None:  # passed over by the walk: never opened, its names scanned
        row = _named(failed(ref, size, mtime, *handle.row), context)
        if row.findings or handle.row[1] != REASON_EXCLUDED:
            emit(row)  # an excluded path is a row only when its names hold a finding
        return
    try:
        blob = context.source(handle.root_index).open(handle.source_path)
    except ExtractionError as exc:
        emit(_named(failed(ref, size, mtime, exc.status, str(exc)), context))
        return
    except SourceError as exc:  # the root cannot be reached from here (SMB logon refused)
        emit(_named(failed(ref, size, mtime, Status.ERROR, str(exc)), context))
        return
    except OSError as exc:  # permission denied: the name is still data
        emit(_named(failed(ref, size, mtime, Status.ERROR, _os_reason(exc)), context))
        return
    try:
        with _time_limit(context.limits.max_object_seconds):
            _scan_blob(
                blob, ref, size, mtime, context, emit, finished, chunk_records, span=handle.span
            )
    except ObjectTimeout:
        # The alarm rang between two statements of the driver itself, outside the guard.
        _hush()
        if ref not in finished:
            reason = _timeout_reason(context.limits)
            emit(failed(ref, size, mtime, Status.TIMED_OUT, reason))


def _timeout_reason(limits: Limits) -> str:
    return f"stopped after {limits.max_object_seconds:g} s (per-file time limit)"


def _scan_blob(
    blob: Blob,
    ref: ObjectRef,
    size: int | None,
    mtime: float | None,
    context: TaskContext,
    emit: Emit,
    finished: set[ObjectRef],
    chunk_records: int,
    *,
    span: Span | None = None,
) -> None:
    from piiscan.extractors.dispatch import extract

    started = time.perf_counter()
    records: list[FindingRecord] = []
    streamed = 0
    status, reason, media_type = Status.OK, "", ""
    timed_out = False
    content_hash = ""
    # Names are data: the object's own names are scanned first, even when its content
    # cannot be read (piiscan.scan.names). The member chain is the ``member`` column, not
    # part of the locator.
    names = NameMasks(context.engine.analyze, context._name_masks)
    columns = ColumnCounter()
    batch: list[Segment] = []
    batch_chars = 0
    value_keys = ValueKeys(context.keyer)  # a dump's columns repeat their values

    def analyze() -> None:
        nonlocal streamed, batch_chars
        segments = list(batch)
        batch.clear()
        batch_chars = 0
        found = context.engine.analyze_batch([as_read(segment) for segment in segments])
        # Bound once: this loop runs for every cell of a dump.
        locator_of, counted, count = names.locator, names.counted, columns.add
        masked, record = names.finding, FindingRecord.from_finding
        for segment, findings in zip(segments, found, strict=True):
            locator = locator_of(segment)
            count(counted(segment, locator), findings)  # names masked there too
            if findings:
                records.extend(
                    record(masked(finding, segment), locator=locator, keyer=value_keys)
                    for finding in findings
                )
        while len(records) >= chunk_records:
            chunk = tuple(records[:chunk_records])
            del records[:chunk_records]
            emit(FindingChunk(ref=ref, findings=chunk))
            streamed += len(chunk)

    try:
        if span is None or span.first:  # a file read in ranges: its name and hash once
            records.extend(_name_records(ref, context))
            content_hash = _content_hash(blob, context.keyer, context.limits)
        if span is None:
            media_type, items = extract(blob, context.limits)
        else:  # one range of a big file (piiscan.scan.ranges)
            from piiscan.scan.ranges import span_items

            media_type, items = span.media_type, span_items(blob, context.limits, span)
        for item in items:
            if isinstance(item, Member):
                if batch:
                    analyze()
                child = ref.child(item.name)
                _scan_blob(
                    item.blob, child, item.blob.size, item.mtime, context, emit, finished,
                    chunk_records,
                )  # fmt: skip
                continue
            if columns.note(item):  # a table's row count: no text
                continue
            if len(item.text) >= BATCH_CHARS and batch:
                analyze()  # a long text goes alone: a time limit then keeps what came before
            batch.append(item)
            batch_chars += len(item.text)
            if batch_chars >= BATCH_CHARS or len(batch) >= BATCH_SEGMENTS:
                analyze()
        if batch:
            analyze()
    except _HandOverFailed:
        raise
    except ExtractionError as exc:
        status, reason = Status(exc.status), str(exc)
        # What was read before the failure (a partly read CSV, text over the budget) counts:
        # the segments still waiting for their batch are analysed.
        try:
            if batch:
                analyze()
        except ObjectTimeout:
            _hush()
            status, reason, timed_out = Status.TIMED_OUT, _timeout_reason(context.limits), True
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
    emit(
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
            streamed=streamed,
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


def _content_hash(blob: Blob, keyer: Keyer, limits: Limits) -> str:
    """The keyed content hash of objects small enough that reading them again is cheap (and
    never of one over the size limit, which is not read at all)."""
    if blob.size is None or blob.size > min(CONTENT_HASH_MAX_BYTES, limits.max_object_bytes):
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
