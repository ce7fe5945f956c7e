"""Imported by the worker pool's fork server only (its preload), never by the scanner.

The fork server, and each worker it forks until the pool's initializer has run, would
otherwise take Ctrl-C as ``KeyboardInterrupt`` and print its traceback (a terminal's Ctrl-C
and a hang-up reach the whole process group), or end on a hang-up. They ignore both: the
scanner decides, closes the scan as ``interrupted`` and stops the workers
(:mod:`piiscan.scan.signals`). CPython's fork server gives each child the handlers it found
when it started, so the ones set here reach every worker from its first instruction.
``SIGTERM`` keeps its default (the pool stops workers with it; a worker's initializer sets a
handler that ends it without a word).
"""

from __future__ import annotations

import signal

for _name in ("SIGINT", "SIGHUP"):
    if hasattr(signal, _name):
        signal.signal(getattr(signal, _name), signal.SIG_IGN)
