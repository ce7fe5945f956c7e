"""Swedish person names without any NLP library: gazetteer, normalisation and rules.

- :func:`normalize_name` and :func:`name_value_form`: canonical forms for value keys and for
  ``piiscan subject --name``;
- :func:`bundled_gazetteer`: SCB first names and surnames with their number of bearers, and
  the homographs that need more evidence;
- :func:`find_candidates`: name candidates with a strength and the evidence behind them;
- :func:`combine` and :func:`model_windows`: how an NER model's spans join the candidates.

The presidio recognizer that puts these together is :mod:`piiscan.engine.person`.

.. versionadded:: 0.1
"""

from __future__ import annotations

from piiscan.names.combine import ModelSpan, PersonSpan, candidates_only, combine, model_windows
from piiscan.names.gazetteer import Gazetteer, bundled_gazetteer
from piiscan.names.normalize import name_value_form, normalize_name
from piiscan.names.rules import Evidence, NameCandidate, find_candidates, is_name_column

__all__ = [
    "Evidence",
    "Gazetteer",
    "ModelSpan",
    "NameCandidate",
    "PersonSpan",
    "bundled_gazetteer",
    "candidates_only",
    "combine",
    "find_candidates",
    "is_name_column",
    "model_windows",
    "name_value_form",
    "normalize_name",
]
