"""E-mail addresses.

What it matches: ``local@domain`` where the local part is an RFC 5322 dot-atom (letters,
digits and ``!#$%&'*+/=?^_`{|}~-``, dots only between characters; non-ASCII letters too, as
RFC 6531 allows) of at most 64 characters, and the domain is at most 253 characters of
dot-separated labels (letters, digits, inner hyphens, 1-63 characters each, at least two
labels) ending in a real top-level domain.

What it rejects and why: a last label that is not a top-level domain (``file.txt@v2.bak``,
``name@host``), quoted local parts and IP-literal domains (no one writes personal addresses
so, and they make the matcher slow and loose).

Top-level domains come from the Public Suffix List snapshot bundled with ``tldextract``, read
fully offline (no suffix-list URLs, no cache directory), so this never touches the network.
The RFC 2606 reserved names (``example.com``/``.net``/``.org`` and the TLDs ``.test``,
``.example``, ``.invalid``, ``.localhost``) are accepted with the flag ``reserved_domain``.

Example::

    >>> validate_email("Anna.Andersson@Exempel.se").normalized
    'anna.andersson@exempel.se'

.. versionadded:: 0.1
"""

from __future__ import annotations

import contextlib
import functools

from piiscan.validators.base import Strength, Verdict

__all__ = ["is_top_level_domain", "validate_email"]

_ATEXT = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+/=?^_`{|}~-"
)
_RESERVED_TLDS = frozenset({"test", "example", "invalid", "localhost"})
_RESERVED_DOMAINS = ("example.com", "example.net", "example.org")


@functools.cache
def _top_level_domains() -> frozenset[str]:
    # Imported here: tldextract pulls in requests, which the other validators do not need.
    import tldextract

    extractor = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    tlds: set[str] = set()
    for suffix in extractor.tlds:
        label = suffix.rsplit(".", 1)[-1].casefold()
        tlds.add(label)
        # A label the IDNA 2003 codec cannot encode keeps only its U-label form.
        with contextlib.suppress(UnicodeError):
            tlds.add(label.encode("idna").decode("ascii"))
    return frozenset(tlds)


def is_top_level_domain(label: str) -> bool:
    """True when ``label`` is a delegated top-level domain (U-label or ``xn--`` A-label).

    :param label: e.g. ``"se"``, ``"SE"``, ``"xn--p1ai"``.
    """
    return label.casefold() in _top_level_domains()


def _is_local_part(local: str) -> bool:
    if not 1 <= len(local) <= 64 or local.startswith(".") or local.endswith("."):
        return False
    if ".." in local:
        return False
    return all(
        char in _ATEXT or char == "." or (ord(char) > 127 and char.isalnum()) for char in local
    )


def _is_label(label: str) -> bool:
    if not 1 <= len(label) <= 63 or label.startswith("-") or label.endswith("-"):
        return False
    return all(char == "-" or char.isalnum() for char in label)


def validate_email(candidate: str) -> Verdict | None:
    """Validate an e-mail address syntactically, with an offline top-level-domain check.

    Strength MEDIUM: the form proves an address, not whose it is (``info@`` is common).
    Flag ``reserved_domain`` for RFC 2606 names.

    :param candidate: the matched text.
    :returns: a verdict whose ``normalized`` is the lower-cased address, or ``None``.
    """
    local, at, domain = candidate.rpartition("@")
    if not at or not _is_local_part(local):
        return None
    labels = domain.split(".")
    if len(domain) > 253 or len(labels) < 2 or not all(_is_label(label) for label in labels):
        return None
    normalized = candidate.lower()
    lower_domain = domain.lower()
    tld = labels[-1].casefold()
    reserved = tld in _RESERVED_TLDS or any(
        lower_domain == name or lower_domain.endswith("." + name) for name in _RESERVED_DOMAINS
    )
    if not reserved and (tld.isdigit() or not is_top_level_domain(tld)):
        return None
    flags = frozenset({"reserved_domain"}) if reserved else frozenset()
    return Verdict(normalized=normalized, strength=Strength.MEDIUM, flags=flags)
