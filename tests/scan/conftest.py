"""Fixtures for scan tests: a real Samba share and small trees to scan."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

_TESTS_DIR = str(Path(__file__).resolve().parents[1])
if _TESTS_DIR not in sys.path:
    sys.path.insert(0, _TESTS_DIR)

from samba_server import SambaServer, serve_directory, smbd_missing_reason  # noqa: E402

import piiscan  # noqa: E402

ServeShare = Callable[[Path], SambaServer]
TEST_PERSONNUMMER = Path(piiscan.__file__).parent / "data" / "skatteverket_testpersonnummer.txt"


@pytest.fixture
def samba_share(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeShare]:
    """``samba_share(directory)`` serves ``directory`` read-only over SMB until teardown."""
    reason = smbd_missing_reason()
    if reason is not None:
        pytest.skip(reason)
    with contextlib.ExitStack() as stack:

        def serve(directory: Path) -> SambaServer:
            workdir = tmp_path_factory.mktemp("samba")
            return stack.enter_context(serve_directory(directory, workdir))

        yield serve


def dense_text(megabytes: float) -> str:
    """Text dense with test personnummer and phone numbers, slow to scan; no line repeats."""
    numbers = TEST_PERSONNUMMER.read_text(encoding="ascii").split()
    lines, size, index = [], 0, 0
    while size < megabytes * 1_000_000:
        number = numbers[index % len(numbers)]
        line = f"personnummer {number[:8]}-{number[8:]}, mobil 070-174 06 {5 + index % 95:02d}\n"
        lines.append(line)
        size += len(line)
        index += 1
    return "".join(lines)


def small_files(root: Path, count: int, prefix: str = "b") -> list[str]:
    """``count`` small text files with one test personnummer each; their names."""
    root.mkdir(parents=True, exist_ok=True)
    names = [f"{prefix}_{index:03d}.txt" for index in range(count)]
    for name in names:
        (root / name).write_text("Personnummer 19121212-1212\n", encoding="utf-8")
    return names
