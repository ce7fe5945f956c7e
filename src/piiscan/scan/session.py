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
handlers are installed only while a scan runs, and only when it runs in the main thread.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from piiscan import __version__
from piiscan.config import ScanConfig
from piiscan.errors import ConfigError
from piiscan.inventory import InventoryWriter, check_inventory_key, new_scan_id
from piiscan.keys import open_scan_key, save_new_key
from piiscan.known import KnownValueFilter, known_value_keys
from piiscan.model import FindingChunk, ObjectResult
from piiscan.plugins import load_registry
from piiscan.scan.executor import InlineRunner, LocalPool, Runner, run_tasks
from piiscan.scan.plan import Credentials, open_roots, plan
from piiscan.scan.task import TaskContext, WorkerSetup, build_engine

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


class Interrupted(KeyboardInterrupt):
    """A scan was stopped by a signal; it is closed as ``interrupted``.

    A ``KeyboardInterrupt``, so that code that stops cleanly on Ctrl-C stops on ``SIGTERM``
    and ``SIGHUP`` the same way.

    :param signum: the signal's number.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(f"stopped by {signal.Signals(signum).name}")
        self.signum = signum


@contextlib.contextmanager
def _stop_on_signals() -> Iterator[None]:
    """While the block runs, ``SIGTERM`` and ``SIGHUP`` raise :class:`Interrupted` (once)."""
    names = ("SIGTERM", "SIGHUP")
    signums = [getattr(signal, name) for name in names if hasattr(signal, name)]
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    raised = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal raised
        if not raised:  # a second signal must not break the closing of the scan
            raised = True
            raise Interrupted(signum)

    previous = {signum: signal.signal(signum, stop) for signum in signums}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def run_scan(
    config: ScanConfig,
    *,
    progress: ProgressCallback | None = None,
    smb_password: str | None = None,
    notice: NoticeCallback | None = None,
    imap_password: str | None = None,
) -> ScanReport:
    """Scan ``config.roots`` into a new scan of the inventory at ``config.inventory``.

    :param progress: called in this process after every object with running totals.
    :param notice: called with one-line messages for the person running the scan.
    :param smb_password: the SMB password, kept out of the config so it is never stored.
    :param imap_password: the IMAP password, likewise.
    :raises PiiscanError: for bad configuration (missing root, unreadable key file,
        mismatched inventory key); objects that fail are rows, not exceptions.
    :raises KeyboardInterrupt: after closing the inventory as ``interrupted`` (Ctrl-C, or
        :class:`Interrupted` for ``SIGTERM`` and ``SIGHUP``).
    """
    registry = load_registry(config.recognizer_dirs)
    credentials = Credentials(smb_password=smb_password, imap_password=imap_password)
    sources = open_roots(config, credentials)  # a malformed root fails before the scan starts
    for root in config.roots:
        if "://" not in root and not root.startswith("\\\\") and not Path(root).exists():
            raise ConfigError(f"root does not exist: {root}")
    workers = config.workers or os.cpu_count() or 1
    # Build an engine here first: a bad setting (a missing spaCy pipeline, a broken recognizer
    # file) is then one clear error before anything is written, not a failure in every worker.
    engine = build_engine(config)
    # The key is checked against the inventory before a new key file is written, so a refused
    # scan leaves nothing behind (a new key can never match an inventory that has scans).
    key = open_scan_key(config.key_file, new_key=config.new_key)
    check_inventory_key(config.inventory, key.keyer.fingerprint)
    keyer = save_new_key(key)
    known = KnownValueFilter(known_value_keys(config.known_values, keyer))  # counted, not kept
    if key.is_new and notice is not None:
        notice(f"created a new key file {key.path}; keep it for later scans and lookups")
    setup = WorkerSetup(config=config, keyer=keyer, credentials=credentials)
    # In-process tasks open objects through the walk's own sources (one SMB connection).
    context = TaskContext.build(setup, engine=engine, sources=sources if workers == 1 else None)
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
        part_objects=config.part_objects,
        part_seconds=config.part_seconds,
    )

    def record(value: FindingChunk | ObjectResult) -> None:
        value = known.apply(value)
        if isinstance(value, FindingChunk):
            writer.add_findings(value)
            return
        writer.add(value)
        totals.objects += 1
        if not value.ref.members:
            totals.bytes += value.size or 0
        totals.findings += value.finding_count
        totals.errors += value.status.is_error
        totals.current = value.ref.path
        if progress is not None:
            progress(totals)

    runner: Runner = InlineRunner(context) if workers == 1 else LocalPool(setup, workers)
    try:
        with _stop_on_signals(), writer, runner:
            run_tasks(runner, plan(sources), record, window=workers * TASKS_PER_WORKER)
    finally:
        context.close()
        for source in sources:
            source.close()
    return ScanReport(
        scan_id=scan_id,
        inventory=config.inventory,
        objects=totals.objects,
        findings=totals.findings,
        errors=totals.errors,
        status="complete",
    )
