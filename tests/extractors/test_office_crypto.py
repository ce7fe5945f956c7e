"""OLE sniffing: the kind of an Office file and whether it is password protected."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import pytest
import xlwt

from piiscan.extractors.base import Blob
from piiscan.extractors.office_crypto import (
    is_encrypted_office,
    kind_from_names,
    ole_kind,
)

THIRDPARTY = Path(__file__).parents[2] / "fixtures" / "thirdparty"


@pytest.mark.parametrize(
    ("name", "kind", "encrypted"),
    [
        ("tika_testWORD_protected_passtika.docx", "encrypted_ooxml", True),
        ("tika_testEXCEL_protected_passtika.xlsx", "encrypted_ooxml", True),
        ("tika_testWORD6.doc", "doc", False),
        ("tika_testWORD_various.doc", "doc", False),
        ("tika_testEXCEL.xls", "xls", False),
        ("tika_testEXCEL_95.xls", "xls", False),
        ("tika_testPPT.ppt", "ppt", False),
        ("tika_testMSG_att_doc.msg", "msg", False),
        ("tika_testWORD_various.docx", None, False),
        ("textract_pdf_two_column.pdf", None, False),
    ],
)
def test_thirdparty_kinds(name: str, kind: str | None, encrypted: bool) -> None:
    blob = Blob.from_path(THIRDPARTY / name)
    assert ole_kind(blob) == kind
    assert is_encrypted_office(blob) is encrypted


def test_extension_does_not_matter() -> None:
    data = (THIRDPARTY / "tika_testEXCEL.xls").read_bytes()
    assert ole_kind(Blob.from_bytes("rapport.doc", data)) == "xls"


def test_generated_xls_is_not_encrypted(tmp_path: Path) -> None:
    book = xlwt.Workbook()
    book.add_sheet("Kunder").write(0, 0, "850601-2387")
    path = tmp_path / "kunder.xls"
    book.save(str(path))
    blob = Blob.from_path(path)
    assert (ole_kind(blob), is_encrypted_office(blob)) == ("xls", False)


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"", None),
        (b"plain text 850601-2387", None),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 20, None),  # truncated OLE header
    ],
    ids=["empty", "text", "truncated-ole"],
)
def test_non_ole_and_damaged(data: bytes, kind: str | None) -> None:
    blob = Blob.from_bytes("x.doc", data)
    assert ole_kind(blob) is kind
    assert is_encrypted_office(blob) is False


@pytest.mark.parametrize(
    ("names", "kind"),
    [
        ({"EncryptedPackage", "EncryptionInfo", "\x06DataSpaces"}, "encrypted_ooxml"),
        ({"WordDocument", "1Table"}, "doc"),
        ({"Workbook"}, "xls"),
        ({"Book"}, "xls"),
        ({"PowerPoint Document", "Current User"}, "ppt"),
        ({"__substg1.0_0037001F", "__properties_version1.0"}, "msg"),
        ({"Contents"}, None),
    ],
)
def test_kind_from_names(names: set[str], kind: str | None) -> None:
    assert kind_from_names(names) == kind


def test_answers_are_remembered_per_blob_not_per_name() -> None:
    """The sniffer, the dispatcher and the extractor ask about one blob: it is opened for the
    first answer only. A blob with the same name over other bytes is asked about anew."""
    data = (THIRDPARTY / "tika_testEXCEL_protected_passtika.xlsx").read_bytes()
    opened: list[str] = []

    def opener(payload: bytes) -> Callable[[], BinaryIO]:
        def open_payload() -> BinaryIO:
            opened.append("x")
            return io.BytesIO(payload)

        return open_payload

    blob = Blob(name="a.xlsx", size=len(data), opener=opener(data))
    assert [is_encrypted_office(blob) for _ in range(3)] == [True, True, True]
    assert ole_kind(dataclasses.replace(blob, media_type="application/x-ole-storage")) == (
        "encrypted_ooxml"
    )
    first = len(opened)
    assert first > 0
    assert is_encrypted_office(blob) is True
    assert len(opened) == first
    other = Blob(name="a.xlsx", size=10, opener=opener(b"plain text"))
    assert is_encrypted_office(other) is False
    assert ole_kind(other) is None
    assert len(opened) > first
