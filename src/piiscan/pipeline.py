"""The scan driver: walk the roots, extract and analyse each object in worker processes,
write every outcome to the inventory.

Each file is one task. A worker builds its engine and key once (pool initializer), opens the
file read-only, extracts it (containers recurse through the same dispatcher with a depth
limit), analyses every segment, turns findings into value-keyed records, and returns one
:class:`~piiscan.model.ObjectResult` per object (the file and each member). Nothing raw
crosses the process boundary: records hold HMAC value keys and masked previews only.

Failure is a row: any exception while reading one object becomes a status and a reason that
names the kind of failure, never the content. A file that takes longer than
``Limits.max_object_seconds`` is stopped by an alarm and becomes a ``timed_out`` row that keeps
what was found before the alarm (and the rows of members already finished).
``KeyboardInterrupt`` stops the pool; the inventory writer then closes the scan as
``interrupted`` with what was finished.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from piiscan import __version__
from piiscan.config import ScanConfig
from piiscan.errors import ConfigError, ExtractionError, NoTextError, PiiscanError
from piiscan.extractors.base import Blob, Limits, Member
from piiscan.inventory import InventoryWriter, check_inventory_key, new_scan_id
from piiscan.keys import Keyer, open_scan_key, save_new_key
from piiscan.model import FindingRecord, ObjectRef, ObjectResult, Status
from piiscan.plugins import load_registry
from piiscan.sources import Entry, Source, open_source

if TYPE_CHECKING:
    from piiscan.engine import Engine

log = logging.getLogger(__name__)

# Objects up to this size get a keyed content hash (they are read a second time for it).
CONTENT_HASH_MAX_BYTES = 16 * 1024 * 1024


@dataclass(slots=True)
class Progress:
    """Running totals of a scan, passed to the progress callback after every object."""

    objects: int = 0
    bytes: int = 0
    findings: int = 0
    errors: int = 0
    current: str = field(default="", repr=False)


ProgressCallback = Callable[[Progress], None]

#: Receives one-line messages a person running the scan should see (a new key file).
NoticeCallback = Callable[[str], None]


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanReport:
    """What :func:`run_scan` returns: the scan id, where it was written, and its totals."""

    scan_id: str
    inventory: Path
    objects: int
    findings: int
    errors: int
    status: str


@dataclass(frozen=True, slots=True, kw_only=True)
class _Task:
    ref: ObjectRef
    size: int | None
    mtime: float | None
    local_path: Path | None
    source: Source | None


@dataclass(slots=True)
class _WorkerState:
    engine: Engine
    keyer: Keyer
    limits: Limits


_STATE: _WorkerState | None = None


def _init_worker(config: ScanConfig, keyer: Keyer) -> None:
    """Pool initializer: build this process's engine once; leave Ctrl-C to the parent."""
    global _STATE
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _STATE = _build_state(config, keyer)
    _warm_up(_STATE)


# Fictional: Skatteverket's test personnummer and PTS's range for fiction.
# "Zorbo Quapp" is in no name list, so the name model is asked (and loaded).
_WARM_UP_TEXT = "Kontakta Zorbo Quapp, personnummer 19121212-1212, mobil 070-174 06 05."


def _warm_up(state: _WorkerState) -> None:
    """Load what the engine loads on first use (the name model, compiled metadata) before the
    first file, so that its time limit is spent on the file."""
    state.engine.analyze(_WARM_UP_TEXT)


def _build_engine(config: ScanConfig) -> Engine:
    from piiscan.engine import build_engine

    return build_engine(load_registry(config.recognizer_dirs), config.engine)


def _build_state(config: ScanConfig, keyer: Keyer) -> _WorkerState:
    return _WorkerState(engine=_build_engine(config), keyer=keyer, limits=config.limits)


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


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`ObjectTimeout` in this thread when ``seconds`` of wall time have passed.

    Uses ``SIGALRM``, which interrupts Python code, and C code that checks for signals (the
    regex engine, subprocess waits), but not a C library stuck in a loop of its own. Only the
    main thread of a process can take signals: elsewhere (a library caller's thread, or a
    platform without ``setitimer``) there is no limit.
    """
    if (
        seconds <= 0
        or not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return
    previous = signal.signal(signal.SIGALRM, _ring)
    signal.setitimer(signal.ITIMER_REAL, seconds, _RING_AGAIN_SECONDS)
    try:
        yield
    finally:
        _lift_alarm()
        signal.signal(signal.SIGALRM, previous)


def _run_task(task: _Task) -> list[ObjectResult]:
    assert _STATE is not None, "worker used before its initializer ran"
    return scan_task(task, _STATE)


def scan_task(task: _Task, state: _WorkerState) -> list[ObjectResult]:
    """Scan one file (and everything inside it) into object results."""
    results: list[ObjectResult] = []
    try:
        if task.local_path is not None:
            blob = Blob.from_path(task.local_path, name=task.ref.path.rsplit("/", 1)[-1])
        elif task.source is not None and hasattr(task.source, "open_blob"):
            blob = task.source.open_blob(task.ref.path)
        else:
            raise ExtractionError("object cannot be opened")
    except ExtractionError as exc:
        return [_failed(task.ref, task.size, task.mtime, exc.status, str(exc))]
    except OSError as exc:
        return [_failed(task.ref, task.size, task.mtime, Status.ERROR, _os_reason(exc))]
    try:
        with _time_limit(state.limits.max_object_seconds):
            _scan_blob(blob, task.ref, task.size, task.mtime, state, results)
    except ObjectTimeout:
        # The alarm rang between two statements of the driver itself, outside the guard.
        _lift_alarm()
        if not any(result.ref == task.ref for result in results):
            reason = _timeout_reason(state.limits)
            results.append(_failed(task.ref, task.size, task.mtime, Status.TIMED_OUT, reason))
    return results


def _timeout_reason(limits: Limits) -> str:
    return f"stopped after {limits.max_object_seconds:g} s (per-file time limit)"


def _scan_blob(
    blob: Blob,
    ref: ObjectRef,
    size: int | None,
    mtime: float | None,
    state: _WorkerState,
    results: list[ObjectResult],
) -> None:
    from piiscan.extractors.dispatch import extract

    started = time.perf_counter()
    records: list[FindingRecord] = []
    status, reason, media_type = Status.OK, "", ""
    timed_out = False
    content_hash = ""
    member_prefix = f"member={ref.member}" if ref.members else ""
    try:
        content_hash = _content_hash(blob, state.keyer)
        if blob.size == 0:
            raise NoTextError("empty file")
        media_type, items = extract(blob, state.limits)
        for item in items:
            if isinstance(item, Member):
                child = ref.child(item.name)
                _scan_blob(item.blob, child, item.blob.size, item.mtime, state, results)
                continue
            locator = "/".join(part for part in (member_prefix, item.locator) if part)
            for finding in state.engine.analyze_segment(item):
                records.append(
                    FindingRecord(
                        entity_type=finding.entity_type,
                        locator=locator,
                        start=finding.start,
                        end=finding.end,
                        score=finding.score,
                        masked=finding.masked,
                        value_key=state.keyer.value_key(finding.normalized),
                        recognizer=finding.recognizer,
                        context=finding.context,
                        flags=finding.flags,
                    )
                )
    except ExtractionError as exc:
        status, reason = Status(exc.status), str(exc)
    except ObjectTimeout:
        _lift_alarm()  # heard: no more rings while the row is written
        status, reason, timed_out = Status.TIMED_OUT, _timeout_reason(state.limits), True
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
        )
    )
    if timed_out and ref.members:
        raise ObjectTimeout  # the time is up for the containers around this member too


def _content_hash(blob: Blob, keyer: Keyer) -> str:
    """The keyed content hash of objects small enough that reading them again is cheap."""
    if blob.size is None or blob.size > CONTENT_HASH_MAX_BYTES:
        return ""
    try:
        with blob.opener() as stream:
            return keyer.content_key(stream)
    except OSError:
        return ""


def _failed(
    ref: ObjectRef, size: int | None, mtime: float | None, status: Status | str, reason: str
) -> ObjectResult:
    return ObjectResult(ref=ref, status=Status(status), reason=reason, size=size, mtime=mtime)


def _os_reason(exc: OSError) -> str:
    return exc.strerror.lower() if exc.strerror else type(exc).__name__


def _walk(config: ScanConfig, password: str | None) -> Iterator[tuple[Source, Entry]]:
    for root in config.roots:
        source = open_source(
            root, options=config.walk, smb_username=config.smb_username, smb_password=password
        )
        for entry in source.walk():
            yield source, entry


def _task_for(source: Source, entry: Entry) -> _Task:
    local = entry.blob.path if entry.blob is not None else None
    return _Task(
        ref=entry.ref,
        size=entry.size,
        mtime=entry.mtime,
        local_path=local,
        source=None if local is not None else source,
    )


def run_scan(
    config: ScanConfig,
    *,
    progress: ProgressCallback | None = None,
    smb_password: str | None = None,
    notice: NoticeCallback | None = None,
) -> ScanReport:
    """Scan ``config.roots`` into a new scan of the inventory at ``config.inventory``.

    :param progress: called in this process after every object with running totals.
    :param notice: called with one-line messages for the person running the scan.
    :param smb_password: the SMB password, kept out of the config so it is never stored.
    :raises PiiscanError: for bad configuration (missing root, unreadable key file,
        mismatched inventory key); objects that fail are rows, not exceptions.
    :raises KeyboardInterrupt: after closing the inventory as ``interrupted``.
    """
    registry = load_registry(config.recognizer_dirs)
    for root in config.roots:  # fail before the scan starts on a root that is not there
        open_source(root, options=config.walk, smb_username=config.smb_username,
                    smb_password=smb_password)  # fmt: skip
        if "://" not in root and not root.startswith("\\\\") and not Path(root).exists():
            raise ConfigError(f"root does not exist: {root}")
    workers = config.workers or os.cpu_count() or 1
    # Build an engine here first: a bad setting (a missing spaCy pipeline, a broken recognizer
    # file) is then one clear error before anything is written, not a failure in every worker.
    engine = _build_engine(config)
    # The key is checked against the inventory before a new key file is written, so a refused
    # scan leaves nothing behind (a new key can never match an inventory that has scans).
    key = open_scan_key(config.key_file, new_key=config.new_key)
    check_inventory_key(config.inventory, key.keyer.fingerprint)
    keyer = save_new_key(key)
    if key.is_new and notice is not None:
        notice(f"created a new key file {key.path}; keep it for later scans and lookups")
    state = _WorkerState(engine=engine, keyer=keyer, limits=config.limits)
    scan_id = new_scan_id()
    totals = Progress()
    writer = InventoryWriter(
        config.inventory,
        scan_id=scan_id,
        roots=list(config.roots),
        config_hash=config.fingerprint(),
        recognizers=list(registry.recognizer_keys),
        key_fingerprint=keyer.fingerprint,
        piiscan_version=__version__,
    )

    def record(results: list[ObjectResult]) -> None:
        for result in results:
            writer.add(result)
            totals.objects += 1
            if not result.ref.members:
                totals.bytes += result.size or 0
            totals.findings += len(result.findings)
            totals.errors += result.status.is_error
            totals.current = result.ref.path
        if progress is not None:
            progress(totals)

    with writer:
        if workers == 1:
            _warm_up(state)
            for source, entry in _walk(config, smb_password):
                if entry.status is not None or entry.blob is None:
                    record([_entry_row(entry)])
                else:
                    record(scan_task(_task_for(source, entry), state))
        else:
            _run_pool(config, keyer, workers, smb_password, record)
    return ScanReport(
        scan_id=scan_id,
        inventory=config.inventory,
        objects=totals.objects,
        findings=totals.findings,
        errors=totals.errors,
        status="complete",
    )


def _entry_row(entry: Entry) -> ObjectResult:
    return _failed(
        entry.ref, entry.size, entry.mtime, entry.status or Status.ERROR,
        entry.reason or "not readable",
    )  # fmt: skip


def _run_pool(
    config: ScanConfig,
    keyer: Keyer,
    workers: int,
    smb_password: str | None,
    record: Callable[[list[ObjectResult]], None],
) -> None:
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=_worker_context(),
        initializer=_init_worker,
        initargs=(config, keyer),
    )
    pending: set[Future[list[ObjectResult]]] = set()
    refs: dict[Future[list[ObjectResult]], _Task] = {}
    try:
        for source, entry in _walk(config, smb_password):
            if entry.status is not None or entry.blob is None:
                record([_entry_row(entry)])
                continue
            task = _task_for(source, entry)
            future = pool.submit(_run_task, task)
            pending.add(future)
            refs[future] = task
            if len(pending) >= workers * 4:  # bounded: the walk never runs far ahead
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                _collect(done, refs, record)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            _collect(done, refs, record)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


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
    context.set_forkserver_preload(["piiscan.pipeline", "piiscan.engine"])
    return context


def _collect(
    done: set[Future[list[ObjectResult]]],
    refs: dict[Future[list[ObjectResult]], _Task],
    record: Callable[[list[ObjectResult]], None],
) -> None:
    for future in done:
        task = refs.pop(future)
        try:
            record(future.result())
        except PiiscanError as exc:
            record([_failed(task.ref, task.size, task.mtime, Status.ERROR, str(exc))])
        except Exception as exc:  # a crashed worker: the object is a row, the scan goes on
            reason = f"worker failed ({type(exc).__name__})"
            record([_failed(task.ref, task.size, task.mtime, Status.ERROR, reason)])
