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
  dropped.

.. versionadded:: 0.1
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import regex

from piiscan.names.gazetteer import Gazetteer
from piiscan.names.rules import (
    STREET_ENDINGS,
    CoreScan,
    Evidence,
    NameCandidate,
    NameScan,
    Token,
    _for_core,
    core_rules,
    is_sentence_initial,
    quiet_words,
    tokens,
)
from piiscan.validators.base import Strength

_ORG_AFTER = regex.compile(
    r"[ \t]+(?:AB|HB|KB|Ab|AS|ASA|Oy|Oyj|GmbH|Ltd|Inc|LLC|Aktiebolag|& Co|och Co)(?![\p{L}])"
    r"|-\p{Ll}"
)
_ORG_DESIGNATOR = regex.compile(
    r"(?<![\p{L}])(?:AB|HB|KB|AS|ASA|Oy|Oyj|GmbH|Ltd|Inc|LLC|Aktiebolag)(?![\p{L}])"
)
_STREET = regex.compile("(?:" + "|".join(sorted(STREET_ENDINGS, key=len, reverse=True)) + ")$")
_ORG_WORD = regex.compile(
    r"(?:verket|styrelsen|myndigheten|kommun|kommunen|regionen|inspektionen|kassan|byrån"
    r"|bolaget|banken|förbundet|partiet|rådet|nämnden|institutet|universitetet|högskolan"
    r"|sjukhuset|koncernen|gruppen|tidningen|bladet|posten|fonden|stiftelsen|akademien"
    r"|departementet|kyrkan|skolan|gymnasiet|föreningen|centret|huset|teatern|festivalen)$"
)

PERSON_LABELS = frozenset({"PER", "PERSON", "PRS"})
"""Person labels of the bundled model (``PER``) and of spaCy's Swedish pipelines (``PRS``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelSpan:
    """An entity the NER model found: character offsets and its label."""

    start: int
    end: int
    label: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PersonSpan:
    """A combined PERSON span with its strength and the evidence flags behind it."""

    start: int
    end: int
    strength: Strength
    evidence: tuple[str, ...]


def combine(
    text: str,
    candidates: Sequence[NameCandidate],
    model_spans: Iterable[ModelSpan],
    gaz: Gazetteer,
) -> list[PersonSpan]:
    """Merge gazetteer candidates with the model's entities (see the module docstring).

    :param model_spans: entities of every label the model found in the windows it read.
    """
    people = [
        trimmed
        for s in model_spans
        if s.label in PERSON_LABELS and (trimmed := _name_part(text, s)) is not None
    ]
    others = [s for s in model_spans if s.label not in PERSON_LABELS]
    used: set[int] = set()
    out: list[PersonSpan] = []
    order = sorted(range(len(candidates)), key=lambda i: candidates[i].start)
    starts = [candidates[i].start for i in order]
    longest = max((c.end - c.start for c in candidates), default=0)
    for span in sorted(people, key=lambda s: s.start):
        if _org_like(text, span.start, span.end) or _glued_to_slash(text, span.end):
            continue
        lo = bisect.bisect_left(starts, span.start - longest)
        hi = bisect.bisect_left(starts, span.end)
        overlapping = [order[k] for k in range(lo, hi) if span.start < candidates[order[k]].end]
        used.update(overlapping)
        start = min([span.start, *(candidates[i].start for i in overlapping)])
        end = max([span.end, *(candidates[i].end for i in overlapping)])
        if overlapping:
            best = max(candidates[i].strength for i in overlapping)
            hit = any(candidates[i].gazetteer_hit for i in overlapping)
            words = text[start:end].replace(",", " ").split()
            if len(words) == 1 and gaz.is_homograph(words[0]):
                strength = best  # "Hans", "Lund": the model alone does not settle it
            elif all(gaz.is_homograph(w) for w in words):
                strength = max(best, Strength.MEDIUM)  # "Siv Lund"
            elif hit:
                strength = Strength.HIGH
            else:
                strength = max(best, Strength.MEDIUM)
            flags = sorted({"model", *(candidates[i].evidence.value for i in overlapping)})
        else:
            if _all_places(text[start:end], gaz):
                continue  # "Ankara", "Chelseas": the corpus knows these as places or teams
            strength = _model_only_strength(text, span)
            flags = ["model"]
        out.append(PersonSpan(start=start, end=end, strength=strength, evidence=tuple(flags)))
    for i, cand in enumerate(candidates):
        if i in used:
            continue
        if cand.strength < Strength.HIGH and (
            _inside_other(cand, others) or _org_like(text, cand.start, cand.end)
        ):
            continue
        if _glued_to_slash(text, cand.end):
            continue
        out.append(
            PersonSpan(
                start=cand.start,
                end=cand.end,
                strength=cand.strength,
                evidence=(cand.evidence.value,),
            )
        )
    return _dedupe(out)


# A person's name holds none of these; the model's span sometimes runs on into what follows
# the name (``Magnus Quapp <mq@exempel.se``, ``Maja Al-Hassan <``).
_NOT_IN_NAME = regex.compile(r"[<>@\[\](){}|;:/\\\d\n\t]")
_AROUND_NAME = " \u00a0,.-–"


def _name_part(text: str, span: ModelSpan) -> ModelSpan | None:
    """The model's span up to the first character no name holds, without the spaces and
    punctuation around it; ``None`` when nothing is left."""
    end = span.end
    cut = _NOT_IN_NAME.search(text, span.start, end)
    if cut is not None:
        end = cut.start()
    start = span.start
    while end > start and text[end - 1] in _AROUND_NAME:
        end -= 1
    while start < end and text[start] in _AROUND_NAME:
        start += 1
    if start >= end:
        return None
    if (start, end) == (span.start, span.end):
        return span
    return ModelSpan(start=start, end=end, label=span.label)


def candidates_only(candidates: Sequence[NameCandidate]) -> list[PersonSpan]:
    """PERSON spans from the gazetteer rules alone (no model)."""
    return [
        PersonSpan(start=c.start, end=c.end, strength=c.strength, evidence=(c.evidence.value,))
        for c in candidates
    ]


def _glued_to_slash(text: str, end: int) -> bool:
    """A ``/`` follows the span with no space between: a part of a path, a log date
    (``[20/Jun/2026``) or a user agent (``Chrome/120.0``), never a name in running text.
    Only the slash after counts: ``/Elsa Paulsson`` is how a Swedish mail is signed."""
    return text[end : end + 1] == "/"


def _org_like(text: str, start: int, end: int) -> bool:
    """The span names a company or an authority, or is the first part of a compound."""
    if _ORG_AFTER.match(text, end) or _ORG_DESIGNATOR.search(text, start, end):
        return True
    last = text[start:end].rsplit(maxsplit=1)[-1] if end > start else ""
    return _ORG_WORD.search(last.casefold()) is not None


def _model_only_strength(text: str, span: ModelSpan) -> Strength:
    toks = [t for t in tokens(text[span.start : span.end]) if t.kind == "word"]
    if not toks:
        return Strength.LOW
    if is_sentence_initial(text, span.start + toks[0].start):
        return Strength.LOW  # "Projektet Norrsken": a capital that only starts a sentence
    return Strength.MEDIUM


def _inside_other(cand: NameCandidate, others: Sequence[ModelSpan]) -> bool:
    # Only a weak or one-word candidate yields to the model's LOC/ORG: an ORG span that
    # runs on over "Bolaget AB och Anna de Geer" must not hide the name.
    if cand.evidence in (Evidence.FIELD, Evidence.SIGNATURE, Evidence.GREETING):
        return False
    if cand.strength > Strength.LOW and cand.evidence is not Evidence.SINGLE:
        return False
    return any(o.start <= cand.start and cand.end <= o.end for o in others)


def _dedupe(spans: list[PersonSpan]) -> list[PersonSpan]:
    """Keep the strongest (then longest) of overlapping spans, in text order."""
    ranked = sorted(spans, key=lambda s: (s.strength, s.end - s.start), reverse=True)
    kept: list[PersonSpan] = []  # sorted by start, never overlapping
    kept_starts: list[int] = []
    for span in ranked:
        at = bisect.bisect_left(kept_starts, span.start)
        if at > 0 and kept[at - 1].end > span.start:
            continue
        if at < len(kept) and kept[at].start < span.end:
            continue
        kept.insert(at, span)
        kept_starts.insert(at, span.start)
    return kept


def model_windows(
    text: str,
    candidates: Sequence[NameCandidate],
    gaz: Gazetteer,
    toks: Sequence[Token] | None = None,
    *,
    scan: NameScan | CoreScan | None = None,
) -> list[tuple[int, int]]:
    """The sentences (or lines) where the model can matter.

    A sentence qualifies when it holds a candidate that is not already
    :attr:`~Strength.HIGH` (a lone homograph or an unknown word aside), or a capitalised
    word that is not sentence-initial, not inside a strong candidate, not a homograph or a
    place, not a street name and not part of a company name. Prose in lower case, numbers
    and identifiers, and lines whose names the rules already settled are never shown to the
    model.

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


def _all_places(span_text: str, gaz: Gazetteer) -> bool:
    words = span_text.split()
    return bool(words) and all(
        gaz.is_place(w) or (w.endswith("s") and gaz.is_place(w[:-1])) for w in words
    )
