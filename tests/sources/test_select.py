"""Glob selection: a table of (options, path, is_dir, expected)."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from piiscan.errors import ConfigError
from piiscan.sources.select import (
    GlobPattern,
    GlobSet,
    WalkOptions,
    is_hidden_attribute,
    is_hidden_name,
    is_selected,
    is_too_large,
)

ALL = WalkOptions()
CASES: list[tuple[str, WalkOptions, str, bool, bool]] = [
    # id, options, rel_path, is_dir, expected
    ("no-patterns-file", ALL, "HR/lön.xlsx", False, True),
    ("root-itself", WalkOptions(include=("*.docx",)), "", True, True),
    ("include-basename-any-depth", WalkOptions(include=("*.docx",)), "a/b/c.docx", False, True),
    ("include-miss", WalkOptions(include=("*.docx",)), "a/b/c.pdf", False, False),
    ("include-case-insensitive", WalkOptions(include=("*.docx",)), "A/B.DOCX", False, True),
    (
        "include-case-sensitive",
        WalkOptions(include=("*.docx",), case_sensitive=True),
        "a/B.DOCX",
        False,
        False,
    ),
    ("include-swedish-case", WalkOptions(include=("löner/",)), "LÖNER/2024.xlsx", False, True),
    ("include-never-prunes-dirs", WalkOptions(include=("*.docx",)), "a/b", True, True),
    ("include-anchored", WalkOptions(include=("HR/*.xlsx",)), "HR/l.xlsx", False, True),
    (
        "include-anchored-not-deeper",
        WalkOptions(include=("HR/*.xlsx",)),
        "HR/x/l.xlsx",
        False,
        False,
    ),
    (
        "include-anchored-not-elsewhere",
        WalkOptions(include=("HR/*.xlsx",)),
        "x/HR/l.xlsx",
        False,
        False,
    ),
    ("leading-slash-anchors", WalkOptions(include=("/HR/*.xlsx",)), "HR/l.xlsx", False, True),
    ("include-dir-covers-subtree", WalkOptions(include=("HR/",)), "HR/a/b/c.txt", False, True),
    ("include-dir-only-not-file", WalkOptions(include=("HR/",)), "HR", False, False),
    ("double-star-middle-zero", WalkOptions(include=("a/**/b.txt",)), "a/b.txt", False, True),
    ("double-star-middle-many", WalkOptions(include=("a/**/b.txt",)), "a/x/y/b.txt", False, True),
    ("double-star-middle-miss", WalkOptions(include=("a/**/b.txt",)), "c/x/b.txt", False, False),
    ("double-star-lead", WalkOptions(include=("**/tmp/*.log",)), "x/y/tmp/a.log", False, True),
    ("double-star-lead-top", WalkOptions(include=("**/tmp/*.log",)), "tmp/a.log", False, True),
    ("double-star-tail", WalkOptions(include=("arkiv/**",)), "arkiv/2019/a.pdf", False, True),
    ("star-stays-in-component", WalkOptions(include=("a/*.txt",)), "a/b/c.txt", False, False),
    ("question-mark", WalkOptions(include=("rapport-?.pdf",)), "rapport-1.pdf", False, True),
    (
        "question-mark-one-char",
        WalkOptions(include=("rapport-?.pdf",)),
        "rapport-12.pdf",
        False,
        False,
    ),
    ("char-class", WalkOptions(include=("[ab]*.csv",)), "b-kunder.csv", False, True),
    ("char-class-miss", WalkOptions(include=("[ab]*.csv",)), "c-kunder.csv", False, False),
    ("negated-class", WalkOptions(include=("[!ab]*.csv",)), "c-kunder.csv", False, True),
    ("negated-class-miss", WalkOptions(include=("[!ab]*.csv",)), "a-kunder.csv", False, False),
    ("dot-is-literal", WalkOptions(include=("*.txt",)), "atxt", False, False),
    ("regex-chars-literal", WalkOptions(include=("a+(b).txt",)), "a+(b).txt", False, True),
    ("exclude-basename", WalkOptions(exclude=("*.iso",)), "a/b/disk.ISO", False, False),
    ("exclude-dir-prunes", WalkOptions(exclude=("backup/",)), "x/backup", True, False),
    ("exclude-dir-covers-files", WalkOptions(exclude=("backup/",)), "x/backup/a.txt", False, False),
    ("exclude-dir-only-keeps-file", WalkOptions(exclude=("backup/",)), "x/backup", False, True),
    (
        "exclude-name-covers-dir",
        WalkOptions(exclude=("node_modules",)),
        "a/node_modules/x.js",
        False,
        False,
    ),
    (
        "exclude-beats-include",
        WalkOptions(include=("*.txt",), exclude=("tmp/",)),
        "tmp/a.txt",
        False,
        False,
    ),
    ("exclude-anchored", WalkOptions(exclude=("/tmp/",)), "a/tmp/x.txt", False, True),
    ("junk-git", ALL, "proj/.git/objects/ab/cdef", False, False),
    ("junk-git-dir-pruned", ALL, "proj/.git", True, False),
    ("junk-owner-file", ALL, "HR/~$lönelista.xlsx", False, False),
    ("junk-thumbs", ALL, "bilder/thumbs.db", False, False),
    ("junk-desktop-ini", ALL, "Desktop.ini", False, False),
    ("junk-ds-store", ALL, "a/.DS_Store", False, False),
    ("junk-appledouble", ALL, "a/._rapport.docx", False, False),
    ("junk-recycle-bin-is-scanned", ALL, "$RECYCLE.BIN/S-1-5-21/$R1.docx", False, True),
    ("junk-kept-when-off", WalkOptions(skip_junk=False), "HR/~$lön.xlsx", False, True),
    ("hidden-scanned-by-default", ALL, "home/.bash_history", False, True),
    ("hidden-dir-scanned-by-default", ALL, ".privat/anteckningar.txt", False, True),
    ("hidden-off-file", WalkOptions(include_hidden=False), "home/.bash_history", False, False),
    ("hidden-off-dir", WalkOptions(include_hidden=False), ".privat", True, False),
    ("hidden-off-under-dir", WalkOptions(include_hidden=False), ".privat/a.txt", False, False),
    ("hidden-off-plain", WalkOptions(include_hidden=False), "a/b.txt", False, True),
    ("backslashes-accepted", WalkOptions(exclude=("tmp/",)), "a\\tmp\\x.txt", False, False),
]


@pytest.mark.parametrize(
    ("options", "rel_path", "is_dir", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_is_selected(options: WalkOptions, rel_path: str, is_dir: bool, expected: bool) -> None:
    assert is_selected(rel_path, options, is_dir=is_dir) is expected


@pytest.mark.parametrize("pattern", ["", "/", "  ", "a[b", "[!"], ids=repr)
def test_malformed_globs_are_config_errors(pattern: str) -> None:
    with pytest.raises(ConfigError, match="glob pattern"):
        WalkOptions(include=(pattern,))


def test_negative_size_limit_is_config_error() -> None:
    with pytest.raises(ConfigError, match="max_object_bytes"):
        WalkOptions(max_object_bytes=-1)


def test_options_are_values_and_picklable() -> None:
    options = WalkOptions(include=["*.docx"], exclude=("tmp/",), max_object_bytes=10)  # type: ignore[arg-type]
    assert options.include == ("*.docx",)
    assert options == WalkOptions(include=("*.docx",), exclude=("tmp/",), max_object_bytes=10)
    assert hash(options) == hash(
        WalkOptions(include=("*.docx",), exclude=("tmp/",), max_object_bytes=10)
    )
    copy = pickle.loads(pickle.dumps(options))
    assert copy == options
    assert is_selected("a/b.docx", copy)
    assert not is_selected("tmp/b.docx", copy)


def test_glob_pattern_repr_and_directory_flag() -> None:
    pattern = GlobPattern.compile("backup/")
    assert pattern.directory_only
    assert "backup/" in repr(pattern)


@pytest.mark.parametrize(
    ("size", "limit", "expected"),
    [(10, 10, False), (11, 10, True), (None, 10, False), (10**12, None, False), (1, 0, True)],
)
def test_is_too_large(size: int | None, limit: int | None, expected: bool) -> None:
    assert is_too_large(size, WalkOptions(max_object_bytes=limit)) is expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [(".env", True), ("a/.ssh/id", True), ("a/b.txt", False), ("./a.txt", False), ("a..b", False)],
)
def test_is_hidden_name(path: str, expected: bool) -> None:
    assert is_hidden_name(path) is expected


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [(0x80, False), (0x2, True), (0x4, True), (0x16, True), (0x10, False)],
)
def test_is_hidden_attribute(attributes: int, expected: bool) -> None:
    assert is_hidden_attribute(attributes) is expected


def _covers_one_by_one(patterns: tuple[GlobPattern, ...], path: str, *, is_dir: bool) -> bool:
    """The rule GlobSet answers in one match, written out: the path or an ancestor folder."""
    parts = path.split("/")
    ancestors = ["/".join(parts[:end]) for end in range(1, len(parts))]
    return any(p.matches(path, is_dir=is_dir) for p in patterns) or any(
        p.matches(folder, is_dir=True) for folder in ancestors for p in patterns
    )


_GLOBS = ("hr/", "*.tmp", "**/arkiv/**", "a/**/b", "löner/20??/", "[!x]*.bak", "~$*", "hr")
_COMPONENTS = st.sampled_from(["hr", "a", "b", "x.tmp", "arkiv", "löner", "2019", "y.bak", "~$z"])


@given(
    globs=st.lists(st.sampled_from(_GLOBS), min_size=1, max_size=4),
    parts=st.lists(_COMPONENTS, min_size=1, max_size=5),
    is_dir=st.booleans(),
)
def test_glob_set_agrees_with_each_glob_against_each_folder(
    globs: list[str], parts: list[str], is_dir: bool
) -> None:
    patterns = tuple(GlobPattern.compile(g) for g in globs)
    path = "/".join(parts)
    expected = _covers_one_by_one(patterns, path, is_dir=is_dir)
    assert GlobSet(patterns).covers(path, is_dir=is_dir) is expected


@pytest.mark.parametrize(
    ("path", "is_dir", "expected"),
    [
        ("hr/hr", False, True),  # an ancestor named hr/ drops the file named hr inside it
        ("hr", False, False),  # a file named hr is no folder
        ("hr", True, True),
        ("x/hr/y.txt", False, True),
    ],
)
def test_directory_glob_matches_folders_not_files(path: str, is_dir: bool, expected: bool) -> None:
    assert GlobSet((GlobPattern.compile("hr/"),)).covers(path, is_dir=is_dir) is expected
