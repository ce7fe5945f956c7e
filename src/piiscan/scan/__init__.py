"""The scan driver, one room per job.

- :mod:`.plan`: roots to tasks (object handles, and rows for what the walk passed over);
- :mod:`.task`: one object in, its rows out (no pool concerns);
- :mod:`.executor`: where tasks run (in this process, or a local pool of worker processes);
- :mod:`.session`: a scan's life (inventory, signals, closing).

:func:`run_scan` is what :func:`piiscan.api.scan` calls.
"""

from __future__ import annotations

from piiscan.scan.plan import Credentials, ObjectHandle
from piiscan.scan.session import (
    Interrupted,
    NoticeCallback,
    Progress,
    ProgressCallback,
    ScanReport,
    run_scan,
)

__all__ = [
    "Credentials",
    "Interrupted",
    "NoticeCallback",
    "ObjectHandle",
    "Progress",
    "ProgressCallback",
    "ScanReport",
    "run_scan",
]
