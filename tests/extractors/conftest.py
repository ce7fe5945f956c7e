"""Small builders of real files shared by the extractor tests."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import TypeVar

from piiscan.errors import ExtractionError
from piiscan.extractors.base import Blob, Item, Limits
from piiscan.extractors.dispatch import extract

T = TypeVar("T")


def make_zip(files: dict[str, bytes | str]) -> bytes:
    """A zip archive holding ``files`` (name → content), deflated."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def drain(items: Iterator[T]) -> tuple[list[T], ExtractionError]:
    """Everything an extractor yields before it raises, and the error it raises at the end."""
    taken: list[T] = []
    try:
        for item in items:
            taken.append(item)
    except ExtractionError as error:
        return taken, error
    raise AssertionError("the extractor raised no error")


def dispatched(blob: Blob, limits: Limits) -> list[Item]:
    """Every item of ``blob`` as a scan gets them: through the dispatcher, which owns the
    text budget (``max_text_chars``) for every extractor."""
    _, items = extract(blob, limits)
    return list(items)
