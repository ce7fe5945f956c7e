"""Messages parse to the same tree whether or not their base64 runs are folded first.

``message.parse_message`` hands the stdlib parser each long run of base64 lines as one token
line and puts the run back afterwards. Here the whole parsed tree (headers as read, defects,
preamble, epilogue and every raw payload) and the extractor's items are compared with the
stdlib parser's own reading, on the repository's mail and on generated messages, whole and
damaged line by line.
"""

from __future__ import annotations

import email
import email.policy
import random
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

import pytest

from piiscan.extractors.base import Blob, Limits, Member
from piiscan.extractors.mail import message
from piiscan.extractors.mail.mbox import split_mbox
from piiscan.model import Segment

POST = Path(__file__).parents[2] / "fixtures" / "share" / "Post"


def _tree(msg: Message) -> object:
    payload = getattr(msg, "_payload", None)
    return (
        msg.get_unixfrom(),
        list(msg.raw_items()),
        [type(defect).__name__ for defect in msg.defects],
        msg.preamble,
        msg.epilogue,
        [_tree(part) for part in payload] if isinstance(payload, list) else payload,
    )


def _items(data: bytes) -> list[object]:
    blob = Blob.from_bytes("brev.eml", data)
    out: list[object] = []
    try:
        for item in message.extract_eml(blob, Limits()):
            if isinstance(item, Member):
                out.append(("member", item.name, item.blob.name, item.blob.read(), item.mtime))
            elif isinstance(item, Segment):
                out.append(item)
    except Exception as error:
        out.append(("error", type(error).__name__, str(error)))
    return out


def _items_unfolded(data: bytes, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    with monkeypatch.context() as patch:
        patch.setattr(message, "_fold_base64_runs", lambda data: (data, []))
        return _items(data)


def _check(data: bytes, monkeypatch: pytest.MonkeyPatch) -> bool:
    """The folded and the plain parse agree; returns whether anything was folded."""
    plain = email.message_from_bytes(data, policy=email.policy.compat32)
    assert _tree(message.parse_message(data)) == _tree(plain)
    assert _items(data) == _items_unfolded(data, monkeypatch)
    return bool(message._fold_base64_runs(data)[1])


def _repository_messages() -> list[bytes]:
    found = [p.read_bytes() for p in sorted(POST.rglob("*")) if p.is_file()]
    mbox = (POST / "kundtjanst.mbox").read_bytes()
    found += [m for m in split_mbox(mbox.splitlines(keepends=True), 1 << 30) if m]
    return found


@pytest.mark.parametrize("index", range(len(_repository_messages())))
def test_repository_mail(index: int, monkeypatch: pytest.MonkeyPatch) -> None:
    _check(_repository_messages()[index], monkeypatch)


def test_the_share_mailbox_has_runs_to_fold() -> None:
    assert any(message._fold_base64_runs(m)[1] for m in _repository_messages())


def _attachment(rng: random.Random) -> MIMEApplication:
    size = rng.choice([0, 10, 900, 1200, 3000, 9000, 20000])
    part = MIMEApplication(rng.randbytes(size), _subtype=rng.choice(["octet-stream", "pdf"]))
    part.add_header("Content-Disposition", "attachment", filename=f"bilaga{size}.bin")
    return part


def _body(rng: random.Random, depth: int) -> Message:
    kind = rng.choice(["text", "base64 text", "attachment", "mixed", "alternative", "forward"])
    if kind == "text":
        return MIMEText("Hej Anna Andersson, 850601-2387.\n" * rng.randint(1, 40), "plain", "utf-8")
    if kind == "base64 text":
        text = MIMEText("Ring 070-174 06 05, Räksmörgås.\n" * rng.randint(1, 300), "plain", "utf-8")
        return text  # utf-8 MIMEText is base64 encoded
    if kind == "attachment" or depth > 2:
        return _attachment(rng)
    if kind == "forward":
        inner = _message(rng, depth + 1)
        return MIMEMessage(inner)
    multipart = MIMEMultipart(kind if kind == "alternative" else "mixed")
    for _ in range(rng.randint(1, 3)):
        multipart.attach(_body(rng, depth + 1))
    if rng.random() < 0.3:
        multipart.preamble = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY\n" * rng.randint(1, 40)
    if rng.random() < 0.3:
        multipart.epilogue = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY\n" * rng.randint(1, 40)
    return multipart


def _message(rng: random.Random, depth: int = 0) -> Message:
    msg = _body(rng, depth)
    msg["From"] = "Anna Andersson <anna@exempel.se>"
    msg["To"] = "kundtjanst@exempel.se"
    msg["Subject"] = "Ärende"
    msg["Message-ID"] = f"<{rng.randint(1, 10**6)}@exempel.se>"
    return msg


def _generated(seed: int) -> bytes:
    rng = random.Random(seed)
    data = _message(rng).as_bytes()
    if rng.random() < 0.3:
        data = data.replace(b"\n", b"\r\n")
    return data


@pytest.mark.parametrize("seed", range(80))
def test_generated_mail(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    _check(_generated(seed), monkeypatch)


def test_generated_mail_has_runs_to_fold() -> None:
    assert sum(bool(message._fold_base64_runs(_generated(s))[1]) for s in range(80)) > 30


def _damaged(seed: int) -> bytes:
    rng = random.Random(seed)
    data = _generated(seed + 1000)
    lines = data.splitlines(keepends=True)
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(lines) + 1)
        damage = rng.choice(["drop", "blank", "boundary", "lone cr", "header run", "no newline",
                             "truncate", "colon"])  # fmt: skip
        if damage == "drop" and at < len(lines):
            del lines[at]
        elif damage == "blank":
            lines.insert(at, b"\n")
        elif damage == "boundary":
            lines = [line for line in lines if not line.startswith(b"--")][: max(at, 1)] + lines[
                at:
            ]
        elif damage == "lone cr":
            lines.insert(at, b"QUJD\rREVG\n")
        elif damage == "header run":  # base64 lines where headers are expected
            lines[at:at] = [b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldY\n"] * 20
        elif damage == "no newline" and lines:
            lines[-1] = lines[-1].rstrip(b"\r\n")
        elif damage == "truncate":
            lines = lines[:at]
        elif damage == "colon" and at < len(lines):
            lines[at] = b"QUJD:" + lines[at]
    return b"".join(lines)


@pytest.mark.parametrize("seed", range(120))
def test_damaged_mail(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    _check(_damaged(seed), monkeypatch)


def test_damaged_mail_has_runs_to_fold() -> None:
    assert sum(bool(message._fold_base64_runs(_damaged(s))[1]) for s in range(120)) > 30


def test_a_message_holding_the_token_is_not_folded(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _generated(3) + b"\n" + message._RUN_PREFIX.encode() + b"0Z\n"
    assert message._fold_base64_runs(data)[1] == []
    _check(data, monkeypatch)
