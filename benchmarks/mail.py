"""Mailboxes: MB/s and peak memory of mbox reading and scanning, as the mailbox grows.

Generates an mbox of fictional customer-service mail at each size (quoted-printable text with
an HTML alternative; every fifth message carries a base64 CSV attachment, every tenth a
base64 blob of random bytes), then measures in a fresh process each:

- **parse**: the mbox and message extractors alone (every message's segments and
  attachments produced, attachments not opened, nothing analysed): MB/s;
- **scan**: ``piiscan scan --workers 1`` of the mbox (extract, analyse, key, write): MB/s and
  the process's peak RSS.

Peak RSS of the parse should stay flat as the mailbox grows (one message in memory at a
time). Values are Skatteverket's test personnummer and PTS's numbers for fiction. A report,
not a test.

    python benchmarks/mail.py                 # 2 and 8 MB
    python benchmarks/mail.py --sizes 100     # larger (slow to scan)
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from email.message import EmailMessage
from pathlib import Path

PNRS = ("19121212-1212", "19850601-2387", "19450202-4732", "20121212-1212", "19000101-9801")
PHONES = ("070-174 06 05", "08-465 004 21", "031-390 06 11")
NAMES = ("Anna Andersson", "Tolvan Tolvansson", "Göran Ekström", "Karin Åström")


def _message(number: int, noise: random.Random) -> bytes:
    name = NAMES[number % 4]
    msg = EmailMessage()
    msg["From"] = f"{name} <kund{number}@exempel.se>"
    msg["To"] = "Kundtjänst <kundtjanst@exempel.se>"
    msg["Subject"] = f"Ärende {number}: {name}"
    msg["Date"] = "Fri, 01 Mar 2024 10:00:00 +0100"
    msg["Message-ID"] = f"<{number}.bench@exempel.se>"
    text = (f"Hej!\n\nJag heter {name}, personnummer {PNRS[number % 5]}, och nås på "
            f"{PHONES[number % 3]}. Jag vill ändra min adress till Storgatan "
            f"{number % 90 + 1}, 123 45 Stockholm.\n\nMvh {name}\n")  # fmt: skip
    msg.set_content(text, cte="quoted-printable")
    msg.add_alternative(f"<p>{text.replace(chr(10), '<br>')}</p>", subtype="html")
    if number % 5 == 0:
        listing = f"Namn;Telefon\n{name};{PHONES[number % 3]}\n".encode()
        msg.add_attachment(listing, maintype="text", subtype="csv", filename="kund.csv")
    if number % 10 == 0:
        msg.add_attachment(noise.randbytes(20_000), maintype="application",
                           subtype="octet-stream", filename="bilaga.bin")  # fmt: skip
    return msg.as_bytes()


def write_mbox(path: Path, size: int) -> int:
    noise = random.Random(1)
    number = 0
    with path.open("wb") as out:
        while out.tell() < size:
            number += 1
            out.write(b"From kund@exempel.se Fri Mar  1 10:00:00 2024\n")
            out.write(_message(number, noise).replace(b"\r\n", b"\n") + b"\n")
    return number


_PARSE = """
import resource, sys, time
from pathlib import Path
from piiscan.extractors.base import Blob, Limits, Member
from piiscan.extractors.dispatch import extract
start = time.perf_counter()
count = 0
limits = Limits(max_text_chars=1 << 40)
_, messages = extract(Blob.from_path(Path(sys.argv[1])), limits)
for message in messages:
    _, items = extract(message.blob, limits)
    count += sum(1 for _ in items)
print(time.perf_counter() - start, count, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

_SCAN = """
import resource, sys, time
from pathlib import Path
from piiscan.api import scan
from piiscan.config import ScanConfig
from piiscan.extractors.base import Limits
root, inventory = Path(sys.argv[1]), Path(sys.argv[2])
start = time.perf_counter()
report = scan(ScanConfig(roots=(str(root),), inventory=inventory, workers=1,
                         key_file=inventory.parent / "key", new_key=True,
                         limits=Limits(max_text_chars=1 << 40, max_object_seconds=0)))
print(time.perf_counter() - start, report.findings,
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _measure(code: str, *args: str) -> tuple[float, int, float]:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          check=True)  # fmt: skip
    seconds, count, rss_kb = done.stdout.split()
    return float(seconds), int(count), int(rss_kb) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2,8", help="mbox sizes in MB, comma-separated")
    parser.add_argument("--no-scan", action="store_true", help="measure parsing only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="piiscan-mail-bench-") as temporary:
        work = Path(temporary)
        for size in (int(s) for s in args.sizes.split(",")):
            folder = work / f"mbox-{size}"
            folder.mkdir()
            mbox = folder / "kundtjanst.mbox"
            messages = write_mbox(mbox, size * 1_000_000)
            megabytes = mbox.stat().st_size / 1e6
            seconds, items, rss = _measure(_PARSE, str(mbox))
            row = {"MB": round(megabytes, 1), "messages": messages,
                   "parse MB/s": round(megabytes / seconds, 1), "items": items,
                   "parse peak RSS MB": round(rss)}  # fmt: skip
            if not args.no_scan:
                seconds, findings, rss = _measure(_SCAN, str(folder), str(work / f"inv-{size}"))
                row |= {"scan MB/s": round(megabytes / seconds, 2), "findings": findings,
                        "scan peak RSS MB": round(rss)}  # fmt: skip
            print(json.dumps(row, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
