"""A scan of ``fixtures/share`` shared by the subject tests, and helpers to look people up."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from piiscan.api import scan
from piiscan.config import ScanConfig
from piiscan.inventory import Inventory
from piiscan.keys import Keyer, load_or_create_key

REPO = Path(__file__).resolve().parents[2]
SHARE = REPO / "fixtures" / "share"
GOLDEN = REPO / "fixtures" / "golden"


@dataclass(frozen=True, slots=True)
class Scanned:
    root: Path
    inventory: Path
    key_file: Path
    keyer: Keyer

    def open(self) -> Inventory:
        return Inventory(self.inventory)


@pytest.fixture(scope="session")
def planted() -> list[dict[str, object]]:
    """Every identifier ``fixtures/make_share.py`` planted in the share (fictional values)."""
    rows: list[dict[str, object]] = json.loads((GOLDEN / "planted.json").read_text("utf-8"))
    return rows


@pytest.fixture(scope="session")
def share_scan(tmp_path_factory: pytest.TempPathFactory) -> Scanned:
    """One scan of a copy of the share (the copy's path is the root, as a user would name it)."""
    base = tmp_path_factory.mktemp("subject")
    root = base / "share"
    shutil.copytree(SHARE, root, copy_function=shutil.copy2)
    key_file = base / "key"
    keyer = load_or_create_key(key_file)
    scan(ScanConfig(roots=(str(root),), inventory=base / "inventory", workers=1, key_file=key_file))
    return Scanned(root, base / "inventory", key_file, keyer)
