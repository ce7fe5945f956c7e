"""PDF documents via pypdfium2 (Google's PDFium): the text layer, page by page.

One segment per page with text, locator ``page=N`` (1-based, as a PDF viewer numbers pages),
then the personal document properties (``properties=author``, ``properties=title``, ...).

What is not read: text inside images (scanned pages need OCR, out of scope), form-field values
and annotations (comments).

Failures:

* no page has any text -> :class:`~piiscan.errors.NoTextError` ("PDF has no text layer"): an
  image-only or scanned PDF, which a person has to look at;
* a user password is needed to open it -> :class:`~piiscan.errors.EncryptedError` (a PDF with
  only an owner password opens and is read);
* a page PDFium cannot load is passed over; after the other pages and the properties,
  :class:`~piiscan.errors.PartialError` names the pages lost (status ``partial``), so the
  findings of every other page are kept;
* anything else PDFium cannot load -> :class:`~piiscan.errors.ExtractionError`.

PDFium is not thread-safe, not even across documents; piiscan runs extractors in processes.

.. versionadded:: 0.1
"""

from __future__ import annotations

from collections.abc import Iterator

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from piiscan.errors import (
    EncryptedError,
    ExtractionError,
    NoTextError,
    PartialError,
)
from piiscan.extractors.base import Blob, Item, Limits
from piiscan.locator import join
from piiscan.model import Segment

# Info-dictionary keys worth scanning: names and free text people type, not producer software.
_PROPERTIES = ("Author", "Title", "Subject", "Keywords")
_LOST_SHOWN = 10  # page numbers named in the reason of a partly read PDF


def _open(blob: Blob) -> pdfium.PdfDocument:
    source: str | bytes = str(blob.path) if blob.path is not None else blob.read()
    try:
        return pdfium.PdfDocument(source)
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) == pdfium_c.FPDF_ERR_PASSWORD:
            raise EncryptedError("password-protected PDF") from exc
        raise ExtractionError("damaged or unreadable PDF") from exc


def _page_text(document: pdfium.PdfDocument, index: int) -> str | None:
    """The text of one page; ``None`` when PDFium cannot load the page."""
    try:
        page = document[index]
    except pdfium.PdfiumError:
        return None
    try:
        textpage = page.get_textpage()
        try:
            text: str = textpage.get_text_range()
        finally:
            textpage.close()
    finally:
        page.close()
    # PDFium ends lines with CRLF; offsets are easier to follow with plain newlines.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def extract_pdf(blob: Blob, limits: Limits) -> Iterator[Item]:
    """Yield the text of each page of a PDF, then its author/title/subject/keywords.

    :param blob: a PDF file.
    :param limits: the scan's limits (the text budget is applied by the dispatcher).
    :raises EncryptedError: when a password is needed to open the document.
    :raises NoTextError: when no page has a text layer.
    :raises PartialError: after the rest, when some pages could not be loaded.
    :raises ExtractionError: when PDFium cannot read the document or any of its pages.
    """
    document = _open(blob)
    try:
        found = False
        lost: list[int] = []
        pages = len(document)
        for index in range(pages):
            text = _page_text(document, index)
            if text is None:
                lost.append(index + 1)
                continue
            if not text.strip():
                continue
            found = True
            yield Segment(text=text, locator=join([("page", str(index + 1))]))
        if lost and len(lost) == pages:
            raise ExtractionError("damaged PDF: no page could be loaded")
        if not found and not lost:
            raise NoTextError("PDF has no text layer")
        metadata = document.get_metadata_dict(skip_empty=True)
        for key in _PROPERTIES:
            value = metadata.get(key, "").strip()
            if value:
                yield Segment(text=value, locator=join([("properties", key.lower())]))
        if lost:
            shown = ", ".join(map(str, lost[:_LOST_SHOWN]))
            more = f" and {len(lost) - _LOST_SHOWN} more" if len(lost) > _LOST_SHOWN else ""
            noun = "page" if len(lost) == 1 else "pages"
            raise PartialError(f"{len(lost)} PDF {noun} of {pages} not loaded (page {shown}{more})")
    finally:
        document.close()
