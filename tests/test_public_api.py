"""The curated public API stays complete, sorted and importable without presidio."""

from __future__ import annotations

import subprocess
import sys

import piiscan


def test_all_is_sorted_and_importable() -> None:
    assert piiscan.__all__ == sorted(piiscan.__all__)
    for name in piiscan.__all__:
        assert hasattr(piiscan, name), name


def test_public_functions_have_docstrings() -> None:
    for name in piiscan.__all__:
        obj = getattr(piiscan, name)
        if callable(obj):
            assert obj.__doc__, name


def test_importing_piiscan_does_not_import_presidio_or_click() -> None:
    code = (
        "import sys, piiscan, piiscan.scan, piiscan.scan.executor, piiscan.subject; "
        "print(sorted(m for m in ('presidio_analyzer', 'spacy', 'click', 'tqdm') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
