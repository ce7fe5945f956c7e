"""Rich Text Format (.rtf) via striprtf.

An RTF file is 7-bit ASCII: letters outside ASCII are ``\\'xx`` escapes in the document's ANSI
code page (``\\ansicpg1252``; Swedish Word writes 1252, old Mac Word ``\\ansicpg10000``) or
``\\uN`` Unicode escapes. The code page is read from the header and handed to striprtf, so
``\\'e5`` becomes "å" and not "Ã¥". Undefined bytes become U+FFFD instead of failing.

One segment per non-empty line of the plain text, locator ``line=N`` (1-based). striprtf ends a
paragraph with a newline and joins table cells with ``|``, so a line is a paragraph or a row.

.. versionadded:: 0.1
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator

from striprtf.striprtf import rtf_to_text

from piiscan.errors import ExtractionError, TooLargeError
from piiscan.extractors.base import Blob, Item, Limits
from piiscan.locator import join
from piiscan.model import Segment

_ANSICPG = re.compile(rb"\\ansicpg(\d+)")
# Windows code page numbers whose Python codec is not simply "cp<N>".
_CODEPAGES = {
    10000: "mac_roman",
    10006: "mac_greek",
    10007: "mac_cyrillic",
    10029: "mac_latin2",
    10079: "mac_iceland",
    10081: "mac_turkish",
    20127: "ascii",
    28591: "latin_1",
    28605: "iso8859_15",
    65001: "utf_8",
}
# \fcharset numbers of the ANSI code pages, for fonts that say "\fcharset0" (the document's
# ANSI code page); striprtf reads fcharset0 as cp1252 whatever \ansicpg says.
_FCHARSET = {
    "mac-roman": 77,
    "cp1250": 238,
    "cp1251": 204,
    "cp1253": 161,
    "cp1254": 162,
    "cp1255": 177,
    "cp1256": 178,
    "cp1257": 186,
    "cp874": 222,
    "cp932": 128,
    "cp936": 134,
    "cp949": 129,
    "cp950": 136,
}
_FCHARSET0 = re.compile(r"\\fcharset0(?![0-9])")
# Character sets named by a control word instead of \ansicpg.
_CHARSET_WORDS = ((rb"\mac", "mac_roman"), (rb"\pca", "cp850"), (rb"\pc", "cp437"))


def rtf_codepage(header: bytes) -> str:
    """The Python codec for the ANSI code page an RTF header declares (cp1252 by default).

    :param header: the first bytes of the file (the code page is declared at the top).
    """
    match = _ANSICPG.search(header)
    if match:
        number = int(match.group(1))
        name = _CODEPAGES.get(number, f"cp{number}")
        try:
            return codecs.lookup(name).name
        except LookupError:
            return "cp1252"
    for word, codec in _CHARSET_WORDS:
        # A control word ends at the first character that is not a letter.
        if re.search(re.escape(word) + rb"(?![a-z])", header[:200]):
            return codecs.lookup(codec).name
    return "cp1252"


def prepare_for_striprtf(source: str, codec: str) -> str:
    """Rewrite the code-page directives of an RTF source so that striprtf decodes it with ``codec``.

    striprtf turns ``\\ansicpgN`` into the codec ``cpN`` (falling back to UTF-8 when Python has no
    such name, e.g. Mac's 10000) and maps ``\\fcharset0`` fonts to cp1252. Both are corrected
    here; ``codec`` is then passed to striprtf as the default encoding.

    :param source: the RTF document as text.
    :param codec: the Python codec of its ANSI code page (from :func:`rtf_codepage`).
    """
    if codec == "cp1252":
        return source
    source = re.sub(r"\\ansicpg\d+ ?", "", source, count=1)
    fcharset = _FCHARSET.get(codec)
    if fcharset is not None:
        source = _FCHARSET0.sub(f"\\\\fcharset{fcharset}", source)
    return source


def extract_rtf(blob: Blob, limits: Limits) -> Iterator[Item]:
    """Yield one segment per non-empty line of an RTF document's plain text.

    :param blob: an RTF file.
    :param limits: :attr:`~Limits.max_text_chars` caps the text.
    :raises ExtractionError: when the object is not RTF.
    :raises TooLargeError: when the text exceeds the limit.
    """
    data = blob.read()
    if not data.lstrip()[:5] == b"{\\rtf":
        raise ExtractionError("not an RTF document")
    codec = rtf_codepage(data[:4096])
    # Raw 8-bit bytes are not valid RTF but occur; they are in the same code page as the escapes.
    source = data.decode(codec, errors="replace")
    try:
        text: str = rtf_to_text(  # type: ignore[no-untyped-call]
            prepare_for_striprtf(source, codec), encoding=codec, errors="replace"
        )
    except (ValueError, IndexError, LookupError) as exc:
        raise ExtractionError("damaged RTF document") from exc
    if len(text) > limits.max_text_chars:
        raise TooLargeError("extracted text exceeds the text limit")
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            yield Segment(text=line, locator=join([("line", str(number))]))
