"""How model spans and gazetteer candidates are combined into PERSON spans.

The rules (pure; the model itself runs in :mod:`piiscan.engine.person`):

- A candidate that the gazetteer and the text's shape make strong (a first name with a
  surname, a name after ``Hej`` or ``Mvh`` or ``Namn:``) stands without the model.
- A model PER span that overlaps candidates is **confirmed**: the result covers the union of
  the spans (the model's ``Andersson`` grows to the gazetteer's ``Anna Andersson``; the
  gazetteer's ``Anna`` grows to the model's ``Anna Xyzinski``) and is at least
  :attr:`~Strength.MEDIUM`, :attr:`~Strength.HIGH` when the gazetteer also found a first name
  or surname in it. A lone homograph (``Hans``, ``Lund``) stays weak even so.
- A model PER span with no candidate (a foreign name, a surname alone in news prose) is
  :attr:`~Strength.MEDIUM` when it has a capitalised word that is not sentence-initial or
  more than one word, else :attr:`~Strength.LOW`.
- A weak candidate in a window the model read and labelled as a place or an organisation is
  dropped; so is a span that names a company (a legal form after or in it, a last word such
  as ``-verket``, ``-kommun``), a span a ``/`` follows (a path, ``Chrome/120``) and a model
  span made only of places.
- Of overlapping spans the strongest, then the longest, stays.

The rules and the choice of the model's windows run in the compiled core
(``core/src/names_combine.rs``, ``core/src/names_windows.rs``: their one copy); this module
wraps them.

.. versionadded:: 0.1
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import regex

from piiscan.names.gazetteer import Gazetteer
from piiscan.names.rules import (
    STREET_ENDINGS,
    CoreScan,
    NameCandidate,
    NameScan,
    Token,
    _for_core,
    core_rules,
    quiet_words,
)
from piiscan.validators.base import Strength

_STRENGTHS = {int(s): s for s in Strength}
_STREET = regex.compile("(?:" + "|".join(sorted(STREET_ENDINGS, key=len, reverse=True)) + ")$")


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelSpan:
    """An entity the NER model found: character offsets and its label."""

    start: int
    end: int
    label: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PersonSpan:
    """A combined PERSON span with its strength and the evidence flags behind it.

    :param gazetteer_hit: some word of the span is a known first name or surname; ``None``
        when not worked out (:func:`candidates_only`).
    """

    start: int
    end: int
    strength: Strength
    evidence: tuple[str, ...]
    gazetteer_hit: bool | None = None


def combine(
    text: str,
    candidates: Sequence[NameCandidate],
    model_spans: Iterable[ModelSpan],
    gaz: Gazetteer,
) -> list[PersonSpan]:
    """Merge gazetteer candidates with the model's entities (see the module docstring).

    :param model_spans: entities of every label the model found in the windows it read.
    """
    return person_spans(
        combine_found(
            text,
            [
                (c.start, c.end, int(c.strength), c.evidence.value, c.gazetteer_hit)
                for c in candidates
            ],
            [(s.start, s.end, s.label) for s in model_spans],
            gaz,
        )
    )


#: A combined span as the core gives it: ``(start, end, strength, evidence flags,
#: gazetteer_hit)``.
FoundSpan = tuple[int, int, int, Sequence[str], bool | None]


def combine_found(
    text: str,
    found: list[tuple[int, int, int, str, bool]],
    model_spans: list[tuple[int, int, str]],
    gaz: Gazetteer,
) -> list[FoundSpan]:
    """:func:`combine` on the core's own tuples (:attr:`CoreScan.found
    <piiscan.names.rules.CoreScan.found>`, ``(start, end, label)`` of the model's entities),
    giving its tuples: the engine's path, which makes no object per candidate or span."""
    return list(core_rules(gaz).combine(_for_core(text), found, model_spans))


def person_spans(found: Iterable[FoundSpan]) -> list[PersonSpan]:
    """The core's combined tuples (:func:`combine_found`) as :class:`PersonSpan` values."""
    return [
        PersonSpan(
            start=start,
            end=end,
            strength=_STRENGTHS[strength],
            evidence=tuple(flags),
            gazetteer_hit=hit,
        )
        for start, end, strength, flags, hit in found
    ]


def candidates_only(candidates: Sequence[NameCandidate]) -> list[PersonSpan]:
    """PERSON spans from the gazetteer rules alone (no model)."""
    return [
        PersonSpan(start=c.start, end=c.end, strength=c.strength, evidence=(c.evidence.value,))
        for c in candidates
    ]


def model_windows(
    text: str,
    candidates: Sequence[NameCandidate],
    gaz: Gazetteer,
    toks: Sequence[Token] | None = None,
    *,
    scan: NameScan | CoreScan | None = None,
) -> list[tuple[int, int]]:
    """The pieces of sentences (or lines) where the model can matter.

    A sentence qualifies when it holds a candidate that is not already
    :attr:`~Strength.HIGH` (a lone homograph or an unknown word aside), or a capitalised
    word that is not sentence-initial, not inside a strong candidate, not a homograph or a
    place, not a street name, not part of a company name and not glued to a ``/``
    (``Mozilla/5.0``, ``[13/May/2026``: the model's person span there is dropped anyway),
    and no label of a value (a colon or a number right after it: ``Fakturadatum:``,
    ``Box 4563``, ``Mobil 070-...``), no cell of a delimited line (``,Telefon,``), not the
    first word of its line after numbers only (``2019-11-26T10:00Z Samtal med ...``), not
    the first word of a street (``Södra Långgatan``) and not in a technical line (a user
    agent or request: ``Mozilla/5.0 (... like Gecko)``).
    The model reads the sentence from eight words before each such word, and each name
    the rules settled in that sentence (the model confirms or grows it), to four words
    after it (pieces that overlap are read as one): its token vectors see four tokens
    either way and it decides left to right, so what it decides about those words is what
    it decides on the whole sentence, and a long line (a log line with a user agent, an
    SQL ``INSERT``) costs what its few capitalised words need. Prose in lower case,
    numbers and identifiers, and lines whose names the rules already settled are never
    shown to the model.

    :param toks: the tokens to use (``tokens(text)`` gives the same windows as none).
    :param scan: a :class:`~piiscan.names.rules.CoreScan` (the default) or ``NameScan`` of
        ``text`` when the caller has one already; without ``toks`` only the words a scan flags
        are read, which gives the same windows as all of them.
    """
    if toks is None:
        if isinstance(scan, NameScan):
            toks = scan.tokens(lambda word: _may_trigger(word, gaz), quiet_words(gaz))
        else:
            core = scan if scan is not None else CoreScan(text, gaz)
            if candidates is core.candidates or candidates == core.candidates:
                return list(core.windows)  # read in the same pass
            toks = core.triggers
    return core_rules(gaz).windows(
        _for_core(text),
        [(c.start, c.end, int(c.strength), c.evidence.value, c.gazetteer_hit) for c in candidates],
        [(t.start, t.end, t.kind) for t in toks],
    )


@functools.lru_cache(maxsize=1 << 16)
def _may_trigger(word: str, gaz: Gazetteer) -> bool:
    """A capitalised ``word`` inside a sentence can send its sentence to the model: it is
    no homograph, place or street name."""
    return not (gaz.is_homograph(word) or gaz.is_place(word) or _STREET.search(word))
