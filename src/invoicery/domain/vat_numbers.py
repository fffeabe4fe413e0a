"""VAT numbers: which country one belongs to, whether it is valid, and whether it can
make an invoice reverse-charged. Checked with python-stdnum, which knows every EU member
state's check digits and those of most other countries.
"""

from __future__ import annotations

from functools import cache

from stdnum import get_cc_module
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError

__all__ = [
    "EU_COUNTRIES",
    "counts_for_reverse_charge",
    "valid_vat_id",
    "vat_id_country",
]

EU_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)
"""The EU member states by ISO 3166-1 code (Greece is GR here, EL in VAT numbers)."""

# VAT number prefixes that are not the ISO country code.
_PREFIX_COUNTRY = {"EL": "GR", "XI": "GB"}


@cache
def _checkable(country: str) -> bool:
    """Whether python-stdnum knows the VAT numbers of `country` (every EU member's)."""
    if country in EU_COUNTRIES:
        return True
    try:
        return get_cc_module(country.lower(), "vat") is not None
    except (ImportError, ValidationError):
        return False


def vat_id_country(vat_id: str) -> str | None:
    """The ISO country of a VAT number's two-letter prefix (EL -> GR), if it has one."""
    prefix = vat_id.strip()[:2].upper()
    if len(prefix) != 2 or not prefix.isalpha():
        return None
    return _PREFIX_COUNTRY.get(prefix, prefix)


@cache
def valid_vat_id(vat_id: str) -> bool:
    """Whether `vat_id` is a VAT number with a country prefix and valid check digits.

    EU numbers are checked by `stdnum.eu.vat`; others (CHE…, GB…, NO…) by their
    country's stdnum module, if it has one. A number stdnum cannot check is refused.
    """
    if eu_vat.is_valid(vat_id):
        return True
    country = vat_id_country(vat_id)
    if country is None or country in EU_COUNTRIES:
        return False
    try:
        module = get_cc_module(country.lower(), "vat")
    except (ImportError, ValidationError):
        return False
    if module is None:
        return False
    valid: bool = module.is_valid(vat_id)
    return valid


def counts_for_reverse_charge(number: str, country: str | None) -> bool:
    """Whether a buyer's tax number (billed in `country`) can reverse-charge an invoice:
    valid wherever stdnum can check that country's numbers; a number of a country it
    cannot check (a US EIN, say) counts as given."""
    if valid_vat_id(number):
        return True
    country = country or vat_id_country(number)
    return country is not None and not _checkable(country.upper())
