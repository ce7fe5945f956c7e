"""The result type shared by all validators."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from piiscan._core import CoreVerdict


class Strength(enum.IntEnum):
    """How strong the evidence of a validated match is, before context is considered.

    Context words near the match (or passed from outside, like a column name) raise the
    strength one step; the recognizer maps the final strength to its score tiers.
    """

    LOW = 1
    MEDIUM = 2
    HIGH = 3


@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict:
    """A candidate that passed validation.

    :param normalized: canonical form of the value, used only for keyed hashing. Never logged.
    :param strength: evidence from the form alone (``None`` keeps the pattern's own strength).
    :param flags: extra facts, e.g. ``"test_identity"`` for a published test number,
        ``"impossible_date"`` for a Skatteverket test samordningsnummer with 31 April.
    """

    normalized: str
    strength: Strength | None = None
    flags: frozenset[str] = frozenset()

    @classmethod
    def from_core(cls, raw: CoreVerdict) -> Verdict | None:
        """The verdict a validator of the compiled core returned, or ``None`` for a rejection.

        :param raw: ``(normalized, strength, flags)`` from :mod:`piiscan._core`, the strength
            as the integer value of :class:`Strength`.
        """
        if raw is None:
            return None
        normalized, strength, flags = raw
        return cls(
            normalized=normalized,
            strength=None if strength is None else _STRENGTH_BY_VALUE[strength],
            flags=flags,
        )


# Strength by its integer value, as the core returns it: indexing beats the enum's lookup.
_STRENGTH_BY_VALUE = {strength.value: strength for strength in Strength}

Validator = Callable[[str], "Verdict | None"]
