"""The wrappers over the compiled core: text the core cannot take is no identifier."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from piiscan.validators.base import Verdict
from piiscan.validators.email import is_top_level_domain, validate_email
from piiscan.validators.iban import validate_iban
from piiscan.validators.phone import validate_phone

# A lone surrogate reaches Python text from a JSON "\ud800" escape; the core takes UTF-8 only.
SURROGATES: list[tuple[Callable[[str], Verdict | None], str]] = [
    (validate_email, "anna\ud800@exempel.se"),
    (validate_iban, "SE45 5000 0000 0583 9825 746\ud800"),
    (validate_phone, "070-174 06 0\ud800"),
]


@pytest.mark.parametrize(("validator", "candidate"), SURROGATES, ids=["email", "iban", "phone"])
def test_a_lone_surrogate_is_no_identifier(
    validator: Callable[[str], Verdict | None], candidate: str
) -> None:
    assert validator(candidate) is None


def test_a_lone_surrogate_is_no_top_level_domain() -> None:
    assert is_top_level_domain("s\ud800") is False
