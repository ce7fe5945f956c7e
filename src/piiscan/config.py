"""Settings of the engine and of a scan: frozen, picklable values built from CLI options."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class EngineConfig:
    """How the engine runs; picklable, so worker processes build their own engine from it.

    :param min_score: findings scoring below this are not reported. The default hides a bare
        10-digit run that merely passes a checksum (weak evidence) unless context supports it.
    :param entities: report only these entity types (``None``: all).
    :param chunk_chars: texts longer than this are analysed in overlapping windows.
    :param chunk_overlap: overlap between windows; longer than any identifier.
    """

    min_score: float = 0.5
    entities: tuple[str, ...] | None = None
    chunk_chars: int = 64 * 1024
    chunk_overlap: int = 256
