"""IP addresses, IPv4 and IPv6.

What it matches: dotted-quad IPv4 (``81.2.69.160``) and IPv6 in full, compressed
(``2a00:1450:4001:814::200e``), IPv4-mapped (``::ffff:81.2.69.160``) form, with an optional
zone (``fe80::1%eth0``). Brackets and a port (``[2001:db8::1]:443``, ``81.2.69.160:8080``)
stand outside the value the recognizer matches.

What it rejects and why: anything Python's :mod:`ipaddress` rejects, the same rules: an octet
over 255 or written with a leading zero (``010.1.1.1`` is octal to some parsers), more or
fewer than four octets (OIDs such as ``1.3.6.1.4.1.311``, dotted dates), IPv6 groups longer
than four hex digits, two ``::``, times (``10:30:00``) and MAC addresses.

Strength: a global unicast address keeps the pattern's strength; a private, loopback,
link-local, documentation, shared (CGNAT), benchmarking, multicast, reserved or unspecified
one is LOW, reported only when a context word says it is someone's (``ip``, ``klient``,
``remote_addr``). The ranges are those Python 3.11's ``ipaddress`` counts as not global,
plus multicast and IPv6 outside ``2000::/3`` (reserved). Four single-digit octets
(``3.2.1.4``) are LOW too: a section or version number's shape far more often than a
client's address.

The normalised value (the input to keyed hashing) is the canonical text (RFC 5952 for IPv6,
no zone); an IPv4-mapped address normalises to the IPv4 address it maps, so a lookup by
``81.2.69.160`` finds it written either way.

Example::

    >>> validate_ip_address("2A00:1450:4001:0814::200E").normalized
    '2a00:1450:4001:814::200e'

The rules run in the compiled core (``core/src/validators/ip.rs``); this module is its typed
Python face.

.. versionadded:: 0.1
"""

from __future__ import annotations

from piiscan import _core
from piiscan.validators.base import Verdict

__all__ = ["validate_ip_address"]


def validate_ip_address(candidate: str) -> Verdict | None:
    """Validate an IPv4 or IPv6 address.

    Strength: ``None`` (the pattern's) for a global address, LOW for a special-range one.

    :param candidate: the matched text.
    :returns: a verdict whose ``normalized`` is the canonical address, or ``None``.
    """
    return Verdict.from_core(_core.validate_ip_address(candidate))
