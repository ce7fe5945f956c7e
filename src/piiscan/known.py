"""Known values: the organisation's own numbers, counted per object instead of reported.

Every invoice footer and mail signature carries the organisation's own organisationsnummer,
switchboard number, bankgiro and ``info@`` address. Reported as findings, they would bury the
real ones thousands of times over. A config file lists them (``[known_values]``, see
:mod:`piiscan.configfile`); when a scan starts, each is validated and normalised by the
validator its recognizer uses and keyed with the scan's key (:func:`known_value_keys`). As the
scan records each object, findings whose value key is one of those keys are dropped and counted
in the object's ``known_values`` column (:func:`without_known`). The raw values stay in the
config; the inventory holds only the count.

.. versionadded:: 0.1
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Final, TypeVar

from piiscan.errors import ConfigError
from piiscan.model import ObjectRef, ObjectResult

if TYPE_CHECKING:
    from piiscan.keys import Keyer
    from piiscan.validators.base import Verdict

_Item = TypeVar("_Item")

__all__ = ["KNOWN_KINDS", "KnownValueFilter", "KnownValues", "known_value_keys", "without_known"]

#: The kinds of value an organisation can declare as its own, each with the validator that
#: normalises it as the recognizer of that entity type does (so the value keys match). Named,
#: and imported when a config declares known values: ``import piiscan`` stays light.
KNOWN_KINDS: Final[Mapping[str, str]] = {
    "organisationsnummer": "piiscan.validators.organisationsnummer:validate_organisationsnummer",
    "phone": "piiscan.validators.phone:validate_phone",
    "email": "piiscan.validators.email:validate_email",
    "bankgiro": "piiscan.validators.bank:validate_bankgiro",
    "plusgiro": "piiscan.validators.bank:validate_plusgiro",
    "bank_account": "piiscan.validators.bank:validate_bank_account",
    "iban": "piiscan.validators.iban:validate_iban",
}


def _validator(kind: str) -> Callable[[str], Verdict | None]:
    module, _, name = KNOWN_KINDS[kind].partition(":")
    validate: Callable[[str], Verdict | None] = getattr(importlib.import_module(module), name)
    return validate


@dataclass(frozen=True, slots=True, kw_only=True)
class KnownValues:
    """The organisation's own values, by kind; the ``repr`` shows only how many there are.

    :param values: ``(kind, value)`` pairs as written in the config; build it with
        :meth:`from_mapping`, which validates them.
    """

    values: tuple[tuple[str, str], ...] = field(default=(), repr=False)

    def __repr__(self) -> str:
        return f"KnownValues({len(self.values)} values)"

    def __bool__(self) -> bool:
        return bool(self.values)

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Sequence[str]]) -> KnownValues:
        """Validate ``{kind: [value, ...]}`` (the ``[known_values]`` table).

        :raises ConfigError: for an unknown kind or a value its validator rejects; the message
            names the kind and the value's position, never the value.
        """
        pairs: list[tuple[str, str]] = []
        for kind, values in mapping.items():
            if kind not in KNOWN_KINDS:
                raise ConfigError(
                    f"known_values.{kind}: unknown kind; expected one of "
                    f"{', '.join(sorted(KNOWN_KINDS))}"
                )
            validate = _validator(kind)
            for index, value in enumerate(values, 1):
                if validate(value.strip()) is None:
                    what = kind.replace("_", " ")
                    raise ConfigError(f"known_values.{kind}: value {index} is not a valid {what}")
                pairs.append((kind, value.strip()))
        return cls(values=tuple(pairs))

    def normalized(self) -> Iterator[str]:
        """Each value's normalised form (what value keys are made of)."""
        for kind, value in self.values:
            verdict = _validator(kind)(value)
            if verdict is not None:
                yield verdict.normalized


def known_value_keys(known: KnownValues, keyer: Keyer) -> frozenset[str]:
    """The value keys of the known values under the scan's key.

    :param known: the validated known values.
    :param keyer: the key the scan writes its value keys with.
    """
    return frozenset(keyer.value_key(normalized) for normalized in known.normalized())


def without_known(result: ObjectResult, keys: frozenset[str]) -> ObjectResult:
    """``result`` with the findings of known values dropped and counted in ``known_values``.

    :param result: one object's outcome, as a task returned it.
    :param keys: from :func:`known_value_keys`; with none, ``result`` is returned unchanged.
    """
    if not keys or not result.findings:
        return result
    kept = tuple(record for record in result.findings if record.value_key not in keys)
    if len(kept) == len(result.findings):
        return result
    dropped = len(result.findings) - len(kept)
    return replace(result, findings=kept, known_values=result.known_values + dropped)


class KnownValueFilter:
    """Drops the findings of known values from what a scan records, and counts them.

    A scan's output is one :class:`~piiscan.model.ObjectResult` per object, possibly preceded
    by batches of that object's findings sent ahead (anything else with ``ref`` and
    ``findings``). What is dropped from those batches is added to the count of the object's
    result when it comes (and taken off the findings it says were sent ahead).

    :param keys: from :func:`known_value_keys`; with none, everything passes unchanged.
    """

    def __init__(self, keys: frozenset[str]) -> None:
        self.keys = keys
        self._dropped_ahead: dict[ObjectRef, int] = {}

    def apply(self, item: _Item) -> _Item:
        """``item`` without the findings of known values."""
        if not self.keys:
            return item
        if isinstance(item, ObjectResult):
            ahead = self._dropped_ahead.pop(item.ref, 0)
            result = without_known(item, self.keys)
            if not ahead:
                return result  # type: ignore[return-value]
            changes: dict[str, Any] = {"known_values": result.known_values + ahead}
            if hasattr(result, "streamed"):  # findings sent ahead, counted in the row
                changes["streamed"] = result.streamed - ahead
            return replace(result, **changes)  # type: ignore[return-value]
        findings = getattr(item, "findings", ())
        kept = tuple(record for record in findings if record.value_key not in self.keys)
        if len(kept) == len(findings):
            return item
        ref: ObjectRef = item.ref  # type: ignore[attr-defined]
        self._dropped_ahead[ref] = self._dropped_ahead.get(ref, 0) + len(findings) - len(kept)
        return replace(item, findings=kept)  # type: ignore[type-var]
