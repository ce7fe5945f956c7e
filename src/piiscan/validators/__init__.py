"""Pure validator functions for Swedish identifiers, one copy of each rule.

Every validator named in the recognizer catalogue has the signature
``validate_x(candidate: str) -> Verdict | None``: it receives the exact text a pattern matched,
returns ``None`` when the text is not a valid identifier of that kind, and otherwise a
:class:`Verdict` with the normalised value (the input to keyed hashing), the strength of the
evidence and flags such as ``test_identity``.

No module here imports presidio, spaCy, click or tqdm.
"""

from __future__ import annotations

from piiscan.validators.base import Strength, Validator, Verdict

__all__ = ["Strength", "Validator", "Verdict"]
