"""The bundled Swedish name gazetteer: SCB first names and surnames, and name homographs.

Files in ``piiscan/data/names/`` (built by ``training/build_gazetteer.py``; sources and licence
in ``SOURCES.md`` there):

- ``first_names.tsv``: tilltalsnamn (the first name in use) with at least 10 bearers in
  Sweden on 2020-12-31, with the number of bearers (SCB, CC BY 4.0);
- ``surnames.tsv``: the 1,000 most common surnames (SCB 2019), with bearers;
- ``places.txt``: Swedish localities (postorter) and some country and region names;
- ``homographs.txt``: names that are also common words (``per``, ``bo``, ``hans``, ``lund``,
  ``berg``, ``glad``) or mostly a place or organisation; a gazetteer hit on one of these
  alone is no evidence of a person.

Look-ups are on the case-folded form, diacritics kept (``Åsa`` and ``Asa`` are different
names in the statistics).

.. versionadded:: 0.1
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources

import regex

_DATA_PACKAGE = "piiscan.data"
# Swedish surname endings; a capitalised word ending so, next to a first name, is a surname.
SURNAME_SUFFIXES: tuple[str, ...] = (
    "sson", "son", "berg", "ström", "strom", "lund", "qvist", "kvist", "quist", "gren", "dahl",
    "dal", "holm", "blad", "stedt", "stam", "borg", "bäck", "beck", "ling", "fors",
    "hed", "rud", "by", "ås", "näs", "sjö", "mark", "man", "lind", "ander", "ius", "én", "ér",
    "éhn", "ell", "gård", "vall", "hult", "strand", "wall", "quist", "sky",
    "ski", "ska", "ic", "ić", "ovic", "ović", "ini", "elli", "oglu", "ian", "yan",
)  # fmt: skip
_SURNAME_SHAPE = regex.compile(
    r"\p{Lu}\p{Ll}{1,}(?:" + "|".join(sorted(set(SURNAME_SUFFIXES), key=len, reverse=True)) + r")"
)


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class Gazetteer:
    """First names and surnames with their number of bearers, and the homograph set.

    Keys are case-folded. Build it once (:func:`bundled_gazetteer`) and pass it in. Equality
    and hashing are by identity, so look-ups can be cached per gazetteer.
    """

    first_names: Mapping[str, int] = field(repr=False)
    surnames: Mapping[str, int] = field(repr=False)
    homographs: frozenset[str] = field(repr=False)
    places: frozenset[str] = field(default=frozenset(), repr=False)

    def first_name_bearers(self, word: str) -> int:
        """Bearers of ``word`` as a first name (0 when unknown); hyphenated names such as
        ``Anna-Karin`` count when every part is a first name (the least common part counts)."""
        key = word.casefold()
        found = self.first_names.get(key)
        if found is not None:
            return found
        if "-" in key:
            parts = [self.first_names.get(p, 0) for p in key.split("-")]
            return min(parts) if parts and all(parts) else 0
        return 0

    def is_known_surname(self, word: str) -> bool:
        """``word`` is one of the top-1000 surnames (every part of a hyphenated one)."""
        key = word.casefold()
        return key in self.surnames or (
            "-" in key and all(p in self.surnames for p in key.split("-"))
        )

    def is_surname_shaped(self, word: str) -> bool:
        """``word`` is capitalised and ends like a Swedish surname (``-sson``, ``-berg`` ...).

        Only evidence next to a first name: ``Lindberg`` alone can be a place.
        """
        parts = word.split("-")
        if word.casefold().endswith("person"):  # "Kontaktperson" is no -son surname
            return False
        return all(len(p) >= 4 and _SURNAME_SHAPE.fullmatch(p) is not None for p in parts)

    def is_homograph(self, word: str) -> bool:
        """``word`` (or a part of a hyphenated word) is also a common word, place or org."""
        key = word.casefold()
        return key in self.homographs

    def is_place(self, word: str) -> bool:
        """``word`` is a Swedish locality or a country/region name."""
        return word.casefold() in self.places

    @property
    def sizes(self) -> tuple[int, int, int, int]:
        """Counts of first names, surnames, homographs and places (no names)."""
        return len(self.first_names), len(self.surnames), len(self.homographs), len(self.places)


def parse_counts(text: str) -> dict[str, int]:
    """``name<TAB>count`` lines to a case-folded mapping (counts of equal keys added)."""
    out: dict[str, int] = {}
    for line in text.splitlines():
        name, _, count = line.partition("\t")
        if name and count:
            key = name.casefold()
            out[key] = out.get(key, 0) + int(count)
    return out


def parse_words(text: str) -> frozenset[str]:
    """One word a line, ``#`` comments and blank lines ignored; case-folded."""
    return frozenset(
        line.strip().casefold()
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    )


@functools.cache
def bundled_gazetteer() -> Gazetteer:
    """The gazetteer shipped in ``piiscan/data/names`` (read on first use, then cached)."""
    base = resources.files(_DATA_PACKAGE).joinpath("names")
    return Gazetteer(
        first_names=parse_counts(base.joinpath("first_names.tsv").read_text(encoding="utf-8")),
        surnames=parse_counts(base.joinpath("surnames.tsv").read_text(encoding="utf-8")),
        homographs=parse_words(base.joinpath("homographs.txt").read_text(encoding="utf-8")),
        places=parse_words(base.joinpath("places.txt").read_text(encoding="utf-8")),
    )
