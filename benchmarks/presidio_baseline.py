"""The presidio baseline: presidio-analyzer configured the best way a user can for Swedish today.

Used by ``accuracy.py`` and ``throughput.py`` so both measure the same thing:

- ``AnalyzerEngine`` with ``NoOpNlpEngine`` (no spaCy model, no English model download);
- ``RecognizerRegistry(supported_languages=["sv"])`` holding only
  presidio's own ``SePersonnummerRecognizer`` and ``SeOrganisationsnummerRecognizer``
  (disabled by default in presidio, enabled here), ``PhoneRecognizer`` with region ``SE`` and
  Swedish context words, an offline ``EmailRecognizer``, ``IbanRecognizer``,
  ``CreditCardRecognizer`` and ``IpRecognizer``, all for language ``sv``;
- ``default_score_threshold`` left at presidio's default (0), as a user would.

``EmailRecognizer.validate_result`` calls ``tldextract``, which fetches the Public Suffix List
over the network on first use. The subclass below uses an extractor that only reads the
snapshot bundled with tldextract, so the benchmark never touches the network.
"""

from __future__ import annotations

import tldextract
from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
from presidio_analyzer.nlp_engine import NoOpNlpEngine
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    EmailRecognizer,
    IbanRecognizer,
    IpRecognizer,
    PhoneRecognizer,
    SeOrganisationsnummerRecognizer,
    SePersonnummerRecognizer,
)

#: Swedish words a user would pass as phone context (presidio's own list is English).
PHONE_CONTEXT = [
    "telefon",
    "telefonnummer",
    "tel",
    "tfn",
    "mobil",
    "mobilnummer",
    "mob",
    "ring",
    "sms",
    "växel",
    "nummer",
]

#: Entity types presidio can report in this configuration.
PRESIDIO_ENTITIES = (
    "SE_PERSONNUMMER",
    "SE_ORGANISATIONSNUMMER",
    "PHONE_NUMBER",
    "EMAIL_ADDRESS",
    "IBAN_CODE",
    "CREDIT_CARD",
    "IP_ADDRESS",
)


class OfflineEmailRecognizer(EmailRecognizer):
    """presidio's EmailRecognizer with a tldextract that never fetches the suffix list."""

    _tld = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

    def validate_result(self, pattern_text: str) -> bool:
        return self._tld(pattern_text).fqdn != ""


def build_presidio() -> AnalyzerEngine:
    """An AnalyzerEngine for ``language="sv"`` with the recognizers listed in the module doc."""
    registry = RecognizerRegistry(
        recognizers=[
            SePersonnummerRecognizer(supported_language="sv"),
            SeOrganisationsnummerRecognizer(supported_language="sv"),
            PhoneRecognizer(
                supported_language="sv", supported_regions=("SE",), context=PHONE_CONTEXT
            ),
            OfflineEmailRecognizer(supported_language="sv"),
            IbanRecognizer(supported_language="sv"),
            CreditCardRecognizer(supported_language="sv"),
            IpRecognizer(supported_language="sv"),
        ],
        supported_languages=["sv"],
    )
    nlp = NoOpNlpEngine(models=[{"lang_code": "sv", "model_name": "no_op"}])
    return AnalyzerEngine(registry=registry, nlp_engine=nlp, supported_languages=["sv"])


def describe() -> str:
    """One line saying how presidio is configured, for the benchmark output."""
    return (
        "presidio-analyzer: NoOpNlpEngine(sv); SePersonnummerRecognizer, "
        "SeOrganisationsnummerRecognizer, PhoneRecognizer(regions=SE, sv context), "
        "EmailRecognizer (offline tldextract), IbanRecognizer, CreditCardRecognizer, "
        "IpRecognizer; "
        "default_score_threshold=0"
    )
