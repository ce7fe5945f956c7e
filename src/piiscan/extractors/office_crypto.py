"""Sniffing of OLE compound files: what kind of Office file it is, and whether it is encrypted.

Two questions the office extractors and the dispatcher ask before parsing:

* :func:`ole_kind` names the kind of an OLE file (``doc``, ``xls``, ``ppt``, ``msg``, or
  ``encrypted_ooxml``) from its top-level stream names, so a ``.doc`` that is really a
  spreadsheet, or a mail saved as ``.dat``, goes to the right extractor.
* :func:`is_encrypted_office` says whether the file is password protected. A protected
  ``.docx``/``.xlsx``/``.pptx`` is not a zip at all but an OLE file holding an
  ``EncryptedPackage`` stream; protected ``.doc``/``.xls``/``.ppt`` keep their usual streams and
  set a flag that msoffcrypto-tool reads.

Example::

    >>> ole_kind(Blob.from_bytes("notes.txt", b"plain text")) is None
    True

.. versionadded:: 0.1
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import msoffcrypto
import olefile

from piiscan.extractors.base import Blob

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Stream names that decide the kind, in the order they are checked. EncryptedPackage comes first
# because a protected OOXML file has nothing else to recognise it by; "msg" is decided by the
# "__substg1.0_" prefix separately.
_KIND_BY_STREAM: tuple[tuple[str, str], ...] = (
    ("EncryptedPackage", "encrypted_ooxml"),
    ("WordDocument", "doc"),
    ("Workbook", "xls"),
    ("Book", "xls"),
    ("PowerPoint Document", "ppt"),
)


_T = TypeVar("_T")

# Answers already given about a blob, by its opener (the same bytes: a blob the dispatcher
# re-types with ``dataclasses.replace`` keeps it). The sniffer, the dispatcher and the extractor
# each ask about the same .doc or .xls, and each answer parses its OLE directory (and
# msoffcrypto its streams) again. A weak reference checks the opener is still the one asked
# about and keeps nothing alive; an opener that cannot be weakly referenced is not remembered.
_ANSWERS: dict[tuple[int, str], tuple[weakref.ref[Any], object]] = {}
_ANSWERS_KEPT = 64


def _remembered(blob: Blob, question: str, answer: Callable[[], _T]) -> _T:
    key = (id(blob.opener), question)
    known = _ANSWERS.get(key)
    if known is not None and known[0]() is blob.opener:
        return known[1]  # type: ignore[return-value]
    value = answer()
    if len(_ANSWERS) >= _ANSWERS_KEPT:
        _ANSWERS.clear()
    with contextlib.suppress(TypeError):  # an opener without weak references: not kept
        _ANSWERS[key] = (weakref.ref(blob.opener), value)
    return value


def is_ole(blob: Blob) -> bool:
    """True when the blob starts with the OLE compound-file signature.

    :param blob: the object to sniff.
    """
    return blob.read(len(OLE_MAGIC)) == OLE_MAGIC


def _top_level_names(blob: Blob) -> set[str] | None:
    """The names of the root storage's direct children, or None if it is not a readable OLE file."""
    if not is_ole(blob):
        return None
    try:
        with blob.opener() as stream, olefile.OleFileIO(stream) as ole:
            entries: Iterable[list[str]] = ole.listdir(streams=True, storages=True)
            return {path[0] for path in entries if path}
    except (OSError, ValueError, IndexError, KeyError, TypeError):
        # olefile raises a mix of these on damaged files; a damaged file simply has no kind.
        return None


def kind_from_names(names: Iterable[str]) -> str | None:
    """Name the kind of an OLE file from its top-level stream and storage names.

    :param names: names of the root storage's children.
    :returns: ``"encrypted_ooxml"``, ``"doc"``, ``"xls"``, ``"ppt"``, ``"msg"`` or None.
    """
    present = set(names)
    for stream, kind in _KIND_BY_STREAM:
        if stream in present:
            return kind
    if any(name.startswith("__substg1.0_") for name in present):
        return "msg"
    return None


def ole_kind(blob: Blob) -> str | None:
    """Which kind of OLE file the blob is, whatever its extension says.

    :param blob: the object to sniff; only its OLE directory is read.
    :returns: ``"doc"``, ``"xls"``, ``"ppt"``, ``"msg"``, ``"encrypted_ooxml"``, or None when the
        blob is not an OLE file or is one of another kind.
    """
    return _remembered(blob, "kind", lambda: _ole_kind(blob))


def _ole_kind(blob: Blob) -> str | None:
    names = _top_level_names(blob)
    return None if names is None else kind_from_names(names)


def is_encrypted_office(blob: Blob) -> bool:
    """True when the blob is a password-protected Office document.

    A zip-based OOXML file is never encrypted (encryption turns it into an OLE file). For the
    binary formats msoffcrypto-tool reads the encryption flag; a file it does not understand
    counts as not encrypted, so the extractor gets to report what is really wrong with it.

    :param blob: the object to check.
    """
    return _remembered(blob, "encrypted", lambda: _is_encrypted_office(blob))


def _is_encrypted_office(blob: Blob) -> bool:
    kind = ole_kind(blob)
    if kind == "encrypted_ooxml":
        return True
    if kind not in {"doc", "xls", "ppt"}:
        return False
    try:
        with blob.opener() as stream:
            return bool(msoffcrypto.OfficeFile(stream).is_encrypted())
    except Exception:
        # msoffcrypto raises its own FileFormatError and assorted parsing errors on old or
        # damaged files (Excel 95, Word 6); those are not encrypted as far as we can tell.
        return False
