"""The validators stay pure: no presidio, spaCy, click or tqdm imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import piiscan.validators

FORBIDDEN = {"presidio_analyzer", "presidio_anonymizer", "spacy", "click", "tqdm"}
MODULES = sorted(Path(piiscan.validators.__file__).parent.glob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_no_heavy_imports(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & FORBIDDEN
