"""Names are data: file, folder, member and sheet names are scanned, and content names in
locators are masked where they hold a finding (the member chain is not in the locator)."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from piiscan.config import ScanConfig
from piiscan.keys import Keyer
from piiscan.locator import Locator, join
from piiscan.model import Finding, ObjectRef, Segment
from piiscan.scan.names import NameMasks, mask_spans, name_segments, scan_names
from piiscan.scan.plan import Credentials, ObjectHandle, open_roots, plan
from piiscan.scan.task import TaskContext, WorkerSetup, scan_object

# Skatteverket's test personnummer, one per kind of name.
IN_FILE_NAME = "19900101-2385"
IN_MEMBER_NAME = "19850601-2387"
IN_SHEET_NAME = "19121212-1212"
RAW = (IN_FILE_NAME, IN_MEMBER_NAME, IN_SHEET_NAME)
SHEET_ROWS = 40


@pytest.mark.parametrize(
    ("members", "path", "expected"),
    [
        ((), "a.txt", [("a.txt", "name")]),
        ((), "Anna/2019/a.txt", [("Anna", "folder=1"), ("2019", "folder=2"), ("a.txt", "name")]),
        (("personer/x.txt",), "p.zip", [("personer", "folder=1"), ("x.txt", "name")]),
        (("part=2/attachment=cv anna.docx",), "m.eml", [("cv anna.docx", "name")]),
        (("message=<a%2Fb@x>",), "k.mbox", []),
        (("message=#3", "part=2"), "k.mbox", []),
    ],
)  # fmt: skip
def test_name_segments(
    members: tuple[str, ...], path: str, expected: list[tuple[str, str]]
) -> None:
    ref = ObjectRef(root="r", path=path, members=members)
    assert [(s.text, s.locator) for s in name_segments(ref)] == expected


def _finding(start: int, end: int, masked: str) -> Finding:
    return Finding(entity_type="X", start=start, end=end, score=1.0, masked=masked, recognizer="x")


def test_mask_spans() -> None:
    text = "Lön 19121212-1212 och 19850601-2387"
    findings = [_finding(22, 35, "19850601-****"), _finding(4, 17, "19121212-****")]
    assert mask_spans(text, findings) == "Lön 19121212-**** och 19850601-****"


def test_name_masks_analyse_each_name_once() -> None:
    calls: list[str] = []

    def analyze(text: str) -> list[Finding]:
        calls.append(text)
        return [_finding(0, 13, "19121212-****")] if text.startswith(IN_SHEET_NAME) else []

    masks = NameMasks(analyze)
    for row in range(1, 4):
        segment = Segment(
            text="x", locator=f"sheet={IN_SHEET_NAME}/cell=A{row}", names=(IN_SHEET_NAME,)
        )
        assert masks.locator(segment) == f"sheet=19121212-****/cell=A{row}"
    clean = Segment(text="x", locator="sheet=Kunder/cell=A1", names=("Kunder",))
    assert masks.locator(clean) == "sheet=Kunder/cell=A1"
    assert calls == [IN_SHEET_NAME, "Kunder"]


def test_name_masks_of_one_process_share_what_they_analysed() -> None:
    """The objects a process reads share the masks of their names: a column name met in
    the next file costs no engine call, and the masks are the same."""
    calls: list[str] = []

    def analyze(text: str) -> list[Finding]:
        calls.append(text)
        return [_finding(0, 13, "19121212-****")] if text.startswith(IN_SHEET_NAME) else []

    known: dict[str, str | None] = {}
    segments = [
        Segment(text="x", locator=f"sheet={name}/cell=A1", names=(name,))
        for name in (IN_SHEET_NAME, "Kunder")
    ]
    first = [NameMasks(analyze, known).locator(segment) for segment in segments]
    second = [NameMasks(analyze, known).locator(segment) for segment in segments]
    assert first == second == ["sheet=19121212-****/cell=A1", "sheet=Kunder/cell=A1"]
    assert calls == [IN_SHEET_NAME, "Kunder"]


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def _workbook(path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = IN_SHEET_NAME
    sheet.append(["Kundnummer", "E-post"])
    for row in range(SHEET_ROWS):
        sheet.append([row, f"kund{row}@exempel.se"])
    workbook.save(path)


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory, engine: Any) -> list[Any]:
    base = tmp_path_factory.mktemp("names")
    root = base / "root"
    (root / "arenden").mkdir(parents=True)
    (root / "arenden" / f"{IN_FILE_NAME}.txt").write_text("Inget här.\n", encoding="utf-8")
    (root / "arkiv.zip").write_bytes(_zip({f"personer/{IN_MEMBER_NAME}.txt": b"Inget.\n"}))
    _workbook(root / "blad.xlsx")
    config = ScanConfig(roots=(str(root),), inventory=base / "inv")
    setup = WorkerSetup(config=config, keyer=Keyer(key=bytes(range(32))))
    context = TaskContext.build(setup, engine=engine)
    handles = [i for i in plan(open_roots(config, Credentials())) if isinstance(i, ObjectHandle)]
    return [result for handle in handles for result in scan_object(handle, context)]


def _found(results: list[Any], path: str, member: str = "") -> list[Any]:
    [result] = [r for r in results if r.ref.path == path and r.ref.member == member]
    return [f for f in result.findings if f.entity_type == "SE_PERSONNUMMER"]


def test_a_personnummer_in_a_file_name_is_a_finding(scanned: list[Any]) -> None:
    [finding] = _found(scanned, f"arenden/{IN_FILE_NAME}.txt")
    assert (finding.locator, finding.masked) == ("name", "19900101-****")


def test_a_personnummer_in_a_member_name_is_a_finding(scanned: list[Any]) -> None:
    [finding] = _found(scanned, "arkiv.zip", f"personer/{IN_MEMBER_NAME}.txt")
    assert (finding.locator, finding.masked) == ("name", "19850601-****")


def test_a_personnummer_in_a_sheet_name_is_a_finding_and_masked_everywhere(
    scanned: list[Any],
) -> None:
    [result] = [r for r in scanned if r.ref.path == "blad.xlsx"]
    [finding] = _found(scanned, "blad.xlsx")
    assert (finding.locator, finding.masked) == ("sheet=19121212-****/name", "19121212-****")
    locators = [f.locator for f in result.findings]
    assert len(locators) == SHEET_ROWS + 1  # an e-mail address on every row, and the name
    assert all(locator.startswith("sheet=19121212-****/") for locator in locators)


def test_no_locator_holds_a_raw_name_or_the_member_chain(scanned: list[Any]) -> None:
    locators = [f.locator for result in scanned for f in result.findings]
    assert [loc for loc in locators if any(raw in loc for raw in RAW)] == []
    assert [loc for loc in locators if "member=" in loc] == []


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("p19121212_1212", "p19121212-****"),  # an XML element name, glued and underscored
        ("19121212_1212", "19121212-****"),
        ("Lön 19121212-1212", "Lön 19121212-****"),
        ("Blad1", None),
    ],
)
def test_glued_identifiers_in_names_are_masked(engine: Any, name: str, masked: str | None) -> None:
    assert NameMasks(engine.analyze).mask(name) == masked


def test_folder_names_are_analysed_once_per_process(engine: Any) -> None:
    seen: list[str] = []

    class Counting:
        def analyze_batch(self, segments: list[Segment]) -> list[list[Finding]]:
            seen.extend(s.text for s in segments)
            return engine.analyze_batch(segments)

    counting = Counting()
    refs = [ObjectRef(root="r", path=f"{IN_FILE_NAME}/HR/fil{n}.txt") for n in range(3)]
    results = [scan_names(ref, counting) for ref in refs]  # type: ignore[arg-type]
    assert seen == [IN_FILE_NAME, "HR", "fil 0.txt", "fil 1.txt", "fil 2.txt"]  # read as names
    for found in results:
        [(segment, [finding])] = [(s, f) for s, f in found if f]
        assert (segment.locator, finding.masked) == ("folder=1", "19900101-****")


@given(sheet=st.text(alphabet=st.sampled_from("!/=%\"' åä9-"), max_size=12))
def test_masking_the_rendered_text_is_masking_the_steps(sheet: str) -> None:
    """The driver masks a name in the rendered locator; that is masking it in every step."""
    name = f"{sheet}{IN_SHEET_NAME}{sheet}"

    def analyze(text: str) -> list[Finding]:
        at = text.find(IN_SHEET_NAME)
        return [_finding(at, at + 13, "19121212-****")] if at >= 0 else []

    masks = NameMasks(analyze)
    masked = masks.mask(name)
    assert masked is not None
    assert IN_SHEET_NAME not in masked
    segment = Segment(text="x", locator=join([("sheet", name), ("cell", "A1")]), names=(name,))
    expected = Locator.parse(segment.locator).replace_names({name: masked}).render()
    assert masks.locator(segment) == expected


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_an_object_that_cannot_be_opened_keeps_the_findings_in_its_name(
    tmp_path: Path, engine: Any
) -> None:
    root = tmp_path / "root"
    root.mkdir()
    path = root / f"{IN_FILE_NAME}.txt"
    path.write_text("Inget.\n", encoding="utf-8")
    config = ScanConfig(roots=(str(root),), inventory=tmp_path / "inv")
    setup = WorkerSetup(config=config, keyer=Keyer(key=bytes(range(32))))
    [handle] = [i for i in plan(open_roots(config, Credentials())) if isinstance(i, ObjectHandle)]
    path.unlink()
    os.mkfifo(path)  # swapped for a FIFO after the walk: refused, never opened
    [row] = scan_object(handle, TaskContext.build(setup, engine=engine))
    assert row.status == "skipped"
    assert [(f.locator, f.masked) for f in row.findings] == [("name", "19900101-****")]


def test_dump_table_and_column_names_and_shape_names_are_findings(
    tmp_path: Path, engine: Any
) -> None:
    """A column named with a personnummer is a finding located ``table=…/column=…/name``,
    and every value of that column is located with the name masked; a PowerPoint shape
    named with one is a finding ``slide=…/shape=…/name``."""
    from pptx import Presentation
    from pptx.util import Inches

    root = tmp_path / "root"
    root.mkdir()
    rows = ",".join(f"({n},'kund{n}@exempel.se')" for n in range(1, 6))
    (root / "kunder.sql").write_text(
        "-- MariaDB dump 10.19\n"
        f"CREATE TABLE `kunder` (`id` int NOT NULL, `{IN_SHEET_NAME}` text, PRIMARY KEY (`id`));\n"
        f"INSERT INTO `kunder` VALUES {rows};\n",
        encoding="utf-8",
    )
    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[6])
    box = slide.shapes.add_textbox(Inches(1), Inches(1), Inches(4), Inches(1))
    box.name = f"Kund {IN_MEMBER_NAME}"
    box.text_frame.text = "Inget annat."
    deck.save(str(root / "bilder.pptx"))
    config = ScanConfig(roots=(str(root),), inventory=tmp_path / "inv")
    setup = WorkerSetup(config=config, keyer=Keyer(key=bytes(range(32))))
    context = TaskContext.build(setup, engine=engine)
    handles = [i for i in plan(open_roots(config, Credentials())) if isinstance(i, ObjectHandle)]
    results = [result for handle in handles for result in scan_object(handle, context)]
    [column] = _found(results, "kunder.sql")
    assert (column.locator, column.masked) == ("table=kunder/column=19121212-****/name",
                                               "19121212-****")  # fmt: skip
    [dump] = [r for r in results if r.ref.path == "kunder.sql"]
    mails = [f.locator for f in dump.findings if f.entity_type == "EMAIL_ADDRESS"]
    assert mails == [f"table=kunder/column=19121212-****/row=id:{n}" for n in range(1, 6)]
    [shape] = _found(results, "bilder.pptx")
    assert (shape.locator, shape.masked) == ("slide=1/shape=Kund 19850601-****/name",
                                             "19850601-****")  # fmt: skip
    locators = [f.locator for result in results for f in result.findings]
    assert [loc for loc in locators if any(raw in loc for raw in RAW)] == []


def test_names_of_objects_passed_over_are_findings(tmp_path: Path) -> None:
    """A personnummer in the name of a file too large to read, of a file an exclude glob
    drops, of a symbolic link not followed and of a FIFO is a finding (locator ``name``),
    though none of them is opened; an excluded file whose name holds nothing is no row."""
    from piiscan.api import scan
    from piiscan.inventory import Inventory

    root = tmp_path / "root"
    root.mkdir()
    (root / f"stor {IN_FILE_NAME}.txt").write_text("x" * 2000, encoding="utf-8")
    (root / f"utesluten {IN_MEMBER_NAME}.tmp").write_text("Inget.\n", encoding="utf-8")
    (root / "utesluten.tmp").write_text("Inget.\n", encoding="utf-8")
    (root / f"länk {IN_SHEET_NAME}").symlink_to(root / "utesluten.tmp")
    if hasattr(os, "mkfifo"):
        os.mkfifo(root / f"rör {IN_FILE_NAME}")
    config = ScanConfig.from_options([str(root)], inventory=tmp_path / "inv", workers=1,
                                     key_file=tmp_path / "key", new_key=True,
                                     exclude=["*.tmp"], max_size=1000)  # fmt: skip
    scan(config)
    inventory = Inventory(tmp_path / "inv")
    rows = {r["path"]: (r["status"], r["reason"]) for r in inventory.objects().to_pylist()}
    found = {(r["path"], r["locator"], r["masked"]) for r in inventory.findings().to_pylist()}
    expected = {
        f"stor {IN_FILE_NAME}.txt": ("too_large", "19900101-****"),
        f"utesluten {IN_MEMBER_NAME}.tmp": ("skipped", "19850601-****"),
        f"länk {IN_SHEET_NAME}": ("skipped", "19121212-****"),
    }
    if hasattr(os, "mkfifo"):
        expected[f"rör {IN_FILE_NAME}"] = ("skipped", "19900101-****")
    for path, (status, masked) in expected.items():
        assert rows[path][0] == status, path
        assert (path, "name", masked) in found, path
    assert rows[f"stor {IN_FILE_NAME}.txt"][1] == "larger than the size limit (2000 > 1000 bytes)"
    assert "utesluten.tmp" not in rows
