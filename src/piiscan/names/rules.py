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
  a title (``herr``, ``fru``, ``handläggare``, or abbreviated with a full stop: ``Dr.``,
  ``tf.``).

What it rejects, and why: a name that is also a word (``Per``, ``Bo``, ``Hans``, ``Lund``,
``Glad``; see ``homographs.txt``) is no evidence alone, so ``Per capita``, ``Bo i Lund`` and
``Hans bil`` give nothing; capitalisation at the start of a sentence or a line is no evidence;
a name followed by ``gata``/``väg``/``skola`` is a place; a title other than an abbreviation
gives nothing across a full stop (``Vi ringde kunden. Bolaget svarade.``: the full stop ends
a sentence); a word that begins a company name is the company's, unless it is a full name
(``Testfirman i Norr AB``, ``Lindqvist & Söner HB``: up to four more words on the line, then
a legal form). Candidates that are plausible but weak (a surname alone, a homograph pair such
as ``Siv Lund`` without context) come back with :attr:`Strength.LOW` so a model or a column
name can confirm them.

Everything here is pure: text and a :class:`~piiscan.names.gazetteer.Gazetteer` in,
:class:`NameCandidate` values out. The work is done by the compiled core (:class:`CoreScan`):
one pass finds every run of capitalised words, looks its words up in the gazetteer and reads
the cue words before them (``core/src/names.rs``), weighs the runs where a name can be into
candidates by the rules above (``core/src/names_weigh.rs``, their one copy) and picks the
sentences the model must read (``core/src/names_windows.rs``), with the same result as
reading every token. A lone surrogate (a JSON ``"\ud800"`` escape) is read as U+FFFD. The
Python :class:`NameScan` finds the runs in Python (the capitals in one pass, leaving out
common sentence starters and places after ``i``, ``på``, ``norra`` ..., see
:class:`QuietWords`); the tests compare the core's runs with it.

.. versionadded:: 0.1
"""

from __future__ import annotations

import bisect
import enum
import functools
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import compress, count
from typing import NamedTuple

import regex

from piiscan import _core
from piiscan.names.gazetteer import SURNAME_SUFFIXES, Gazetteer
from piiscan.validators.base import Strength

PARTICLES = frozenset({"af", "von", "de", "van", "der", "den", "da", "di", "del", "la", "le"})

_WORD = r"\p{Lu}\p{Ll}+(?:[-‐]\p{Lu}\p{Ll}+)*"
_INITIAL = r"\p{Lu}\.(?:-?\p{Lu}\.)?"
_PARTICLE = "af|von|van|der|den|de|da|di|del|la|le"
_TOKEN = regex.compile(
    rf"(?<![\p{{L}}\d])(?:(?P<word>{_WORD})|(?P<initial>{_INITIAL})"
    rf"|(?P<particle>{_PARTICLE})(?=[ \t]\p{{Lu}}))(?![\p{{L}}\d])"
)
_JOIN = regex.compile(r"[ \t\u00a0]{1,3}")
# A whole run as runs() builds it: tokens (each captured as "t") joined by one to three
# spaces, by spaces around a particle ("p"), or by nothing after an initial (the only token
# that ends in a full stop). The regex module keeps every capture of a repeated group.
_ANY_TOKEN = rf"(?<![\p{{L}}\d])(?:{_WORD}|{_INITIAL})(?![\p{{L}}\d])"
_RUN = regex.compile(
    rf"(?P<t>{_ANY_TOKEN})(?:(?:[ \t\u00a0]{{1,3}}(?:(?P<p>{_PARTICLE})[ \t])?|(?<=\.))"
    rf"(?P<t>{_ANY_TOKEN}))*"
)
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
        "närvarande", "deltagare", "kontaktperson hos kund", "projektledare", "kund",
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
# The titles that are written abbreviated, with a full stop: "Dr. Nguyen", "tf. Xu". Only
# these carry over a full stop; after any other title ("Vi ringde kunden. Bolaget svarade.")
# the full stop ends a sentence and the next capital is only its first letter.
_ABBREVIATED_TITLES = frozenset({"dr", "tf", "bitr", "mr", "mrs", "ms"})
STREET_ENDINGS = (
    "gatan", "vägen", "gränd", "gränden", "torget", "stigen", "backen", "allén", "leden",
    "kajen", "platsen", "gata", "väg",
)  # fmt: skip
"""Endings of a street name: a capitalised word ending so never sends a sentence to the model."""
_SENTENCE_START = frozenset(".!?:;|\t\n\r")
_OPENERS = frozenset(" \u00a0\"'«»”“(–-•*>")
_CONTEXT_WORDS = _CLOSING_WORDS | _GREETINGS | _TITLES


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


def token_runs(text: str) -> list[list[Token]]:
    """``runs(text, tokens(text))``, found faster: one regex match per run."""
    return [_run_of(text, match) for match in _RUN.finditer(text)]


def _run_of(text: str, match: regex.Match[str]) -> list[Token]:
    """The tokens of one ``_RUN`` match, particles included, as :func:`runs` groups them."""
    make = tuple.__new__  # Token(...) without the Python-level __new__ of a NamedTuple
    run = [
        make(Token, (at, end, text[at:end], "initial" if text[end - 1] == "." else "word"))
        for at, end in match.spans("t")
    ]
    for at, end in reversed(match.spans("p")):
        i = bisect.bisect_left(run, at, key=_start)
        run.insert(i, make(Token, (at, end, text[at:end], "particle")))
    return run


def _start(token: Token) -> int:
    return token.start


def is_sentence_initial(text: str, start: int) -> bool:
    """``text[start]`` begins the text, a line, a sentence or a table cell (after a tab,
    ``|`` or ``;``); opening quotes, dashes and bullets are skipped."""
    i = start - 1
    while i >= 0 and text[i] in _OPENERS:
        i -= 1
    return i < 0 or text[i] in _SENTENCE_START


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
        if c == "." and j >= 2:  # "Dr. Anna", "tf. chef"; not "kunden. Bolaget"
            k = j - 1
            while k > 0 and text[k - 1].isalpha() and j - k < 12:
                k -= 1
            abbreviated = text[k : j - 1].casefold() in _ABBREVIATED_TITLES
            return Evidence.TITLE if abbreviated else None
        return None
    if word in _CLOSING_WORDS:
        return Evidence.SIGNATURE
    if word in _GREETINGS:
        return Evidence.GREETING
    if word in _TITLES:
        return Evidence.TITLE
    return None


# Reading a long text: one pass over its capitals, exact tokens only where they matter.

KEY_WIDTH = 6
"""Characters before each capital that :class:`NameScan` keeps to judge its position."""
# Every capital followed by a lower-case letter or a full stop (a superset of the starts of
# word and initial tokens) with the KEY_WIDTH characters before it. One findall of this is
# the only pass over all of a long text; only the few places it flags are looked at closer.
_PIECE_BODY = r"(?s:({upper}{skip}(?:(?<=(.{{{width}}}).)|)(?:{lower}+|\.)))"
_PIECE = regex.compile(
    _PIECE_BODY.format(upper=r"\p{Lu}", skip="", lower=r"\p{Ll}", width=KEY_WIDTH)
)


@functools.cache
def _bmp_classes() -> tuple[str, str]:
    """The upper- and lower-case letters of the Basic Multilingual Plane, as ``re`` classes
    that list, character by character, what ``regex`` calls ``\\p{Lu}`` and ``\\p{Ll}``."""
    plane = "".join(map(chr, range(0xD800))) + "".join(map(chr, range(0xE000, 0x10000)))
    upper = "".join(map(re.escape, regex.findall(r"\p{Lu}", plane)))
    lower = "".join(map(re.escape, regex.findall(r"\p{Ll}", plane)))
    return f"[{upper}]", f"[{lower}]"


@functools.cache
def _bmp_piece(quiet: QuietWords | None = None) -> re.Pattern[str]:
    """_PIECE for text within the Basic Multilingual Plane, in the ``re`` engine, which
    runs this pattern about a third faster; with ``quiet``, it leaves out the capitals that
    :class:`QuietWords` says no question needs."""
    upper, lower = _bmp_classes()
    skip = "" if quiet is None else f"(?!{_quiet_capital(quiet, lower)})"
    return re.compile(_PIECE_BODY.format(upper=upper, skip=skip, lower=lower, width=KEY_WIDTH))


def _pieces(text: str, quiet: QuietWords | None = None) -> list[tuple[str, str]]:
    """``_PIECE.findall(text)``, in the faster engine when the text allows; there, without
    the capitals of ``quiet`` words in quiet positions."""
    within_bmp = len(text.encode("utf-16-le", "surrogatepass")) == 2 * len(text)
    return (_bmp_piece(quiet) if within_bmp else _PIECE).findall(text)


_LOWER = regex.compile(r"\p{Ll}")
_LETTER_OR_DIGIT = regex.compile(r"[\p{L}\d]")

# What the KEY_WIDTH characters before a capital tell about its position (see _key_flags).
_START = 1  # not glued to a letter or digit: a token may begin here
_HYPHEN = 2  # right after a hyphen: may be the second part of a word such as "Anna-Karin"
_STRONG = 4  # _context_strength may find a greeting, title, field or signature here
_INSIDE = 8  # is_sentence_initial may be False here
_UNKNOWN = _START | _HYPHEN | _STRONG | _INSIDE


def _alpha_suffix(text: str, slash: bool) -> str:
    """The letters (and ``/`` when ``slash``) at the end of ``text``."""
    k = len(text)
    while k > 0 and (text[k - 1].isalpha() or (slash and text[k - 1] == "/")):
        k -= 1
    return text[k:]


def _may_end(run: str, whole: bool, words: Collection[str]) -> bool:
    """``run`` is the end of a word that may be in ``words``; ``whole``: it is all the word."""
    folded = run.casefold()
    if whole:
        return folded in words
    return any(word.endswith(folded) for word in words)


def _may_follow_closing(before: str) -> bool:
    """The line ending ``before`` (or one of the two before it, past blank lines) may be a
    closing formula, for all that ``before`` shows (mirrors :func:`_context_strength`)."""
    for _ in range(3):
        newline = before.rfind("\n")
        line = before[newline + 1 :]
        if newline < 0:  # the start of the line is out of sight: judge by its end
            tail = line.strip().rstrip(",.!").strip()
            return not tail or _may_end(tail, False, _CLOSINGS)
        if line.strip():
            return line.strip().rstrip(",.!").strip().casefold() in _CLOSINGS
        before = before[:newline]
    return False


def _may_be_strong(key: str) -> bool:
    """:func:`_context_strength` may be non-``None`` after ``key``, whatever precedes it."""
    j = len(key)
    while j > 0 and key[j - 1] in " \t\u00a0":
        j -= 1
    if j == 0:
        return True
    c = key[j - 1]
    if c in ":=":
        return True
    if c == "\n":
        return _may_follow_closing(key[: j - 1])
    if c == ".":
        run = _alpha_suffix(key[: j - 1], slash=False)
        return _may_end(run, len(run) < j - 1, _ABBREVIATED_TITLES)
    if c.isalpha() or c == "/":
        run = _alpha_suffix(key[:j], slash=True)
        return _may_end(run, len(run) < j, _CONTEXT_WORDS)
    return False


def _may_be_inside(key: str) -> bool:
    """:func:`is_sentence_initial` may be ``False`` after ``key``, whatever precedes it."""
    i = len(key) - 1
    while i >= 0 and key[i] in _OPENERS:
        i -= 1
    return i < 0 or key[i] not in _SENTENCE_START


@functools.lru_cache(maxsize=1 << 16)
def _key_flags(key: str) -> int:
    """What ``key``, the characters before a capital, allows of that capital's position.

    Every flag over-approximates: a flag missing means the exact test, run on the whole
    text, cannot hold there. A key shorter than KEY_WIDTH means the text starts within it.
    """
    if len(key) < KEY_WIDTH:
        return _UNKNOWN
    if _LETTER_OR_DIGIT.fullmatch(key[-1]):
        return 0  # "McDonald": no token starts inside a word
    flags = _START
    if key[-1] in "-‐":
        flags |= _HYPHEN
    if _may_be_strong(key):
        flags |= _STRONG
    if _may_be_inside(key):
        flags |= _INSIDE
    return flags


@functools.lru_cache(maxsize=1 << 16)
def _may_name(piece: str, gaz: Gazetteer) -> bool:
    """A token that is ``piece`` can give a candidate without help from its position: an
    initial, a first name, or a surname (or surname-shaped word) that is no word or place."""
    if piece.endswith("."):
        return True
    first, surname, shaped, homograph, genitive, place = _classify(piece, gaz)
    return bool(first and not genitive) or ((surname or shaped) and not homograph and not place)


# Most capitals of prose start a sentence with a common word or name a place after "i",
# and no rule asks about them. Leaving them out of the one pass saves its cost per capital,
# in the regex engine and in every question after it.

SENTENCE_STARTERS = frozenset(
    {
        "alla", "aldrig", "alltid", "alltså", "andra", "annars", "antingen", "att", "av",
        "bara", "både", "båda", "dag", "de", "dem", "den", "denna", "denne", "deras", "dessa",
        "dessutom", "det", "detta", "dit", "dock", "du", "då", "där", "därefter", "däremot",
        "därför", "därmed", "efter", "eftersom", "eller", "en", "endast", "enligt", "ett",
        "fast", "flera", "fortfarande", "från", "först", "för", "förra", "genom", "hade",
        "han", "har", "hela", "hennes", "hit", "hon", "hur", "här", "ibland", "igen", "in",
        "ingen", "inget", "inga", "inom", "inte", "inför", "istället", "ja", "jag", "just",
        "kan", "kanske", "kommer", "liksom", "man", "med", "medan", "men", "mellan", "min",
        "mina", "mitt", "mot", "många", "nej", "ni", "nu", "när", "nästa", "några", "nog",
        "och", "också", "ofta", "om", "redan", "runt", "samma", "samtidigt", "sedan", "sen",
        "senare", "sista", "ska", "skulle", "slutligen", "snart", "som", "så", "till",
        "tidigare", "trots", "troligen", "tyvärr", "under", "ur", "ut", "utan", "vad",
        "var", "varför", "varje", "vem", "vi", "vid", "vidare", "vilka", "vilken", "vilket",
        "vår", "våra", "vårt", "år", "än", "ändå", "även", "åter", "över",
    }
)  # fmt: skip
"""Common words that begin Swedish sentences; those the gazetteer does not take for a name
are left out of the scan right after a sentence end (see :class:`QuietWords`)."""

# Words a place name often follows. None is a greeting, closing or title, nor ends like one
# (a test checks it), so a capital after one is in no strong position.
PLACE_LEADS = ("i", "på", "från", "till", "mot", "vid", "och", "norra", "södra", "västra", "östra")


@dataclass(frozen=True, slots=True)
class QuietWords:
    """Capitalised words whose capitals no question to :class:`NameScan` needs, where they
    stand: a promise made by whoever asks, which the scan uses to list fewer capitals.

    :param starters: words never taken for a name; left out right after ``.``, ``!`` or
        ``?`` and one space (not after an abbreviated title), where a capital starts a
        sentence and so can be neither a model trigger nor in a strong position.
    :param places: words never taken for a name nor a model trigger; left out after one of
        :data:`PLACE_LEADS` and one space, which puts them in no strong position.
    """

    starters: frozenset[str]
    places: frozenset[str]


@functools.cache
def quiet_words(gaz: Gazetteer) -> QuietWords:
    """The quiet words for the rules of this module and of :mod:`piiscan.names.combine` with
    ``gaz``: :data:`SENTENCE_STARTERS` and the one-word places, each capitalised, that
    :func:`_may_name` refuses (a place is never a model trigger)."""
    word = regex.compile(r"\p{Lu}\p{Ll}+")  # one piece of the scan, nothing else

    def quiet(words: Iterable[str]) -> frozenset[str]:
        capitalised = (w[:1].upper() + w[1:] for w in words)
        return frozenset(w for w in capitalised if word.fullmatch(w) and not _may_name(w, gaz))

    places = frozenset(w for w in quiet(gaz.places) if gaz.is_place(w))
    return QuietWords(starters=quiet(SENTENCE_STARTERS), places=places)


def _quiet_capital(quiet: QuietWords, lower: str) -> str:
    """A regex that holds, right after a capital, when the capital begins a quiet word in a
    quiet position. Each look back spans exactly KEY_WIDTH characters and the capital, so
    it never holds within KEY_WIDTH of the text's start and capitals with the same key and
    word are left out alike (which NameScan._positions relies on). The cheapest test comes
    first: each look back costs the engine about as much as listing a capital."""
    branches = []
    if quiet.starters:
        # Not after "Dr. ", "bitr. ", "Mrs. ": the last two letters of a word whose case
        # fold may be an abbreviated title ("ſ" folds to "s").
        branches.append(
            rf"(?<=.{{{KEY_WIDTH - 2}}}[.!?] .)(?<![dDtTmMrR][rRfFsSſ][.!?] .)"
            + _rest_of(quiet.starters)
        )
    if quiet.places:
        last_letters = "".join(sorted({lead[-1] for lead in PLACE_LEADS}))
        leads = "|".join(
            f"(?<={'.' * (KEY_WIDTH - len(seen))}{re.escape(seen)}.)"
            for seen in ((" " + lead + " ")[-KEY_WIDTH:] for lead in PLACE_LEADS)
        )
        branches.append(rf"(?<=[{last_letters}] .)(?:{leads}){_rest_of(quiet.places)}")
    if not branches:
        return "(?!)"
    return "(?:" + "|".join(branches) + f")(?!{lower})"


_Trie = dict[str, "_Trie"]


def _rest_of(words: Collection[str]) -> str:
    """A regex that, right after a capital, matches the rest of one of ``words``: a trie, so
    the engine reads each letter once instead of trying every word, with a look back at the
    capital where a word ends. Never matches when ``words`` is empty."""
    if not words:
        return "(?!)"
    trie: _Trie = {}
    for w in words:
        node = trie
        for letter in w[1:]:
            node = node.setdefault(letter, {})
        node.setdefault("", {}).setdefault(w[0], {})  # where a word ends: its capitals

    def alternatives(node: _Trie, depth: int) -> str:
        out = []
        for letter, child in sorted(node.items(), key=lambda item: (not item[0], item[0])):
            if letter:
                out.append(re.escape(letter) + alternatives(child, depth + 1))
            else:
                capitals = "".join(map(re.escape, sorted(child)))
                out.append(rf"(?<=[{capitals}].{{{depth}}})")
        return out[0] if len(out) == 1 else "(?:" + "|".join(out) + ")"

    return alternatives(trie, 0)


# Key flags that let a capital start a candidate or a model trigger.
_PLACED = _START | _STRONG
_INSIDE_START = _START | _INSIDE
# How far ahead of the tokenizer a position may be before it starts again nearer.
_RESTART = 256


# Reverse search for the last character before a position that no run can span.
_RUN_BREAK = regex.compile(r"(?r)[^\p{L} \t\u00a0\-‐.]|(?<=[^\p{Lu}])\.")


SMALL_TEXT = 512
"""Texts up to this many characters are tokenized whole; :class:`NameScan` pays off above."""


class NameScan:
    """The capitalised words of one text, found in one pass, and exact tokens on demand.

    Most capitals in prose start a sentence or a place name and can never be part of a
    name. One ``findall``, made at the first question, lists every capital with the
    KEY_WIDTH characters before it, less those the question's :class:`QuietWords` leave
    out; the rules ask, per distinct word and per distinct key, which capitals may matter,
    confirm the few flagged only by their key with the exact test, and tokenize only around
    the rest (:func:`token_runs`). Every answer equals the one read off all tokens.

    :param text: the text; a short one is tokenized whole.
    """

    __slots__ = (
        "_distinct",
        "_keys",
        "_left_out",
        "_listed",
        "_pieces",
        "_runs",
        "_starts",
        "text",
    )

    def __init__(self, text: str) -> None:
        self.text = text
        self._pieces: list[str] = []
        self._keys: list[str] = []
        self._listed = False  # the capitals are listed at the first question
        self._left_out: QuietWords | None = None  # the quiet words that listing left out
        self._runs: list[list[Token]] = []  # runs tokenized so far, in text order
        self._starts: list[int] = []  # their starts
        self._distinct: tuple[frozenset[str], dict[str, int]] | None = None

    def _list(self, quiet: QuietWords | None) -> None:
        """List the capitals, once; a question that promises other quiet words than the
        listing left out has every capital listed again."""
        if self._listed:
            if self._left_out is None or self._left_out == quiet:
                return
            quiet = None
        found = _pieces(self.text, quiet)
        self._pieces, self._keys = map(list, zip(*found, strict=True)) if found else ([], [])
        self._distinct = None
        self._listed, self._left_out = True, quiet

    def _kinds(self) -> tuple[frozenset[str], dict[str, int]]:
        """The distinct words, and the distinct keys with their flags."""
        if self._distinct is None:
            self._distinct = frozenset(self._pieces), {k: _key_flags(k) for k in set(self._keys)}
        return self._distinct

    def groups(
        self, may_name: Callable[[str], bool], quiet: QuietWords | None = None
    ) -> list[list[Token]]:
        """The runs of tokens that may hold a name candidate, in text order.

        :param may_name: true for a word that can give a candidate wherever it stands.
        :param quiet: words ``may_name`` refuses, whose capitals the scan may leave out.
        """
        if len(self.text) <= SMALL_TEXT:
            runs = self._all_runs()
            # The first run may be the whole text, a cell.
            return runs[:1] + [run for run in runs[1:] if self._may_yield(run, may_name)]
        self._list(quiet)
        pieces, keys = self._kinds()
        named = self._where({p for p in pieces if may_name(p)}, set())
        placed = {k for k, f in keys.items() if f & _HYPHEN or f & _PLACED == _PLACED}
        # The first capital: the whole text may be one cell.
        if self._pieces:
            named.add(0)
        wanted = []
        text = self.text
        for i, at in self._located(named | self._where(set(), placed)):
            # A key only says the position may be strong; the hyphen case needs the run.
            if (
                i in named
                or keys[self._keys[i]] & _HYPHEN
                or _context_strength(text, at) is not None
            ):
                wanted.append(at)
        return self._runs_at(wanted)

    def tokens(
        self, may_trigger: Callable[[str], bool], quiet: QuietWords | None = None
    ) -> list[Token]:
        """The word tokens that may stand inside a sentence and pass ``may_trigger``.

        :param may_trigger: false for a word that can never be one of these tokens.
        :param quiet: words whose capitals the scan may leave out; ``may_trigger`` refuses
            its places.
        """
        if len(self.text) <= SMALL_TEXT:
            return [
                t
                for run in self._all_runs()
                for t in run
                if t.kind == "word" and may_trigger(t.text)
            ]
        self._list(quiet)
        pieces, keys = self._kinds()
        words = {p for p in pieces if not p.endswith(".") and may_trigger(p)}
        inside = {k for k, f in keys.items() if f & _INSIDE_START == _INSIDE_START}
        # After a hyphen the word to test is the whole "Per-Olof", not the piece "Olof".
        hyphen = self._where(set(), {k for k, f in keys.items() if f & _HYPHEN})
        positions = []
        text = self.text
        for i, at in self._located(hyphen | self._where(words, inside, both=True)):
            if i in hyphen or not is_sentence_initial(text, at):
                positions.append(at)
        return [t for run in self._runs_at(positions) for t in run if _holds(t, positions)]

    def _all_runs(self) -> list[list[Token]]:
        """Every run of the text (kept for a second question)."""
        if not self._runs:
            self._runs = token_runs(self.text)
            self._starts = [run[0].start for run in self._runs]
        return self._runs

    def _may_yield(self, run: list[Token], may_name: Callable[[str], bool]) -> bool:
        """``run`` holds a word that may name someone or a token in a strong position."""
        text = self.text
        for tok in run:
            if tok.kind == "particle":
                continue
            if may_name(tok.text):
                return True
            key = text[tok.start - KEY_WIDTH : tok.start] if tok.start >= KEY_WIDTH else ""
            if (
                _key_flags(key) & _PLACED == _PLACED
                and _context_strength(text, tok.start) is not None
            ):
                return True
        return False

    def _where(self, pieces: set[str], keys: set[str], *, both: bool = False) -> set[int]:
        """Indices of the capitals whose word is in ``pieces`` and/or whose key is in ``keys``."""
        if both:
            if not pieces or not keys:
                return set()
            by_key = list(compress(count(), map(keys.__contains__, self._keys)))
            return set(
                compress(by_key, map(pieces.__contains__, map(self._pieces.__getitem__, by_key)))
            )
        out: set[int] = set()
        if pieces:
            out.update(compress(count(), map(pieces.__contains__, self._pieces)))
        if keys:
            out.update(compress(count(), map(keys.__contains__, self._keys)))
        return out

    def _located(self, indices: Iterable[int]) -> Iterator[tuple[int, int]]:
        """``(index, position)`` of these capitals, in text order."""
        ordered = sorted(indices)
        return zip(ordered, self._positions(ordered), strict=True)

    def _positions(self, indices: Iterable[int]) -> list[int]:
        """Where the capitals with these indices stand, found again in one forward sweep."""
        text, pieces, keys = self.text, self._pieces, self._keys
        find, out, last = text.find, [], -1
        for i in sorted(indices):
            piece, key = pieces[i], keys[i]
            # Capitals with the same word and key are flagged alike, so the first place
            # after the last one found where key and word stand is this capital's, unless
            # the word goes on there (a longer word) or, with no key, it stands too late.
            needle = key + piece
            limit = len(text) if key else KEY_WIDTH - 1 + len(piece)
            at = find(needle, max(0, last + 1 - len(key)), limit)
            while at >= 0 and (at + len(key) <= last or _goes_on(text, at + len(needle), piece)):
                at = find(needle, at + 1, limit)
            if at < 0:  # cannot happen while the scan and the text agree
                continue
            last = at + len(key)
            out.append(last)
        return out

    def _runs_at(self, positions: Sequence[int]) -> list[list[Token]]:
        """The runs that cover one of ``positions`` (sorted), each once, in text order."""
        out: list[list[Token]] = []
        text, resume = self.text, 0  # no run spans ``resume`` or starts between it and ``at``
        spans: Iterator[regex.Match[str]] = iter(())
        ahead: regex.Match[str] | None = None  # the next match of ``spans``, already read
        read_to = -1  # where ``spans`` has read to; -1: nowhere yet
        for at in positions:
            if at < resume:
                continue
            known = self._known_run(at)
            if known is not None:
                out.append(known)
                resume = known[-1].end
                continue
            if read_to < 0 or at - read_to > _RESTART:
                # No run spans a character that is neither a letter, a space, a hyphen nor
                # the full stop of an initial, so the search can start right after one.
                found = _RUN_BREAK.search(text, resume, at)
                spans, ahead = _RUN.finditer(text, found.end() if found else resume), None
            while ahead is None or ahead.end() <= at:
                ahead = next(spans, None)
                if ahead is None:
                    break
            if ahead is None:
                read_to = resume = len(text)
                continue
            read_to = ahead.end()
            if ahead.start() <= at:
                run = _run_of(text, ahead)
                out.append(run)
                self._remember(run)
                resume, ahead = ahead.end(), None
            else:
                resume = ahead.start()
        return out

    def _known_run(self, at: int) -> list[Token] | None:
        """A run tokenized earlier that covers ``at``."""
        i = bisect.bisect_right(self._starts, at) - 1
        if i >= 0 and at < self._runs[i][-1].end:
            return self._runs[i]
        return None

    def _remember(self, run: list[Token]) -> None:
        i = bisect.bisect_left(self._starts, run[0].start)
        if i == len(self._starts) or self._starts[i] != run[0].start:
            self._starts.insert(i, run[0].start)
            self._runs.insert(i, run)


@functools.cache
def core_rules(gaz: Gazetteer) -> _core.NameRules:
    """The compiled core's name scan for ``gaz`` and the word lists of this module, built
    once per gazetteer."""
    return _core.NameRules(
        dict(gaz.first_names),
        sorted(gaz.surnames),
        sorted(gaz.homographs),
        sorted(gaz.places),
        list(SURNAME_SUFFIXES),
        list(STREET_ENDINGS),
        sorted(_FIELD_LABELS),
        sorted(_CLOSINGS),
        sorted(_CLOSING_WORDS),
        sorted(_GREETINGS),
        sorted(_TITLES),
        sorted(_ABBREVIATED_TITLES),
    )


class CoreScan:
    """The name candidates of one text and its model triggers, as the compiled core reads
    them in one pass.

    The core tokenizes the whole text, keeps the runs that may hold a candidate (a word that
    may name someone wherever it stands, or a token in a strong position, and the first run),
    weighs them into candidates, and lists the words inside sentences that may send their
    sentence to the model: what the rules would read off every token
    (``tests/names/test_scan.py`` checks that), at a fraction of :class:`NameScan`'s cost.

    :param text: the text; a lone surrogate in it is read as U+FFFD (same offsets).
    :param gaz: the gazetteer the rules use.
    """

    __slots__ = ("_candidates", "_gaz", "_groups", "_triggers", "found", "text", "windows")

    def __init__(self, text: str, gaz: Gazetteer) -> None:
        self.text = text
        self._gaz = gaz
        self._groups: list[list[Token]] | None = None
        self._candidates: list[NameCandidate] | None = None
        found, self._triggers, windows = core_rules(gaz).scan_weigh(_for_core(text))
        self.found: list[tuple[int, int, int, str, bool]] = found
        """The candidates as the core gives them: ``(start, end, strength, evidence,
        gazetteer_hit)``, what :func:`piiscan.names.combine.combine_found` takes."""
        self.windows: list[tuple[int, int]] = windows
        """Where the model must read, for these candidates
        (:func:`~piiscan.names.combine.model_windows`)."""

    @property
    def candidates(self) -> list[NameCandidate]:
        """The name candidates, in text order (:func:`find_candidates`), made on first use."""
        if self._candidates is None:
            self._candidates = _candidates(self.found)
        return self._candidates

    @property
    def triggers(self) -> list[Token]:
        """Word tokens inside a sentence that are no homograph, place or street name."""
        text = self.text
        make = tuple.__new__  # Token(...) without the Python-level __new__ of a NamedTuple
        return [make(Token, (at, end, text[at:end], "word")) for at, end in self._triggers]

    @property
    def groups(self) -> list[list[Token]]:
        """The runs that may hold a name candidate, in text order (read on first use)."""
        if self._groups is None:
            text = self.text
            make = tuple.__new__
            self._groups = [
                [make(Token, (at, end, text[at:end], kind)) for at, end, kind in run]
                for run in core_rules(self._gaz).scan(_for_core(text))[0]
            ]
        return self._groups


def _goes_on(text: str, end: int, piece: str) -> bool:
    """The word ``piece`` ending at ``end`` goes on with lower-case letters there."""
    return (
        piece[-1] != "." and text[end : end + 1].isalpha() and _LOWER.match(text, end) is not None
    )


def _holds(token: Token, positions: Sequence[int]) -> bool:
    """One of ``positions`` (sorted) falls within ``token``."""
    at = bisect.bisect_left(positions, token.start)
    return at < len(positions) and positions[at] < token.end


def find_candidates(
    text: str,
    gaz: Gazetteer,
    toks: Sequence[Token] | None = None,
    *,
    scan: NameScan | CoreScan | None = None,
) -> list[NameCandidate]:
    """Every name candidate in ``text``, in text order.

    The runs of tokens are weighed by the compiled core (``core/src/names_weigh.rs``, the one
    copy of the rules in this module's docstring).

    :param toks: the tokens to use (``tokens(text)`` gives the same candidates as none).
    :param scan: a :class:`CoreScan` (the default) or :class:`NameScan` of ``text`` when the
        caller has one already; without ``toks`` only the runs a scan flags are read, which
        gives the same candidates as all of them.

    Candidates with ``gazetteer_hit=False`` and :attr:`Strength.LOW` are capitalised words
    in a name position that only outside evidence (a model, a column name) can confirm.
    """
    if toks is not None:
        groups = runs(text, toks)
    elif isinstance(scan, NameScan):
        groups = scan.groups(lambda piece: _may_name(piece, gaz), quiet_words(gaz))
    else:
        return (scan if scan is not None else CoreScan(text, gaz)).candidates
    found = core_rules(gaz).weigh(
        _for_core(text), [[(t.start, t.end, t.kind) for t in group] for group in groups]
    )
    return _candidates(found)


def _candidates(found: Iterable[tuple[int, int, int, str, bool]]) -> list[NameCandidate]:
    """The core's ``(start, end, strength, evidence, gazetteer_hit)`` as candidates."""
    return [
        NameCandidate(
            start=start,
            end=end,
            strength=_STRENGTHS[strength],
            evidence=_EVIDENCE[evidence],
            gazetteer_hit=hit,
        )
        for start, end, strength, evidence, hit in found
    ]


_STRENGTHS = {int(s): s for s in Strength}
_EVIDENCE = {e.value: e for e in Evidence}
_SURROGATE = regex.compile("[\ud800-\udfff]")


#: The last text :func:`_for_core` found free of lone surrogates: the engine hands the same
#: text to the scan, the combination and the context words, and the check encodes it whole.
_CLEAN: list[str] = [""]


def _for_core(text: str) -> str:
    """``text`` as the core can take it: a lone surrogate (a JSON ``"\\ud800"`` escape)
    becomes U+FFFD, which the rules read alike (neither a letter, a digit nor a space), at
    the same offset."""
    if text is _CLEAN[0]:
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return str(_SURROGATE.sub("\ufffd", text))
    _CLEAN[0] = text
    return text


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


@functools.lru_cache(maxsize=1 << 10)  # a sheet or dump asks about its few columns per cell
def is_name_column(label: str) -> bool:
    """``label`` (a column name or mail header) says its values are people's names.

    ``Namn``, ``Förnamn``, ``efternamn``, ``Kontaktperson``, ``first_name``, ``Från`` are;
    ``Företagsnamn``, ``Filnamn``, ``user_name``, ``Produktnamn`` are not.
    """
    key = label.strip().replace("_", " ").replace("-", " ")
    if not key or _NOT_NAME_COLUMN.search(key):
        return False
    return _NAME_COLUMN.search(key) is not None
