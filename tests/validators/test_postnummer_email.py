"""Postnummer with its gazetteer, and e-mail addresses with the offline TLD check."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from piiscan.validators import email as email_module
from piiscan.validators.base import Strength
from piiscan.validators.email import is_top_level_domain, validate_email
from piiscan.validators.postnummer import is_known_postort, postort_for, validate_postnummer


@pytest.mark.parametrize(
    ("candidate", "normalized", "strength"),
    [
        pytest.param("114 55", "11455", Strength.MEDIUM, id="spaced"),
        pytest.param("11455", "11455", Strength.MEDIUM, id="bare"),
        pytest.param("SE-114 55", "11455", Strength.MEDIUM, id="se-prefix"),
        pytest.param("S-114 55", "11455", Strength.MEDIUM, id="old-s-prefix"),
        pytest.param("114\u00a055", "11455", Strength.MEDIUM, id="no-break-space"),
        pytest.param("100 04", "10004", Strength.MEDIUM, id="lowest-observed"),
        pytest.param("123 45", "12345", Strength.LOW, id="postnord-example-not-in-gazetteer"),
        pytest.param("999 99", "99999", Strength.LOW, id="unknown"),
    ],
)
def test_postnummer(candidate: str, normalized: str, strength: Strength) -> None:
    verdict = validate_postnummer(candidate)
    assert verdict is not None
    assert (verdict.normalized, verdict.strength) == (normalized, strength)


@pytest.mark.parametrize(
    "candidate",
    [
        pytest.param("012 34", id="leading-zero"),
        pytest.param("114  55", id="double-space"),
        pytest.param("1145", id="four-digits"),
        pytest.param("114 555", id="six-digits"),
        pytest.param("11-455", id="dash"),
        pytest.param("SE 114 55", id="se-space"),
    ],
)
def test_postnummer_rejected(candidate: str) -> None:
    assert validate_postnummer(candidate) is None


@pytest.mark.parametrize(
    ("postnummer", "postort"),
    [
        pytest.param("11455", "Stockholm", id="stockholm"),
        pytest.param("99999", None, id="unknown"),
    ],
)
def test_postort_for(postnummer: str, postort: str | None) -> None:
    assert postort_for(postnummer) == postort


@pytest.mark.parametrize(
    ("name", "known"),
    [
        pytest.param("Stockholm", True, id="exact"),
        pytest.param("STOCKHOLM", True, id="upper"),
        pytest.param(" göteborg ", True, id="lower-spaces"),
        pytest.param("Xyzby", False, id="unknown"),
        pytest.param("", False, id="empty"),
    ],
)
def test_is_known_postort(name: str, known: bool) -> None:
    assert is_known_postort(name) is known


@pytest.mark.parametrize(
    ("candidate", "normalized", "flags"),
    [
        pytest.param("anna.andersson@exempel.se", "anna.andersson@exempel.se", set(), id="se"),
        pytest.param("Anna.Andersson@Exempel.SE", "anna.andersson@exempel.se", set(), id="case"),
        pytest.param("a+tag@sub.exempel.co.uk", "a+tag@sub.exempel.co.uk", set(), id="plus-co-uk"),
        pytest.param("åsa@företag.se", "åsa@företag.se", set(), id="unicode"),
        pytest.param("x@exempel.xn--p1ai", "x@exempel.xn--p1ai", set(), id="idn-tld-a-label"),
        pytest.param("x@example.com", "x@example.com", {"reserved_domain"}, id="example-com"),
        pytest.param("x@mail.example.org", "x@mail.example.org", {"reserved_domain"}, id="sub"),
        pytest.param("x@host.test", "x@host.test", {"reserved_domain"}, id="tld-test"),
        pytest.param("x@host.example", "x@host.example", {"reserved_domain"}, id="tld-example"),
        pytest.param("x@host.invalid", "x@host.invalid", {"reserved_domain"}, id="tld-invalid"),
    ],
)
def test_email(candidate: str, normalized: str, flags: set[str]) -> None:
    verdict = validate_email(candidate)
    assert verdict is not None
    assert (verdict.normalized, verdict.strength, verdict.flags) == (
        normalized,
        Strength.MEDIUM,
        frozenset(flags),
    )


@pytest.mark.parametrize(
    "candidate",
    [
        pytest.param("file.txt@v2.bak", id="not-a-tld"),
        pytest.param("name@host", id="single-label"),
        pytest.param("a..b@exempel.se", id="double-dot"),
        pytest.param(".a@exempel.se", id="leading-dot"),
        pytest.param("a@-exempel.se", id="label-hyphen"),
        pytest.param("a@exempel..se", id="empty-label"),
        pytest.param("a b@exempel.se", id="space"),
        pytest.param("@exempel.se", id="empty-local"),
        pytest.param("a@1.2", id="numeric-tld"),
        pytest.param("a@exempel.se.", id="trailing-dot"),
        pytest.param("x" * 65 + "@exempel.se", id="local-too-long"),
        pytest.param('"a b"@exempel.se', id="quoted-local"),
        pytest.param("a@[127.0.0.1]", id="ip-literal"),
    ],
)
def test_email_rejected(candidate: str) -> None:
    assert validate_email(candidate) is None


@pytest.mark.parametrize(
    ("label", "known"),
    [
        pytest.param("se", True, id="se"),
        pytest.param("SE", True, id="upper"),
        pytest.param("com", True, id="com"),
        pytest.param("рф", True, id="u-label"),
        pytest.param("xn--p1ai", True, id="a-label"),
        pytest.param("bak", False, id="bak"),
        pytest.param("test", False, id="reserved-is-not-delegated"),
    ],
)
def test_is_top_level_domain(label: str, known: bool) -> None:
    assert is_top_level_domain(label) is known


def test_tld_list_loads_without_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    email_module._top_level_domains.cache_clear()
    try:
        assert validate_email("anna@exempel.se") is not None
    finally:
        email_module._top_level_domains.cache_clear()
