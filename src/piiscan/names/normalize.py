"""Canonical forms of a person's name, for value keys and subject look-ups.

``normalize_name("  ÅSA   Lindström-Berg ")`` gives ``"åsa lindström-berg"``: Unicode NFC,
case folded, runs of white space made one space, dashes made ``-`` without spaces around them,
and surrounding punctuation dropped. With ``fold_diacritics=True`` the letters also lose their
diacritics (``"asa lindstrom-berg"``), so ``Åsa``, ``Asa`` and ``ÅSA`` give one form.

piiscan keys every PERSON finding on the folded form (:func:`name_value_form`): a register
extract from an old system often spells ``Åsa`` as ``Asa`` or ``Aasa``, and a subject
look-up must find both. The cost is that two different names that differ only in diacritics
(``Åke``/``Ake``) share a key, which for a look-up is the right side to err on.

.. versionadded:: 0.1
"""

from __future__ import annotations

import functools
import unicodedata

import regex

_SPACE = regex.compile(r"\s+")
_DASH = regex.compile(r"\s*[-‐‑‒–—]\s*")
_EDGE = regex.compile(r"^[^\p{L}]+|[^\p{L}.]+$")
# Words of ASCII and Swedish letters (precomposed, their own NFC form; none casefolds into
# more than one letter), one space or hyphen between them: nothing to do but case.
_PLAIN = regex.compile(r"[A-Za-zÅÄÖåäöÉéÜü]+(?:[ -][A-Za-zÅÄÖåäöÉéÜü]+)*")
# Letters that do not decompose into a base letter and a combining mark.
_FOLD_EXTRA = str.maketrans({"ø": "o", "æ": "ae", "đ": "d", "ł": "l", "ð": "d", "þ": "th"})


class _Folded(dict[int, str]):
    """A ``str.translate`` table that folds each character as it is first met.

    Taking the combining marks out of a decomposed string leaves the same letters as taking
    them out of each decomposed character, so the fold can be done a character at a time.
    """

    def __missing__(self, code: int) -> str:
        decomposed = unicodedata.normalize("NFD", chr(code))
        plain = "".join(c for c in decomposed if not unicodedata.combining(c))
        folded = self[code] = plain.translate(_FOLD_EXTRA)
        return folded


_FOLDED = _Folded()


def normalize_name(text: str, *, fold_diacritics: bool = False) -> str:
    """The case- and space-normalised form of a name.

    :param text: the name as written.
    :param fold_diacritics: also remove diacritics (``å`` → ``a``, ``é`` → ``e``, ``ø`` → ``o``).
    :returns: the canonical form; empty when ``text`` holds no letters.

    >>> normalize_name("ANNA-KARIN  Åberg")
    'anna-karin åberg'
    >>> normalize_name("Anna-Karin Åberg", fold_diacritics=True)
    'anna-karin aberg'
    """
    if _PLAIN.fullmatch(text) is not None:
        # Most names: letters that are their own NFC form, one space or hyphen between
        # words; the steps below would change only their case.
        form: str = text.casefold()
        return form.translate(_FOLDED) if fold_diacritics and not form.isascii() else form
    form = unicodedata.normalize("NFC", text).casefold()
    form = _DASH.sub("-", _SPACE.sub(" ", form))
    form = _EDGE.sub("", form.strip())
    if fold_diacritics and not form.isascii():
        form = form.translate(_FOLDED)
    return form


@functools.lru_cache(maxsize=1 << 12)
def name_value_form(text: str) -> str:
    """The form a PERSON finding's value key is computed on: normalised and folded.

    Both the recognizer and ``piiscan subject --name`` call this, so they always agree.
    A document names the same people again and again, so recent forms are kept.
    """
    return normalize_name(text, fold_diacritics=True)
