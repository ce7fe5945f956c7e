"""Split long text into overlapping windows so no match is lost at a border."""

from __future__ import annotations

from collections.abc import Iterator

#: Window size and overlap for the recognizers that still run in Python (names, patterns
#: beyond the core's subset, presidio's). The engine owns them: how extractors cut a file into
#: segments is :class:`piiscan.extractors.base.Limits`' business, not the engine's.
WINDOW_CHARS = 64 * 1024
#: Longer than any identifier, so a match across a border ends inside one window.
WINDOW_OVERLAP = 256


def chunks(text: str, size: int, overlap: int) -> Iterator[tuple[int, int, str]]:
    """Yield ``(offset, owned_until, chunk)`` windows covering ``text``.

    Each chunk starts at ``offset`` and reaches ``overlap`` characters past the next chunk's
    start, so a match shorter than ``overlap`` that starts in a chunk's own region ends inside
    it. A finding belongs to the chunk whose ``[offset, owned_until)`` holds its start.
    Borders move back to the nearest white space so words are not cut.
    """
    length = len(text)
    if length <= size:
        yield 0, length, text
        return
    offset = 0
    while offset < length:
        owned_until = min(offset + size, length)
        if owned_until < length:
            space = text.rfind(" ", offset + size // 2, owned_until)
            newline = text.rfind("\n", offset + size // 2, owned_until)
            cut = max(space, newline)
            if cut > offset:
                owned_until = cut + 1
        end = min(owned_until + overlap, length)
        yield offset, owned_until, text[offset:end]
        offset = owned_until
