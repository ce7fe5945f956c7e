"""piiscan: find Swedish personal data and build an inventory of where it lives.

Every public name is in ``__all__`` (``tests/test_public_api.py`` keeps them equal); names
that import pyarrow load on first use.

The public API::

    import piiscan
    findings = piiscan.scan_text("Personnummer: 850601-2387")
    report = piiscan.scan(piiscan.ScanConfig.from_options(["/srv/share"], inventory=Path("inv")))
    rows = piiscan.Inventory(Path("inv")).findings(report.scan_id)
"""

import importlib
import logging
import typing as _typing

# The subpackage piiscan.scan is imported before the function ``scan`` below: importing it
# later would set this package's attribute ``scan`` to the subpackage, over the function.
import piiscan.scan as _scan_package  # noqa: F401
from piiscan.api import make_engine, scan, scan_text
from piiscan.config import EngineConfig, ScanConfig
from piiscan.errors import (
    ConfigError,
    EncryptedError,
    ExtractionError,
    InventoryError,
    NoTextError,
    PiiscanError,
    PluginError,
    SourceError,
    TooLargeError,
    UnsupportedError,
)
from piiscan.extractors.base import Limits
from piiscan.model import Finding, FindingRecord, ObjectRef, ObjectResult, Segment, Status
from piiscan.plugins import Registry, load_registry
from piiscan.sources import WalkOptions

if _typing.TYPE_CHECKING:
    from piiscan.inventory import Inventory, ScanInfo
    from piiscan.scan.session import Interrupted, Progress, ScanReport
    from piiscan.subject import (
        SubjectIdentifiers,
        SubjectReport,
        SubjectRequest,
        load_request,
        lookup_subject,
    )

__version__ = "0.1.0"

# Loaded on first use: they read or write Parquet, and ``import piiscan`` for ``scan_text``
# should not pay for pyarrow.
_LAZY = {
    "Interrupted": "piiscan.scan.session",
    "Inventory": "piiscan.inventory",
    "Progress": "piiscan.scan.session",
    "ScanInfo": "piiscan.inventory",
    "ScanReport": "piiscan.scan.session",
    "SubjectIdentifiers": "piiscan.subject",
    "SubjectReport": "piiscan.subject",
    "SubjectRequest": "piiscan.subject",
    "load_request": "piiscan.subject",
    "lookup_subject": "piiscan.subject",
}

__all__ = [
    "ConfigError",
    "EncryptedError",
    "EngineConfig",
    "ExtractionError",
    "Finding",
    "FindingRecord",
    "Interrupted",
    "Inventory",
    "InventoryError",
    "Limits",
    "NoTextError",
    "ObjectRef",
    "ObjectResult",
    "PiiscanError",
    "PluginError",
    "Progress",
    "Registry",
    "ScanConfig",
    "ScanInfo",
    "ScanReport",
    "Segment",
    "SourceError",
    "Status",
    "SubjectIdentifiers",
    "SubjectReport",
    "SubjectRequest",
    "TooLargeError",
    "UnsupportedError",
    "WalkOptions",
    "__version__",
    "load_registry",
    "load_request",
    "lookup_subject",
    "make_engine",
    "scan",
    "scan_text",
]


def __getattr__(name: str) -> _typing.Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'piiscan' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


logging.getLogger(__name__).addHandler(logging.NullHandler())
