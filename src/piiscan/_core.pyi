"""Type stub for ``piiscan._core``, the compiled core (the Rust crate in ``core/``).

Validators return ``(normalized, strength, flags)`` or ``None``: ``strength`` is the integer
value of :class:`piiscan.validators.Strength`, ``flags`` the names of the verdict's flags. The
Python wrappers in :mod:`piiscan.validators` turn it into a ``Verdict``; call those, not these.
Functions that take ``year, month, day`` read them as the reference date ("today") for century
inference and the future-date check.
"""

from collections.abc import Callable, Sequence
from typing import Any

from piiscan.model import Finding, Segment

CoreVerdict = tuple[str, int | None, frozenset[str]] | None

def luhn(digits: str) -> bool: ...
def luhn_check_digit(payload: str) -> str: ...
def mod11(digits: str) -> bool: ...
def mod11_check_digit(payload: str) -> str | None: ...
def mod97(alnum: str) -> bool: ...
def mod97_check_digits(payload: str) -> str: ...
def parse_identity_number(
    candidate: str, year: int, month: int, day: int
) -> tuple[str, str, tuple[int, int, int] | None, bool, str, bool] | None: ...
def validate_personnummer(candidate: str, year: int, month: int, day: int) -> CoreVerdict: ...
def validate_samordningsnummer(candidate: str, year: int, month: int, day: int) -> CoreVerdict: ...
def is_skatteverket_test_number(digits12: str) -> bool: ...
def is_organisationsnummer(digits10: str) -> bool: ...
def parse_vat_number(candidate: str) -> str | None: ...
def validate_organisationsnummer(candidate: str) -> CoreVerdict: ...
def card_brand(digits: str) -> str | None: ...
def validate_card(candidate: str) -> CoreVerdict: ...
def clearing_range(
    clearing: str,
) -> tuple[int, int, str, str, str, str, str, str, int, int] | None: ...
def validate_bank_account(candidate: str, year: int, month: int, day: int) -> CoreVerdict: ...
def validate_bankgiro(candidate: str) -> CoreVerdict: ...
def validate_plusgiro(candidate: str) -> CoreVerdict: ...
def postort_for(postnummer5: str) -> str | None: ...
def is_known_postort(name: str) -> bool: ...
def validate_postnummer(candidate: str) -> CoreVerdict: ...
def validate_ip_address(candidate: str) -> CoreVerdict: ...
def validate_address(candidate: str) -> CoreVerdict: ...
def core_mask(entity: str, text: str) -> str | None: ...
def validate_birth_date(candidate: str, year: int, month: int, day: int) -> CoreVerdict: ...
def validate_vehicle_registration(candidate: str) -> CoreVerdict: ...
def validate_identity_document(candidate: str) -> CoreVerdict: ...
def validate_iban(candidate: str) -> CoreVerdict: ...
def validate_phone(candidate: str) -> tuple[bool, CoreVerdict]: ...
def swedish_phone_type(national: str) -> int: ...
def swedish_ndc_length(national: str) -> int: ...
def is_pts_fictional(e164: str) -> bool: ...
def validate_email(candidate: str) -> CoreVerdict: ...
def is_top_level_domain(label: str) -> bool: ...
def top_level_domains() -> list[str]: ...

class CompiledPatterns:
    """Recognizers' patterns compiled into linear-time matchers (``core/src/matcher.rs``).

    :param recognizers: ``[(patterns, ignore_case), ...]``, each pattern
        ``(regex, not_after, not_before)`` as :class:`piiscan.engine.compiled.CorePattern`.
    :raises ValueError: when a pattern is outside the core's subset.
    """

    def __init__(
        self, recognizers: list[tuple[list[tuple[str, str | None, list[list[str]]]], bool]]
    ) -> None: ...
    def find(self, text: str) -> list[tuple[int, int, int, int]]:
        """``(recognizer, pattern, start, end)`` of every match, in character offsets."""

class NameRules:
    """The hot part of the person-name scan, built once from case-folded word lists."""

    def __init__(
        self,
        first_names: dict[str, int],
        surnames: list[str],
        homographs: list[str],
        places: list[str],
        surname_suffixes: list[str],
        street_endings: list[str],
        field_labels: list[str],
        closings: list[str],
        closing_words: list[str],
        greetings: list[str],
        titles: list[str],
        abbreviated_titles: list[str],
    ) -> None: ...
    def scan(self, text: str) -> tuple[list[list[tuple[int, int, str]]], list[tuple[int, int]]]: ...
    def weigh(
        self, text: str, groups: list[list[tuple[int, int, str]]]
    ) -> list[tuple[int, int, int, str, bool]]: ...
    def scan_weigh(
        self, text: str
    ) -> tuple[
        list[tuple[int, int, int, str, bool]], list[tuple[int, int]], list[tuple[int, int]]
    ]: ...
    def windows(
        self,
        text: str,
        candidates: list[tuple[int, int, int, str, bool]],
        words: list[tuple[int, int, str]],
    ) -> list[tuple[int, int]]: ...
    def combine(
        self,
        text: str,
        candidates: list[tuple[int, int, int, str, bool]],
        model: list[tuple[int, int, str]],
    ) -> list[tuple[int, int, int, list[str], bool]]: ...

#: A finished PERSON span: ``(start, end, score, value form, flags, context word, mask)``.
NameHit = tuple[int, int, float, str, tuple[str, ...], str, str]

class NameContext:
    """How the engine finishes PERSON spans (``PersonRecognizer.hits``): scores after a name
    column or a context stem, value forms and masks."""

    def __init__(
        self,
        stems: list[tuple[str, str]],
        window: tuple[int, int],
        scores: list[float],
        rounded: list[float],
    ) -> None: ...
    def hits(
        self,
        rules: NameRules,
        text: str,
        core_text: str,
        spans: Sequence[tuple[int, int, int, Sequence[str], bool | None]],
        owned: int,
        column: str | None,
        value_form: Callable[[str], str],
        mask: Callable[[str], str],
    ) -> list[NameHit]: ...

# --- The engine (core/src/engine.rs) ------------------------------------------------------

#: ``adjacent_to``: entities, the low score, the medium score.
CoreAdjacency = tuple[list[str], float, float] | None
#: ``(rule, outside, start, end, score, masked, normalized, flags, context)``.
CoreFound = tuple[int, int, int, int, float, str, str, list[str], str]
#: A finding made in Python: ``(entity, start, end, score, priority, order, adjacency)``.
CoreOutside = tuple[str, int, int, float, int, int, CoreAdjacency]

class CoreEngine:
    """The engine's hot path compiled (``core/src/engine.rs``); see
    :func:`piiscan.engine.compiled.core_engine`, which builds it."""

    def __init__(
        self, rules: list[tuple[object, ...]], validators: list[Any], min_score: float
    ) -> None: ...
    def warm_up(self, text: str) -> None:
        """Read ``text`` once and forget what was found: the engine's lazy automata build
        the states such text needs now (Python validators are not called)."""
    def analyze(
        self,
        text: str,
        context: list[str],
        today: tuple[int, int, int],
        outside: list[CoreOutside],
    ) -> list[CoreFound]:
        """Final findings of ``text``, offsets in characters."""
    def analyze_batch(
        self,
        texts: list[str],
        contexts: list[list[str]],
        context_of: list[int],
        today: tuple[int, int, int],
        outside: list[tuple[int, str, int, int, float, int, int, CoreAdjacency]],
    ) -> list[tuple[int, CoreFound]]:
        """Final findings of many segments: ``(segment, found)``, in segment order."""
    def analyze_findings(
        self,
        maker: FindingMaker,
        text: str,
        context: list[str],
        today: tuple[int, int, int],
        outside: list[CoreOutside],
        made_outside: list[Finding],
        locator: str,
    ) -> list[Finding]:
        """:meth:`analyze` as :class:`~piiscan.model.Finding` objects made by ``maker``;
        ``made_outside`` are the findings ``outside`` describes."""
    def analyze_batch_findings(
        self,
        maker: FindingMaker,
        segments: Sequence[Segment],
        today: tuple[int, int, int],
        outside: list[tuple[int, str, int, int, float, int, int, CoreAdjacency]],
        made_outside: list[list[Finding]],
    ) -> list[list[Finding]]:
        """:meth:`analyze_batch` over segments (their ``text``, ``context`` and ``locator``
        read in the core), as one list of findings per segment."""

class FindingMaker:
    """Builds :class:`~piiscan.model.Finding` objects in the core (``core/src/py_findings.rs``)."""

    def __init__(
        self,
        finding: type[Finding],
        replace: Callable[..., Finding],
        rules: list[tuple[str, str, Callable[[str], str]]],
    ) -> None: ...

def _panic_for_test() -> None:
    """Panics inside the core's guard (raises ``RuntimeError``)."""
