"""piiscan: find Swedish personal data and build an inventory of where it lives.

The public API::

    import piiscan
    findings = piiscan.scan_text("Personnummer: 850601-2387")
"""

from __future__ import annotations

import logging

from piiscan.api import make_engine, scan_text
from piiscan.config import EngineConfig
from piiscan.model import Finding, FindingRecord, ObjectRef, ObjectResult, Segment, Status
from piiscan.plugins import Registry, load_registry

__version__ = "0.1.0"

__all__ = [
    "EngineConfig",
    "Finding",
    "FindingRecord",
    "ObjectRef",
    "ObjectResult",
    "Registry",
    "Segment",
    "Status",
    "__version__",
    "load_registry",
    "make_engine",
    "scan_text",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
