"""piiscan: find Swedish personal data and build an inventory of where it lives.

The public API::

    import piiscan
    findings = piiscan.scan_text("Personnummer: 850601-2387")
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

from piiscan.api import make_engine, scan_text
from piiscan.config import EngineConfig
from piiscan.model import Finding, FindingRecord, ObjectRef, ObjectResult, Segment, Status
from piiscan.plugins import Registry, load_registry

if TYPE_CHECKING:
    from piiscan.subject import (
        SubjectIdentifiers,
        SubjectReport,
        SubjectRequest,
        load_request,
        lookup_subject,
    )

__version__ = "0.1.0"

# Loaded on first use: the subject lookup reads Parquet, and ``import piiscan`` for
# ``scan_text`` should not pay for pyarrow.
_LAZY = {
    "SubjectIdentifiers": "piiscan.subject",
    "SubjectReport": "piiscan.subject",
    "SubjectRequest": "piiscan.subject",
    "load_request": "piiscan.subject",
    "lookup_subject": "piiscan.subject",
}

__all__ = [
    "EngineConfig",
    "Finding",
    "FindingRecord",
    "ObjectRef",
    "ObjectResult",
    "Registry",
    "Segment",
    "Status",
    "SubjectIdentifiers",
    "SubjectReport",
    "SubjectRequest",
    "__version__",
    "load_registry",
    "load_request",
    "lookup_subject",
    "make_engine",
    "scan_text",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'piiscan' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


logging.getLogger(__name__).addHandler(logging.NullHandler())
