"""Organisationsnummer (identity numbers of Swedish legal persons, SKV 709) and VAT numbers.

What it matches: ``NNNNNN-NNNN``, a bare ten-digit run, the 12-digit form with the ``16``
prefix (``16NNNNNNNNNN`` or ``16NNNNNN-NNNN``) and the VAT number (momsregistreringsnummer)
``SE`` + ten digits + ``01``, with single spaces allowed between ``SE``, the number and ``01``
(``SE 556016-0680 01``).

What it rejects and why:

* group digit (the first) 0 or 4: never issued;
* third digit below 2: SKV keeps digits 3-4 at 20 or more so that an organisationsnummer can
  never look like a personnummer (month 01-12);
* a check digit that fails Luhn over the ten digits.

An enskild firma (sole trader) has no organisationsnummer of its own: it uses the owner's
personnummer or samordningsnummer, also inside a VAT number (``SE`` + personnummer + ``01``).
Those fail the third-digit rule here on purpose. They are personal data and are reported by
:mod:`piiscan.validators.personnummer`; :func:`parse_vat_number` hands the engine the inner
ten digits of any VAT number so that it can pass them on.

Example::

    >>> validate_organisationsnummer("SE556016068001").normalized
    '5560160680'

The rules run in the compiled core (``core/src/validators/organisationsnummer.rs``); this
module is its typed Python face.

.. versionadded:: 0.1
"""

from __future__ import annotations

from piiscan import _core
from piiscan.validators.base import Verdict

__all__ = ["is_organisationsnummer", "parse_vat_number", "validate_organisationsnummer"]


def is_organisationsnummer(digits10: str) -> bool:
    """True when ten digits satisfy the organisationsnummer rules.

    :param digits10: exactly ten digits, no separator.
    """
    return _core.is_organisationsnummer(digits10)


def parse_vat_number(candidate: str) -> str | None:
    """The ten digits inside a Swedish VAT number ``SE NNNNNNNNNN 01``, if their Luhn holds.

    The digits may be an organisationsnummer or, for an enskild firma, a personnummer or
    samordningsnummer; the caller decides which validator to apply next.

    :param candidate: the matched text, e.g. ``"SE556016068001"``.
    :returns: the ten digits, or ``None``.
    """
    return _core.parse_vat_number(candidate)


def validate_organisationsnummer(candidate: str) -> Verdict | None:
    """Validate an organisationsnummer in any of its written forms.

    Strength: the VAT form HIGH (the ``SE``/``01`` frame is specific); the dashed or the
    ``16``-prefixed form MEDIUM; a bare ten-digit run LOW (7 % of random ten-digit strings
    pass). Flag ``test_identity`` for published fictitious organisations (Skatteverket's
    Navet test certificate, "Kommun A").

    :param candidate: the matched text.
    :returns: a verdict whose ``normalized`` is the ten digits, or ``None``.
    """
    return Verdict.from_core(_core.validate_organisationsnummer(candidate))
