"""Zip files opened more than once for one object read their central directory once.

The sniffer opens a zip to see what it holds (an OOXML or OpenDocument package, or an
archive), then the extractor opens it again, and the spreadsheet extractor a third time to
weigh its sheets: each ``zipfile.ZipFile`` reads and decodes the whole central directory in
Python (about 10 µs a member; a presentation has 45). The directory read first is remembered
for the blob, by its opener, as :mod:`piiscan.extractors.office_crypto` remembers its answers
(a weak reference checks the opener is still the one asked about and keeps nothing alive),
together with the size of the bytes it was read from; a later open of the same blob with the
same size starts from it. Zip files whose directory cannot be read are not remembered: each
open fails as it did.

.. versionadded:: 0.3
"""

from __future__ import annotations

import contextlib
import weakref
import zipfile
from dataclasses import dataclass
from typing import Any, BinaryIO

from piiscan.extractors.base import Blob


@dataclass(frozen=True, slots=True)
class _Directory:
    """What ``ZipFile`` keeps from reading a central directory."""

    size: int  # of the bytes it was read from
    filelist: tuple[zipfile.ZipInfo, ...]
    name_to_info: dict[str, zipfile.ZipInfo]
    start_dir: int
    comment: bytes


_KNOWN: dict[int, tuple[weakref.ref[Any], _Directory]] = {}
_KEPT = 64


class _KnownZip(zipfile.ZipFile):
    """A ``ZipFile`` that takes its central directory from an earlier reading."""

    def __init__(self, stream: BinaryIO, directory: _Directory) -> None:
        self._directory = directory
        super().__init__(stream)

    def _RealGetContents(self) -> None:
        # ZipFile.__init__ reads the directory here; ZipInfo objects are only read afterwards.
        directory = self._directory
        self.filelist.extend(directory.filelist)
        self.NameToInfo.update(directory.name_to_info)
        self.start_dir = directory.start_dir
        self._comment = directory.comment


def _size(stream: BinaryIO) -> int:
    size = stream.seek(0, 2)
    stream.seek(0)
    return size


def open_zip_of(blob: Blob, stream: BinaryIO) -> zipfile.ZipFile:
    """``zipfile.ZipFile(stream)`` for a stream of ``blob``, the directory read once per blob.

    :param blob: the object ``stream`` was opened from (its opener names it).
    :param stream: a fresh seekable stream of the blob, at its start.
    :raises zipfile.BadZipFile: and whatever else ``zipfile.ZipFile`` raises, as it does.
    """
    size = _size(stream)
    key = id(blob.opener)
    known = _KNOWN.get(key)
    if known is not None and known[0]() is blob.opener and known[1].size == size:
        return _KnownZip(stream, known[1])
    archive = zipfile.ZipFile(stream)
    directory = _Directory(
        size=size,
        filelist=tuple(archive.filelist),
        name_to_info=dict(archive.NameToInfo),
        start_dir=archive.start_dir,
        comment=archive.comment,
    )
    if len(_KNOWN) >= _KEPT:
        _KNOWN.clear()
    with contextlib.suppress(TypeError):  # an opener without weak references: not kept
        _KNOWN[key] = (weakref.ref(blob.opener), directory)
    return archive
