"""A pg_dump directory-format dump (``pg_dump -Fd``) is one object: its ``toc.dat``.

Such a dump is a folder: ``toc.dat`` (the table of contents, a custom-format header and TOC
without data) and a file of COPY data per table, ``NNNN.dat`` (``NNNN.dat.gz``, ``.lz4`` or
``.zst`` when compressed; the number is the table's dump id). ``toc.dat`` is read by
:func:`~piiscan.extractors.dumps.postgres.extract_pg_custom`, which hands the folder to
``pg_restore``: every table's rows, data files and all, located by table, column and row. The
data files are therefore not objects of their own as well; read again as plain text (or gzip)
they would give every finding a second time, without its table and column.
:func:`owned_data_files` names them, so that a local walk records each as a ``skipped`` row
(:data:`REASON_DUMP_DATA`, its names still scanned) instead of reading it.

The data files are left to the walk (read as text) where ``toc.dat`` cannot be read with
them: without ``pg_restore``, and where the dump is not a local folder (an SMB share, a tar
archive's members), since ``pg_restore`` reads only a local folder. Large-object files
(``blob_NNNN.dat``, ``blobs.toc``) are left to the walk too: the dump reader passes large
objects over, and their contents are data.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Collection
from pathlib import Path
from typing import Final

__all__ = ["REASON_DUMP_DATA", "TOC_NAME", "owned_data_files"]

TOC_NAME: Final = "toc.dat"
REASON_DUMP_DATA: Final = "table data of a directory-format dump, read with its toc.dat"

_DATA_FILE: Final = re.compile(r"[0-9]+\.dat(?:\.gz|\.lz4|\.zst)?")
_MAGIC: Final = b"PGDMP"


def owned_data_files(folder: Path, names: Collection[str]) -> frozenset[str]:
    """Which of ``names`` (the entries of the local ``folder``) are table data files that the
    reading of the folder's ``toc.dat`` covers; none unless ``toc.dat`` is a pg_dump archive
    and ``pg_restore`` is installed.

    Opens ``toc.dat`` (read-only, its first bytes) only when the folder holds both it and a
    data file.
    """
    if TOC_NAME not in names:
        return frozenset()
    data = frozenset(name for name in names if _DATA_FILE.fullmatch(name))
    if not data or shutil.which("pg_restore") is None:
        return frozenset()
    try:
        with (folder / TOC_NAME).open("rb") as toc:
            magic = toc.read(len(_MAGIC))
    except OSError:
        return frozenset()
    return data if magic == _MAGIC else frozenset()
