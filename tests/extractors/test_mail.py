"""Mail: .eml and Maildir messages, mbox mailboxes, Outlook .msg, and their locators.

Every message here is written by the standard library's ``email`` package (and a .docx by
python-docx), then read back through the dispatcher as a scan would.
"""

from __future__ import annotations

import io
import random
import shutil
import sys
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import docx
import pytest

from piiscan.errors import EncryptedError, ExtractionError, TooLargeError, UnsupportedError
from piiscan.extractors.base import Blob, Item, Limits, Member
from piiscan.extractors.dispatch import extract
from piiscan.extractors.mail.locators import (
    attachment_step,
    message_id_value,
    message_step,
)
from piiscan.extractors.mail.mbox import is_separator, split_mbox
from piiscan.extractors.mail.message import decode_body
from piiscan.extractors.mail.outlook import MISSING_EXTRA
from piiscan.locator import Locator
from piiscan.model import Segment
from piiscan.subject.lookup import record_of

THIRDPARTY = Path(__file__).resolve().parents[2] / "fixtures" / "thirdparty"
MSG_WITH_ATTACHMENTS = THIRDPARTY / "tika_testMSG_att_msg.msg"
LIMITS = Limits()


def _docx(lines: list[str]) -> bytes:
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _message(message_id: str | None = "<4711.kund@exempel.se>") -> EmailMessage:
    """A customer-service mail: QP text, HTML alternative, a .docx, a forwarded message."""
    msg = EmailMessage()
    msg["From"] = "Bertil Öberg <bertil.oberg@exempel.se>"
    msg["To"] = '"Kundtjänst" <kundtjanst@exempel.se>, anna.andersson@exempel.se'
    msg["Subject"] = "Ärende för Göran Ekström"
    msg["Date"] = "Fri, 01 Mar 2024 10:00:00 +0100"
    if message_id:
        msg["Message-ID"] = message_id
    msg.set_content(
        "Hej!\nJag heter Bertil Öberg, personnummer 19450202-4732.\n", cte="quoted-printable"
    )
    msg.add_alternative("<p>Hej!</p><p>Jag heter <b>Bertil Öberg</b>.</p>", subtype="html")
    msg.add_attachment(
        _docx(["Kund: Anna Andersson", "Telefon 070-174 06 05"]),
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
        filename="kund åäö.docx",
    )
    forwarded = EmailMessage()
    forwarded["From"] = "Lars Hägg <lars.hagg@exempel.se>"
    forwarded["Subject"] = "Flytt"
    forwarded.set_content("Ny adress för Lars Hägg.\n")
    msg.add_attachment(forwarded)
    return msg


def _items(data: bytes, name: str = "kund.eml", **kwargs: object) -> tuple[str, list[Item]]:
    media, items = extract(Blob.from_bytes(name, data, **kwargs), LIMITS)  # type: ignore[arg-type]
    return media, list(items)


def _segments(items: list[Item]) -> dict[str, str]:
    return {i.locator: i.text for i in items if isinstance(i, Segment)}


def _members(items: list[Item]) -> dict[str, Member]:
    return {i.name: i for i in items if isinstance(i, Member)}


# ------------------------------------------------------------------------------------------
# One message.


def test_eml_headers_bodies_attachments_and_forwarded_message() -> None:
    media, items = _items(_message().as_bytes())
    assert media == "message/rfc822"
    segments = _segments(items)
    at = "message=<4711.kund@exempel.se>/"
    assert segments[at + "header=From"] == "Bertil Öberg (bertil.oberg@exempel.se)"
    assert segments[at + "header=To"] == (
        "Kundtjänst (kundtjanst@exempel.se)\nanna.andersson@exempel.se"
    )
    assert segments[at + "header=Subject"] == "Ärende för Göran Ekström"  # RFC 2047
    assert "Bertil Öberg, personnummer 19450202-4732" in segments[at + "part=1.1"]  # QP
    assert segments[at + "part=1.2/line=1"] == "Jag heter Bertil Öberg."
    assert segments[at + "part=3/header=From"] == "Lars Hägg (lars.hagg@exempel.se)"
    assert segments[at + "part=3.1"] == "Ny adress för Lars Hägg.\n"
    contexts = {i.locator: i.context for i in items if isinstance(i, Segment)}
    assert contexts[at + "header=From"] == ("From", "Från")
    members = _members(items)
    attachment = members[at + "part=2/attachment=kund åäö.docx"]  # RFC 2231 file name
    assert attachment.blob.name == "kund åäö.docx"
    assert attachment.blob.depth == 1
    assert attachment.mtime == 1709283600.0  # the message's Date
    inner_media, inner = extract(attachment.blob, LIMITS)
    assert inner_media.endswith("wordprocessingml.document")
    assert any("Anna Andersson" in i.text for i in inner if isinstance(i, Segment))


def test_no_part_of_the_encoded_text_is_scanned() -> None:
    msg = _message()
    blob = random.Random(7).randbytes(256 * 1024)
    msg.add_attachment(blob, maintype="application", subtype="octet-stream", filename="data.bin")
    msg.add_attachment(blob, maintype="image", subtype="png")  # no file name
    raw = msg.as_bytes()
    _, items = _items(raw)
    texts = "\n".join(i.text for i in items if isinstance(i, Segment))
    assert len(texts) < 1000
    assert "=C3=B6" not in texts
    assert "Content-Transfer-Encoding" not in texts
    members = _members(items)
    at = "message=<4711.kund@exempel.se>/"
    assert members[at + "part=4/attachment=data.bin"].blob.read() == blob
    assert members[at + "part=5"].blob.name == "part-5"
    with pytest.raises(UnsupportedError):
        extract(members[at + "part=4/attachment=data.bin"].blob, LIMITS)


def test_text_part_with_a_file_name_or_binary_content_is_an_attachment() -> None:
    msg = EmailMessage()
    msg["Message-ID"] = "<a@exempel.se>"
    msg.set_content("Brödtext\n")
    msg.add_attachment("Namn;Telefon\nAnna;070-174 06 05\n", subtype="csv", filename="k.csv")
    _, items = _items(msg.as_bytes())
    assert set(_members(items)) == {"message=<a@exempel.se>/part=2/attachment=k.csv"}
    assert _segments(items) == {"message=<a@exempel.se>/part=1": "Brödtext\n"}


@pytest.mark.parametrize(
    ("payload", "charset", "expected"),
    [
        ("Göran".encode(), "utf-8", "Göran"),
        ("Göran – “Öberg”".encode("cp1252"), "iso-8859-1", "Göran – “Öberg”"),
        ("Göran".encode("cp1252"), "us-ascii", "Göran"),  # declared wrongly
        ("Göran".encode(), None, "Göran"),
        ("Göran".encode("cp1252"), "x-unknown-charset", "Göran"),
        ("Göran".encode("cp850"), "cp850", "Göran"),
    ],
    ids=["utf-8", "latin-1-as-cp1252", "wrong-ascii", "undeclared", "unknown", "cp850"],
)
def test_decode_body(payload: bytes, charset: str | None, expected: str) -> None:
    assert decode_body(payload, charset) == expected


def test_raw_8bit_headers_and_latin1_body() -> None:
    raw = (
        "From: Göran Ekström <goran@exempel.se>\r\n"
        "Subject: Hälsning\r\n"
        "Content-Type: text/plain; charset=iso-8859-1\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
        "Hälsningar, Göran\r\n"
    )
    head, _, body = raw.partition("\r\n\r\n")
    data = head.encode("utf-8") + b"\r\n\r\n" + body.encode("cp1252")
    _, items = _items(data, name="1733.M1P2.exempel.se:2,S")
    segments = _segments(items)
    at = "message=1733.M1P2.exempel.se:2,S/"  # no Message-ID: the file name
    assert segments[at + "header=From"] == "Göran Ekström (goran@exempel.se)"
    assert segments[at + "header=Subject"] == "Hälsning"
    assert segments[at + "part=1"] == "Hälsningar, Göran\r\n"


def test_missing_boundary_is_an_error_after_the_readable_parts() -> None:
    raw = (
        b"From: Anna Andersson <anna@exempel.se>\r\nMessage-ID: <b@x>\r\n"
        b"Content-Type: multipart/mixed; boundary=XYZ\r\n\r\n"
        b"--OTHER\r\nContent-Type: application/octet-stream\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nv//n++O+v//n++O+\r\n"
    )
    _media, items = extract(Blob.from_bytes("a.eml", raw), LIMITS)
    seen: list[Item] = []
    with pytest.raises(ExtractionError, match="boundary") as caught:
        seen.extend(items)
    assert type(caught.value) is ExtractionError
    assert _segments(seen) == {"message=<b@x>/header=From": "Anna Andersson (anna@exempel.se)"}


def test_truncated_message_keeps_its_parts() -> None:
    data = _message().as_bytes()
    cut = data[: data.index(b"Content-Type: message/rfc822")]
    _, items = extract(Blob.from_bytes("a.eml", cut), LIMITS)
    seen: list[Item] = []
    with pytest.raises(ExtractionError, match="boundary"):
        seen.extend(items)
    assert "message=<4711.kund@exempel.se>/part=1.1" in _segments(seen)
    assert any(name.endswith("attachment=kund åäö.docx") for name in _members(seen))


def test_encrypted_body_keeps_the_headers() -> None:
    msg = EmailMessage()
    msg["From"] = "Anna Andersson <anna@exempel.se>"
    msg.set_content(b"\x30\x80" * 40, maintype="application", subtype="pkcs7-mime")
    _, items = extract(Blob.from_bytes("a.eml", msg.as_bytes()), LIMITS)
    seen: list[Item] = []
    with pytest.raises(EncryptedError):
        seen.extend(items)
    assert list(_segments(seen)) == ["message=a.eml/header=From"]


def test_forwarded_messages_stop_at_the_depth_limit() -> None:
    msg = EmailMessage()
    msg.set_content("innerst\n")
    for _ in range(4):
        outer = EmailMessage()
        outer.add_attachment(msg)
        msg = outer
    _, items = extract(Blob.from_bytes("a.eml", msg.as_bytes()), Limits(max_depth=2))
    with pytest.raises(TooLargeError, match="nesting depth"):
        list(items)


def test_multiparts_nested_too_deep_are_too_large() -> None:
    body = b"".join(
        b"Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n" % (i, i) for i in range(200)
    )
    data = b"From: a@exempel.se\n" + body + b"Content-Type: text/plain\n\nhej\n"
    _, items = extract(Blob.from_bytes("a.eml", data), LIMITS)
    seen: list[Item] = []
    with pytest.raises(TooLargeError, match="nested deeper than 64"):
        seen.extend(items)
    assert list(_segments(seen)) == ["message=a.eml/header=From"]


# ------------------------------------------------------------------------------------------
# Locators.


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("<4711@exempel.se>", "<4711@exempel.se>"),
        (" <a/b=c@exempel.se> (kommentar)", "<a/b=c@exempel.se>"),
        ("4711@exempel.se", "<4711@exempel.se>"),
        ('<"a b"%<x@y>', '<"a b"%<x@y>'),
        ("<>", None),
        ("", None),
        (None, None),
        ("<" + "x" * 300 + ">", None),
    ],
    ids=["plain", "slash-equals", "no-brackets", "specials", "empty", "blank", "none", "long"],
)
def test_message_id_value(header: str | None, expected: str | None) -> None:
    assert message_id_value(header) == expected


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("kund.docx", "part=2/attachment=kund.docx"),
        ("2019/kund=1.docx", "part=2/attachment=2019%2Fkund%3D1.docx"),
        ("100%.txt", "part=2/attachment=100%25.txt"),
        ("a\tb", "part=2/attachment=a%09b"),
        ("Åsa.pdf", "part=2/attachment=Åsa.pdf"),
        (None, "part=2"),
    ],
)
def test_attachment_step(filename: str | None, expected: str) -> None:
    step = attachment_step("2", filename)
    assert step == expected
    assert Locator.parse(step).steps[-1][1] == (filename or "2")  # one escape, one parse


@pytest.mark.parametrize(
    ("message_id", "fallback", "expected"),
    [
        ("<x@y>", "#3", "message=<x@y>"),
        ("<a/b=c%d@exempel.se>", "#3", "message=<a%2Fb%3Dc%25d@exempel.se>"),
        (None, "#3", "message=#3"),
        (None, "a/b.eml", "message=a%2Fb.eml"),
    ],
)
def test_message_step(message_id: str | None, fallback: str, expected: str) -> None:
    step = message_step(message_id, fallback)
    assert step == expected
    assert record_of(step + "/part=1") == step  # the subject lookup reads it back


def test_steps_are_parsed_back() -> None:
    step = message_step("<a/b=c@exempel.se>", "#1") + "/" + attachment_step("1.2", "k/v.pdf")
    assert Locator.parse(step).steps == (
        ("message", "<a/b=c@exempel.se>"), ("part", "1.2"), ("attachment", "k/v.pdf"),
    )  # fmt: skip


# ------------------------------------------------------------------------------------------
# mbox.


def _mbox(*messages: bytes) -> bytes:
    out = b""
    for data in messages:
        out += b"From MAILER-DAEMON Fri Mar  1 10:00:00 2024\n" + data.replace(b"\r\n", b"\n")
        out += b"\n"
    return out


def test_mbox_messages_are_members_named_and_dated() -> None:
    broken = (
        b"From: Lars <lars@exempel.se>\nMessage-ID: <trasig@x>\n"
        b"Content-Type: multipart/mixed; boundary=XYZ\n\nno boundary here\n"
    )
    plain = (
        b"From: Karin <karin@exempel.se>\nSubject: utan id\n\n"
        b"Rad ett.\n\nFrom here on, call 070-174 06 44 at 10:00.\n>From the start.\n"
    )
    data = _mbox(_message().as_bytes(), broken, plain)
    media, items = _items(data, name="kundtjanst.mbox")
    assert media == "application/mbox"
    members = [i for i in items if isinstance(i, Member)]
    assert [m.name for m in members] == ["message=<4711.kund@exempel.se>", "message=<trasig@x>",
                                         "message=#3"]  # fmt: skip
    assert members[0].mtime == 1709283600.0
    assert members[2].mtime is None
    assert all(m.blob.media_type == "message/rfc822" and m.blob.depth == 1 for m in members)

    first = list(extract(members[0].blob, LIMITS)[1])
    segments = _segments(first)
    assert segments["header=From"] == "Bertil Öberg (bertil.oberg@exempel.se)"
    assert "part=1.1" in segments
    assert "part=2/attachment=kund åäö.docx" in _members(first)

    with pytest.raises(ExtractionError, match="boundary"):
        list(extract(members[1].blob, LIMITS)[1])

    last = _segments(list(extract(members[2].blob, LIMITS)[1]))
    assert last["part=1"] == (
        "Rad ett.\n\nFrom here on, call 070-174 06 44 at 10:00.\nFrom the start.\n\n"
    )


def test_mbox_is_split_as_it_is_read() -> None:
    def lines() -> Iterator[bytes]:
        yield b"From a@x Fri Mar  1 10:00:00 2024\n"
        yield from (b"Subject: ett\n", b"\n", b"hej\n", b"\n")
        yield b"From b@x Fri Mar  1 10:00:00 2024\n"
        yield b"Subject: tva\n"
        raise AssertionError("read past the second message before yielding the first")

    messages = split_mbox(lines(), max_bytes=1000)
    assert next(messages) == b"Subject: ett\n\nhej\n\n"


def test_mbox_message_over_the_limit_is_skipped() -> None:
    big = b"Subject: stor\n\n" + b"x" * 5000 + b"\n"
    small = b"Subject: liten\nMessage-ID: <l@x>\n\nhej\n"
    limits = Limits(max_member_bytes=1000)
    _, items = extract(Blob.from_bytes("a.mbox", _mbox(big, small)), limits)
    seen: list[Item] = []
    with pytest.raises(TooLargeError, match="1 message"):
        seen.extend(items)
    assert [i.name for i in seen if isinstance(i, Member)] == ["message=<l@x>"]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (b"From MAILER-DAEMON Fri Jul  8 12:08:34 2011\n", True),
        (b"From - Thu Dec 03 10:00:00 2020\n", True),
        (b"From anna@exempel.se Mon Jan  1 00:00:00 2024 +0100\n", True),
        (b"From here on, call at 10:00.\n", False),
        (b"From: anna@exempel.se\n", False),
    ],
)
def test_is_separator(line: bytes, expected: bool) -> None:
    assert is_separator(line) is expected


# ------------------------------------------------------------------------------------------
# Maildir and sniffing.


def test_maildir_file_is_a_message(tmp_path: Path) -> None:
    maildir = tmp_path / "Maildir" / "cur"
    maildir.mkdir(parents=True)
    path = maildir / "1709283600.M1P2.exempel.se:2,S"
    msg = EmailMessage()
    msg["From"] = "Anna Andersson <anna@exempel.se>"
    msg["Date"] = "Fri, 01 Mar 2024 10:00:00 +0100"
    msg.set_content("Hej\n")
    path.write_bytes(msg.as_bytes())
    media, items = extract(Blob.from_path(path), LIMITS)
    assert media == "message/rfc822"
    assert "message=1709283600.M1P2.exempel.se:2,S/header=From" in _segments(list(items))


# ------------------------------------------------------------------------------------------
# Outlook .msg.


def test_msg_without_the_extra_is_unsupported_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "extract_msg", None)  # as if not installed
    media, items = extract(Blob.from_path(MSG_WITH_ATTACHMENTS), LIMITS)
    assert media == "application/vnd.ms-outlook"
    with pytest.raises(UnsupportedError) as caught:
        list(items)
    assert str(caught.value) == MISSING_EXTRA
    assert "piiscan-se[msg]" in MISSING_EXTRA


def test_msg_headers_bodies_and_attachments(tmp_path: Path) -> None:
    pytest.importorskip("extract_msg")
    path = tmp_path / "svar.msg"
    shutil.copyfile(MSG_WITH_ATTACHMENTS, path)
    _, items = extract(Blob.from_path(path), LIMITS)
    seen = list(items)
    at = "message=<3975CB0784A2C249A2EDDD4D43C53D08045B971A87@Stitch.pof.com.au>/"
    segments = _segments(seen)
    assert segments[at + "header=From"] == "Nick Booth <nick.booth@pof.com.au>"
    assert segments[at + "header=Subject"] == "test email"
    assert segments[at + "part=body"].startswith("Test email with 1 msg attachment")
    assert segments[at + "part=att1/header=Subject"] == "Test Attachment"  # embedded .msg
    assert any(loc.startswith(at + "part=html/line=") for loc in segments)
    pdf = _members(seen)[at + "part=att2/attachment=smbprn.00009008.KdcPjl.pdf"]
    assert extract(pdf.blob, LIMITS)[0] == "application/pdf"
    assert pdf.mtime is not None


# ------------------------------------------------------------------------------------------
# A whole scan: what reaches the inventory.


@pytest.mark.slow
def test_scan_of_a_mailbox_finds_attachments_and_nothing_in_encoded_data(tmp_path: Path) -> None:
    from piiscan.api import scan
    from piiscan.config import ScanConfig
    from piiscan.inventory import Inventory, rows_as_dicts
    from piiscan.subject.lookup import record_of

    root = tmp_path / "Post"
    root.mkdir()
    msg = _message()
    noise = random.Random(11)
    for index in range(3):  # large base64 blobs of random bytes, named and unnamed
        msg.add_attachment(noise.randbytes(300_000), maintype="application",
                           subtype="octet-stream", filename=f"blob{index}.bin")  # fmt: skip
    msg.add_attachment(noise.randbytes(300_000), maintype="application", subtype="octet-stream")
    (root / "kund.eml").write_bytes(msg.as_bytes())
    (root / "kundtjanst.mbox").write_bytes(_mbox(msg.as_bytes()))
    config = ScanConfig(
        roots=(str(root),), inventory=tmp_path / "inv", workers=1, key_file=tmp_path / "key",
        new_key=True,
    )  # fmt: skip
    scan(config)
    inventory = Inventory(config.inventory)
    findings = list(rows_as_dicts(inventory.findings()))
    objects = {(o["path"], o["member"]): o for o in rows_as_dicts(inventory.objects())}

    eml_docx = "message=<4711.kund@exempel.se>/part=2/attachment=kund åäö.docx"
    mbox_docx = "message=<4711.kund@exempel.se>!/part=2/attachment=kund åäö.docx"
    assert objects[("kund.eml", eml_docx)]["status"] == "ok"
    assert objects[("kundtjanst.mbox", "message=<4711.kund@exempel.se>")]["status"] == "ok"
    assert objects[("kundtjanst.mbox", mbox_docx)]["status"] == "ok"
    blobs = [key for key in objects if "blob" in key[1] or key[1].endswith("part=7")]
    assert len(blobs) == 8
    assert all(objects[key]["status"] == "unsupported" for key in blobs)

    def where(finding: dict[str, str]) -> str:
        """Member chain and locator as one path of steps (the member is not in the locator)."""
        return "/".join(part for part in (finding["member"].replace("!/", "/"),
                                          finding["locator"]) if part)  # fmt: skip

    assert not [f for f in findings if "blob" in where(f) or "part=7" in where(f)]
    for path in ("kund.eml", "kundtjanst.mbox"):
        mine = {(where(f), f["entity_type"]) for f in findings if f["path"] == path}
        docx_at = "message=<4711.kund@exempel.se>/part=2/attachment=kund åäö.docx/part=document"
        assert (f"{docx_at}/p=1", "PHONE_NUMBER") in mine
        assert (f"{docx_at}/p=0", "PERSON") in mine
        at = "message=<4711.kund@exempel.se>"
        assert (f"{at}/header=From", "PERSON") in mine
        assert (f"{at}/header=From", "EMAIL_ADDRESS") in mine
        assert (f"{at}/part=1.1", "SE_PERSONNUMMER") in mine
        assert (f"{at}/part=3/header=From", "PERSON") in mine
        records = {record_of(f["locator"], f["member"]) for f in findings if f["path"] == path}
        assert records == {at, f"{at}/attachment=kund åäö.docx"}
    persons = [f for f in findings if f["entity_type"] == "PERSON"]
    assert {f["masked"][:1] for f in persons} <= set("ABGKLT")  # no PERSON out of base64


# ------------------------------------------------------------------------------------------
# Outlook .pst.

PST = THIRDPARTY / "tika_testPST_various.pst"


def test_pst_without_the_extra_is_unsupported_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from piiscan.extractors.mail.pst import MISSING_EXTRA as MISSING_PST

    monkeypatch.setitem(sys.modules, "pypff", None)  # as if not installed
    media, items = extract(Blob.from_path(PST), LIMITS)
    assert media == "application/vnd.ms-outlook-pst"
    with pytest.raises(UnsupportedError) as caught:
        list(items)
    assert str(caught.value) == MISSING_PST
    assert "piiscan-se[pst]" in MISSING_PST


def test_pst_messages_are_members_read_as_messages() -> None:
    pytest.importorskip("pypff")
    media, items = extract(Blob.from_path(PST), LIMITS)
    members = [i for i in items if isinstance(i, Member)]
    assert media == "application/vnd.ms-outlook-pst"
    assert len(members) == 4
    assert all(m.name.startswith("message=<") and m.name.endswith(">") for m in members)
    assert all(m.mtime is not None and m.blob.media_type == "message/rfc822" for m in members)
    first = list(extract(members[0].blob, LIMITS)[1])
    segments = _segments(first)
    assert {"header=From", "header=To", "header=Subject"} <= set(segments)
    assert any(loc.startswith("part=") for loc in segments)


def test_damaged_pst_keeps_the_messages_read_before_the_damage() -> None:
    pytest.importorskip("pypff")
    data = PST.read_bytes()
    _, items = extract(Blob.from_bytes("kaputt.pst", data[: len(data) * 3 // 10]), LIMITS)
    seen: list[Item] = []
    with pytest.raises(ExtractionError, match="damaged Outlook PST") as caught:
        seen.extend(items)
    assert len(seen) == 1
    assert "@" not in str(caught.value)
