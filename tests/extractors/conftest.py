"""Small builders of real files shared by the extractor tests."""

from __future__ import annotations

import io
import zipfile


def make_zip(files: dict[str, bytes | str]) -> bytes:
    """A zip archive holding ``files`` (name → content), deflated."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()
