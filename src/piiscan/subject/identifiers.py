"""The identifiers of a data subject, turned into the value keys the inventory is searched by.

A requester gives what identifies them: a personnummer or samordningsnummer, an
organisationsnummer (a sole trader's is their personnummer), e-mail addresses, phone numbers,
an IBAN, a name, a postal address. Each is validated and normalised by the validator the
recognizers use, then keyed with the inventory's key (HMAC). Only the keys and masked previews
leave this module: the raw values are dropped as soon as they are keyed.

Some values are read more than one way, and a lookup must not silently miss either reading:

* A 10-digit personnummer's century is inferred (``121212-1212`` is read as born 2012), and
  documents often drop the ``+`` that marks people over 100. So ``19121212-1212`` is also
  looked up as the 10-digit form's other reading, and that match is only *possible*.
* A sole trader's organisationsnummer is their personnummer: it is also looked up as one.
* An address may be found whole or as its street line alone (the postal line is shared by a
  whole town and is never looked up by itself).
* A date of birth is shared by thousands of people: it is searched only beside a name (a
  ``date_of_birth`` without a ``name`` is refused), and a place where nothing but a birth
  date matched is not listed. Given a personnummer and a name, the birth date the
  personnummer holds is searched too, as a second reading (``birth_date``), so places that
  hold the name and the birth date are listed as possible.
* An IP address may be shared (a household, an office behind NAT): a place matched by one
  alone is possible, never confirmed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal, get_args

from piiscan.errors import ConfigError
from piiscan.keys import Keyer
from piiscan.masking import mask
from piiscan.names.normalize import name_value_form
from piiscan.validators.address import validate_address
from piiscan.validators.birth_date import validate_birth_date
from piiscan.validators.email import validate_email
from piiscan.validators.iban import validate_iban
from piiscan.validators.ip import validate_ip_address
from piiscan.validators.organisationsnummer import validate_organisationsnummer
from piiscan.validators.personnummer import validate_personnummer, validate_samordningsnummer
from piiscan.validators.phone import validate_phone

__all__ = [
    "HELPER_KINDS",
    "IDENTIFIER_KINDS",
    "STRONG_KINDS",
    "IdentifierKind",
    "SearchKey",
    "SubjectIdentifiers",
    "search_keys",
]

IdentifierKind = Literal[
    "personnummer",
    "samordningsnummer",
    "organisationsnummer",
    "email",
    "phone",
    "iban",
    "name",
    "address",
    "ip",
    "date_of_birth",
]

#: Every kind, in the order reports list them.
IDENTIFIER_KINDS: Final[tuple[IdentifierKind, ...]] = get_args(IdentifierKind)

#: Kinds that identify one person by themselves: a place where one matched is *confirmed*.
#: A name or an address alone makes a place only *possible*.
STRONG_KINDS: Final[frozenset[IdentifierKind]] = frozenset(
    {"personnummer", "samordningsnummer", "organisationsnummer", "email", "phone", "iban"}
)

# The entity type whose masker previews each kind.
_ENTITY_OF: Final[dict[IdentifierKind, str]] = {
    "personnummer": "SE_PERSONNUMMER",
    "samordningsnummer": "SE_SAMORDNINGSNUMMER",
    "organisationsnummer": "SE_ORGANISATIONSNUMMER",
    "email": "EMAIL_ADDRESS",
    "phone": "PHONE_NUMBER",
    "iban": "IBAN_CODE",
    "name": "PERSON",
    "address": "SE_ADDRESS",
    "ip": "IP_ADDRESS",
    "date_of_birth": "DATE_OF_BIRTH",
}

#: Kinds searched only beside another identifier: a place where only they matched is dropped.
HELPER_KINDS: Final[frozenset[IdentifierKind]] = frozenset({"date_of_birth"})

_IDENTITY_DIGITS = re.compile(r"(?:\d{2})?(\d{6})[-+ ]?(\d{4})")


@dataclass(frozen=True, slots=True, kw_only=True)
class SubjectIdentifiers:
    """What identifies the data subject, as the requester gave it.

    The values are personal data: they are held only until :func:`search_keys` has keyed
    them, and the ``repr`` shows only how many of each kind there are.
    """

    personnummer: Sequence[str] = ()
    samordningsnummer: Sequence[str] = ()
    organisationsnummer: Sequence[str] = ()
    email: Sequence[str] = ()
    phone: Sequence[str] = ()
    iban: Sequence[str] = ()
    name: Sequence[str] = ()
    address: Sequence[str] = ()
    ip: Sequence[str] = ()
    date_of_birth: Sequence[str] = ()

    def __repr__(self) -> str:
        counts = ", ".join(f"{kind}={len(values)}" for kind, values in self.items() if values)
        return f"SubjectIdentifiers({counts})"

    def items(self) -> Iterator[tuple[IdentifierKind, Sequence[str]]]:
        """``(kind, values)`` for every kind, in :data:`IDENTIFIER_KINDS` order."""
        for kind in IDENTIFIER_KINDS:
            yield kind, getattr(self, kind)

    def is_empty(self) -> bool:
        """True when no identifier was given."""
        return not any(values for _, values in self.items())


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchKey:
    """One value key to look up, with what it stands for.

    :param kind: which kind of identifier it came from.
    :param value_key: the HMAC value key, as the inventory stores it.
    :param masked: the identifier's masked preview, for reports.
    :param certain: false for a second reading (another century, a street line alone):
        a place matched only by such keys is *possible*, not confirmed.
    :param reason: why an uncertain reading is searched, as a code: ``other_century`` (the
        10-digit form read in another century) or ``street_line`` (an address's street line
        alone); empty for the identifier itself.
    """

    kind: IdentifierKind
    value_key: str
    masked: str
    certain: bool = True
    reason: str = ""


def search_keys(
    identifiers: SubjectIdentifiers, keyer: Keyer, *, today: date | None = None
) -> tuple[SearchKey, ...]:
    """The value keys to look the subject up by, each identifier's readings included.

    :param identifiers: what the requester gave.
    :param keyer: the key the inventory was written with.
    :param today: the reference date for century inference (tests); defaults to today.
    :raises ConfigError: when an identifier is not valid; the message names the option, never
        the value.
    """
    if identifiers.date_of_birth and not identifiers.name:
        raise ConfigError("a --date-of-birth is only searched beside a --name")
    keys: dict[str, SearchKey] = {}
    for kind, values in identifiers.items():
        for raw in values:
            for reading in _readings(kind, raw.strip(), today):
                key = keyer.value_key(reading.normalized)
                # The identifier itself outranks a second reading of another one.
                if key not in keys or (reading.certain and not keys[key].certain):
                    keys[key] = SearchKey(
                        kind=kind,
                        value_key=key,
                        masked=mask(_ENTITY_OF[kind], reading.written),
                        certain=reading.certain,
                        reason=reading.reason,
                    )
    if identifiers.name:
        for reading in _birth_dates(identifiers, today):
            key = keyer.value_key(reading.normalized)
            keys.setdefault(
                key,
                SearchKey(
                    kind="date_of_birth",
                    value_key=key,
                    masked=mask("DATE_OF_BIRTH", reading.written),
                    certain=False,
                    reason=reading.reason,
                ),
            )
    return tuple(keys.values())


def _invalid(kind: IdentifierKind) -> ConfigError:
    option = "--" + kind.replace("_", "-")
    article = "an" if kind in {"email", "iban", "organisationsnummer", "address", "ip"} else "a"
    what = {"ip": "IP address"}.get(kind, kind.replace("_", " "))
    return ConfigError(f"{article} {option} value is not a valid {what}")


@dataclass(frozen=True, slots=True)
class _Reading:
    """One way an identifier may stand in the data: its normalised form and how it is
    written (for the masked preview)."""

    normalized: str
    written: str
    certain: bool = True
    reason: str = ""


def _readings(kind: IdentifierKind, raw: str, today: date | None) -> Iterable[_Reading]:
    """Each way ``raw`` may be written in the data, the identifier itself first."""
    if kind in ("personnummer", "samordningsnummer"):
        validate = validate_personnummer if kind == "personnummer" else validate_samordningsnummer
        verdict = validate(raw, today=today)
        if verdict is None:
            raise _invalid(kind)
        yield _Reading(verdict.normalized, raw)
        yield from _other_centuries(raw, verdict.normalized, kind, today)
    elif kind == "organisationsnummer":
        verdict = validate_organisationsnummer(raw)
        as_person = validate_personnummer(raw, today=today)
        if verdict is None and as_person is None:
            raise _invalid(kind)
        if verdict is not None:
            yield _Reading(verdict.normalized, raw)
        if as_person is not None:  # a sole trader's number is their personnummer
            yield _Reading(as_person.normalized, raw)
    elif kind == "name":
        normalized = name_value_form(raw)
        if not normalized:
            raise ConfigError("a --name value is empty")
        yield _Reading(normalized, raw)
    elif kind == "address":
        verdict = validate_address(raw)
        if verdict is None:
            raise _invalid(kind)
        yield _Reading(verdict.normalized, raw)
        street = _street_line(raw)
        street_verdict = validate_address(street) if street else None
        if street_verdict is not None and street_verdict.normalized != verdict.normalized:
            yield _Reading(street_verdict.normalized, street, False, "street_line")
    elif kind == "date_of_birth":
        verdict = validate_birth_date(raw, today=today)
        if verdict is None:
            raise _invalid(kind)
        yield _Reading(verdict.normalized, raw)
    else:
        verdict = _SIMPLE_VALIDATORS[kind](raw)
        if verdict is None:
            raise _invalid(kind)
        yield _Reading(verdict.normalized, raw)


_SIMPLE_VALIDATORS: Final = {
    "email": validate_email,
    "phone": validate_phone,
    "iban": validate_iban,
    "ip": validate_ip_address,
}


def _birth_dates(identifiers: SubjectIdentifiers, today: date | None) -> Iterator[_Reading]:
    """The birth dates the personnummer given hold, as second readings.

    Only personnummer: a samordningsnummer's date may be unknown (day 60, month 00).
    """
    for raw in identifiers.personnummer:
        verdict = validate_personnummer(raw.strip(), today=today)
        if verdict is None:
            continue  # _readings has already refused it
        digits = verdict.normalized
        iso = f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}"
        yield _Reading(iso, iso, False, "birth_date")


def _other_centuries(
    raw: str, normalized: str, kind: IdentifierKind, today: date | None
) -> Iterator[_Reading]:
    """The readings of the 10-digit form that differ from the identifier's own century."""
    shape = _IDENTITY_DIGITS.fullmatch(raw)
    if shape is None:
        return
    date_part, serial = shape.groups()
    validate = validate_personnummer if kind == "personnummer" else validate_samordningsnummer
    for separator in ("-", "+"):
        written = f"{date_part}{separator}{serial}"
        verdict = validate(written, today=today)
        if verdict is not None and verdict.normalized != normalized:
            yield _Reading(verdict.normalized, written, False, "other_century")


def _street_line(raw: str) -> str:
    """The part of an address before its postal line (``Storgatan 1`` of a full address)."""
    first, _, rest = raw.replace("\n", ",").partition(",")
    return first.strip() if rest.strip() else ""
