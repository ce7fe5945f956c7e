"""The curated public API stays complete, sorted and importable without presidio."""

from __future__ import annotations

import subprocess
import sys
import types

import piiscan


def test_all_is_sorted_and_importable() -> None:
    assert piiscan.__all__ == sorted(piiscan.__all__)
    for name in piiscan.__all__:
        assert hasattr(piiscan, name), name


def test_all_is_every_public_name() -> None:
    """Like httpx's tests/test_exported_members.py: nothing public is left out of ``__all__``
    (submodules aside), and nothing in it is private but ``__version__``."""
    public = sorted(
        name
        for name in dir(piiscan)
        if not name.startswith("_") and not isinstance(getattr(piiscan, name), types.ModuleType)
    )
    assert public == [name for name in piiscan.__all__ if name != "__version__"]


def test_scan_is_the_function_after_the_driver_is_imported() -> None:
    """The driver package is also called ``scan``; importing it never hides the function."""
    code = (
        "import piiscan.scan.session, piiscan.scan.executor, piiscan; "
        "print(callable(piiscan.scan), piiscan.scan.__module__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "piiscan.api"]


def test_public_functions_have_docstrings() -> None:
    for name in piiscan.__all__:
        obj = getattr(piiscan, name)
        if callable(obj):
            assert obj.__doc__, name


def test_importing_piiscan_does_not_import_presidio_or_click() -> None:
    code = (
        "import sys, piiscan, piiscan.scan.executor, piiscan.subject; "
        "print(sorted(m for m in ('presidio_analyzer', 'spacy', 'click', 'tqdm') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
