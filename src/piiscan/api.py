"""The library's entry points; the command line calls these and renders what they return."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from piiscan.config import EngineConfig, ScanConfig
from piiscan.model import Finding
from piiscan.plugins import Registry, load_registry

if TYPE_CHECKING:  # the engine imports presidio, which takes seconds; load it on first use
    from piiscan.engine import Engine
    from piiscan.scan.session import NoticeCallback, ProgressCallback, ScanReport


def scan_text(
    text: str,
    context: Sequence[str] = (),
    *,
    engine: Engine | None = None,
) -> list[Finding]:
    """Find personal data in one text.

    :param text: the text to analyse.
    :param context: words from outside the text that count as if they stood next to every
        match, such as a column name (``"personnummer"``) or a mail header name.
    :param engine: an engine from :func:`build_engine`; by default one built once per process
        from the installed catalogue.
    :returns: findings ordered by position; each has ``entity_type``, ``start``, ``end``,
        ``score``, ``masked`` and the recognizer ``id@version``.

    >>> [f.entity_type for f in scan_text("Personnummer: 850601-2387")]
    ['SE_PERSONNUMMER']
    """
    return (engine or default_engine()).analyze(text, context)


@functools.cache
def default_engine() -> Engine:
    """The engine :func:`scan_text` uses when given none: built-in catalogue, default config."""
    from piiscan.engine import build_engine

    return build_engine(load_registry(), EngineConfig())


def make_engine(
    recognizer_dirs: Sequence[Path] = (),
    *,
    config: EngineConfig | None = None,
    registry: Registry | None = None,
) -> Engine:
    """Build an engine with an organisation's own recognizer directories added.

    :param recognizer_dirs: directories of catalogue YAML loaded after the built-in ones.
    :param config: engine settings (minimum score, entity filter, chunking).
    :param registry: a registry loaded earlier (then ``recognizer_dirs`` is ignored).
    """
    from piiscan.engine import build_engine

    return build_engine(registry or load_registry(recognizer_dirs), config)


def scan(
    config: ScanConfig,
    *,
    progress: ProgressCallback | None = None,
    smb_password: str | None = None,
    notice: NoticeCallback | None = None,
    imap_password: str | None = None,
) -> ScanReport:
    """Scan the roots of ``config`` into a new scan of its inventory, or continue an unclosed
    one (``config.resume``); objects an earlier comparable complete scan saw unchanged are
    carried forward without being read unless ``config.full`` (:mod:`piiscan.scan.session`).

    :param progress: called after every object with running totals (objects, bytes,
        findings, errors); the CLI draws its progress bar from it.
    :param notice: called with one-line messages for the person running the scan (a new key
        file was created).
    :param smb_password: SMB password, kept out of ``config`` so it is never stored.
    :param imap_password: IMAP password (else ``PIISCAN_IMAP_PASSWORD``), likewise.
    :returns: the scan id and totals.
    """
    from piiscan.scan.session import run_scan

    return run_scan(
        config,
        progress=progress,
        smb_password=smb_password,
        notice=notice,
        imap_password=imap_password,
    )
