"""ScanConfig.from_options: the options of ``piiscan scan`` become a config in the library."""

from __future__ import annotations

from pathlib import Path

import pytest

from piiscan.config import EngineConfig, ScanConfig
from piiscan.extractors.base import Limits
from piiscan.sources.select import WalkOptions


def test_defaults_are_those_of_the_config_classes() -> None:
    config = ScanConfig.from_options(["/srv/share"], inventory=Path("inv"))
    assert config == ScanConfig(roots=("/srv/share",), inventory=Path("inv"))
    assert (config.walk, config.limits, config.engine) == (
        WalkOptions(), Limits(), EngineConfig(),
    )  # fmt: skip


def test_every_option_lands_in_its_setting() -> None:
    config = ScanConfig.from_options(
        ("/a", "smb://fil01/data"), inventory=Path("inv"), workers=3, key_file=Path("k"),
        new_key=True, include=["*.docx"], exclude=("Backup/",), follow_symlinks=True,
        skip_hidden=True, max_size=2048, max_depth=2, max_ratio=50.0, max_seconds=0,
        min_score=0.75, entities="SE_PERSONNUMMER, EMAIL_ADDRESS,", person_model="none",
        recognizer_dirs=[Path("egna")], smb_user="scanner",
    )  # fmt: skip
    assert config.roots == ("/a", "smb://fil01/data")
    assert (config.workers, config.key_file, config.new_key) == (3, Path("k"), True)
    assert config.walk == WalkOptions(
        include=("*.docx",), exclude=("Backup/",), follow_symlinks=True, include_hidden=False,
        max_object_bytes=2048,
    )  # fmt: skip
    assert config.limits == Limits(
        max_object_bytes=2048, max_depth=2, max_expansion_ratio=50.0, max_object_seconds=0
    )
    assert config.engine == EngineConfig(
        min_score=0.75, entities=("SE_PERSONNUMMER", "EMAIL_ADDRESS"), person_model="none"
    )
    assert (config.recognizer_dirs, config.smb_username) == ((Path("egna"),), "scanner")


@pytest.mark.parametrize(
    ("entities", "expected"),
    [(None, None), ("", None), (",", None), (["PERSON"], ("PERSON",)), ("A,B", ("A", "B"))],
)
def test_entities(entities: str | list[str] | None, expected: tuple[str, ...] | None) -> None:
    config = ScanConfig.from_options(["/a"], inventory=Path("inv"), entities=entities)
    assert config.engine.entities == expected


def test_zero_is_a_value_not_a_default() -> None:
    config = ScanConfig.from_options(["/a"], inventory=Path("inv"), max_seconds=0, max_depth=0)
    assert (config.limits.max_object_seconds, config.limits.max_depth) == (0, 0)
