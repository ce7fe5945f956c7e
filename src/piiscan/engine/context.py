"""Context words near a match, found in time linear in the size of the window.

presidio's own enhancer rescans the whole token list for every result (quadratic in hits ×
tokens) and needs lemmas that no installable Swedish model gives. Here each recognizer looks
only at a fixed window of characters around its match, plus the words passed from outside
(a column name, a mail header name).

Swedish compounds put the head last (``mobiltelefonnummer``, ``kundpersonnummer``), so a
context stem longer than four characters matches anywhere inside a word; a short one
(``tel``, ``pnr``, ``ocr``) only as a whole word, or ``hotell`` would count as a phone hint.
A short stem written with a leading ``*`` (``*kort``) also matches as the head of a
compound (``företagskort``, ``betalkort``), never inside one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

SHORT_STEM = 4


@dataclass(frozen=True, slots=True)
class ContextMatcher:
    """Finds any of a recognizer's context stems in a piece of text.

    The stems are one case-sensitive alternation run over the lower-cased window (the
    standard ``re`` module finds a literal alternation several times faster than a
    case-insensitive one with boundary lookarounds); word boundaries of short stems are
    checked on the few hits.
    """

    stems: tuple[str, ...]
    _pattern: re.Pattern[str] | None = field(init=False, repr=False, compare=False)
    _rules: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        rules: dict[str, str] = {}
        for stem in self.stems:
            word = stem.lstrip("*").lower()
            if stem.startswith("*"):
                rules[word] = "head"
            elif len(word) <= SHORT_STEM:
                rules.setdefault(word, "word")
            else:
                rules[word] = "inside"
        ordered = sorted(rules, key=len, reverse=True)
        compiled = re.compile("|".join(re.escape(w) for w in ordered)) if ordered else None
        object.__setattr__(self, "_pattern", compiled)
        object.__setattr__(self, "_rules", rules)

    @property
    def rules(self) -> tuple[tuple[str, str], ...]:
        """``(stem, rule)`` pairs, ``rule`` being ``inside``, ``word`` or ``head``: what the
        compiled core is given, so the rules are decided here, once."""
        return tuple(self._rules.items())

    def _hits(self, text: str, start: int, end: int) -> Iterable[re.Match[str]]:
        """Stems in ``text[start:end]`` whose boundaries hold; positions relative to start-1."""
        if self._pattern is None or start >= end:
            return
        # One character of margin on each side, so boundaries see the real neighbours.
        low = start - 1 if start > 0 else 0
        window = text[low : end + 1].lower()
        first, stop = start - low, len(window) - (1 if end < len(text) else 0)
        rules = self._rules
        for match in self._pattern.finditer(window, first, stop):
            rule = rules[match.group()]
            if rule != "inside":
                before = window[match.start() - 1] if match.start() > 0 else " "
                after = window[match.end()] if match.end() < len(window) else " "
                if after.isalpha() or before.isdigit():
                    continue
                if rule == "word" and before.isalpha():
                    continue
            yield match

    def search(self, text: str, start: int = 0, end: int | None = None) -> str | None:
        """The first context stem in ``text[start:end]`` (case-insensitive), else ``None``.

        Word boundaries look past ``start`` and ``end``, so a window never cuts a word into
        a short stem.
        """
        for match in self._hits(text, start, len(text) if end is None else end):
            return match.group()
        return None

    def last_end(self, text: str, start: int, end: int) -> int | None:
        """Where the last stem found in ``text[start:end]`` ends, else ``None``."""
        found = None
        low = start - 1 if start > 0 else 0
        for match in self._hits(text, start, end):
            found = low + match.end()
        return found

    def search_any(self, texts: Iterable[str]) -> str | None:
        """The first stem found in any of ``texts``."""
        for text in texts:
            # Column and key names are often snake_case: "org_nr" reads as "org nr".
            found = self.search(text.replace("_", " "))
            if found:
                return found
        return None

    def near(
        self, text: str, start: int, end: int, window: tuple[int, int], extra: Sequence[str] = ()
    ) -> str | None:
        """A stem within ``window`` characters before/after ``text[start:end]``, or in ``extra``."""
        if self._pattern is None:
            return None
        before, after = window
        found = self.search(text, max(0, start - before), start)
        if found is None and after:
            found = self.search(text, end, min(len(text), end + after))
        if found is None and extra:
            found = self.search_any(extra)
        return found
