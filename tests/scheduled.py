"""Helpers for the tests of scheduled scans (config file, diff, retention, dismissals, report):
small trees of fictional data scanned in-process into one inventory."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner, Result

from piiscan.api import scan
from piiscan.cli import cli
from piiscan.config import ScanConfig
from piiscan.known import KnownValues

# Skatteverket's test personnummer and PTS's range for fiction; a made-up orgnr (Luhn-valid).
PERSONNUMMER = "19121212-1212"
OTHER_PERSONNUMMER = "19850601-2387"
PHONE = "070-174 06 05"
EMAIL = "tolvan.tolvansson@exempel.se"
ENTITIES = ("SE_PERSONNUMMER", "PHONE_NUMBER", "EMAIL_ADDRESS", "SE_ORGANISATIONSNUMMER")


def write_tree(
    root: Path, files: Mapping[str, str], *, mtimes: Mapping[str, datetime] = {}
) -> None:
    """Write ``files`` (relative path: text) under ``root``, with the modification times given."""
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for relative, moment in mtimes.items():
        stamp = moment.replace(tzinfo=moment.tzinfo or UTC).timestamp()
        os.utime(root / relative, (stamp, stamp))


def scan_tree(
    root: Path, inventory: Path, key_file: Path, *, known: KnownValues | None = None
) -> str:
    """Scan ``root`` in-process (one worker, the usual entity types); the new scan's id."""
    config = ScanConfig.from_options(
        [str(root)], inventory=inventory, workers=1, key_file=key_file, new_key=True,
        entities=ENTITIES, person_model="none",
    )  # fmt: skip
    if known is not None:
        from dataclasses import replace

        config = replace(config, known_values=known)
    return scan(config).scan_id


def run(*args: str) -> Result:
    """Run the command line in-process (exit status in ``result.exit_code``)."""
    return CliRunner().invoke(cli, list(args))
