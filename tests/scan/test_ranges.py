"""Big text files read in ranges: the same rows as a read at once, byte for byte.

The fixture share's text files, scaled up (repeated until they are a few megabytes, each copy
with its own line of a test personnummer so no two chunks are alike), are scanned with a small
split size and with splitting off; objects and findings must be equal, locators included.
"""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import pytest

from piiscan.api import scan
from piiscan.config import ScanConfig
from piiscan.extractors.base import Blob, Limits
from piiscan.keys import load_or_create_key
from piiscan.scan.range_cuts.text import TextAt
from piiscan.scan.ranges import Span, cut_ranges, span_items

from .conftest import TEST_PERSONNUMMER
from .inventories import inventory_rows

pytestmark = pytest.mark.slow

TEXTS = Path(__file__).resolve().parents[2] / "fixtures" / "share" / "Texter"
SPLIT = 128 * 1024


def scaled(source: Path, target: Path, megabytes: float) -> None:
    """``source`` repeated (in its own encoding) to about ``megabytes``, with a numbered line
    holding a test personnummer between copies."""
    raw = source.read_bytes()
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    body = raw.removeprefix(bom)
    numbers = TEST_PERSONNUMMER.read_text(encoding="ascii").split()
    newline = b"\r\n" if b"\r\n" in body else b"\n"
    parts, size, index = [bom], 0, 0
    while size < megabytes * 1_000_000:
        number = numbers[index % len(numbers)]
        line = f"Kopia {index}: {number[:8]}-{number[8:]}".encode("ascii") + newline
        parts += [body, b"" if body.endswith(newline) else newline, line]
        size += len(body) + len(line)
        index += 1
    target.write_bytes(b"".join(parts))


def text_spans(path: Path, limits: Limits) -> list[Span] | None:
    found = cut_ranges(Blob.from_path(path), limits, SPLIT)
    return found[0] if found else None


@pytest.fixture(scope="module")
def big_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("big")
    for name in ("anteckningar_utf8.txt", "anteckningar_utf8_bom.txt", "anteckningar_cp1252.txt"):
        scaled(TEXTS / name, root / name, 1.2)
    # One long line with no break for a while: chunks that overlap (no range border there).
    (root / "lang_rad.txt").write_text(
        ("Personnummer 19121212-1212 " * 12_000 + "\n") * 3, encoding="utf-8"
    )
    (root / "liten.txt").write_text("Personnummer 19121212-1212\n", encoding="utf-8")
    return root


@pytest.mark.parametrize(
    "name", ["anteckningar_utf8.txt", "anteckningar_utf8_bom.txt", "anteckningar_cp1252.txt"]
)
def test_ranges_hold_the_segments_of_a_whole_read(big_tree: Path, name: str) -> None:
    from piiscan.extractors.text import extract_text

    limits = Limits()
    path = big_tree / name
    spans = text_spans(path, limits)
    assert spans is not None
    assert all(isinstance(span.at, TextAt) and span.media_type == "text/plain" for span in spans)
    assert len(spans) >= 5  # borders fall where 64K-character chunks end: ~192 KB apart
    assert spans[0].start == (3 if name.endswith("bom.txt") else 0)
    assert spans[-1].end == path.stat().st_size
    assert all(a.end == b.start for a, b in itertools.pairwise(spans))
    whole = list(extract_text(Blob.from_path(path), limits))
    pieces = [
        segment for span in spans for segment in span_items(Blob.from_path(path), limits, span)
    ]
    assert pieces == whole


def test_files_that_are_not_split(big_tree: Path) -> None:
    limits = Limits()
    assert text_spans(big_tree / "liten.txt", limits) is None  # small
    # Over the text budget: the whole read stops with too_large where ranges could not.
    tight = dataclasses.replace(limits, max_text_chars=1_000_000)
    assert text_spans(big_tree / "anteckningar_utf8.txt", tight) is None


@pytest.mark.parametrize("workers", [1, 2], ids=["in-process", "pool"])
def test_a_scan_in_ranges_equals_a_scan_read_at_once(
    tmp_path: Path, big_tree: Path, workers: int
) -> None:
    key = tmp_path / "key"
    load_or_create_key(key)
    common = {"roots": (str(big_tree),), "key_file": key, "workers": workers}
    split = scan(ScanConfig(inventory=tmp_path / "split", split_bytes=SPLIT, **common))
    whole = scan(ScanConfig(inventory=tmp_path / "whole", split_bytes=0, **common))
    assert inventory_rows(tmp_path / "split") == inventory_rows(tmp_path / "whole")
    assert (split.objects, split.findings) == (whole.objects, whole.findings) == (5, whole.findings)
    assert whole.findings > 1000
