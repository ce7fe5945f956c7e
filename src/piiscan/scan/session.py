"""A scan's life: check the configuration, open the inventory, run the tasks, stop, close.

:func:`run_scan` loads the key and the catalogue, builds an engine in this process first (a bad
setting is one clear error before anything is written), walks the roots
(:mod:`piiscan.scan.plan`), runs a task per object where the configuration says
(:mod:`piiscan.scan.executor`), and records every row in the inventory as it comes back.

Stopping: Ctrl-C (``KeyboardInterrupt``), ``SIGTERM`` and ``SIGHUP`` (what ``timeout``,
systemd, cron supervisors and a closed terminal send) all stop a scan the same way. The workers
are killed, the scan is closed as ``interrupted`` with every row finished so far, and
:class:`Interrupted` (a ``KeyboardInterrupt``) goes on to the caller; the CLI exits with
128 + the signal's number (130 for Ctrl-C, 143 for ``SIGTERM``, 129 for ``SIGHUP``). Signal
handlers are installed only while a scan runs, and only when it runs in the main thread; a
signal that comes while the pool starts or stops a process is raised when that step ends
(:mod:`piiscan.scan.signals`).

Which scan, and what is read (all decided here, before anything is written):

- **Resume.** With ``ScanConfig.resume`` (``--resume``; a config file run by default), the
  inventory's latest scan is continued when it did not close as complete and no process
  writes it (:mod:`piiscan.inventory.resume`): it keeps its id, the files it finished are
  passed over, and it closes as one scan. Asked for explicitly, a scan of other roots, key,
  recognizers or settings is refused (:class:`~piiscan.errors.ConfigError`); left to the
  default, such a scan is left alone and a new one starts. A scan that ran on Dask resumes on
  Dask or locally alike (:mod:`piiscan.scan.dask_executor`).
- **Incremental.** Unless ``ScanConfig.full``, the latest complete scan of the same roots,
  key, recognizers and settings (known values included) is the baseline: a file whose size
  and mtime it saw unchanged is carried forward, not read (:mod:`piiscan.scan.plan`).
- **Start-up on demand.** The engine, and the worker pool, start only when an object must be
  read: a rescan that finds nothing changed never loads the engine. A scan with no baseline
  builds its engine first, so that a bad setting is one clear error before anything is
  written.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from piiscan import __version__
from piiscan.config import ScanConfig
from piiscan.errors import ConfigError, InventoryError
from piiscan.inventory import Inventory, InventoryWriter, ScanInfo, check_inventory_key, new_scan_id
from piiscan.inventory.layout import Layout
from piiscan.inventory.resume import latest_unclosed
from piiscan.keys import Keyer, open_scan_key, save_new_key
from piiscan.known import KnownValueFilter, known_value_keys
from piiscan.model import FindingChunk, ObjectResult
from piiscan.plugins import load_registry
from piiscan.scan.executor import (
    REASON_STOPPED,
    REASON_WORKER_DIED,
    InlineRunner,
    LocalPool,
    Runner,
    run_tasks,
)
from piiscan.scan.plan import Baseline, Carry, Credentials, ObjectHandle, open_roots, plan
from piiscan.scan.ranges import RangeMerger, split_large
from piiscan.scan.signals import Interrupted, stop_on_signals
from piiscan.scan.task import Emit, TaskContext, WorkerSetup, build_engine
from piiscan.scan.task_parts import TaskPart

if TYPE_CHECKING:
    from piiscan.engine import Engine
    from piiscan.scan.dask_executor import DaskRunner

__all__ = [
    "Interrupted",
    "NoticeCallback",
    "Progress",
    "ProgressCallback",
    "ScanReport",
    "run_scan",
]

# Tasks in flight per worker: enough to keep workers busy, few enough that the walk never runs
# far ahead of them.
TASKS_PER_WORKER = 4


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
    #: Objects whose rows were carried forward from :attr:`baseline` without being read.
    carried: int = 0
    #: The earlier scan an incremental rescan carried unchanged objects from (``None``: all
    #: were read).
    baseline: str | None = None
    #: Whether an unclosed scan was continued.
    resumed: bool = False


def run_scan(
    config: ScanConfig,
    *,
    progress: ProgressCallback | None = None,
    smb_password: str | None = None,
    notice: NoticeCallback | None = None,
    imap_password: str | None = None,
) -> ScanReport:
    """Scan ``config.roots`` into the inventory at ``config.inventory``: a new scan, or the
    continuation of an unclosed one (``config.resume``), reading only what changed since the
    latest comparable complete scan unless ``config.full`` (see the module docstring).

    :param progress: called in this process after every object with running totals.
    :param notice: called with one-line messages for the person running the scan.
    :param smb_password: the SMB password, kept out of the config so it is never stored.
    :param imap_password: the IMAP password, likewise.
    :raises PiiscanError: for bad configuration (missing root, unreadable key file,
        mismatched inventory key, nothing to resume or a scan that cannot be resumed with
        these settings); objects that fail are rows, not exceptions.
    :raises KeyboardInterrupt: after closing the inventory as ``interrupted`` (Ctrl-C, or
        :class:`Interrupted` for ``SIGTERM`` and ``SIGHUP``).
    """
    # Dask is checked first (the extra installed, a scheduler named): nothing is written when not.
    dask_connect = _dask_connect(config) if config.executor == "dask" else None
    registry = load_registry(config.recognizer_dirs)
    credentials = Credentials(smb_password=smb_password, imap_password=imap_password)
    sources = open_roots(config, credentials)  # a malformed root fails before the scan starts
    for root in config.roots:
        if "://" not in root and not root.startswith("\\\\") and not Path(root).exists():
            raise ConfigError(f"root does not exist: {root}")
    workers = config.workers or os.cpu_count() or 1
    # The key is checked against the inventory before a new key file is written, so a refused
    # scan leaves nothing behind (a new key can never match an inventory that has scans).
    key = open_scan_key(config.key_file, new_key=config.new_key)
    known_keys = known_value_keys(config.known_values, key.keyer)
    identity = _Identity(
        roots=tuple(config.roots),
        config_hash=_config_hash(config, known_keys),
        recognizers=tuple(registry.recognizer_keys),
        key_fingerprint=key.keyer.fingerprint,
    )
    history = _history(config.inventory)
    resumed = _to_resume(config, identity, history)
    check_inventory_key(config.inventory, key.keyer.fingerprint)
    baseline = None if config.full else _baseline(config, identity, history, resumed)
    # Without a baseline every object is read: build an engine here first, so that a bad
    # setting (a missing spaCy pipeline, a broken recognizer file) is one clear error before
    # anything is written. With one, the engine starts when the first object must be read.
    engine: Engine | None = build_engine(config, registry) if baseline is None else None
    keyer = save_new_key(key)
    known = KnownValueFilter(known_keys)  # counted, not kept
    setup = WorkerSetup(config=config, keyer=keyer, credentials=credentials)
    scan_id = resumed.scan_id if resumed is not None else new_scan_id()
    on_cluster: DaskRunner | None = None
    if dask_connect is not None:  # connected, workers checked, before the scan is opened
        # A new key is in its file before the workers are checked: workers that share the
        # scanner's key path read it there. A refused scan takes it away again.
        try:
            on_cluster = dask_connect(
                config, scan_id=scan_id, key_fingerprint=keyer.fingerprint,
                on_parts=lambda parts: record_parts(parts), notice=notice,
                on_running=lambda: show(),
            )  # fmt: skip
        except BaseException:
            if key.is_new and keyer == key.keyer:  # the file is this scan's (no other won)
                _forget_new_key(key.path, keyer)
            raise
    if key.is_new and notice is not None:
        notice(f"created a new key file {key.path}; keep it for later scans and lookups")
    try:
        writer = InventoryWriter(
            config.inventory,
            scan_id=scan_id,
            roots=list(identity.roots),
            config_hash=identity.config_hash,
            recognizers=list(identity.recognizers),
            key_fingerprint=keyer.fingerprint,
            piiscan_version=__version__,
            part_objects=config.part_objects,
            part_seconds=config.part_seconds,
            resume=resumed is not None,
            unfinished_reasons=(REASON_STOPPED,),
        )
    except BaseException:
        if on_cluster is not None:
            on_cluster.close()
        raise
    if resumed is not None and notice is not None:
        notice(f"resuming scan {scan_id}: {len(writer.finished)} files were finished")
    totals = Progress(objects=writer.objects, findings=writer.findings, errors=writer.errors)

    def show() -> None:
        """Call ``progress``: on Dask, with what the tasks still running reported so far, so
        that the totals move object by object there too."""
        if progress is None:
            return
        running = on_cluster.running if on_cluster is not None else None
        if not running:
            progress(totals)
            return
        progress(Progress(objects=totals.objects + running.objects,
                          bytes=totals.bytes + running.bytes,
                          findings=totals.findings + running.findings,
                          errors=totals.errors + running.errors,
                          current=totals.current))  # fmt: skip

    def record_parts(parts: Sequence[TaskPart]) -> None:
        """A task wrote its rows into a part of its own (Dask): count them, all at once (the
        part is on disk whole, so a stop must not leave some of them uncounted)."""
        writer.note_task_part(
            objects=sum(part.objects for part in parts),
            findings=sum(part.findings for part in parts),
            errors=sum(part.errors for part in parts),
            task=parts[0].name if parts else "",  # compacted with others as the scan goes
        )
        for part in parts:
            totals.findings += part.findings
            if part.row is not None:  # a range of a big file: its row once all ranges are in
                totals.objects += part.objects  # an mbox range's messages
                totals.errors += part.errors
                merged = ranges.take(part.row)
                if merged is not None:
                    add_row(merged, findings_counted=True)
                continue
            totals.objects += part.objects
            totals.bytes += part.bytes
            totals.errors += part.errors
            totals.current = part.ref.path
        show()

    def record(value: FindingChunk | ObjectResult) -> None:
        value = known.apply(value)
        if isinstance(value, FindingChunk):
            writer.add_findings(value)
            return
        if ranges.is_range(value.ref):  # a range of a big file: its row once all ranges are in
            merged = ranges.take_row(value, writer.add_findings)
            if merged is None:
                return
            value = merged
        add_row(value)

    def add_row(value: ObjectResult, *, findings_counted: bool = False) -> None:
        writer.add(value)
        totals.objects += 1
        if not value.ref.members:
            totals.bytes += value.size or 0
        totals.findings += 0 if findings_counted else value.finding_count
        totals.errors += value.status.is_error
        totals.current = value.ref.path
        show()

    ranges = RangeMerger()
    carried: list[tuple[str, str]] = []

    def to_read() -> Iterator[ObjectHandle | ObjectResult]:
        planned = plan(sources, baseline=baseline, done=writer.finished)
        for item in split_large(planned, sources, config.limits, config.split_bytes, ranges):
            if isinstance(item, Carry):
                carried.append(item.key)
            else:
                yield item

    contexts: list[TaskContext] = []

    def start_runner() -> Runner:
        if on_cluster is not None:
            return on_cluster
        if workers > 1:
            return LocalPool(setup, workers)
        # In-process tasks open objects through the walk's own sources (one SMB connection).
        context = TaskContext.build(
            setup, engine=engine or build_engine(config, registry), sources=sources
        )
        contexts.append(context)
        return InlineRunner(context)

    carried_objects = 0
    try:
        with stop_on_signals(), writer, _OnDemand(start_runner) as runner:
            window = on_cluster.window if on_cluster is not None else workers * TASKS_PER_WORKER
            try:
                run_tasks(runner, to_read(), record, window=window)
            finally:
                for row in ranges.flush():  # ranges of a stopped scan: rows for their findings
                    with contextlib.suppress(Exception):
                        add_row(row)
            if baseline is not None and carried:
                carried_objects = writer.carry(baseline.scan_id, carried)
                totals.objects, totals.findings = writer.objects, writer.findings
                totals.errors = writer.errors
                if progress is not None:
                    progress(totals)
    finally:
        for context in contexts:
            context.close()
        for source in sources:
            source.close()
        if on_cluster is not None:
            on_cluster.close()  # a scan that read nothing never entered it
    return ScanReport(
        scan_id=scan_id,
        inventory=config.inventory,
        objects=writer.objects,
        findings=writer.findings,
        errors=writer.errors,
        status="complete",
        carried=carried_objects,
        baseline=baseline.scan_id if baseline is not None else None,
        resumed=resumed is not None,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class _Identity:
    """What makes two scans comparable: the same roots, settings, recognizers and key."""

    roots: tuple[str, ...]
    config_hash: str
    recognizers: tuple[str, ...]
    key_fingerprint: str

    @classmethod
    def of(cls, info: ScanInfo) -> _Identity:
        return cls(
            roots=info.roots,
            config_hash=info.config_hash,
            recognizers=info.recognizers,
            key_fingerprint=info.key_fingerprint,
        )

    def differences(self, other: _Identity) -> list[str]:
        """What differs, in words (never a value)."""
        names = {"roots": "roots", "config_hash": "settings", "recognizers": "recognizer "
                 "versions", "key_fingerprint": "key"}  # fmt: skip
        return [words for name, words in names.items()
                if getattr(self, name) != getattr(other, name)]  # fmt: skip


def _config_hash(config: ScanConfig, known_keys: Iterable[str]) -> str:
    """The settings' hash stored with a scan: what it finds depends on the known values too,
    which enter as value keys (never as values)."""
    known = ",".join(sorted(known_keys))
    if not known:
        return config.fingerprint()
    described = f"{config.fingerprint()}|{known}"
    return hashlib.sha256(described.encode("ascii")).hexdigest()[:16]


def _history(directory: Path) -> list[ScanInfo]:
    """Every scan of the inventory, open ones included; none when there is no inventory."""
    if not Layout(directory).closed_scan_files() and not Layout(directory).open_scan_files():
        return []
    try:
        return Inventory(directory, include_open=True).scans()
    except InventoryError:
        return []


def _to_resume(config: ScanConfig, identity: _Identity, history: list[ScanInfo]) -> ScanInfo | None:
    """The scan to continue, if any (see the module docstring).

    :raises ConfigError: when resuming was asked for and there is no scan to resume, or the
        scan to resume was made with other roots, key, recognizers or settings.
    """
    if config.resume is False:
        return None
    layout = Layout(config.inventory)
    if config.resume is None:
        same = [info for info in history if info.roots == identity.roots]
        candidate = latest_unclosed(layout, same)
        if candidate is None or _Identity.of(candidate) != identity:
            return None
        return candidate
    candidate = latest_unclosed(layout, history)
    if candidate is None:
        raise ConfigError(
            f"nothing to resume in {config.inventory}: its latest scan is complete or still running"
        )
    differences = identity.differences(_Identity.of(candidate))
    if differences:
        raise ConfigError(
            f"cannot resume scan {candidate.scan_id}: it was made with other "
            f"{', '.join(differences)}; run without --resume for a new scan"
        )
    return candidate


def _baseline(
    config: ScanConfig,
    identity: _Identity,
    history: list[ScanInfo],
    resumed: ScanInfo | None,
) -> Baseline | None:
    """The latest complete scan comparable with this one (started before the one resumed)."""
    complete = [
        info
        for info in history
        if info.status == "complete"
        and _Identity.of(info) == identity
        and (resumed is None or info.started < resumed.started)
    ]
    if not complete:
        return None
    latest = complete[-1]  # the history is oldest first
    stale_before = None
    if config.reread_after is not None:
        stale_before = config.reread_after.before(datetime.now(UTC))
    objects = Inventory(config.inventory).objects(latest.scan_id)
    return Baseline.from_objects(
        latest.scan_id,
        objects,
        started=latest.started,
        stale_before=stale_before,
        reread_reasons=(REASON_WORKER_DIED, REASON_STOPPED),
    )


class _OnDemand:
    """A runner started on its first task: a scan that reads nothing starts no worker and
    loads no engine."""

    def __init__(self, start: Callable[[], Runner]) -> None:
        self._start = start
        self._runner: Runner | None = None

    def __enter__(self) -> _OnDemand:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._runner is not None:
            self._runner.__exit__(exc_type, exc, traceback)

    def _started(self) -> Runner:
        if self._runner is None:
            runner = self._start()
            runner.__enter__()
            self._runner = runner
        return self._runner

    def submit(self, seq: int, handle: ObjectHandle, emit: Emit, *, skip: int = 0) -> Future[int]:
        """Start the runner if needed, then hand it the task."""
        return self._started().submit(seq, handle, emit, skip=skip)

    def pump(self, timeout: float) -> None:
        """Hand on what arrived (nothing before the first task)."""
        if self._runner is not None:
            self._runner.pump(timeout)

    def done(self, seq: int) -> None:
        """Task ``seq`` is settled."""
        if self._runner is not None:
            self._runner.done(seq)

    def recover(self, failed_tasks: set[int]) -> set[int]:
        """As the runner does."""
        return self._started().recover(failed_tasks)


def _forget_new_key(path: Path, keyer: Keyer) -> None:
    """Remove the key file this scan just created, when it still holds this scan's key (a
    refused scan leaves no new key behind: nothing was written with it)."""
    with contextlib.suppress(OSError):
        if path.read_bytes() == f"{keyer.key.hex()}\n".encode("ascii"):
            path.unlink()


def _dask_connect(config: ScanConfig) -> Callable[..., DaskRunner]:
    """:func:`piiscan.scan.dask_executor.connect`, once the dask extra and a scheduler are
    known to be there."""
    try:
        from piiscan.scan.dask_executor import connect
    except ImportError:
        raise ConfigError(
            "--executor dask needs the dask extra: pip install 'piiscan-se[dask]'"
        ) from None
    if not config.scheduler:
        raise ConfigError(
            "--executor dask needs --scheduler ADDRESS (tcp://host:8786), or "
            "scan.scheduler in the config file"
        )
    return connect
