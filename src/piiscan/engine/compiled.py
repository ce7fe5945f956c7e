"""The catalogue's patterns compiled into the core's linear-time matcher.

The catalogue writes a match's boundaries as lookarounds, which Python's backtracking
``regex`` module understands and the core's regex engine does not. :func:`split_boundaries`
turns them into declared fields: a leading ``(?<!C)`` with ``C`` one character class becomes
``not_after`` (the class the character before a match must not be in), trailing ``(?!S)``
groups with ``S`` a short sequence of classes become ``not_before``. The core finds exactly
the matches Python's ``finditer`` finds over the whole text (``core/src/matcher.rs`` explains
how); :func:`compile_catalogue` compiles every recognizer whose patterns fit and names the
ones that do not (lookaround inside a pattern, back-references), which stay on the Python path.

:func:`core_engine` builds the engine's compiled hot path from the recognizers that fit:
their matches, validation (in the core where the validator is one of the core's, through the
Python function otherwise), context words, score tiers, ``adjacent_to`` and overlap
resolution run in :class:`piiscan._core.CoreEngine`. ``tests/engine/test_compiled.py`` holds
the core's matches against the Python patterns' over the corpus.

.. versionadded:: 0.1
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass

from piiscan import _core
from piiscan.catalogue import RecognizerSpec
from piiscan.engine.context import ContextMatcher
from piiscan.validators import (
    address,
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
from piiscan.validators.base import Strength, Validator

__all__ = [
    "CompiledCatalogue",
    "CoreBuild",
    "CorePattern",
    "compile_catalogue",
    "core_engine",
    "relaxed_matcher",
    "split_boundaries",
    "strongest_first",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class CorePattern:
    """A pattern in the core's subset, its boundaries declared.

    :param regex: the pattern without its boundary lookarounds.
    :param not_after: the body of the class the character before a match must not be in.
    :param not_before: sequences of class bodies that must not follow a match.
    """

    regex: str
    not_after: str | None = None
    not_before: tuple[tuple[str, ...], ...] = ()


def _top_level_groups(pattern: str) -> list[tuple[int, int]] | None:
    """``(start, end)`` of every parenthesised group at depth 0, ``None`` if unbalanced."""
    groups: list[tuple[int, int]] = []
    depth, opened, index, in_class = 0, 0, 0, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            if char == "]":
                in_class = False
        elif char == "[":
            in_class = True
            # A "]" right after "[" or "[^" is a literal member, not the end of the class.
            index += 1
            if pattern.startswith("^", index):
                index += 1
            if pattern.startswith("]", index):
                index += 1
            continue
        elif char == "(":
            if depth == 0:
                opened = index
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                return None
            if depth == 0:
                groups.append((opened, index + 1))
        index += 1
    return groups if depth == 0 and not in_class else None


# One single-character atom of a lookaround: a (non-negated) class, \p{..}, an escape, a literal.
_ATOM = re.compile(
    r"\[(?!\^)(?:\\.|[^\]\\])(?:\\.|[^\]\\])*\]"
    r"|\\[pP]\{\w+\}|\\.|[^\\()\[\]{}|*+?.^$]"
)


def _class_bodies(sequence: str) -> tuple[str, ...] | None:
    """The class bodies of a sequence of single-character atoms, ``None`` if it is more."""
    bodies = []
    position = 0
    while position < len(sequence):
        atom = _ATOM.match(sequence, position)
        if atom is None:
            return None
        text = atom.group()
        if text.startswith("["):
            bodies.append(text[1:-1])
        elif text.startswith("\\"):
            bodies.append(text)
        else:
            bodies.append(re.escape(text))
        position = atom.end()
    return tuple(bodies) if bodies else None


def split_boundaries(pattern: str) -> CorePattern | None:
    """``pattern`` with a leading ``(?<!C)`` and trailing ``(?!S)`` groups as declared fields.

    :returns: ``None`` when a boundary is not a class (or a short sequence of classes); the
        rest of the pattern is not checked here, the core refuses what it cannot compile.
    """
    groups = _top_level_groups(pattern)
    if groups is None:
        return None
    start, end = 0, len(pattern)
    not_after = None
    if groups and groups[0][0] == 0 and pattern.startswith("(?<!"):
        bodies = _class_bodies(pattern[4 : groups[0][1] - 1])
        if bodies is None or len(bodies) != 1:
            return None
        not_after = bodies[0]
        start = groups[0][1]
    not_before: list[tuple[str, ...]] = []
    for group_start, group_end in reversed(groups):
        if group_end != end or group_start < start or not pattern.startswith("(?!", group_start):
            break
        bodies = _class_bodies(pattern[group_start + 3 : group_end - 1])
        if bodies is None:
            return None
        not_before.insert(0, bodies)
        end = group_start
    return CorePattern(regex=pattern[start:end], not_after=not_after, not_before=tuple(not_before))


@dataclass(frozen=True, slots=True)
class CompiledCatalogue:
    """The recognizers the core compiled, in the order of ``matcher``'s indexes.

    :param matcher: the core's compiled patterns; ``find(text)`` returns
        ``(recognizer, pattern, start, end)`` with ``pattern`` an index into the recognizer's
        patterns ordered strongest first, as the engine's alternation orders them.
    :param compiled: the specs of the compiled recognizers.
    :param python_only: ids of pattern recognizers the core cannot compile.
    """

    matcher: _core.CompiledPatterns
    compiled: tuple[RecognizerSpec, ...]
    python_only: tuple[str, ...]


def strongest_first(spec: RecognizerSpec) -> list[str]:
    """A recognizer's pattern texts in the order the engine's alternation tries them."""
    return [p.regex for p in sorted(spec.patterns, key=lambda p: -p.strength)]


def _core_form(
    spec: RecognizerSpec,
) -> tuple[list[tuple[str, str | None, list[list[str]]]], bool] | None:
    split = [split_boundaries(regex) for regex in strongest_first(spec)]
    if any(pattern is None for pattern in split):
        return None
    patterns = [
        (p.regex, p.not_after, [list(sequence) for sequence in p.not_before])
        for p in split
        if p is not None
    ]
    return patterns, spec.ignore_case


_Form = tuple[list[tuple[str, str | None, list[list[str]]]], bool]


def _compiles(form: _Form) -> bool:
    """Whether the core compiles ``form`` (a recognizer's patterns) alone."""
    try:
        _core.CompiledPatterns([form])
    except ValueError:
        return False
    return True


def _fitting(
    forms: list[_Form | None],
) -> tuple[_core.CompiledPatterns | None, list[_Form | None]]:
    """One matcher over ``forms`` (``None`` when none compiles), and ``forms`` with those the
    core cannot compile replaced by ``None``.

    All are compiled at once first: compiling a pattern costs up to a quarter of a second
    (the e-mail address's), so trying each alone as well would double an engine's build.
    Only when the whole set fails is each tried alone, to tell which.
    """
    present = [form for form in forms if form is not None]
    try:
        return (_core.CompiledPatterns(present) if present else None), forms
    except ValueError:
        pass
    fitting = [form if form is not None and _compiles(form) else None for form in forms]
    kept = [form for form in fitting if form is not None]
    return (_core.CompiledPatterns(kept) if kept else None), fitting


def compile_catalogue(specs: Iterable[RecognizerSpec]) -> CompiledCatalogue:
    """Compile every pattern recognizer of ``specs`` that fits the core's subset.

    :param specs: the catalogue, e.g. ``load_registry().specs``.
    """
    with_patterns = [spec for spec in specs if spec.patterns]
    matcher, forms = _fitting([_core_form(spec) for spec in with_patterns])
    compiled = [spec for spec, form in zip(with_patterns, forms, strict=True) if form]
    python_only = [spec.id for spec, form in zip(with_patterns, forms, strict=True) if not form]
    return CompiledCatalogue(
        matcher=matcher if matcher is not None else _core.CompiledPatterns([]),
        compiled=tuple(compiled),
        python_only=tuple(python_only),
    )


# The validators the core has its own copy of: a recognizer whose validator is one of these
# Python functions (thin wrappers over the core) is validated inside the core; any other (a
# plug-in registered under the same name, or one not ported yet) is called back in Python.
_CORE_VALIDATORS: dict[str, Validator] = {
    "personnummer": personnummer.validate_personnummer,
    "samordningsnummer": personnummer.validate_samordningsnummer,
    "organisationsnummer": organisationsnummer.validate_organisationsnummer,
    "credit_card": card.validate_card,
    "bankgiro": bank.validate_bankgiro,
    "plusgiro": bank.validate_plusgiro,
    "bank_account": bank.validate_bank_account,
    "postnummer": postnummer.validate_postnummer,
    "ip_address": ip.validate_ip_address,
    "birth_date": birth_date.validate_birth_date,
    "vehicle_registration": vehicle.validate_vehicle_registration,
    "identity_document": identity_document.validate_identity_document,
    "iban": iban.validate_iban,
    "email": email.validate_email,
    "phone": phone.validate_phone,
    "address": address.validate_address,
}
# Core validators that hand some shapes back to the Python function (phone numbers written
# with parentheses or in another country's plan go to phonenumbers).
_CALLS_BACK = frozenset({"phone"})


def core_check(name: str | None, validator: Validator | None) -> str:
    """How the core validates a recognizer's matches: ``""`` (no validator), the name of
    the core's own validator, or ``"external"`` (the Python function is called back)."""
    if name is None or validator is None:
        return ""
    builtin = _CORE_VALIDATORS.get(name)
    return name if builtin is not None and validator is builtin else "external"


@dataclass(frozen=True, slots=True)
class CoreBuild:
    """The compiled engine and which recognizers it holds.

    :param engine: the core engine, ``None`` when no recognizer fits.
    :param compiled: the specs in the core engine, in its order.
    :param python_only: specs whose patterns do not fit the core's subset.
    """

    engine: _core.CoreEngine | None
    compiled: tuple[RecognizerSpec, ...]
    python_only: tuple[RecognizerSpec, ...]


def adjacency(spec: RecognizerSpec) -> tuple[list[str], float, float] | None:
    """``adjacent_to`` as the core takes it: entities, the low score, the medium score."""
    if not spec.adjacent_to:
        return None
    return list(spec.adjacent_to), spec.score_for(Strength.LOW), spec.score_for(Strength.MEDIUM)


def core_engine(
    recognizers: Iterable[tuple[RecognizerSpec, int, Validator | None, Validator | None]],
    min_score: float,
) -> CoreBuild:
    """Compile the recognizers that fit into one :class:`piiscan._core.CoreEngine`.

    :param recognizers: ``(spec, order, validator, callback)``: the catalogue entry, its
        position in the catalogue (ties in overlap resolution keep that order), the validator
        function the registry gives for it (``None`` when it names none) and what the core
        calls when that validator is not its own (the same, with remembered verdicts).
    :param min_score: findings below this are not returned.
    """
    entries = list(recognizers)
    forms = [_core_form(spec) if spec.patterns else None for spec, *_ in entries]
    try:
        return _core_build(entries, forms, min_score)
    except ValueError:
        # A pattern outside the core's subset after all (what splitting the boundaries
        # cannot see): built again without those the core cannot compile alone.
        return _core_build(entries, _fitting(forms)[1], min_score)


def _core_build(
    entries: list[tuple[RecognizerSpec, int, Validator | None, Validator | None]],
    forms: list[_Form | None],
    min_score: float,
) -> CoreBuild:
    rules: list[tuple[object, ...]] = []
    validators: list[Validator | None] = []
    compiled: list[RecognizerSpec] = []
    python_only: list[RecognizerSpec] = []
    for (spec, order, validator, callback), form in zip(entries, forms, strict=True):
        if form is None:
            python_only.append(spec)
            continue
        check = core_check(spec.validator, validator)
        ordered = sorted(spec.patterns, key=lambda p: -p.strength)
        candidates = spec.candidates
        if candidates is not None and candidates.kind in ("digits", "at", "anchor"):
            where = (
                candidates.kind,
                candidates.min_digits,
                candidates.max_digits,
                candidates.before,
                candidates.after,
                candidates.starts_with,
                list(candidates.word_before),
                candidates.capital_after,
                candidates.anchor,
            )
        else:
            where = ("whole", 0, 0, 0, 0, "", [], False, None)
        rules.append(
            (
                (form[0], where),
                form[1],
                spec.entity,
                check,
                [int(p.strength) for p in ordered],
                tuple(spec.score_for(s) for s in (Strength.LOW, Strength.MEDIUM, Strength.HIGH)),
                list(ContextMatcher(spec.context).rules),
                list(ContextMatcher(spec.negative_context).rules),
                spec.context_window,
                spec.priority,
                adjacency(spec),
                order,
            )
        )
        calls_back = check == "external" or check in _CALLS_BACK
        validators.append((callback or validator) if calls_back else None)
        compiled.append(spec)
    engine = _core.CoreEngine(rules, validators, min_score) if rules else None
    if engine is not None:
        # The catalogue's examples, read once: a fresh engine's first megabyte of text then
        # builds fewer automaton states (benchmarks/README.md, "warm-up").
        engine.warm_up(
            "\n".join(
                example
                for spec in compiled
                for example in (*spec.examples_valid, *spec.examples_invalid)
            )
        )
    return CoreBuild(engine=engine, compiled=tuple(compiled), python_only=tuple(python_only))


# An inner lookaround of one character class (``(?<![\p{L}])``, ``(?![\p{L}\d])``).
_INNER_LOOKAROUND = re.compile(r"\(\?<?[!=](?:\[(?:\\.|[^\]\\])+\]|\\[pP]\{\w+\}|\\.)\)")


def relax(pattern: str) -> CorePattern | None:
    """``pattern`` with its boundaries declared and every other one-class lookaround dropped.

    The relaxed pattern matches wherever the real one does (and in a few more places): the
    core finds with it where a recognizer outside its subset can match, and Python runs the
    real pattern only there.
    """
    split = split_boundaries(pattern)
    if split is None:
        return None
    return dataclasses.replace(split, regex=_INNER_LOOKAROUND.sub("", split.regex))


def relaxed_matcher(
    specs: Iterable[RecognizerSpec],
) -> tuple[_core.CompiledPatterns, tuple[str, ...]] | None:
    """The core's matcher over the relaxed patterns of ``specs`` (those that relax into its
    subset) and the ids of the specs it holds, in its order; ``None`` when none does."""
    forms: list[_Form | None] = []
    ids: list[str] = []
    for spec in specs:
        relaxed = [relax(regex) for regex in strongest_first(spec)]
        if not relaxed or any(p is None for p in relaxed):
            continue
        form = (
            [(p.regex, p.not_after, [list(q) for q in p.not_before]) for p in relaxed if p],
            spec.ignore_case,
        )
        forms.append(form)
        ids.append(spec.id)
    matcher, fitting = _fitting(forms)
    if matcher is None:
        return None
    return matcher, tuple(id_ for id_, form in zip(ids, fitting, strict=True) if form)
