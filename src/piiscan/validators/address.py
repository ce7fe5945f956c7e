"""Swedish postal address.

Matches what the ``se.address`` catalogue patterns found: a street line (``Storgatan 12 A``,
``Box 123``, optionally ``lgh 1102`` and a ``c/o`` line) and/or postnummer + postort
(``123 45 Stockholm``). Strength:

- street line + postnummer whose postort agrees with the gazetteer: HIGH;
- street line + a plausible postnummer and postort not in the gazetteer, or postnummer +
  postort alone that the gazetteer confirms: MEDIUM;
- a street line alone, or postnummer + a postort the gazetteer knows under another code: LOW
  (needs a word such as "adress" or "bor på" nearby);
- postnummer + postort alone that the gazetteer does not know: rejected.

Rejects a postnummer with a leading 0 and a "postort" that is a common word after a number
(``12345 Summa``) unless the gazetteer knows it.

The rules run in the compiled core (``core/src/validators/address.rs``); this module is its
typed Python face.

.. versionadded:: 0.1
"""

from __future__ import annotations

from piiscan import _core
from piiscan.validators.base import Verdict

__all__ = ["validate_address"]


def validate_address(candidate: str) -> Verdict | None:
    """Validate an address candidate; see the module docstring for the strength rules.

    :param candidate: the text the address patterns matched (may span two lines).
    :returns: a verdict whose ``normalized`` form is case-folded with white space and commas
        collapsed, or ``None``.
    """
    try:
        raw = _core.validate_address(candidate)
    except UnicodeEncodeError:  # a lone surrogate (a JSON "\ud800" escape) is in none
        return None
    return Verdict.from_core(raw)
