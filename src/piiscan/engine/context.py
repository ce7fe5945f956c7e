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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import regex

SHORT_STEM = 4


@dataclass(frozen=True, slots=True)
class ContextMatcher:
    """Finds any of a recognizer's context stems in a piece of text."""

    stems: tuple[str, ...]
    _pattern: regex.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        parts = []
        for stem in sorted(self.stems, key=len, reverse=True):
            head = stem.startswith("*")
            escaped = regex.escape(stem.lstrip("*"))
            if head:
                parts.append(rf"(?<![\d]){escaped}(?![\p{{L}}])")
            elif len(stem) <= SHORT_STEM:
                parts.append(rf"(?<![\p{{L}}\d]){escaped}(?![\p{{L}}])")
            else:
                parts.append(escaped)
        compiled = regex.compile("|".join(parts), regex.IGNORECASE) if parts else None
        object.__setattr__(self, "_pattern", compiled)

    def search(self, text: str, start: int = 0, end: int | None = None) -> str | None:
        """The first context stem in ``text[start:end]`` (case-insensitive), else ``None``.

        Word boundaries look past ``start`` and ``end``, so a window never cuts a word into
        a short stem.
        """
        if self._pattern is None or not text:
            return None
        match = self._pattern.search(text, start, len(text) if end is None else end)
        return match.group(0).lower() if match else None

    def last_end(self, text: str, start: int, end: int) -> int | None:
        """Where the last stem found in ``text[start:end]`` ends, else ``None``."""
        if self._pattern is None or start >= end:
            return None
        found = None
        for match in self._pattern.finditer(text, start, end):
            found = match.end()
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
