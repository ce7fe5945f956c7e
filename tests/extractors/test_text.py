"""Tests for the text decoding policy and the chunked text extractor."""

from __future__ import annotations

import codecs
import contextlib
import random

import pytest

from piiscan.errors import TooLargeError, UnsupportedError
from piiscan.extractors import text as text_module
from piiscan.extractors.base import Blob, Limits
from piiscan.extractors.text import decode_text, detect_encoding, extract_text, looks_binary
from tests.extractors.conftest import dispatched

SWEDISH = "Åsa Öberg, Storgatan 1, 123 45 Göteborg, 850601-2387, 070-174 06 05\n" * 3
SHORT = "Åsa Öberg bor i Skövde\n"


@pytest.mark.parametrize(
    ("text", "encode_as", "expected"),
    [
        (SWEDISH, "utf-8", "utf-8"),
        (SWEDISH, "utf-8-sig", "utf-8-sig"),
        (SWEDISH, "utf-16", "utf-16"),
        (SWEDISH, "utf-16-le", "utf-16-le"),
        (SWEDISH, "utf-16-be", "utf-16-be"),
        (SWEDISH, "utf-32", "utf-32"),
        (SWEDISH, "cp1252", "cp1252"),
        (SWEDISH, "iso8859-1", "cp1252"),
        (SWEDISH, "iso8859-15", "cp1252"),
        (SWEDISH, "cp850", "cp850"),
        (SWEDISH, "mac-roman", "mac-roman"),
        (SHORT, "cp1252", "cp1252"),
        (SHORT, "cp850", "cp850"),
        ("“Åsa” – 10 €\n", "cp1252", "cp1252"),
        ("plain ascii 850601-2387\n", "ascii", "utf-8"),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 12 else None,
)
def test_decode_text_round_trips(text: str, encode_as: str, expected: str) -> None:
    decoded, encoding = decode_text(text.encode(encode_as))
    assert decoded == text
    assert encoding == expected


ASCII_ONLY = "Personnummer 19121212-1212, mobil 070-174 06 05\nRad tva\n"
ONE_LINE = "Kund: Asa Oberg 19850601-2387"


@pytest.mark.parametrize(
    ("text", "encode_as", "expected"),
    [
        # BOM-less UTF-16 and UTF-32 are told by where the NUL bytes sit, before UTF-8 is
        # tried: ASCII-only UTF-16 is valid UTF-8 too (every other byte a NUL).
        (ASCII_ONLY, "utf-16-le", "utf-16-le"),
        (ASCII_ONLY, "utf-16-be", "utf-16-be"),
        (SWEDISH, "utf-16-le", "utf-16-le"),
        (SWEDISH, "utf-16-be", "utf-16-be"),
        (ONE_LINE, "utf-16-le", "utf-16-le"),
        ("A", "utf-16-le", "utf-16-le"),
        (ASCII_ONLY, "utf-32-le", "utf-32-le"),
        (ASCII_ONLY, "utf-32-be", "utf-32-be"),
        (SWEDISH, "utf-32-le", "utf-32-le"),
        (SWEDISH, "utf-32-be", "utf-32-be"),
        # With a BOM, the BOM decides.
        (ASCII_ONLY, "utf-16", "utf-16"),
        (SWEDISH, "utf-16", "utf-16"),
        (ASCII_ONLY, "utf-32", "utf-32"),
        (SWEDISH, "utf-32", "utf-32"),
        # Text with no NUL pattern is not mistaken for a wide encoding.
        (ASCII_ONLY, "utf-8", "utf-8"),
        (SWEDISH, "utf-8", "utf-8"),
        (SWEDISH, "cp1252", "cp1252"),
        (SHORT, "cp1252", "cp1252"),
        ("ÅÄÖ åäö éü\n" * 20, "utf-8", "utf-8"),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 12 else None,
)
def test_wide_encodings_without_bom(text: str, encode_as: str, expected: str) -> None:
    data = text.encode(encode_as)
    decoded, encoding = decode_text(data)
    assert (decoded, encoding) == (text, expected)
    assert not looks_binary(data)


@pytest.mark.parametrize("encode_as", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_wide_text_without_bom_is_scanned_whole(encode_as: str) -> None:
    blob = Blob.from_bytes("kunder.txt", ASCII_ONLY.encode(encode_as))
    segments = list(extract_text(blob, Limits()))
    assert "".join(segment.text for segment in segments) == ASCII_ONLY


@pytest.mark.parametrize(
    "data",
    [
        bytes(4096),  # zero-filled
        bytes(range(1, 32)) * 40 + bytes(40),  # controls and NULs
        b"".join(n.to_bytes(2, "little") for n in range(1, 32)) * 40,  # int16 controls
    ],
    ids=["zeros", "controls", "int16-controls"],
)
def test_binary_with_a_nul_pattern_stays_binary(data: bytes) -> None:
    assert looks_binary(data)


def test_utf16_without_bom_cut_inside_a_surrogate_pair_is_utf16() -> None:
    # The first 8 KB, where the NUL pattern is counted, end between the two halves of 😀.
    data = ("Å" * 4095 + "😀 Öberg" * 100).encode("utf-16-le")
    assert detect_encoding(data[: 8 * 1024 + 1], truncated=True) == "utf-16-le"
    assert decode_text(data)[1] == "utf-16-le"


def test_decode_never_replaces() -> None:
    # 0x81 is undefined in cp1252; the policy must still decode without U+FFFD.
    text, _ = decode_text(b"G\xf6teborg \x81 \x9d")
    assert "\ufffd" not in text


def test_utf8_cut_inside_a_character_is_still_utf8() -> None:
    data = "Öberg".encode()[:-1] + "ö".encode()[:1]
    assert detect_encoding(data, truncated=True) == "utf-8"


@pytest.mark.parametrize(
    ("data", "binary"),
    [
        (b"", False),
        (b"hello world\n", False),
        (SWEDISH.encode("utf-16-le"), False),
        (SWEDISH.encode("utf-16"), False),
        (SWEDISH.encode("utf-32"), False),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", True),
        (b"abc\x00def", True),
        (bytes(range(1, 32)) * 10, True),
        (b"col\x1bred\x1b[0m\tok\n", False),
    ],
)
def test_looks_binary(data: bytes, binary: bool) -> None:
    assert looks_binary(data) is binary


def test_small_file_is_one_segment_without_locator() -> None:
    blob = Blob.from_bytes("a.txt", SWEDISH.encode("cp1252"))
    segments = list(extract_text(blob, Limits()))
    assert [(s.text, s.locator) for s in segments] == [(SWEDISH, "")]


def test_empty_and_blank_files_yield_nothing() -> None:
    assert list(extract_text(Blob.from_bytes("a.txt", b""), Limits())) == []
    assert list(extract_text(Blob.from_bytes("a.txt", b"  \n\n"), Limits())) == []


def test_binary_is_unsupported() -> None:
    with pytest.raises(UnsupportedError, match="binary content"):
        list(extract_text(Blob.from_bytes("a.bin", bytes(range(256)) * 4), Limits()))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "cp1252"])
def test_large_file_is_chunked_with_line_locators(encoding: str) -> None:
    lines = [f"rad {n}: Åsa Öberg 850601-2387\n" for n in range(1, 5001)]
    blob = Blob.from_bytes("big.log", "".join(lines).encode(encoding))
    limits = Limits(chunk_chars=4096, chunk_overlap=100)
    segments = list(extract_text(blob, limits))
    assert len(segments) > 10
    for segment in segments:
        assert len(segment.text) <= 4096
        first_line = int(segment.locator.removeprefix("line="))
        # Chunks start at line starts here, so the line number names the first line exactly.
        assert segment.text.startswith(lines[first_line - 1])
    # Chunks cut at line breaks do not overlap: every line is seen once, none is lost, so no
    # value is reported twice under two line= locators.
    assert "".join(s.text for s in segments) == "".join(lines)


def test_chunks_without_line_breaks_overlap_by_the_overlap() -> None:
    text = "".join(f"{n:05d}" for n in range(4000))
    segments = list(
        extract_text(
            Blob.from_bytes("one.txt", text.encode()), Limits(chunk_chars=1000, chunk_overlap=50)
        )
    )
    assert segments[0].text == text[:1000]
    assert segments[1].text == text[950:1950]
    assert all(s.locator == "line=1" for s in segments)
    assert "".join(s.text[50 if i else 0 :] for i, s in enumerate(segments)) == text


def test_mixed_encoding_file_switches_without_replacement() -> None:
    data = ("a" * 70_000 + "\n").encode() + "Göteborg\n".encode("cp1252")
    text = "".join(
        s.text for s in extract_text(Blob.from_bytes("m.txt", data), Limits(chunk_chars=1_000_000))
    )
    assert text.endswith("Göteborg\n")


def test_text_limit() -> None:
    blob = Blob.from_bytes("a.txt", b"x" * 200_000)
    with pytest.raises(TooLargeError):
        dispatched(blob, Limits(max_text_chars=100_000))


def test_bom_is_not_part_of_the_text() -> None:
    blob = Blob.from_bytes("a.txt", codecs.BOM_UTF8 + b"hej")
    assert [s.text for s in extract_text(blob, Limits())] == ["hej"]


def _legacy_encoding_asking_chardet_first(sample: bytes) -> str:
    """The legacy choice as it was made before chardet was asked only on ties: chardet's
    nominee scored first, then the other candidates, the first best score winning."""
    import chardet

    nominated = chardet.detect(
        sample, include_encodings=text_module._CHARDET_CANDIDATES, prefer_superset=True
    ).get("encoding")
    first = text_module._CHARDET_TO_CODEC.get(str(nominated).lower(), "cp1252")
    best, best_score = "latin-1", None
    for candidate in (first, *(c for c in text_module._LEGACY_CANDIDATES if c != first)):
        try:
            decoded = sample.decode(candidate)
        except UnicodeDecodeError:
            continue
        score = text_module._plausibility(decoded)
        if best_score is None or score > best_score:
            best, best_score = candidate, score
    return best


def _legacy_samples() -> list[bytes]:
    rng = random.Random(11)
    texts = [SWEDISH, SHORT, "Hedvig Ståhl", "Kundtjänst", "Ärende", "ÅÄÖ åäö é ü æ ø", "€ “x” – …"]
    samples = [
        t.encode(codec, "replace") for t in texts for codec in ("cp1252", "cp850", "mac-roman")
    ]
    alphabet = bytes(range(0x20, 0x7F)) + bytes(range(0x80, 0x100))
    for _ in range(3000):
        size = rng.choice([1, 2, 3, 5, 8, 20, 80, 400])
        samples.append(bytes(rng.choice(alphabet) for _ in range(size)))
    for _ in range(500):  # one or two high bytes in ASCII: the ties live here
        chars = list(b"Hej hopp " * rng.randint(1, 3))
        for _ in range(rng.randint(1, 2)):
            chars.insert(rng.randrange(len(chars) + 1), rng.randrange(0x80, 0x100))
        samples.append(bytes(chars))
    return samples


def test_legacy_choice_is_the_same_when_chardet_only_breaks_ties() -> None:
    samples = _legacy_samples()
    ties = 0
    for sample in samples:
        assert text_module._legacy_encoding(sample) == _legacy_encoding_asking_chardet_first(
            sample
        ), sample
        scores = set()
        for codec in text_module._LEGACY_CANDIDATES:
            with contextlib.suppress(UnicodeDecodeError):
                scores.add(text_module._plausibility(sample.decode(codec)))
        ties += len(scores) < 2
    assert ties > 50  # the tie-breaking path is exercised too
