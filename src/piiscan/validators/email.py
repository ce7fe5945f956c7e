"""E-mail addresses.

What it matches: ``local@domain`` where the local part is an RFC 5322 dot-atom (letters,
digits and ``!#$%&'*+/=?^_`{|}~-``, dots only between characters; non-ASCII letters too, as
RFC 6531 allows) of at most 64 characters, and the domain is at most 253 characters of
dot-separated labels (letters, digits, inner hyphens, 1-63 characters each, at least two
labels) ending in a real top-level domain.

What it rejects and why: a last label that is not a top-level domain (``file.txt@v2.bak``,
``name@host``), quoted local parts and IP-literal domains (no one writes personal addresses
so, and they make the matcher slow and loose).

Top-level domains come from ``piiscan/data/top_level_domains.txt`` (the Public Suffix List
snapshot bundled with ``tldextract`` 5.4.0, see ``data/SOURCES.md``), compiled into the core,
so this never touches the network.
The RFC 2606 reserved names (``example.com``/``.net``/``.org`` and the TLDs ``.test``,
``.example``, ``.invalid``, ``.localhost``) are accepted with the flag ``reserved_domain``.

The rules run in the compiled core (``core/src/validators/email.rs``); this module is its typed
Python face.

Example::

    >>> validate_email("Anna.Andersson@Exempel.se").normalized
    'anna.andersson@exempel.se'

.. versionadded:: 0.1
"""

from __future__ import annotations

import functools

from piiscan import _core
from piiscan.validators.base import Verdict

__all__ = ["is_top_level_domain", "validate_email"]


@functools.cache
def _top_level_domains() -> frozenset[str]:
    """The top-level domains the core knows (case-folded U-labels and ``xn--`` A-labels)."""
    return frozenset(_core.top_level_domains())


def is_top_level_domain(label: str) -> bool:
    """True when ``label`` is a delegated top-level domain (U-label or ``xn--`` A-label).

    :param label: e.g. ``"se"``, ``"SE"``, ``"xn--p1ai"``.
    """
    try:
        return _core.is_top_level_domain(label)
    except UnicodeEncodeError:
        return False


def validate_email(candidate: str) -> Verdict | None:
    """Validate an e-mail address syntactically, with an offline top-level-domain check.

    Strength MEDIUM: the form proves an address, not whose it is (``info@`` is common).
    Flag ``reserved_domain`` for RFC 2606 names.

    :param candidate: the matched text.
    :returns: a verdict whose ``normalized`` is the lower-cased address, or ``None``.
    """
    try:
        raw = _core.validate_email(candidate)
    except UnicodeEncodeError:  # a lone surrogate (a JSON "\ud800" escape) is in none
        return None
    return Verdict.from_core(raw)
