"""IP addresses: tables of written forms, and the validator held against Python's ipaddress."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from piiscan.validators.base import Strength
from piiscan.validators.ip import validate_ip_address

# Ranges whose "global" status Python's ipaddress changed between 3.11 and 3.13 (IANA
# registry updates); the tier test does not hold the core to one Python's reading of them.
_UNSETTLED = [
    ipaddress.ip_network(n)
    for n in (
        "192.0.0.0/24",
        "2001::/23",
        "2002::/16",
        "64:ff9b:1::/48",
        "5f00::/16",
        "3fff::/20",
        "::ffff:0:0/96",
        "::/96",
        # Site-local, deprecated by RFC 3879: Python 3.11 calls it global, the core (outside
        # 2000::/3, so not a public unicast address) calls it low.
        "fec0::/10",
    )
]


def _settled(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return not any(
        address.version == network.version and address in network for network in _UNSETTLED
    )


def _low_in_python(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """What the core's tiers should say, read from the standard library."""
    special = not address.is_global or address.is_multicast or address.is_reserved
    text = str(address)
    section_shape = address.version == 4 and all(len(part) == 1 for part in text.split("."))
    return special or section_shape


@pytest.mark.parametrize(
    ("written", "normalized", "strength"),
    [
        ("81.2.69.160", "81.2.69.160", None),
        ("223.255.255.254", "223.255.255.254", None),
        ("8.8.4.40", "8.8.4.40", None),
        ("2a00:1450:4001:0814:0000:0000:0000:200e", "2a00:1450:4001:814::200e", None),
        ("2A00:1450:4001:814::200E", "2a00:1450:4001:814::200e", None),
        ("::ffff:81.2.69.160", "81.2.69.160", None),
        ("10.0.0.1", "10.0.0.1", Strength.LOW),
        ("172.16.5.4", "172.16.5.4", Strength.LOW),
        ("192.168.1.20", "192.168.1.20", Strength.LOW),
        ("127.0.0.1", "127.0.0.1", Strength.LOW),
        ("169.254.1.1", "169.254.1.1", Strength.LOW),
        ("192.0.2.44", "192.0.2.44", Strength.LOW),
        ("198.51.100.7", "198.51.100.7", Strength.LOW),
        ("203.0.113.9", "203.0.113.9", Strength.LOW),
        ("100.64.1.1", "100.64.1.1", Strength.LOW),
        ("224.0.0.251", "224.0.0.251", Strength.LOW),
        ("3.2.1.4", "3.2.1.4", Strength.LOW),
        ("::1", "::1", Strength.LOW),
        ("2001:db8::1", "2001:db8::1", Strength.LOW),
        ("fe80::1%eth0", "fe80::1", Strength.LOW),
        ("fd00::5", "fd00::5", Strength.LOW),
        ("ff02::fb", "ff02::fb", Strength.LOW),
        ("a::b", "a::b", Strength.LOW),  # outside 2000::/3: reserved
    ],
)
def test_valid_addresses(written: str, normalized: str, strength: Strength | None) -> None:
    verdict = validate_ip_address(written)
    assert verdict is not None
    assert (verdict.normalized, verdict.strength) == (normalized, strength)


@pytest.mark.parametrize(
    "written",
    [
        "256.1.1.1",  # an octet over 255
        "010.1.1.1",  # leading zero: octal to some parsers
        "1.2.3.04",
        "1.2.3",  # a dotted date's or version's three groups
        "1.2.3.4.5",
        "1.3.6.1.4.1.311",  # an OID
        "10.2.0.1a",
        "10:30:00",  # a time
        "00:1A:2B:3C:4D:5E",  # a MAC address
        "1:2:3:4:5:6:7:8:9",
        "2001:db8:::1",
        "1::2::3",
        "12345::1",
        "fe80::1%",
        "::ffff:1.2.3.04",
        "",
    ],
)
def test_invalid_addresses(written: str) -> None:
    assert validate_ip_address(written) is None


@given(st.ip_addresses(v=4))
def test_every_ipv4_address_as_python_reads_it(address: ipaddress.IPv4Address) -> None:
    verdict = validate_ip_address(str(address))
    assert verdict is not None
    assert verdict.normalized == str(address)
    if _settled(address):
        assert (verdict.strength is Strength.LOW) == _low_in_python(address)


@given(st.ip_addresses(v=6), st.booleans())
def test_every_ipv6_address_as_python_reads_it(
    address: ipaddress.IPv6Address, exploded: bool
) -> None:
    verdict = validate_ip_address(address.exploded if exploded else address.compressed)
    assert verdict is not None
    mapped = address.ipv4_mapped
    if mapped is not None:
        assert verdict.normalized == str(mapped)
        return
    assert verdict.normalized == address.compressed
    if _settled(address):
        assert (verdict.strength is Strength.LOW) == _low_in_python(address)


def _python_accepts(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


@given(st.text(alphabet="0123456789abcdefABCDEF:.%", max_size=45))
def test_accepts_exactly_what_python_accepts(text: str) -> None:
    assert (validate_ip_address(text) is not None) == _python_accepts(text)


@given(
    st.lists(st.integers(0, 999).map(str), min_size=3, max_size=5).map(".".join)
    | st.lists(st.integers(0, 0x1FFFF).map("{:x}".format), min_size=2, max_size=9).map(":".join)
)
def test_accepts_exactly_what_python_accepts_near_misses(text: str) -> None:
    assert (validate_ip_address(text) is not None) == _python_accepts(text)
