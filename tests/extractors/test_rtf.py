"""RTF extractor: code pages decoded correctly, one segment per line."""

from __future__ import annotations

from pathlib import Path

import pytest

from piiscan.errors import ExtractionError, TooLargeError
from piiscan.extractors.base import Blob, Limits
from piiscan.extractors.rtf import extract_rtf, rtf_codepage
from piiscan.model import Segment

THIRDPARTY = Path(__file__).parents[2] / "fixtures" / "thirdparty"

# Hand-written the way WordPad writes it: \'xx escapes in code page 1252, one \u escape.
WINDOWS_RTF = (
    rb"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0\fnil\fcharset0 Calibri;}}"
    rb"\pard\f0\fs22 R\'e4ksm\'f6rg\'e5s till \'c5sa \'d6berg\par "
    rb"Personnummer: 850601-2387\par "
    rb"\par "
    rb"E-post: asa@exempel.se, telefon 070\u8209?174 06 05\par"
    rb"}"
)
# Old Mac Word: code page 10000, where a-umlaut is 0x8a and o-umlaut 0x9a; its fcharset0 font
# means "the ANSI code page", not cp1252.
MAC_RTF = (
    rb"{\rtf1\ansi\ansicpg10000{\fonttbl{\f0\fnil\fcharset0 Times;}}"
    rb"\f0 G\'9ateborg, \'8asa\par 19850601-2387\par}"
)


def _segments(data: bytes, limits: Limits | None = None) -> dict[str, str]:
    items = list(extract_rtf(Blob.from_bytes("brev.rtf", data), limits or Limits()))
    assert all(isinstance(item, Segment) for item in items)
    return {item.locator: item.text for item in items if isinstance(item, Segment)}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            WINDOWS_RTF,
            {
                "line=1": "Räksmörgås till Åsa Öberg",
                "line=2": "Personnummer: 850601-2387",
                "line=4": "E-post: asa@exempel.se, telefon 070\u2011174 06 05",
            },
        ),
        (MAC_RTF, {"line=1": "Göteborg, äsa", "line=2": "19850601-2387"}),
    ],
    ids=["cp1252", "mac_roman"],
)
def test_planted_lines(data: bytes, expected: dict[str, str]) -> None:
    assert _segments(data) == expected


@pytest.mark.parametrize(
    ("header", "codec"),
    [
        (rb"{\rtf1\ansi\ansicpg1252\deff0", "cp1252"),
        (rb"{\rtf1\ansi\ansicpg1250", "cp1250"),
        (rb"{\rtf1\ansi\ansicpg10000", "mac-roman"),
        (rb"{\rtf1\ansi\ansicpg65001", "utf-8"),
        (rb"{\rtf1\ansi\ansicpg99999", "cp1252"),
        (rb"{\rtf1\mac\deff0", "mac-roman"),
        (rb"{\rtf1\pca\deff0", "cp850"),
        (rb"{\rtf1\pc\deff0", "cp437"),
        (rb"{\rtf1\ansi\deff0", "cp1252"),
    ],
)
def test_codepage(header: bytes, codec: str) -> None:
    assert rtf_codepage(header) == codec


@pytest.mark.parametrize(
    ("name", "locator", "value"),
    [
        ("tika_testRTFUmlautSpaces.rtf", "line=1", "Übersicht"),
        ("tika_testRTFVarious.rtf", "line=1", "Footnote appears here"),
        ("textract_rtf_standardized_text.rtf", "line=1", "the quick brown fox"),
    ],
)
def test_thirdparty_samples(name: str, locator: str, value: str) -> None:
    items = extract_rtf(Blob.from_path(THIRDPARTY / name), Limits())
    found = {item.locator: item.text for item in items if isinstance(item, Segment)}
    assert value in found[locator]


def test_not_rtf_raises() -> None:
    with pytest.raises(ExtractionError, match="not an RTF document"):
        _segments(b"PK\x03\x04 850601-2387")


def test_text_limit() -> None:
    with pytest.raises(TooLargeError):
        _segments(WINDOWS_RTF, Limits(max_text_chars=20))
