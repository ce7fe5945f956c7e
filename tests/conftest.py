"""Shared fixtures: one engine per test session (building it takes a second)."""

from __future__ import annotations

import pytest

from piiscan.plugins import Registry, load_registry


@pytest.fixture(scope="session")
def registry() -> Registry:
    return load_registry()


@pytest.fixture(scope="session")
def engine(registry: Registry):  # type: ignore[no-untyped-def]
    from piiscan.engine import build_engine

    return build_engine(registry)
