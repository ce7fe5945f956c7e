"""piiscan: find Swedish personal data and build an inventory of where it lives."""

from __future__ import annotations

import logging

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())
