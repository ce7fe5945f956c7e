"""The engine: the only place presidio (and spaCy) are imported.

:func:`build_recognizers` gives presidio recognizers for a plain presidio
``AnalyzerEngine``; :class:`Engine` adds what presidio lacks for scanning at speed (a
prefilter, chunking, linear-time context, overlap resolution across entity types) and turns
presidio's results into :class:`~piiscan.model.Finding` values.
"""

from __future__ import annotations

from piiscan.config import EngineConfig
from piiscan.engine.analyzer import Engine, build_engine
from piiscan.engine.recognizers import CatalogueRecognizer, build_recognizers

__all__ = ["CatalogueRecognizer", "Engine", "EngineConfig", "build_engine", "build_recognizers"]
