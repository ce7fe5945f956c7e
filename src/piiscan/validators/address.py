"""Swedish postal address.

Matches what the ``se.address`` catalogue patterns found: a street line (``Storgatan 12 A``,
``Box 123``, optionally ``lgh 1102`` and a ``c/o`` line) and/or postnummer + postort
(``123 45 Stockholm``). Strength:

- street line + postnummer whose postort agrees with the gazetteer: HIGH;
- street line + a plausible postnummer and postort not in the gazetteer, or postnummer +
  postort alone that the gazetteer confirms: MEDIUM;
- a street line alone: LOW (needs a word such as "adress" or "bor på" nearby);
- postnummer + postort alone that the gazetteer does not confirm: rejected.

Rejects a postnummer with a leading 0 and a "postort" that is a common word after a number
(``12345 Summa``) unless the gazetteer knows it.

.. versionadded:: 0.1
"""

from __future__ import annotations

import re

from piiscan.validators.base import Strength, Verdict
from piiscan.validators.postnummer import is_known_postort, postort_for, validate_postnummer

_POSTAL = re.compile(r"(?:SE-?\s?)?(?P<code>[1-9]\d{2}\s?\d{2})\s+(?P<town>[^\W\d_][\w -]*)$")
_STREET = re.compile(r"\d")


def validate_address(candidate: str) -> Verdict | None:
    """Validate an address candidate; see the module docstring for the strength rules.

    :param candidate: the text the address patterns matched (may span two lines).
    :returns: a verdict whose ``normalized`` form is case-folded with white space and commas
        collapsed, or ``None``.
    """
    text = " ".join(candidate.replace(",", " ").split())
    postal = _POSTAL.search(text)
    street_part = text[: postal.start()].strip() if postal else text
    has_street = bool(street_part) and bool(_STREET.search(street_part))
    strength: Strength | None
    if postal:
        code = postal.group("code").replace(" ", "")
        town = postal.group("town").strip()
        if validate_postnummer(code) is None:
            return None
        expected = postort_for(code)
        confirmed = expected is not None and expected.casefold() == town.casefold()
        known_town = confirmed or is_known_postort(town)
        if has_street:
            strength = Strength.HIGH if confirmed else Strength.MEDIUM
        elif confirmed:
            strength = Strength.MEDIUM
        elif known_town:
            strength = Strength.LOW
        else:
            return None
    elif has_street:
        strength = Strength.LOW
    else:
        return None
    return Verdict(normalized=text.casefold(), strength=strength)
