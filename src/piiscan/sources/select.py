"""Which files a walk yields: include/exclude globs, hidden files, junk and the size limit.

Glob syntax (gitignore-like, matched against the path relative to the root with ``/``
separators):

* ``*`` matches any run of characters within one path component, ``?`` one character,
  ``[abc]`` / ``[!abc]`` one character of a class; none of them match ``/``.
* ``**`` as a whole component matches any number of components: ``**/tmp`` (at any depth),
  ``HR/**`` (everything under ``HR``), ``a/**/b`` (``a/b``, ``a/x/b``, ``a/x/y/b``).
* A pattern without a ``/`` (other than a trailing one) matches a name at any depth:
  ``*.tmp`` matches ``a/b/c.tmp``. A pattern with a ``/`` before its end is anchored at the
  root: ``HR/*.xlsx`` and ``/HR/*.xlsx`` both mean ``HR`` at the top, and ``/tmp/`` matches
  only the top-level ``tmp`` while ``tmp/`` matches one at any depth.
* A trailing ``/`` makes the pattern match directories only: ``backup/``.
* A pattern that matches a directory matches everything beneath it, for includes and excludes.

Matching is **case-insensitive** by default (``case_sensitive=False``): Windows file shares, the
main target, treat ``Lön.XLSX`` and ``lön.xlsx`` as the same name, and a DPO writing
``--exclude '*.iso'`` means ``.ISO`` too. Both sides are case-folded, so ``Å``/``å`` match.

A path is selected when it matches an include pattern (or no includes are given) and no exclude
pattern, is not junk (when ``skip_junk``), and is not hidden (when ``include_hidden`` is off).

Defaults, and why:

* ``include_hidden=True``: dot-files and files with the Windows *hidden* or *system* attribute
  are scanned, because personal data hides there too (``.bash_history``, exported ``.~lock``
  copies, hidden folders users make on shares).
* ``skip_junk=True``: :data:`JUNK_PATTERNS` are skipped: version-control metadata (``.git/``,
  ``.svn/``, ``.hg/``; its compressed object stores are unreadable as text anyway), Office owner
  lock files (``~$*``: a few bytes naming whoever has the document open), ``Thumbs.db``,
  ``desktop.ini``, ``.DS_Store`` and AppleDouble ``._*`` files. The recycle bin
  (``$RECYCLE.BIN``) is **not** junk: deleted files still hold personal data.
* ``follow_symlinks=False``: symbolic links are recorded as skipped rows, not followed.
* ``max_object_bytes``: the size limit, for the sources that must judge it themselves. The
  one rule: :func:`piiscan.extractors.dispatch.extract` judges every object's size, from the
  size its source or container knows, before reading a byte (a ``too_large`` row whose names
  are still scanned). A walk checks it only where handing the object over would already cost
  the download: an IMAP source never fetches a message over the limit. Local and SMB walks
  leave it to the dispatcher. (Same default as :class:`piiscan.extractors.base.Limits`.)

A path passed over by an include or exclude glob is not silent: the walk yields a ``skipped``
row (:data:`REASON_EXCLUDED`), never opened, so that its names can still be scanned (a file
named with a personnummer is a finding even when excluded); the scan driver keeps such a row
only when its names hold a finding. Junk and hidden paths are passed over without a row.

.. versionadded:: 0.1
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from piiscan.errors import ConfigError

JUNK_PATTERNS: tuple[str, ...] = (
    ".git/",
    ".svn/",
    ".hg/",
    "~$*",
    "Thumbs.db",
    "desktop.ini",
    ".DS_Store",
    "._*",
)
"""Names skipped when :attr:`WalkOptions.skip_junk` is on (glob syntax of this module)."""

DEFAULT_MAX_OBJECT_BYTES = 512 * 1024 * 1024

FILE_ATTRIBUTE_HIDDEN = 0x2
FILE_ATTRIBUTE_SYSTEM = 0x4


@dataclass(frozen=True, slots=True)
class GlobPattern:
    """One compiled glob.

    :param text: the pattern as written.
    :param regex: matches a whole relative path (or directory path) the pattern selects.
    :param directory_only: the pattern ended with ``/`` and only matches directories.
    """

    text: str
    regex: re.Pattern[str] = field(repr=False, compare=False)
    directory_only: bool

    @classmethod
    def compile(cls, text: str, *, case_sensitive: bool = False) -> GlobPattern:
        """Translate a glob into a regular expression.

        :param text: the glob, e.g. ``**/*.tmp`` or ``HR/``.
        :param case_sensitive: match names exactly instead of case-folded.
        :raises ConfigError: for an empty pattern or an unclosed ``[``.
        """
        body = text.strip()
        directory_only = body.endswith("/")
        anchored = "/" in body.rstrip("/")
        body = body.strip("/")
        if not body:
            raise ConfigError(f"empty glob pattern: {text!r}")
        if not case_sensitive:
            body = body.casefold()
        parts = body.split("/")
        pieces: list[str] = []
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            if part == "**":
                # "a/**" matches everything under a; "**/b" and "a/**/b" any number of levels.
                pieces.append(".*" if last else "(?:.*/)?")
            else:
                pieces.append(_translate_component(part, text) + ("" if last else "/"))
        prefix = "" if anchored else "(?:.*/)?"
        return cls(
            text=text,
            regex=re.compile(prefix + "".join(pieces), re.DOTALL),
            directory_only=directory_only,
        )

    def matches(self, path: str, *, is_dir: bool) -> bool:
        """Whether the (already case-normalised) relative ``path`` itself matches."""
        if self.directory_only and not is_dir:
            return False
        return self.regex.fullmatch(path) is not None


def _translate_component(part: str, pattern: str) -> str:
    """Regex for one path component of a glob (no ``/`` inside)."""
    out: list[str] = []
    i = 0
    while i < len(part):
        char = part[i]
        if char == "*":
            while i + 1 < len(part) and part[i + 1] == "*":
                i += 1  # "a**b" is an ordinary "*" within a component, as in gitignore
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = part.find("]", i + 2 if part[i + 1 : i + 2] in ("!", "^", "]") else i + 1)
            if end == -1:
                raise ConfigError(f"unclosed '[' in glob pattern: {pattern!r}")
            inner = part[i + 1 : end]
            negate = inner[:1] in ("!", "^")
            if negate:
                inner = inner[1:]
            inner = inner.replace("\\", "\\\\").replace("[", "\\[")
            out.append(f"[{'^/' if negate else ''}{inner}]")
            i = end
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


@dataclass(frozen=True, slots=True)
class GlobSet:
    """Several globs judged at once: one regular expression per kind of pattern.

    A walk asks for every entry whether any glob selects it or one of its folders; one
    alternation that also accepts any ``/…`` tail answers that in one match, where testing
    each pattern against each ancestor cost half of a walk's time (14 patterns × depth).

    :param patterns: the compiled globs, in the order given.
    """

    patterns: tuple[GlobPattern, ...]
    _any: re.Pattern[str] | None = field(init=False, repr=False, compare=False)
    _directory_or_below: re.Pattern[str] | None = field(init=False, repr=False, compare=False)
    _below_directory: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        anywhere = [p.regex.pattern for p in self.patterns if not p.directory_only]
        directory = [p.regex.pattern for p in self.patterns if p.directory_only]
        # The path itself or any ancestor: the glob's match must end at the end of a
        # component, so what follows it is nothing or "/…".
        object.__setattr__(self, "_any", _alternation(anywhere, r"(?:/.*)?"))
        # A directory-only glob matches an ancestor of any entry (ancestors are directories),
        # and the entry itself only when the entry is a directory.
        object.__setattr__(self, "_directory_or_below", _alternation(directory, r"(?:/.*)?"))
        object.__setattr__(self, "_below_directory", _alternation(directory, r"/.*"))

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def covers(self, path: str, *, is_dir: bool) -> bool:
        """Whether a glob selects the normalised ``path`` or one of its ancestor folders."""
        if self._any is not None and self._any.fullmatch(path) is not None:
            return True
        directory = self._directory_or_below if is_dir else self._below_directory
        return directory is not None and directory.fullmatch(path) is not None


def _alternation(patterns: list[str], tail: str) -> re.Pattern[str] | None:
    if not patterns:
        return None
    body = "|".join(f"(?:{pattern})" for pattern in patterns)
    return re.compile(f"(?:{body}){tail}", re.DOTALL)


def _compile_all(patterns: Iterable[str], case_sensitive: bool) -> GlobSet:
    return GlobSet(tuple(GlobPattern.compile(p, case_sensitive=case_sensitive) for p in patterns))


@dataclass(frozen=True, slots=True, kw_only=True)
class WalkOptions:
    """What a source walk yields and how it treats links and large files.

    :param include: globs a file must match (any of them); empty means every file.
    :param exclude: globs that drop a file or a whole directory.
    :param case_sensitive: match globs exactly; default is case-insensitive (see module doc).
    :param include_hidden: scan dot-files and files with the Windows hidden/system attribute.
    :param skip_junk: skip :data:`JUNK_PATTERNS` (``.git/``, ``~$*`` owner files, ``Thumbs.db``...).
    :param follow_symlinks: follow symbolic links (loops are detected and recorded as skipped).
    :param max_object_bytes: the size limit for sources that judge it before fetching (IMAP;
        see the module docstring); ``None`` for no limit.
    :raises ConfigError: for a malformed glob or a negative size limit.
    """

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    case_sensitive: bool = False
    include_hidden: bool = True
    skip_junk: bool = True
    follow_symlinks: bool = False
    max_object_bytes: int | None = DEFAULT_MAX_OBJECT_BYTES
    _include: GlobSet = field(init=False, repr=False, compare=False)
    _exclude: GlobSet = field(init=False, repr=False, compare=False)
    _junk: GlobSet = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.max_object_bytes is not None and self.max_object_bytes < 0:
            raise ConfigError("max_object_bytes must not be negative")
        # Tuples even if a caller passed lists, so the options stay hashable and picklable.
        object.__setattr__(self, "include", tuple(self.include))
        object.__setattr__(self, "exclude", tuple(self.exclude))
        junk = JUNK_PATTERNS if self.skip_junk else ()
        object.__setattr__(self, "_include", _compile_all(self.include, self.case_sensitive))
        object.__setattr__(self, "_exclude", _compile_all(self.exclude, self.case_sensitive))
        object.__setattr__(self, "_junk", _compile_all(junk, self.case_sensitive))


def _normalise(rel_path: str, case_sensitive: bool) -> list[str]:
    path = rel_path.replace("\\", "/").strip("/")
    if not case_sensitive:
        path = path.casefold()
    return [part for part in path.split("/") if part and part != "."]


def _any_match(globs: GlobSet, parts: list[str], *, is_dir: bool) -> bool:
    return bool(globs) and globs.covers("/".join(parts), is_dir=is_dir)


def glob_covers(pattern: GlobPattern, rel_path: str) -> bool:
    """Whether ``pattern`` selects the file at ``rel_path`` or one of its folders.

    Case-insensitive like the walk's globs: ``Ekonomi/`` covers ``ekonomi/2019/a.xlsx``.
    """
    return _any_match(GlobSet((pattern,)), _normalise(rel_path, False), is_dir=False)


def is_hidden_name(rel_path: str) -> bool:
    """Whether any component of ``rel_path`` is a dot-name (``.ssh/id``, ``a/.env``)."""
    return any(
        part.startswith(".") and part not in (".", "..")
        for part in rel_path.replace("\\", "/").split("/")
    )


def is_hidden_attribute(file_attributes: int) -> bool:
    """Whether Windows ``FILE_ATTRIBUTE_*`` bits mark a file hidden or system."""
    return bool(file_attributes & (FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_SYSTEM))


def is_selected(rel_path: str, options: WalkOptions, *, is_dir: bool = False) -> bool:
    """Whether a walk yields the file (or descends into the directory) at ``rel_path``.

    For a file, includes, excludes, junk and hidden names are all checked, including against
    its ancestor directories. For a directory (``is_dir=True``) only what can prune it is
    checked — excludes, junk and hidden names — because an include such as ``*.docx`` may still
    match files beneath it. An empty ``rel_path`` (the root itself) is always selected.

    :param rel_path: the path relative to the root, ``/``-separated.
    :param options: the walk options.
    :param is_dir: the path is a directory.
    """
    return passed_over(rel_path, options, is_dir=is_dir) is None


def passed_over(rel_path: str, options: WalkOptions, *, is_dir: bool = False) -> str | None:
    """Why a walk passes over ``rel_path``: ``None`` when it is selected, ``""`` for a hidden
    or junk path (no row), :data:`REASON_EXCLUDED` for one an include or exclude glob drops
    (a ``skipped`` row whose names are scanned). The rules of :func:`is_selected`."""
    parts = _normalise(rel_path, options.case_sensitive)
    if not parts:
        return None
    if not options.include_hidden and is_hidden_name(rel_path):
        return ""
    if _any_match(options._junk, parts, is_dir=is_dir):
        return ""
    if _any_match(options._exclude, parts, is_dir=is_dir):
        return REASON_EXCLUDED
    if is_dir or not options._include:
        return None
    return None if _any_match(options._include, parts, is_dir=False) else (REASON_EXCLUDED)


def is_too_large(size: int | None, options: WalkOptions) -> bool:
    """Whether a file of ``size`` bytes is over :attr:`WalkOptions.max_object_bytes`."""
    limit = options.max_object_bytes
    return limit is not None and size is not None and size > limit


# Reasons recorded for entries a walk passes over. They name no content, only what happened.
REASON_SYMLINK = "symbolic link not followed"
REASON_SYMLINK_LOOP = "symlink loop"
REASON_BROKEN_SYMLINK = "broken symbolic link"
REASON_ALREADY_WALKED = "directory already walked through another link"
REASON_PERMISSION = "permission denied"
REASON_VANISHED = "disappeared during the walk"
REASON_TOO_DEEP = "directory nesting too deep"
REASON_EXCLUDED = "excluded by --include/--exclude"
MAX_DEPTH = 256
"""Directories deeper than this are recorded as errors instead of walked (a loop guard for
servers that report no file ids)."""


def too_large_reason(size: int, options: WalkOptions) -> str:
    """The reason recorded for an object a source does not fetch because it is over
    :attr:`WalkOptions.max_object_bytes` (the dispatcher's words for the same limit)."""
    return f"larger than the size limit ({size} > {options.max_object_bytes} bytes)"
