"""Fixtures for source tests; ``samba_share`` serves a local directory over real SMB.

Other test directories can reuse the server by importing ``tests/samba_server.py`` the same way
(``sys.path`` gets ``tests/`` below) and copying the small ``samba_share`` fixture, or by adding
``pythonpath = ["tests"]`` to the pytest configuration.
"""

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

ServeShare = Callable[[Path], SambaServer]


@pytest.fixture
def samba_share(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeShare]:
    """A factory: ``samba_share(directory)`` serves ``directory`` read-only over SMB.

    Returns a :class:`samba_server.SambaServer` with ``url`` (``smb://user@127.0.0.1:port/data``,
    no password), ``username`` and ``password``. Every server started is stopped at teardown.
    Skips only when the smbd binary is missing.
    """
    reason = smbd_missing_reason()
    if reason is not None:
        pytest.skip(reason)
    with contextlib.ExitStack() as stack:

        def serve(directory: Path) -> SambaServer:
            workdir = tmp_path_factory.mktemp("samba")
            return stack.enter_context(serve_directory(directory, workdir))

        yield serve
