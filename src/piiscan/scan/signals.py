"""How a scan stops on a signal: at once, but never in the middle of starting a process.

While a scan runs in the main thread, Ctrl-C (``SIGINT``), ``SIGTERM`` and ``SIGHUP`` raise
:class:`Interrupted` (once: a second signal must not break the closing of the scan) wherever
the scan is, with one exception: while the worker pool starts, feeds or stops its processes
(:func:`held`), a signal waits for the end of that step and is raised there.

Why: raised inside :mod:`multiprocessing`'s launch of a worker, between the fork server's
fork and the hand-over of the process's data, the exception left a half-started process that
printed the fork server's ``EOFError`` traceback once the scanner was gone; raised where the
pool holds one of its locks, it could leave the lock taken for the closing that follows. An
error that such a step raises once a signal has come (the fork server, stopped by the same
signal sent to the whole process group, refusing a new worker) is the signal's consequence:
:class:`Interrupted` is raised instead.

The fork server and the workers never stop on Ctrl-C or a hang-up themselves, and a worker's
``SIGTERM`` ends it without a word (:mod:`piiscan.scan.executor`): the scanner decides, and
closes the scan as ``interrupted``.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

__all__ = ["STOP_SIGNALS", "Interrupted", "held", "stop_on_signals"]

STOP_SIGNALS: tuple[int, ...] = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)
"""The signals that stop a scan."""


class Interrupted(KeyboardInterrupt):
    """A scan was stopped by a signal; it is closed as ``interrupted``.

    A ``KeyboardInterrupt``, so that code that stops cleanly on Ctrl-C stops on ``SIGTERM``
    and ``SIGHUP`` the same way.

    :param signum: the signal's number.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(f"stopped by {signal.Signals(signum).name}")
        self.signum = signum


class _State:
    """The scan's signal state (main thread only): whether a step holds signals, and the
    signal that came meanwhile."""

    def __init__(self) -> None:
        self.installed = False
        self.raised = False
        self.holding = 0
        self.pending: int | None = None


_STATE = _State()


def _stop(signum: int, frame: FrameType | None) -> None:
    if _STATE.raised or _STATE.pending is not None:
        return  # a second signal must not break the closing of the scan
    if _STATE.holding:
        _STATE.pending = signum
        return
    _STATE.raised = True
    raise Interrupted(signum)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """While the block runs, :data:`STOP_SIGNALS` raise :class:`Interrupted` (once); only in
    the main thread, elsewhere signals stay as they are."""
    if threading.current_thread() is not threading.main_thread() or _STATE.installed:
        yield
        return
    _STATE.installed, _STATE.raised, _STATE.pending, _STATE.holding = True, False, None, 0
    previous = {signum: signal.signal(signum, _stop) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        _STATE.installed = False


@contextlib.contextmanager
def held() -> Iterator[None]:
    """A step that starts, feeds or stops processes: a signal that comes while it runs is
    raised as :class:`Interrupted` when it ends (instead of any error it raised then)."""
    if not _STATE.installed or threading.current_thread() is not threading.main_thread():
        yield
        return
    _STATE.holding += 1
    try:
        yield
    except Exception:
        _STATE.holding -= 1
        _raise_pending()
        raise
    except BaseException:
        _STATE.holding -= 1
        raise
    _STATE.holding -= 1
    _raise_pending()


def _raise_pending() -> None:
    if _STATE.holding or _STATE.pending is None or _STATE.raised:
        return
    signum, _STATE.pending = _STATE.pending, None
    _STATE.raised = True
    raise Interrupted(signum) from None
