"""A panic in the compiled core is a Python exception and an ``error`` row, never an abort."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from piiscan import _core
from piiscan.config import ScanConfig
from piiscan.keys import Keyer
from piiscan.model import Status
from piiscan.names import rules
from piiscan.scan.plan import Credentials, ObjectHandle, open_roots, plan
from piiscan.scan.task import TaskContext, WorkerSetup, scan_object


def test_a_core_panic_is_a_python_exception_without_its_text() -> None:
    with pytest.raises(RuntimeError, match="internal error in piiscan's core") as caught:
        _core._panic_for_test()
    assert "deliberate" not in str(caught.value)
    assert _core.luhn("8506012387")  # the interpreter and the core carry on


class _PanickingRules:
    """A stand-in for the core's name scan that panics in Rust on every text."""

    def scan(self, text: str) -> Any:
        _core._panic_for_test()

    def scan_weigh(self, text: str) -> Any:
        _core._panic_for_test()


def test_a_core_panic_while_scanning_is_an_error_row(
    tmp_path: Path, engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / "brev.txt").write_text("Hej Anna Andersson, ring 070-174 06 05.\n", encoding="utf-8")
    (root / "lista.txt").write_text("Personnummer 19121212-1212\n", encoding="utf-8")
    config = ScanConfig(roots=(str(root),), inventory=tmp_path / "inv")
    setup = WorkerSetup(config=config, keyer=Keyer(key=bytes(range(32))))
    handles = [i for i in plan(open_roots(config, Credentials())) if isinstance(i, ObjectHandle)]
    context = TaskContext.build(setup, engine=engine)
    monkeypatch.setattr(rules, "core_rules", lambda gaz: _PanickingRules())
    rows = {handle.ref.path: scan_object(handle, context) for handle in handles}
    for [row] in rows.values():
        assert row.status == Status.ERROR
        assert row.reason == "unexpected RuntimeError while reading"
        assert not row.findings
    monkeypatch.undo()  # the scan goes on: the next object is read normally
    [again] = scan_object(handles[0], context)
    assert again.status == Status.OK
