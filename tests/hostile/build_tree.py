"""Build a hostile tree: files as an attacker, or an unlucky share, would present them.

Every file is built here from scratch, with fictional identifiers only (Skatteverket's test
personnummer, PTS's range for fiction, ``exempel.se``). Sizes are scaled so that a scan of
the tree takes seconds; ``--scale`` multiplies the sizes that can grow (bomb payloads, rows,
nesting) for runs outside CI.

Run it as a script to look at the tree::

    python tests/hostile/build_tree.py /tmp/hostile [--scale 10]

:data:`EXPECTED` says what a scan must make of each file: its status, and a piece of its reason.

Names are data: some file, folder and member names hold :data:`NAME_PERSONNUMMER`. Paths are
stored as they are (a person must act on them), so its raw forms may appear in the ``path``
and ``member`` columns and nowhere else; they must be findings (locator ``name``). Names from
inside files (a sheet name, a Parquet column, an XML element, a JSON key) hold
:data:`PERSONNUMMER` and must be masked wherever the tool writes them.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
from reportlab.pdfgen import canvas

# Fictional identifiers, and every raw form of them that must never appear where the tool
# writes (only masked previews and value keys may).
PERSONNUMMER = "19121212-1212"
OTHER_PERSONNUMMER = "19850601-2387"
PHONE = "070-174 06 05"
EMAIL = "anna.andersson@exempel.se"
RAW_FORMS = (
    "19121212-1212", "191212121212", "1212121212", "121212-1212",
    "19850601-2387", "198506012387", "8506012387", "850601-2387",
    "070-174 06 05", "0701740605", "+46701740605", "46701740605",
    "anna.andersson@exempel.se",
)  # fmt: skip

LINE = f"Kund {PERSONNUMMER}, mobil {PHONE}, e-post {EMAIL}\n"

# A test personnummer that only file, folder and member names hold: stored as it is in paths.
NAME_PERSONNUMMER = "19900101-2385"
NAME_FORMS = ("19900101-2385", "199001012385", "9001012385", "900101-2385")


@dataclass(frozen=True, slots=True)
class Expected:
    """What a scan makes of one object: ``status``, a piece of ``reason``, and whether some
    finding must be made in it (a file that is read must not be a silent miss)."""

    status: str
    reason: str = ""
    findings: bool = False


def _zip(files: dict[str, bytes], *, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = method
            if name.endswith("/"):
                info.external_attr = (0o40755 << 16) | 0x10
            archive.writestr(info, data)
    return out.getvalue()


def zip_bomb(scale: int) -> bytes:
    """A normal member, then one of zeros far past the expansion-ratio limit."""
    return _zip({"kund.txt": LINE.encode(), "noll.bin": bytes(8 * 1024 * 1024 * scale)})


def nested_zip(scale: int) -> bytes:
    """A zip in a zip ... deeper than the nesting limit (the quine's effect, bounded)."""
    data = _zip({"kund.txt": LINE.encode()})
    for level in range(8 + scale):
        data = _zip({f"niva{level}.zip": data})
    return data


def traversal_zip(scale: int) -> bytes:
    """Member names that would write outside a folder if anything extracted them."""
    return _zip(
        {
            "../../../../tmp/piiscan-traversal.txt": LINE.encode(),
            "/etc/piiscan-absolute.txt": LINE.encode(),
            "..\\..\\windows.txt": LINE.encode(),
            "ok.txt": LINE.encode(),
        }
    )


def zip_with_data_in_a_directory_entry(scale: int) -> bytes:
    return _zip({"mapp/": LINE.encode()})


def docx_without_document(scale: int) -> bytes:
    return _zip({"[Content_Types].xml": b"<Types/>", "word/styles.xml": b"<styles/>"})


def truncated_docx(scale: int) -> bytes:
    data = _zip(
        {
            "[Content_Types].xml": b"<Types/>",
            "word/document.xml": (
                '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/'
                f'main"><w:body><w:p><w:r><w:t>{LINE}</w:t></w:r></w:p></w:body></w:document>'
            ).encode(),
        }
    )
    return data[: len(data) // 2]


def corrupt_xlsx(scale: int) -> bytes:
    return _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook"})


def corrupt_pdf(scale: int) -> bytes:
    return b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R" + bytes(range(256)) * 4


def pdf_with_a_broken_page(scale: int) -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pageCompression=0)
    for text in (f"Kund {PERSONNUMMER}", "Sida två", f"Handläggare {OTHER_PERSONNUMMER}"):
        pdf.drawString(72, 720, text)
        pdf.showPage()
    pdf.save()
    return out.getvalue().replace(b"/Kids [ 3 0 R 4 0 R 5 0 R ]", b"/Kids [ 3 0 R 44444 5 0 R ]")


def deep_json(scale: int) -> bytes:
    depth = 100_000 * scale
    return b'{"a":' * depth + json.dumps(PERSONNUMMER).encode() + b"}" * depth


def deep_xml(scale: int) -> bytes:
    depth = 100_000 * scale
    return b"<a>" * depth + PERSONNUMMER.encode() + b"</a>" * depth


def billion_laughs(scale: int) -> bytes:
    entities = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
    return (
        f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY l0 "{PERSONNUMMER}">{entities}]><d>&l9;</d>'
    ).encode()


def csv_with_an_oversized_record(scale: int) -> bytes:
    rows = [f"Namn;Personnummer\nAnna;{OTHER_PERSONNUMMER}\n"]
    rows.append("Bo;" + "x" * (200_000 * scale) + "\n")
    rows.append(f"Tolvan;{PERSONNUMMER}\n")
    return "".join(rows).encode()


def utf16_without_bom(scale: int) -> bytes:
    return (LINE * 20 * scale).encode("utf-16-le")


def sheet_named_with_a_personnummer(scale: int) -> bytes:
    """A sheet named with a personnummer: every row's locator carries the sheet name."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = PERSONNUMMER
    for row in range(50 * scale):
        sheet.append([f"Kund {row}", EMAIL])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def parquet_column_named_with_a_personnummer(scale: int) -> bytes:
    rows = 10 * scale
    table = pa.table({PERSONNUMMER: [f"rad {n}" for n in range(rows)], "e-post": [EMAIL] * rows})
    out = io.BytesIO()
    pq.write_table(table, out)
    return out.getvalue()


def xml_element_named_with_a_personnummer(scale: int) -> bytes:
    tag = f"kund-{PERSONNUMMER}"
    return f"<kunder><{tag} id='{PERSONNUMMER}'>{LINE}</{tag}></kunder>".encode()


def json_key_named_with_a_personnummer(scale: int) -> bytes:
    return json.dumps({"kunder": {f"Kund {PERSONNUMMER}": {"e-post": EMAIL}}}).encode()


def file_named_with_a_personnummer(scale: int) -> bytes:
    return "Inget annat i den här filen.\n".encode()


def zip_with_a_member_named_with_a_personnummer(scale: int) -> bytes:
    return _zip({f"personer/{NAME_PERSONNUMMER}.txt": b"Inget annat.\n"})


def binary_noise(scale: int) -> bytes:
    return bytes((n * 7919) % 251 for n in range(64 * 1024))


Builder = Callable[[int], bytes]

FILES: dict[str, tuple[Builder, Expected]] = {
    "bomb.zip": (zip_bomb, Expected("too_large", "expansion ratio 200")),
    "bomb.zip!/kund.txt": (zip_bomb, Expected("ok", findings=True)),
    "nastlad.zip": (nested_zip, Expected("ok")),
    "nastlad.zip!/niva8.zip": (nested_zip, Expected("ok")),
    "nastlad.zip!/niva8.zip!/niva7.zip": (nested_zip, Expected("ok")),
    "nastlad.zip!/niva8.zip!/niva7.zip!/niva6.zip": (nested_zip, Expected("ok")),
    "nastlad.zip!/niva8.zip!/niva7.zip!/niva6.zip!/niva5.zip": (nested_zip, Expected("ok")),
    "nastlad.zip!/niva8.zip!/niva7.zip!/niva6.zip!/niva5.zip!/niva4.zip": (
        nested_zip,
        Expected("too_large", "nesting depth limit"),
    ),
    "vandring.zip": (traversal_zip, Expected("ok")),
    "vandring.zip!/../../../../tmp/piiscan-traversal.txt": (
        traversal_zip,
        Expected("ok", findings=True),
    ),
    "vandring.zip!//etc/piiscan-absolute.txt": (traversal_zip, Expected("ok", findings=True)),
    "vandring.zip!/..\\..\\windows.txt": (traversal_zip, Expected("ok", findings=True)),
    "vandring.zip!/ok.txt": (traversal_zip, Expected("ok", findings=True)),
    "mappdata.zip": (zip_with_data_in_a_directory_entry, Expected("ok")),
    "mappdata.zip!/mapp/": (zip_with_data_in_a_directory_entry, Expected("ok", findings=True)),
    "utan-dokument.docx": (docx_without_document, Expected("error", "no main document part")),
    "avhuggen.docx": (truncated_docx, Expected("error", "damaged")),
    "trasig.xlsx": (corrupt_xlsx, Expected("error", "workbook")),
    "trasig.pdf": (corrupt_pdf, Expected("error", "PDF")),
    "en-sida-trasig.pdf": (pdf_with_a_broken_page, Expected("partial", "page 2", True)),
    "djup.json": (deep_json, Expected("too_large", "nested deeper")),
    "djup.xml": (deep_xml, Expected("too_large", "nested deeper")),
    "skratt.xml": (billion_laughs, Expected("too_large", "entity expansion")),
    "kunder.csv": (csv_with_an_oversized_record, Expected("partial", "row 3", True)),
    "utf16.txt": (utf16_without_bom, Expected("ok", findings=True)),
    "brus.bin": (binary_noise, Expected("unsupported", "")),
    # Names are data.
    "blad.xlsx": (sheet_named_with_a_personnummer, Expected("ok", findings=True)),
    "kolumn.parquet": (parquet_column_named_with_a_personnummer, Expected("ok", findings=True)),
    "element.xml": (xml_element_named_with_a_personnummer, Expected("ok", findings=True)),
    "nyckel.json": (json_key_named_with_a_personnummer, Expected("ok", findings=True)),
    f"arenden/{NAME_PERSONNUMMER}/{NAME_PERSONNUMMER}.txt": (
        file_named_with_a_personnummer,
        Expected("ok", findings=True),
    ),
    "personer.zip": (zip_with_a_member_named_with_a_personnummer, Expected("ok")),
    f"personer.zip!/personer/{NAME_PERSONNUMMER}.txt": (
        zip_with_a_member_named_with_a_personnummer,
        Expected("ok", findings=True),
    ),
}
"""Path in the tree (``!/`` before a member chain) → its builder and what a scan (with the
default limits, ``--scale 1``) must make of it."""

SPECIAL: dict[str, Expected] = {
    "ror": Expected("skipped", "special file (fifo)"),
    "slinga": Expected("skipped", "symbolic link"),
}
"""Entries that are not regular files: a FIFO, and a symbolic link to its own folder."""


# Full size: the giants of issue #15, written straight to disk (never held in memory), for
# ``benchmarks/hostile.py --full`` only. CI never builds them.

MIB = 1024 * 1024


def write_pages_pdf(path: Path, pages: int = 100_000) -> None:
    """A PDF of ``pages`` pages, a line each; the first and the last hold identifiers."""
    pdf = canvas.Canvas(str(path))
    for page in range(pages):
        text = f"Kund {PERSONNUMMER}" if page in (0, pages - 1) else f"Sida {page + 1}"
        pdf.drawString(72, 720, text)
        pdf.showPage()
    pdf.save()


def write_rows_xlsx(path: Path, rows: int = 1_000_000) -> None:
    """A header and ``rows`` rows in a sheet named with a personnummer (every row's locator
    would carry it), written by openpyxl in write-only mode."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(PERSONNUMMER)
    sheet.append(["Kundnummer", "E-post"])
    for number in range(1, rows + 1):
        sheet.append([number, EMAIL if number % 1000 == 0 else f"rad {number}"])
    workbook.save(path)


def write_long_line(path: Path, size: int = 200 * MIB) -> None:
    """One line of ``size`` bytes (no newline until the end), identifiers spread through it."""
    block = ("x" * 4000 + " " + LINE.rstrip("\n") + " ").encode()
    with path.open("wb") as out:
        written = 0
        while written < size:
            out.write(block)
            written += len(block)
        out.write(b"\n")


def write_zero_bomb(path: Path, members: int, member_size: int) -> None:
    """A zip of ``members`` members of ``member_size`` zeros each, streamed into the archive."""
    chunk = bytes(MIB)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("kund.txt", LINE)
        for number in range(members):
            info = zipfile.ZipInfo(f"noll{number}.bin")
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w", force_zip64=True) as member:
                for _ in range(member_size // MIB):
                    member.write(chunk)


def write_giant_field_csv(path: Path, size: int = 50 * MIB) -> None:
    """A CSV with one field of ``size`` bytes between normal rows."""
    with path.open("wb") as out:
        out.write(f"Namn;Personnummer\nAnna;{OTHER_PERSONNUMMER}\nBo;".encode())
        for _ in range(size // MIB):
            out.write(b"y" * MIB)
        out.write(f"\nTolvan;{PERSONNUMMER}\n".encode())


FULL_SIZE: dict[str, Callable[[Path], None]] = {
    "sidor-100000.pdf": write_pages_pdf,
    "rader-1000001.xlsx": write_rows_xlsx,
    "rad-200mb.txt": write_long_line,
    "bomb-1gb.zip": lambda path: write_zero_bomb(path, 1, 1024 * MIB),
    "bomb-16x256mb.zip": lambda path: write_zero_bomb(path, 16, 256 * MIB),
    "falt-50mb.csv": write_giant_field_csv,
}
"""The full-size files (issue #15's giants) that ``build_tree(..., full=True)`` adds."""


def build_tree(root: Path, *, scale: int = 1, full: bool = False) -> Path:
    """Write the hostile tree under ``root`` (created) and return ``root``; ``full`` adds
    :data:`FULL_SIZE` (minutes to write, gigabytes of zeros compressed to megabytes)."""
    root.mkdir(parents=True, exist_ok=True)
    if full:
        for name, writer in FULL_SIZE.items():
            writer(root / name)
    for name, (builder, _) in FILES.items():
        if "!/" not in name:
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(builder(scale))
    if hasattr(os, "mkfifo"):
        os.mkfifo(root / "ror")
    (root / "slinga").symlink_to(".", target_is_directory=True)
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path, help="Folder to build the tree in.")
    parser.add_argument("--scale", type=int, default=1, help="Multiply the sizes [1].")
    parser.add_argument("--full", action="store_true", help="Add the full-size giants.")
    arguments = parser.parse_args()
    build_tree(arguments.root, scale=arguments.scale, full=arguments.full)
    print(arguments.root)


if __name__ == "__main__":
    main()
