"""Swedish person-name candidates from the gazetteer and the shape of the text.

What it matches:

- a first name followed by a surname: ``Anna Andersson``, ``Per Olof Hansson``,
  ``Anna-Karin af Klint``, ``Eva Lindqvist-Berg``, ``Andersson, Anna``; the surname is a
  top-1000 surname, a capitalised word with a Swedish surname ending (``-sson``, ``-berg``,
  ``-ström``, ``-qvist`` ...) or any capitalised word after a first name;
- initials before a surname: ``A. Andersson``, ``A.K. Berg``;
- double first names: ``Anna-Karin``, ``Per Olof``;
- a single first name that is not also a common word (``Anna``, ``Mikael``);
- any name, homographs included, in a strong position: after a greeting (``Hej Per,``,
  ``Bästa Siv``), on the line after a closing (``Med vänlig hälsning``, ``Mvh``,
  ``Hälsningar``), after a field label (``Namn:``, ``Kontaktperson:``, ``Från:``), or after
  a title (``herr``, ``fru``, ``handläggare``).

What it rejects, and why: a name that is also a word (``Per``, ``Bo``, ``Hans``, ``Lund``,
``Glad``; see ``homographs.txt``) is no evidence alone, so ``Per capita``, ``Bo i Lund`` and
``Hans bil`` give nothing; capitalisation at the start of a sentence or a line is no evidence;
a name followed by ``gata``/``väg``/``skola`` is a place. Candidates that are plausible but
weak (a surname alone, a homograph pair such as ``Siv Lund`` without context) come back with
:attr:`Strength.LOW` so a model or a column name can confirm them.

Everything here is pure: text and a :class:`~piiscan.names.gazetteer.Gazetteer` in,
:class:`NameCandidate` values out.

.. versionadded:: 0.1
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import regex

from piiscan.names.gazetteer import Gazetteer
from piiscan.validators.base import Strength

PARTICLES = frozenset({"af", "von", "de", "van", "der", "den", "da", "di", "del", "la", "le"})
MIN_SINGLE_BEARERS = 200
"""A first name alone counts only when at least this many people bear it."""

_TOKEN = regex.compile(
    r"(?<![\p{L}\d])(?:"
    r"(?P<word>\p{Lu}\p{Ll}+(?:[-‐]\p{Lu}\p{Ll}+)*)"
    r"|(?P<initial>\p{Lu}\.(?:-?\p{Lu}\.)?)"
    r"|(?P<particle>af|von|van|der|den|de|da|di|del|la|le)(?=[ \t]\p{Lu})"
    r")(?![\p{L}\d])"
)
_JOIN = regex.compile(r"[ \t\u00a0]{1,3}")
_SURNAME_FIRST = regex.compile(r",[ \t]?")
_GREETINGS = frozenset(
    [
        "hej",
        "hejsan",
        "hallå",
        "tjena",
        "tjenare",
        "bästa",
        "kära",
        "käre",
        "goddag",
        "morgon",
        "kväll",
        "middag",
        "dear",
        "hi",
        "hello",
    ]
)
_CLOSING_WORDS = frozenset({"mvh", "vh", "hälsningar", "hälsning", "regards", "/"})
_CLOSINGS = frozenset(
    {
        "med vänlig hälsning", "med vänliga hälsningar", "vänlig hälsning", "vänliga hälsningar",
        "bästa hälsningar", "varma hälsningar", "hälsningar", "hälsning", "kind regards",
        "best regards", "regards", "mvh", "vh", "tack på förhand", "hälsar",
    }
)  # fmt: skip
_FIELD_LABELS = frozenset(
    {
        "namn", "förnamn", "efternamn", "tilltalsnamn", "namnförtydligande", "kontaktperson",
        "kontakt", "handläggare", "handläggs av", "sökande", "patient", "elev",
        "vårdnadshavare", "name", "full name", "first name", "last name", "ansvarig",
        "er referens", "vår referens", "referens", "ref", "attn", "att", "från", "till",
        "kopia", "cc", "from", "to", "underskrift", "undertecknad", "avsändare", "mottagare",
        "beställare", "hyresgäst", "anställd", "medarbetare", "chef", "ordförande",
        "sekreterare", "god man", "ombud", "intygas av", "justeras", "justerare",
        "närvarande", "deltagare", "kontaktperson hos kund", "projektledare",
    }
)  # fmt: skip
_TITLES = frozenset(
    {
        "herr", "fru", "fröken", "dr", "doktor", "professor", "docent", "advokat", "advokaten",
        "vd", "handläggare", "handläggaren", "handläggande", "läkare", "läkaren",
        "sjuksköterskan", "kollegan", "kollega", "chefen", "rektor", "ordförande",
        "sekreterare", "medarbetaren", "kunden", "patienten", "eleven", "mr", "mrs", "ms",
        "tf", "bitr", "sa", "sade", "säger", "enligt", "kontakta", "ring", "mejla",
        "träffade", "heter", "hette",
    }
)  # fmt: skip
_PLACE_AFTER = regex.compile(
    r"^s?[ \t]+(?:gata|gatan|väg|vägen|gränd|torg|plats|allé|backe|park|skola|skolan|"
    r"sjukhus|stiftelse|fond|pris|priset|institutet|center|centrum)(?![\p{L}])"
)
_SENTENCE_START = frozenset(".!?:;|\t\n\r")
_OPENERS = frozenset(" \u00a0\"'«»”“(–-•*>")


class Evidence(enum.StrEnum):
    """Why a span was taken for a name (stored as a flag; never the name itself)."""

    PAIR = "name_pair"
    INITIALS = "initials"
    GIVEN = "given_names"
    SINGLE = "single_name"
    SURNAME = "surname_only"
    GREETING = "greeting"
    SIGNATURE = "signature"
    FIELD = "field"
    TITLE = "title"
    CELL = "cell"


@dataclass(frozen=True, slots=True, kw_only=True)
class NameCandidate:
    """A span that may be a person's name.

    :param gazetteer_hit: some word of the span is a known first name or surname.
    """

    start: int
    end: int
    strength: Strength
    evidence: Evidence
    gazetteer_hit: bool = True


class Token(NamedTuple):
    """A capitalised word, an initial or a name particle, with its offsets."""

    start: int
    end: int
    text: str
    kind: str  # "word", "initial" or "particle"


class _Word(NamedTuple):
    token: Token
    first: int  # bearers as a first name
    surname: bool  # known surname
    shaped: bool  # surname-shaped
    homograph: bool
    genitive: bool  # matched only without a final -s
    place: bool


def tokens(text: str) -> list[Token]:
    """Capitalised words, initials and name particles of ``text``, in order."""
    return [
        Token(m.start(), m.end(), m.group(), m.lastgroup or "word") for m in _TOKEN.finditer(text)
    ]


def runs(text: str, toks: Iterable[Token]) -> list[list[Token]]:
    """Groups of tokens separated only by spaces on one line (``A.Andersson`` too)."""
    groups: list[list[Token]] = []
    for tok in toks:
        if groups:
            prev = groups[-1][-1]
            gap = text[prev.end : tok.start]
            if _JOIN.fullmatch(gap) or (gap == "" and prev.kind == "initial"):
                groups[-1].append(tok)
                continue
        groups.append([tok])
    for group in groups:  # a particle never starts or ends a name
        while group and group[0].kind == "particle":
            group.pop(0)
        while group and group[-1].kind == "particle":
            group.pop()
    return [g for g in groups if g]


def is_sentence_initial(text: str, start: int) -> bool:
    """``text[start]`` begins the text, a line, a sentence or a table cell (after a tab,
    ``|`` or ``;``); opening quotes, dashes and bullets are skipped."""
    i = start - 1
    while i >= 0 and text[i] in _OPENERS:
        i -= 1
    return i < 0 or text[i] in _SENTENCE_START


def _word(tok: Token, gaz: Gazetteer) -> _Word:
    first, surname, shaped, homograph, genitive, place = _classify(tok.text, gaz)
    return _Word(tok, first, surname, shaped, homograph, genitive, place)


@functools.lru_cache(maxsize=1 << 16)
def _classify(text: str, gaz: Gazetteer) -> tuple[int, bool, bool, bool, bool, bool]:
    first = gaz.first_name_bearers(text)
    surname = gaz.is_known_surname(text)
    genitive = False
    if not first and not surname and text.endswith("s") and len(text) > 3:
        stem = text[:-1]
        first = gaz.first_name_bearers(stem)
        surname = gaz.is_known_surname(stem)
        genitive = bool(first or surname)
    shaped = gaz.is_surname_shaped(text)
    homograph = gaz.is_homograph(text) or gaz.is_homograph(text.split("-")[0])
    return first, surname, shaped, homograph, genitive, gaz.is_place(text)


def _context_strength(text: str, start: int) -> Evidence | None:
    """The strong position ``text[start]`` stands in, looking back a line at most."""
    j = start
    while j > 0 and text[j - 1] in " \t\u00a0":
        j -= 1
    if j == 0:
        return None
    c = text[j - 1]
    if c in ":=":
        line = text[max(0, j - 48) : j - 1].rsplit("\n", 1)[-1].strip().casefold()
        words = line.split()
        if line in _FIELD_LABELS or (words and words[-1] in _FIELD_LABELS):
            return Evidence.FIELD
        return None
    if c == "\n":
        k = j - 1
        for _ in range(3):  # up to two blank lines between the closing and the name
            found = text.rfind("\n", max(0, k - 64), k)
            if found < 0 and k > 64:
                return None  # a line longer than any closing formula
            line_start = found + 1
            line = text[line_start:k].strip()
            if line:
                closing = line.rstrip(",.!").strip().casefold()
                return Evidence.SIGNATURE if closing in _CLOSINGS else None
            if line_start == 0:
                return None
            k = line_start - 1
        return None
    k = j
    while k > 0 and (text[k - 1].isalpha() or text[k - 1] == "/") and j - k < 24:
        k -= 1
    word = text[k:j].casefold()
    if not word:
        if c == "." and j >= 2:  # "Dr. Anna", "tf. chef"
            k = j - 1
            while k > 0 and text[k - 1].isalpha() and j - k < 12:
                k -= 1
            return Evidence.TITLE if text[k : j - 1].casefold() in _TITLES else None
        return None
    if word in _CLOSING_WORDS:
        return Evidence.SIGNATURE
    if word in _GREETINGS:
        return Evidence.GREETING
    if word in _TITLES:
        return Evidence.TITLE
    return None


def _raise(strength: Strength, steps: int = 1) -> Strength:
    return Strength(min(int(strength) + steps, int(Strength.HIGH)))


def _assess(
    words: Sequence[_Word], text: str, gaz: Gazetteer
) -> tuple[int, Strength, Evidence, bool] | None:
    """The best name starting at ``words[0]``: (words used, strength, evidence, gazetteer hit)."""
    n = len(words)
    i = 0
    given: list[_Word] = []
    while i < n and len(given) < 3:
        w = words[i]
        if w.token.kind == "initial" or (w.first and not w.genitive):
            given.append(w)
            i += 1
            continue
        break
    # A particle (af, von, de) may only stand between the given names and the surname.
    j = i
    while j < n and words[j].token.kind == "particle":
        j += 1
    surname: list[_Word] = []
    k = j
    while k < n and len(surname) < 2 and words[k].token.kind == "word":
        surname.append(words[k])
        k += 1
        if words[k - 1].genitive:
            break
    if j > i and not surname:  # "Anna von" alone: drop the particle
        j = k = i
    real_given = [w for w in given if w.token.kind == "word"]
    initials = [w for w in given if w.token.kind == "initial"]
    known_sur = [w for w in surname if (w.surname or w.shaped)]
    strong_sur = [w for w in known_sur if not w.homograph]
    hit = bool(real_given) or bool(known_sur)
    if given and surname:
        given_plain = [w for w in real_given if not w.homograph]
        if real_given:
            if strong_sur or (given_plain and known_sur):
                strength = Strength.HIGH
            elif given_plain or strong_sur:
                strength = Strength.MEDIUM
            elif known_sur:  # "Siv Lund", "Per Holm": both are also words
                strength = Strength.LOW
            else:  # "Per Capita"
                strength = Strength.LOW
            evidence = Evidence.PAIR
        else:
            strength = Strength.MEDIUM if known_sur else Strength.LOW
            evidence = Evidence.INITIALS
        return k, strength, evidence, hit
    if given:
        if initials and not real_given:
            return None
        plain = [w for w in real_given if not w.homograph]
        if len(real_given) >= 2 or (len(real_given) == 1 and "-" in real_given[0].token.text):
            strength = Strength.MEDIUM if plain else Strength.LOW
            return len(given), strength, Evidence.GIVEN, True
        w = real_given[0]
        if not w.homograph and w.first >= MIN_SINGLE_BEARERS:
            return 1, Strength.MEDIUM, Evidence.SINGLE, True
        return 1, Strength.LOW, Evidence.SINGLE, True
    # No given name: a surname alone, possibly "Andersson, Anna".
    w = words[0]
    if (w.surname or w.shaped) and not w.homograph and not w.place:
        return 1, Strength.LOW, Evidence.SURNAME, w.surname
    # Unknown capitalised words: kept whole (up to three) for a cell or a strong position.
    used = 1
    while used < min(n, 3) and words[used].token.kind == "word" and not words[used].first:
        used += 1
    return used, Strength.LOW, Evidence.CELL, False


def find_candidates(
    text: str, gaz: Gazetteer, toks: Sequence[Token] | None = None
) -> list[NameCandidate]:
    """Every name candidate in ``text``, in text order.

    :param toks: ``tokens(text)`` when the caller has them already.

    Candidates with ``gazetteer_hit=False`` and :attr:`Strength.LOW` are capitalised words
    in a name position that only outside evidence (a model, a column name) can confirm.
    """
    out: list[NameCandidate] = []
    whole = text.strip()
    for group in runs(text, tokens(text) if toks is None else toks):
        words = [_word(tok, gaz) for tok in group]
        if not any(w.token.kind == "initial" or w.first or w.surname or w.shaped for w in words):
            # Only unknown capitalised words: a name only in a strong position or as a cell.
            start = group[0].start
            if whole != text[start : group[-1].end] and _context_strength(text, start) is None:
                continue
        i = 0
        while i < len(words):
            if words[i].token.kind != "word" and words[i].token.kind != "initial":
                i += 1
                continue
            assessed = _assess(words[i:], text, gaz)
            if assessed is None:
                i += 1
                continue
            used, strength, evidence, hit = assessed
            first_tok = words[i].token
            last = words[i + used - 1]
            end = last.token.end - (1 if last.genitive else 0)
            candidate = _with_context(
                text, first_tok.start, end, strength, evidence, hit, words[i : i + used]
            )
            if candidate is not None:
                out.append(candidate)
            i += used
    return _merge_surname_first(text, out, gaz)


def _with_context(
    text: str,
    start: int,
    end: int,
    strength: Strength,
    evidence: Evidence,
    hit: bool,
    words: Sequence[_Word],
) -> NameCandidate | None:
    if _PLACE_AFTER.match(text, end) or _PLACE_AFTER.match(text[end : end + 24]):
        return None
    context = _context_strength(text, start)
    if context is not None:
        if context in (Evidence.SIGNATURE, Evidence.FIELD, Evidence.GREETING):
            if hit:
                strength = Strength.HIGH
            elif len(words) >= 2 or context is Evidence.FIELD:
                strength = Strength.MEDIUM
        else:  # a title: one step
            strength = _raise(strength)
        evidence = context if strength >= Strength.MEDIUM else evidence
    elif (
        evidence in (Evidence.SINGLE, Evidence.CELL, Evidence.SURNAME)
        and is_sentence_initial(text, start)
        and strength > Strength.LOW
        and words[0].homograph
    ):
        strength = Strength.LOW
    # A capitalised unknown word is a candidate only when it is all the text (a cell).
    if evidence is Evidence.CELL and context is None and text.strip() != text[start:end]:
        return None
    return NameCandidate(
        start=start, end=end, strength=strength, evidence=evidence, gazetteer_hit=hit
    )


def _merge_surname_first(
    text: str, found: list[NameCandidate], gaz: Gazetteer
) -> list[NameCandidate]:
    """Join ``Andersson, Anna`` (a surname, a comma, a given name) into one candidate."""
    merged: list[NameCandidate] = []
    i = 0
    while i < len(found):
        cur = found[i]
        nxt = found[i + 1] if i + 1 < len(found) else None
        if (
            nxt is not None
            and cur.evidence in (Evidence.SURNAME, Evidence.FIELD, Evidence.CELL)
            and nxt.evidence in (Evidence.SINGLE, Evidence.GIVEN)
            and _SURNAME_FIRST.fullmatch(text[cur.end : nxt.start])
            and (
                gaz.is_known_surname(text[cur.start : cur.end])
                or gaz.is_surname_shaped(text[cur.start : cur.end])
            )
        ):
            strength = max(cur.strength, nxt.strength, Strength.MEDIUM)
            merged.append(
                NameCandidate(
                    start=cur.start,
                    end=nxt.end,
                    strength=strength,
                    evidence=Evidence.PAIR if cur.evidence is Evidence.SURNAME else cur.evidence,
                )
            )
            i += 2
            continue
        merged.append(cur)
        i += 1
    return merged


_NAME_COLUMN = regex.compile(
    r"(?:^|[^\p{L}])(?:namn|förnamn|efternamn|tilltalsnamn|mellannamn|fullständigt namn"
    r"|namnförtydligande|kontaktperson|kontakt|handläggare|ansvarig|sökande|patient|elev"
    r"|vårdnadshavare|anhörig|anställd|medarbetare|kund|hyresgäst|beställare|mottagare"
    r"|avsändare|från|till|kopia|name|names|first ?name|last ?name|full ?name|given ?name"
    r"|surname|family ?name|contact|contact ?person|person|from|to|cc|fnamn|enamn"
    r"|förnamn_efternamn|fornamn|efternamn_1)(?:$|[^\p{L}])",
    regex.IGNORECASE,
)
_NOT_NAME_COLUMN = regex.compile(
    r"(?i:företag|firma|bolag|org|company|fil|file|user|användar|produkt|product|artikel"
    r"|item|stad|ort|city|land|country|gata|street|väg|host|domän|domain|server|tabell"
    r"|table|kolumn|column|projekt|project|skola|school|avdelning|department|bank)"
)


def is_name_column(label: str) -> bool:
    """``label`` (a column name or mail header) says its values are people's names.

    ``Namn``, ``Förnamn``, ``efternamn``, ``Kontaktperson``, ``first_name``, ``Från`` are;
    ``Företagsnamn``, ``Filnamn``, ``user_name``, ``Produktnamn`` are not.
    """
    key = label.strip().replace("_", " ").replace("-", " ")
    if not key or _NOT_NAME_COLUMN.search(key):
        return False
    return _NAME_COLUMN.search(key) is not None
