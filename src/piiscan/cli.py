"""The command line; the only module that imports click and tqdm."""

from __future__ import annotations


def main() -> None:
    """Entry point of the ``piiscan`` command."""
    raise SystemExit("piiscan: the command line is not built yet")
