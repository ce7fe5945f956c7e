"""Shared values for the inventory tests: a key, a writer factory and a few fictional results."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from piiscan.inventory import InventoryWriter
from piiscan.keys import Keyer
from piiscan.model import FindingRecord, ObjectRef, ObjectResult, Status

KEYER = Keyer(key=bytes(range(32)))
OTHER_KEYER = Keyer(key=bytes(range(100, 132)))
ROOT = "/srv/share"

# Fictional and published test identities only.
PNR = "191212121212"  # Skatteverket test personnummer 19121212-1212
EMAIL = "anna.testsson@exempel.se"

WriterFactory = Callable[..., InventoryWriter]


def record(
    value: str,
    *,
    entity_type: str = "SE_PERSONNUMMER",
    masked: str = "121212-****",
    start: int = 0,
    locator: str = "",
    score: float = 0.95,
    context: str = "",
    flags: tuple[str, ...] = (),
    keyer: Keyer = KEYER,
) -> FindingRecord:
    """A finding record for ``value`` (keyed, never stored)."""
    return FindingRecord(
        entity_type=entity_type,
        locator=locator,
        start=start,
        end=start + 13,
        score=score,
        masked=masked,
        value_key=keyer.value_key(value),
        recognizer="se.personnummer@1",
        context=context,
        flags=flags,
    )


def result(
    path: str,
    *findings: FindingRecord,
    status: Status = Status.OK,
    members: tuple[str, ...] = (),
    root: str = ROOT,
    **fields: Any,
) -> ObjectResult:
    """An object result at ``path`` under ``root`` with ``findings``."""
    return ObjectResult(
        ref=ObjectRef(root=root, path=path, members=members),
        status=status,
        findings=findings,
        **fields,
    )


@pytest.fixture
def inventory_dir(tmp_path: Path) -> Path:
    """A not yet existing inventory directory."""
    return tmp_path / "inventory"


@pytest.fixture
def make_writer(inventory_dir: Path) -> WriterFactory:
    """Build writers for ``inventory_dir`` with sensible defaults."""

    def build(scan_id: str = "20261121T215930Z-0001", **overrides: Any) -> InventoryWriter:
        options: dict[str, Any] = {
            "scan_id": scan_id,
            "roots": [ROOT],
            "config_hash": "cfg-1",
            "recognizers": ["se.personnummer@1", "email@1"],
            "key_fingerprint": KEYER.fingerprint,
            "piiscan_version": "0.1.0",
        }
        options.update(overrides)
        directory = options.pop("directory", inventory_dir)
        return InventoryWriter(directory, **options)

    return build
