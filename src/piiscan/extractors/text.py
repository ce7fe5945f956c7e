"""Plain text: decoding policy, binary detection and the chunked text extractor.

Decoding never replaces bytes blindly. The policy, in order:

1. a byte-order mark (UTF-8, UTF-32 LE/BE, UTF-16 LE/BE) decides;
2. UTF-32 without a BOM when nearly every 4-byte unit has the NUL pattern of a character
   below U+10000 (two NULs on the high side), and the sample decodes strictly as UTF-32;
3. UTF-16 without a BOM when the NUL bytes sit almost only at odd (LE) or even (BE) offsets,
   and the sample decodes strictly as UTF-16. This comes before UTF-8, because UTF-16 of
   ASCII-only text is also valid UTF-8 (every other byte a NUL) and would be read as that;
4. strict UTF-8 (a sequence cut at the very end of a sample still counts as UTF-8);
5. a legacy single-byte code page from the Swedish short list (cp1252, cp850, mac-roman):
   chardet, restricted to those candidates, nominates one, and a small plausibility score
   (Swedish letters up, control characters and stray symbols down) picks among the
   candidates that decode strictly. ISO-8859-1/-15 are read as cp1252, because Windows
   files use 0x80–0x9F for “ ” – € where Latin-1 has control characters;
6. Latin-1, which maps every byte, so decoding always succeeds losslessly.

:func:`extract_text` reads a file in blocks and yields one :class:`~piiscan.model.Segment`
for a file that fits in ``limits.chunk_chars`` characters (locator empty: offsets are into
the whole file), and otherwise one segment per chunk with locator ``line=N``, ``N`` being the
1-based line of the chunk's first character. Chunks end at a line break when one lies in
the second half of the window, and the next chunk starts right after it: identifiers do not
span lines, and an overlap would report a value twice. Only a window with no line break in
its second half (a very long line) overlaps the next by ``limits.chunk_overlap`` characters,
so a value across that border is seen whole in one of them.

.. versionadded:: 0.1
"""

from __future__ import annotations

import codecs
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import chardet

from piiscan.errors import UnsupportedError
from piiscan.extractors.base import Blob, Limits
from piiscan.locator import join
from piiscan.model import Segment

__all__ = [
    "TextChunk",
    "decode_text",
    "detect_encoding",
    "extract_text",
    "iter_lines",
    "looks_binary",
    "read_text",
    "text_chunks",
]

SAMPLE_BYTES = 64 * 1024
"""How much of a file decides its encoding."""

BINARY_SAMPLE_BYTES = 8 * 1024

_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 before UTF-16: the UTF-32 LE mark starts with the UTF-16 LE mark.
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

_LEGACY_CANDIDATES = ("cp1252", "cp850", "mac-roman")
_CHARDET_CANDIDATES = ("cp1252", "iso8859-15", "cp850", "cp437", "mac-roman")
_CHARDET_TO_CODEC = {
    "windows-1252": "cp1252",
    "cp1252": "cp1252",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso-8859-15": "cp1252",
    "iso8859-15": "cp1252",
    "latin-1": "cp1252",
    "ascii": "cp1252",
    "cp850": "cp850",
    "ibm850": "cp850",
    "cp437": "cp850",  # same Swedish letters; cp850 has more of the Western ones
    "ibm437": "cp850",
    "macroman": "mac-roman",
    "mac-roman": "mac-roman",
    "mac_roman": "mac-roman",
}
_SWEDISH_LETTERS = frozenset("åäöÅÄÖéÉüÜæÆøØ")
_COMMON_SYMBOLS = frozenset("“”‘’„–—…€£§°«»½·×´¨©®™•")
_TEXT_CONTROLS = frozenset("\t\n\r\f\v\b\x1b")
# Every byte but the control characters text does not use: deleting these from a sample
# leaves its control bytes, counted in C rather than byte by byte in Python.
_NOT_CONTROL_BYTES = bytes(
    b for b in range(256) if not ((b < 0x20 and chr(b) not in _TEXT_CONTROLS) or b == 0x7F)
)


def _bom_encoding(data: bytes) -> str | None:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    return None


def _decodes_to_text(sample: bytes, encoding: str, *, truncated: bool) -> bool:
    """Whether ``sample`` decodes strictly (a unit cut at the end of a prefix is allowed) to
    something that reads as text: at most 10 % control characters other than the usual ones
    (tables of small binary integers have the NUL pattern of UTF-16 or UTF-32 too)."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        text = decoder.decode(sample, final=not truncated)
    except UnicodeDecodeError:
        return False
    controls = sum(
        1 for char in text if char not in _TEXT_CONTROLS and unicodedata.category(char) == "Cc"
    )
    return controls <= 0.1 * max(len(text), 1)


def _utf32_without_bom(data: bytes, *, truncated: bool = True) -> str | None:
    """``utf-32-le``/``utf-32-be`` when nearly every 4-byte unit is a BMP character."""
    sample = data[:BINARY_SAMPLE_BYTES]
    units = len(sample) // 4
    if units < 1:
        return None
    # Each unit counted below holds two NUL bytes: too few NULs in all rule both orders out
    # (most text has none) before the units are walked in Python.
    if sample.count(0) < 1.8 * units:
        return None
    cut = truncated or len(data) > units * 4
    sample = sample[: units * 4]
    # A character below U+10000 has two NUL bytes on its high side; a text character is
    # never NUL itself, so the low side is not all NUL.
    units_at = range(0, len(sample), 4)
    high_le = sum(
        1 for i in units_at if sample[i + 2] == 0 == sample[i + 3] and sample[i : i + 2] != b"\0\0"
    )
    high_be = sum(
        1 for i in units_at if sample[i] == 0 == sample[i + 1] and sample[i + 2 : i + 4] != b"\0\0"
    )
    for high, encoding in ((high_le, "utf-32-le"), (high_be, "utf-32-be")):
        if high >= 0.9 * units and _decodes_to_text(sample, encoding, truncated=cut):
            return encoding
    return None


def _utf16_without_bom(data: bytes, *, truncated: bool = True) -> str | None:
    """``utf-16-le``/``utf-16-be`` when the NUL pattern of ASCII-heavy UTF-16 shows."""
    sample = data[:BINARY_SAMPLE_BYTES]
    pairs = len(sample) // 2
    if pairs < 1:
        return None
    sample = sample[: pairs * 2]
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    # Latin text in UTF-16 has a NUL in nearly every other byte and almost none between.
    if odd_nuls >= 0.4 * pairs and even_nuls <= 0.05 * pairs:
        encoding = "utf-16-le"
    elif even_nuls >= 0.4 * pairs and odd_nuls <= 0.05 * pairs:
        encoding = "utf-16-be"
    else:
        return None
    # A cut sample may end inside a surrogate pair; the prefix taken here may too.
    cut = truncated or len(data) > len(sample)
    return encoding if _decodes_to_text(sample, encoding, truncated=cut) else None


def _wide_without_bom(data: bytes, *, truncated: bool = True) -> str | None:
    """UTF-32 or UTF-16 without a BOM, recognised by where the NUL bytes sit."""
    return _utf32_without_bom(data, truncated=truncated) or _utf16_without_bom(
        data, truncated=truncated
    )


def _is_utf8(data: bytes, *, truncated: bool) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        # A sample may end inside a multi-byte sequence; that is not evidence against UTF-8.
        cut = error.start >= len(data) - 3 and error.reason == "unexpected end of data"
        return truncated and cut
    return True


def _plausibility(text: str) -> int:
    """How Swedish-looking a decoding is: letters count up, controls and oddities down."""
    score = 0
    for char in text:
        if char.isascii():
            if (char < " " and char not in _TEXT_CONTROLS) or char == "\x7f":
                score -= 5
            continue
        if char in _SWEDISH_LETTERS:
            score += 2
        elif char in _COMMON_SYMBOLS:
            continue
        elif unicodedata.category(char) == "Cc":
            score -= 5
        elif not char.isalpha():
            score -= 3
    return score


def _legacy_encoding(sample: bytes) -> str:
    """The legacy code page that reads ``sample`` most plausibly; chardet's nominee wins a tie.

    chardet only orders the candidates (every codec it can name maps to one of them), so it
    is asked only when the best score is shared: it costs more than the scoring (0.25 ms for
    a mail header) and most samples have one clear best.
    """
    scores: dict[str, int] = {}
    for candidate in _LEGACY_CANDIDATES:
        try:
            text = sample.decode(candidate)
        except UnicodeDecodeError:
            continue
        scores[candidate] = _plausibility(text)
    if not scores:
        return "latin-1"
    best_score = max(scores.values())
    best = [candidate for candidate, score in scores.items() if score == best_score]
    if len(best) == 1:
        return best[0]
    nominated = chardet.detect(
        sample, include_encodings=_CHARDET_CANDIDATES, prefer_superset=True
    ).get("encoding")
    first = _CHARDET_TO_CODEC.get(str(nominated).lower(), "cp1252")
    return first if first in best else best[0]


def detect_encoding(sample: bytes, *, truncated: bool = False) -> str:
    """The codec name to decode a text with, by the policy in the module docstring.

    :param sample: the text's first bytes (or all of them).
    :param truncated: the sample is a prefix of a longer text, so a multi-byte sequence cut
        at its end is not an error.
    :returns: a Python codec name that decodes ``sample`` (up to a cut sequence) strictly.
    """
    bom = _bom_encoding(sample)
    if bom is not None:
        return bom
    wide = _wide_without_bom(sample, truncated=truncated)
    if wide is not None:
        return wide
    if _is_utf8(sample, truncated=truncated):
        return "utf-8"
    return _legacy_encoding(sample[:SAMPLE_BYTES])


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode bytes of unknown encoding without replacing any.

    :param data: the whole text.
    :returns: the text and the codec name used (``utf-8``, ``utf-8-sig``, ``utf-16``,
        ``utf-16-le``, ``utf-32-le``, ``cp1252``, ``cp850``, ``mac-roman``, ``latin-1``).
    """
    encoding = detect_encoding(data)
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError:
        # Only a UTF-16/32 guess or a legacy guess made on the first 8/64 KB can fail here.
        encoding = _legacy_encoding(data)
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            return data.decode("latin-1"), "latin-1"


def looks_binary(data: bytes) -> bool:
    """True when the first 8 KB look like binary data rather than text.

    UTF-16/32 text (with a BOM, or with the NUL pattern of UTF-16 or UTF-32) is text.
    Otherwise any NUL byte, or more than 10 % control characters other than tab, line breaks,
    form feed, backspace and escape, means binary.

    :param data: the first bytes of an object (more is ignored).
    """
    sample = data[:BINARY_SAMPLE_BYTES]
    if not sample:
        return False
    if _bom_encoding(sample) is not None or _wide_without_bom(data) is not None:
        return False
    if 0 in sample:
        return True
    controls = len(sample.translate(None, _NOT_CONTROL_BYTES))
    return controls > 0.1 * len(sample)


def read_text(blob: Blob, *, block_bytes: int = SAMPLE_BYTES) -> tuple[str, Iterator[str]]:
    """Open a text object and decode it incrementally.

    The encoding is chosen on the first 64 KB. Should a later block not decode with it (a
    file that is UTF-8 at the top and cp1252 further down), the rest is decoded with the
    legacy code page chosen on that block — still without replacement characters.

    :param blob: the object.
    :param block_bytes: bytes read per step.
    :returns: the encoding chosen at the start and an iterator of decoded pieces.
    :raises UnsupportedError: the object looks binary.
    """
    head = blob.read(SAMPLE_BYTES)
    if looks_binary(head):
        raise UnsupportedError("binary content")
    encoding = detect_encoding(head, truncated=len(head) == SAMPLE_BYTES)
    return encoding, _decode_blocks(blob, encoding, block_bytes)


def _decode_blocks(blob: Blob, encoding: str, block_bytes: int) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    with blob.opener() as stream:
        while block := stream.read(block_bytes):
            try:
                piece = decoder.decode(block)
            except UnicodeDecodeError:
                decoder, piece = _switch_to_legacy(decoder.getstate()[0] + block)
            if piece:
                yield piece
        try:
            tail = decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            # Bytes cut mid-character at the end (an odd last byte of UTF-16): found by fuzzing.
            _, tail = _switch_to_legacy(decoder.getstate()[0])
        if tail:
            yield tail


def _switch_to_legacy(rest: bytes) -> tuple[codecs.IncrementalDecoder, str]:
    """A legacy code page's decoder, chosen on ``rest``, and ``rest`` decoded with it (latin-1
    when even that fails, which decodes any byte)."""
    decoder = codecs.getincrementaldecoder(_legacy_encoding(rest))(errors="strict")
    try:
        return decoder, decoder.decode(rest)
    except UnicodeDecodeError:
        decoder = codecs.getincrementaldecoder("latin-1")()
        return decoder, decoder.decode(rest)


def iter_lines(pieces: Iterator[str], *, max_chars: int | None = None) -> Iterator[str]:
    """Regroup decoded pieces into lines that keep their ``\\n`` (``\\r\\n`` stays whole).

    Only ``\\n`` ends a line, as the :mod:`csv` module expects; the last line may lack it.

    :param max_chars: a line longer than this is cut: its first ``max_chars + 1`` characters
        are yielded (ended by ``\\n``) and the rest of it is passed over unread into memory, so
        a reader that refuses long records (the CSV field limit) still sees one over its limit,
        and memory stays bounded (a 50 MB field once took 470 MB).
    """
    pending = ""
    skipping = False
    for piece in pieces:
        if skipping:
            end = piece.find("\n")
            if end == -1:
                continue
            piece, skipping = piece[end + 1 :], False
        pending += piece
        start = 0
        while (end := pending.find("\n", start)) != -1:
            yield pending[start : end + 1]
            start = end + 1
        pending = pending[start:]
        if max_chars is not None and len(pending) > max_chars:
            yield pending[: max_chars + 1] + "\n"
            pending, skipping = "", True
    if pending:
        yield pending


def _cut(text: str, size: int) -> int:
    """Where a chunk starting at 0 ends: after a line break in the window's second half."""
    if len(text) <= size:
        return len(text)
    newline = text.rfind("\n", size // 2, size)
    return newline + 1 if newline != -1 else size


def _next_start(text: str, end: int, overlap: int) -> int:
    """Where the next chunk starts: right at ``end`` when the chunk ended on a line break
    (identifiers do not span lines, and an overlap would report the same value twice under two
    ``line=`` locators); otherwise ``overlap`` before ``end``, at a line start if one is near."""
    if end and text[end - 1] == "\n":
        return end
    start = max(end - overlap, 0)
    newline = text.find("\n", start, end)
    if 0 <= newline < end - 1:
        return newline + 1
    return start if start > 0 else end


def extract_text(blob: Blob, limits: Limits) -> Iterator[Segment]:
    """Yield a plain-text object as one segment, or as overlapping chunks with ``line=N``.

    :param blob: the object.
    :param limits: ``chunk_chars`` and ``chunk_overlap`` apply.
    :raises UnsupportedError: the object looks binary.
    """
    _, pieces = read_text(blob)
    chunked = False
    for chunk in text_chunks(pieces, limits):
        if chunk.last and not chunked:
            yield Segment(text=chunk.text)
            return
        chunked = True
        yield Segment(text=chunk.text, locator=join([("line", str(chunk.line))]))


@dataclass(frozen=True, slots=True)
class TextChunk:
    """One chunk of a text, as :func:`extract_text` cuts it.

    :param text: the chunk.
    :param line: the 1-based line of its first character.
    :param dropped: characters from its start to where the next chunk starts (all of it when
        it ends on a line break; less when it overlaps the next).
    :param last: the text ends with this chunk.
    """

    text: str
    line: int
    dropped: int
    last: bool = False


def text_chunks(
    pieces: Iterable[str], limits: Limits, *, first_line: int = 1, final: bool = True
) -> Iterator[TextChunk]:
    """Cut decoded text into the chunks :func:`extract_text` yields.

    Where a chunk ends depends only on the text from its start (a line break in the second
    half of the window), so a text read from the start of any chunk that ended on a line
    break is cut as the whole text is from there: what lets a big file be read in ranges
    (:mod:`piiscan.scan.ranges`) with the same segments and locators as read at once.

    :param pieces: the decoded text, in pieces of any size.
    :param first_line: the line number of the first character.
    :param final: the text ends here; otherwise (a range that ends where a chunk of the whole
        text ends) the rest is yielded even when blank, as a chunk of the whole text is.
    """
    size = max(limits.chunk_chars, 1)
    overlap = min(max(limits.chunk_overlap, 0), size // 2)
    buffer = ""
    buffer_line = first_line
    fresh = 0  # index in ``buffer`` where text not yet yielded begins
    for piece in pieces:
        buffer += piece
        while len(buffer) > size:
            end = _cut(buffer, size)
            start = _next_start(buffer, end, overlap)
            yield TextChunk(text=buffer[:end], line=buffer_line, dropped=start)
            buffer_line += buffer.count("\n", 0, start)
            fresh = end - start
            buffer = buffer[start:]
    if final and not buffer[fresh:].strip():
        return
    if buffer or final:
        yield TextChunk(text=buffer, line=buffer_line, dropped=len(buffer), last=final)
