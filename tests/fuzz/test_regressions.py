"""Every input the fuzzer (``benchmarks/fuzz.py``) found that broke the extractor contract,
kept so it stays fixed; and every seed of every target, read under the same checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fuzz.harness import TARGETS, check

CASES = Path(__file__).parent / "cases"

# (target, input, what went wrong before the fix). An input is bytes, or the name of a file in
# cases/ as the fuzzer left it (its crash-* artefact, renamed).
REGRESSIONS: list[tuple[str, bytes | str, str]] = [
    ("csv", b"eF\x00F\xc3", "UnicodeDecodeError: an odd last byte of BOM-less UTF-16"),
    ("text", b"eF\x00F\xc3", "the same, through the plain-text extractor"),
    ("sniff", "7z-corrupt-lzma-stream.bin", "LZMAError from py7zr on a damaged 7z stream"),
    ("docx", "docx-negative-member-offset.bin", "ValueError: a part's header offset < 0"),
    ("pptx", "pptx-negative-member-offset.bin", "the same, in the core properties part"),
    ("odt", "odt-bad-crc-manifest.bin", "BadZipFile: a bad CRC-32 in META-INF/manifest.xml"),
    ("ods", "ods-unknown-zip-version.bin", "NotImplementedError: zip file version 22.9"),
    ("xlsx", "ods-unknown-zip-version.bin", "the same, read as a workbook"),
    ("docx", "ods-unknown-zip-version.bin", "the same, opened as an Office package"),
    ("zip", "ods-unknown-zip-version.bin", "the same, opened as an archive"),
    ("parquet", "parquet-column-name-not-utf8.bin", "UnicodeDecodeError from pyarrow's schema"),
    ("sniff", "zip-negative-member-offset.bin", "ValueError: a zip member's offset < 0"),
    ("xml", "xml-undeclared-prefix.bin", "ValueError: etree.QName refused 'pers:nnummer'"),
    ("tar", "tar-cut-gzip-header.bin", "TypeError from tarfile's gzip header reader"),
    ("eml", "eml-charset-with-nul.bin", "ValueError: codecs.lookup of a charset with a NUL"),
    ("sqlite", "sqlite-text-not-utf8.bin", "sqlite3's decode error quoted the value"),
]


@pytest.mark.parametrize(
    ("target", "data"),
    [(target, data) for target, data, _ in REGRESSIONS],
    ids=[f"{target}-{number}" for number, (target, _, _) in enumerate(REGRESSIONS)],
)
def test_a_fuzzed_input_keeps_the_contract(target: str, data: bytes | str) -> None:
    if isinstance(data, str):
        data = (CASES / data).read_bytes()
    assert check(TARGETS[target], data) >= 1


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_every_seed_keeps_the_contract(target: str) -> None:
    for seed in TARGETS[target].seeds:
        assert check(TARGETS[target], seed.read_bytes()) >= 1
    assert check(TARGETS[target], b"") == 1
