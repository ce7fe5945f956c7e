"""Legacy binary Word (.doc) and PowerPoint (.ppt) files via the Debian tools antiword and catdoc.

No maintained, permissively licensed Python library reads these formats, so the extractor runs
the converters as separate programs (GPL-2, not linked):

* .doc: ``antiword -w 0 -m UTF-8.txt``; when antiword fails or finds no text (Word 6/95 files),
  ``catdoc -w -d utf-8``. Both wrap lines at about 70 columns unless told not to (``-w 0`` /
  ``-w``), which would split e-mail addresses and personnummer across lines.
* .ppt: ``catppt -d utf-8``.

Legacy .xls goes through :mod:`piiscan.extractors.spreadsheet` (calamine).

The converter reads the file in place when the blob has a local path. Otherwise the bytes are
copied to a private temporary file under :func:`tempfile.gettempdir` (never next to the scanned
file) that is removed afterwards. The converter runs with a timeout and no standard input.

Locator: ``line=N``, the 1-based line of the converter's output (one paragraph per line; antiword
writes table rows as ``|cell|cell|``).

A missing converter raises :class:`~piiscan.errors.UnsupportedError` ("antiword is not
installed"); install the Debian packages ``antiword`` and ``catdoc``.

.. versionadded:: 0.1
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path, PurePath

from piiscan.errors import EncryptedError, ExtractionError, TooLargeError, UnsupportedError
from piiscan.extractors.base import Blob, Item, Limits
from piiscan.extractors.office_crypto import is_encrypted_office, ole_kind
from piiscan.locator import join
from piiscan.model import Segment

TIMEOUT_SECONDS = 120.0
"""How long one converter may run on one file before it is killed."""

ANTIWORD = ("antiword", "-w", "0", "-m", "UTF-8.txt")
CATDOC = ("catdoc", "-w", "-d", "utf-8")
CATPPT = ("catppt", "-d", "utf-8")


@contextlib.contextmanager
def local_copy(blob: Blob) -> Iterator[Path]:
    """A local path holding the blob's bytes: its own path, or a temporary private copy.

    :param blob: the object to hand to a converter.
    """
    if blob.path is not None and blob.path.is_file():
        # An absolute path cannot be mistaken for an option ("-x.doc").
        yield blob.path.absolute()
        return
    suffix = PurePath(blob.name).suffix[:16]
    handle, name = tempfile.mkstemp(prefix="piiscan-", suffix=suffix, dir=tempfile.gettempdir())
    try:
        with os.fdopen(handle, "wb") as out, blob.opener() as stream:
            shutil.copyfileobj(stream, out)
        yield Path(name)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)


def run_converter(command: Sequence[str], path: Path, limits: Limits) -> tuple[int, str]:
    """Run a converter on one file and return its exit status and decoded output.

    :param command: program and options; the file's path is appended.
    :param path: the file to convert.
    :param limits: :attr:`~Limits.max_text_chars` caps the output.
    :raises UnsupportedError: when the program is not installed.
    :raises ExtractionError: when it runs longer than :data:`TIMEOUT_SECONDS`.
    :raises TooLargeError: when its output exceeds the text limit.
    """
    program = shutil.which(command[0])
    if program is None:
        raise UnsupportedError(f"{command[0]} is not installed")
    try:
        done = subprocess.run(
            [program, *command[1:], os.fspath(path)],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ExtractionError(f"{command[0]} timed out") from exc
    except OSError as exc:
        raise ExtractionError(f"{command[0]} could not be started") from exc
    # UTF-8 is at most 4 bytes per character, so this bound is checked before decoding.
    if len(done.stdout) > 4 * limits.max_text_chars:
        raise TooLargeError("extracted text exceeds the text limit")
    text = done.stdout.decode("utf-8", errors="replace")
    if len(text) > limits.max_text_chars:
        raise TooLargeError("extracted text exceeds the text limit")
    return done.returncode, text


def _lines(text: str) -> Iterator[Segment]:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            yield Segment(text=line, locator=join([("line", str(number))]))


def extract_doc(blob: Blob, limits: Limits) -> Iterator[Item]:
    """Yield the lines of a legacy Word document as converted by antiword (or catdoc).

    :param blob: a Word 97-2003 (or Word 6/95) .doc file.
    :param limits: :attr:`~Limits.max_text_chars` caps the text.
    :raises EncryptedError: when the document is password protected.
    :raises UnsupportedError: when neither antiword nor catdoc is installed.
    :raises ExtractionError: when both converters fail.
    """
    if is_encrypted_office(blob):
        raise EncryptedError("password-protected document")
    if shutil.which(ANTIWORD[0]) is None and shutil.which(CATDOC[0]) is None:
        raise UnsupportedError("antiword is not installed")
    with local_copy(blob) as path:
        status, text = 1, ""
        if shutil.which(ANTIWORD[0]) is not None:
            status, text = run_converter(ANTIWORD, path, limits)
        # antiword gives up on Word 6/95 and some fast-saved files; catdoc reads those.
        if (status != 0 or not text.strip()) and shutil.which(CATDOC[0]) is not None:
            status, text = run_converter(CATDOC, path, limits)
    if status != 0:
        raise ExtractionError("damaged or unsupported Word document")
    yield from _lines(text)


def extract_ppt(blob: Blob, limits: Limits) -> Iterator[Item]:
    """Yield the lines of a legacy PowerPoint presentation as converted by catppt.

    :param blob: a PowerPoint 97-2003 .ppt file.
    :param limits: :attr:`~Limits.max_text_chars` caps the text.
    :raises EncryptedError: when the presentation is password protected.
    :raises UnsupportedError: when catppt (Debian package catdoc) is not installed.
    :raises ExtractionError: when the file is no .ppt or catppt fails.
    """
    if is_encrypted_office(blob):
        raise EncryptedError("password-protected document")
    # catppt says nothing and exits 0 on files it does not recognise; check the kind first.
    if ole_kind(blob) != "ppt":
        raise ExtractionError("not a PowerPoint 97-2003 presentation")
    with local_copy(blob) as path:
        status, text = run_converter(CATPPT, path, limits)
    if status != 0:
        raise ExtractionError("damaged or unsupported PowerPoint presentation")
    yield from _lines(text)
