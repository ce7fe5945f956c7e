"""Entry-point loading, done once, into one immutable :class:`Registry`.

Two entry-point groups extend piiscan without touching it:

- ``piiscan.validators``: ``name = "package.module:function"``, a function
  ``(candidate: str) -> Verdict | None`` that catalogue files name in ``validator:``.
- ``piiscan.recognizers``: ``name = "package.module:function"``, a function returning the
  :class:`~pathlib.Path` of a directory of catalogue YAML files.

An organisation can also pass directories of its own YAML (``--recognizers DIR``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from types import MappingProxyType
from typing import Any

from piiscan.catalogue import RecognizerSpec, builtin_catalogue_dir, load_catalogue
from piiscan.errors import ConfigError, PluginError
from piiscan.validators.base import Validator

VALIDATOR_GROUP = "piiscan.validators"
RECOGNIZER_GROUP = "piiscan.recognizers"


@dataclass(frozen=True, slots=True, kw_only=True)
class Registry:
    """Every recognizer spec and validator piiscan will use; built once and passed in."""

    specs: tuple[RecognizerSpec, ...]
    validators: Mapping[str, Validator]
    catalogue_dirs: tuple[Path, ...] = ()

    def validator(self, name: str) -> Validator:
        """The validator registered under ``name``.

        :raises PluginError: when no validator has that name.
        """
        try:
            return self.validators[name]
        except KeyError:
            raise PluginError(f"no validator named {name!r} is registered") from None

    @property
    def recognizer_keys(self) -> tuple[str, ...]:
        """``id@version`` of every recognizer, sorted."""
        return tuple(sorted(spec.key for spec in self.specs))


def load_registry(extra_dirs: Iterable[Path] = (), *, use_entry_points: bool = True) -> Registry:
    """Load validators and the catalogue (built-in, plug-ins, then ``extra_dirs``).

    :param extra_dirs: directories of an organisation's own catalogue YAML; loaded last, so a
        spec there replaces a built-in one with the same ``id``.
    :param use_entry_points: load plug-ins from installed packages (off in some tests).
    :raises ConfigError: for a malformed catalogue file or a spec naming an unknown validator.
    :raises PluginError: when a plug-in cannot be imported.
    """
    validators: dict[str, Validator] = {}
    dirs: list[Path] = []
    if use_entry_points:
        for ep in entry_points(group=VALIDATOR_GROUP):
            validators[ep.name] = _load(ep)
        for ep in entry_points(group=RECOGNIZER_GROUP):
            directory = _load(ep)()
            dirs.append(Path(directory))
    if not dirs:
        dirs.append(builtin_catalogue_dir())
    if not validators:
        validators.update(_builtin_validators())
    dirs.extend(Path(d) for d in extra_dirs)
    specs = load_catalogue(dirs)
    for spec in specs:
        if spec.validator and spec.validator not in validators:
            raise ConfigError(f"{spec.source}: validator {spec.validator!r} is not registered")
    return Registry(
        specs=specs, validators=MappingProxyType(validators), catalogue_dirs=tuple(dirs)
    )


def _load(ep: Any) -> Any:
    try:
        return ep.load()
    except Exception as exc:  # a broken plug-in must not look like a piiscan bug
        raise PluginError(f"cannot load plug-in {ep.name!r} ({exc})") from None


def _builtin_validators() -> dict[str, Validator]:
    # Used when piiscan runs from a source tree without its entry points installed.
    from piiscan.validators import address as address_mod
    from piiscan.validators import (
        bank,
        birth_date,
        card,
        email,
        iban,
        identity_document,
        ip,
        organisationsnummer,
        personnummer,
        phone,
        postnummer,
        vehicle,
    )

    return {
        "personnummer": personnummer.validate_personnummer,
        "samordningsnummer": personnummer.validate_samordningsnummer,
        "organisationsnummer": organisationsnummer.validate_organisationsnummer,
        "iban": iban.validate_iban,
        "credit_card": card.validate_card,
        "bankgiro": bank.validate_bankgiro,
        "plusgiro": bank.validate_plusgiro,
        "bank_account": bank.validate_bank_account,
        "postnummer": postnummer.validate_postnummer,
        "phone": phone.validate_phone,
        "email": email.validate_email,
        "address": address_mod.validate_address,
        "ip_address": ip.validate_ip_address,
        "birth_date": birth_date.validate_birth_date,
        "vehicle_registration": vehicle.validate_vehicle_registration,
        "identity_document": identity_document.validate_identity_document,
    }
