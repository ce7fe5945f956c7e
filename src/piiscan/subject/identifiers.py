"""Access and erasure requests: where does the inventory hold data about one person?

A data subject is described by what the requester gives: a personnummer (or
samordningsnummer), e-mail addresses, phone numbers, a name. Each is validated and normalised
by the same validator the recognizers use, then turned into its HMAC value key with the key the
inventory was written with. The inventory is searched by value key only, so neither the query
nor the answer ever holds a raw value; the report names each place by path, locator and masked
preview, and which of the given identifiers matched (by label, e.g. ``personnummer``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from piiscan.errors import ConfigError
from piiscan.inventory import Inventory, rows_as_dicts
from piiscan.keys import Keyer
from piiscan.names.normalize import name_value_form
from piiscan.validators.email import validate_email
from piiscan.validators.personnummer import validate_personnummer, validate_samordningsnummer
from piiscan.validators.phone import validate_phone


@dataclass(frozen=True, slots=True, kw_only=True)
class SubjectQuery:
    """What identifies the data subject. Values are held only while keys are computed."""

    personnummer: Sequence[str] = ()
    email: Sequence[str] = ()
    phone: Sequence[str] = ()
    name: Sequence[str] = ()

    def __repr__(self) -> str:  # the query is personal data itself
        counts = ", ".join(f"{label}={len(values)}" for label, values in self._fields() if values)
        return f"SubjectQuery({counts})"

    def _fields(self) -> tuple[tuple[str, Sequence[str]], ...]:
        return (
            ("personnummer", self.personnummer),
            ("email", self.email),
            ("phone", self.phone),
            ("name", self.name),
        )

    def is_empty(self) -> bool:
        """True when no identifier was given."""
        return not any(values for _, values in self._fields())


def value_keys(query: SubjectQuery, keyer: Keyer) -> dict[str, str]:
    """The value key of every identifier in ``query``, mapped to its label.

    :raises ConfigError: when an identifier is not valid (the message names the option, never
        the value).
    """
    keys: dict[str, str] = {}
    for raw in query.personnummer:
        verdict = validate_personnummer(raw) or validate_samordningsnummer(raw)
        if verdict is None:
            raise ConfigError("a --personnummer value is not a valid personnummer")
        keys[keyer.value_key(verdict.normalized)] = "personnummer"
    for raw in query.email:
        verdict = validate_email(raw)
        if verdict is None:
            raise ConfigError("an --email value is not a valid e-mail address")
        keys[keyer.value_key(verdict.normalized)] = "email"
    for raw in query.phone:
        verdict = validate_phone(raw)
        if verdict is None:
            raise ConfigError("a --phone value is not a valid phone number")
        keys[keyer.value_key(verdict.normalized)] = "phone"
    for raw in query.name:
        normalized = name_value_form(raw)
        if not normalized:
            raise ConfigError("a --name value is empty")
        keys[keyer.value_key(normalized)] = "name"
    return keys


def lookup_subject(
    inventory: Inventory, query: SubjectQuery, keyer: Keyer, *, scan_id: str | None = None
) -> pa.Table:
    """The findings of one scan (default: the latest) that belong to the data subject.

    :raises ConfigError: for an empty query or an invalid identifier.
    :raises InventoryError: when the inventory was written with another key.
    """
    if query.is_empty():
        raise ConfigError("give at least one of --personnummer, --email, --phone, --name")
    inventory.check_fingerprint(keyer.fingerprint)
    keys = value_keys(query, keyer)
    table = inventory.findings(scan_id, value_keys=list(keys))
    labels = [keys[k] for k in table.column("value_key").to_pylist()]
    return table.append_column("matched", pa.array(labels, pa.string()))


def subject_rows(table: pa.Table) -> Iterator[dict[str, Any]]:
    """Rows of a :func:`lookup_subject` table, JSON-safe, in path order."""
    rows = sorted(rows_as_dicts(table), key=lambda r: (r["root"], r["path"], r["locator"]))
    yield from rows
