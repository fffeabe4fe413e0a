"""The seller's data an e-invoice needs, and which of it each profile requires.

`Seller` is filled by the caller from the account's settings. `seller_problems(seller,
profile)` names every field that is missing or invalid for `profile`, keyed by the
`Seller` attribute, so the caller can refuse to turn e-invoicing on with a message such
as ``iban: required for XRechnung (BR-DE-23: payment by credit transfer)``.

What each profile requires (beyond a name, BR-6, and a country, BR-9):

| field                              | facturx        | xrechnung-cii / -ubl              |
|------------------------------------|----------------|-----------------------------------|
| vat_id or tax_registration         | yes (BR-S-02…) | yes (BR-DE-16)                    |
| city, postal_code, address_line1   | no             | yes (BR-DE-3, BR-DE-4)            |
| contact name, phone, e-mail        | no             | yes (BR-DE-2, BR-DE-5/6/7)        |
| iban (credit transfer, code 58)    | no             | yes (BR-DE-1, BR-DE-23)           |
| electronic address (BT-34)         | no             | yes (XRechnung 3.0; e-mail used)  |

Whatever is given must be valid: the VAT number and IBAN by their check digits
(python-stdnum), the BIC by its format, the country as an ISO 3166-1 alpha-2 code.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban

from invoicery.einvoice.categories import valid_vat_id

__all__ = ["Profile", "Seller", "seller_problems"]

_REQUIRED = "required for {profile}"


class Profile(StrEnum):
    """The e-invoicing formats an account can turn on."""

    FACTURX = "facturx"
    XRECHNUNG_CII = "xrechnung-cii"
    XRECHNUNG_UBL = "xrechnung-ubl"

    @property
    def is_xrechnung(self) -> bool:
        """Whether this is one of the XRechnung (German CIUS) syntaxes."""
        return self is not Profile.FACTURX

    @property
    def label(self) -> str:
        """The profile's name as people know it."""
        return "Factur-X" if self is Profile.FACTURX else "XRechnung"


@dataclass(frozen=True, slots=True)
class Seller:
    """The seller (BG-4) as the account's settings describe it."""

    name: str  # BT-27, the legal name
    country: str  # BT-40, ISO 3166-1 alpha-2
    address_line1: str | None = None  # BT-35
    address_line2: str | None = None  # BT-36
    city: str | None = None  # BT-37
    postal_code: str | None = None  # BT-38
    trading_name: str | None = None  # BT-28
    vat_id: str | None = None  # BT-31, with its country prefix
    tax_registration: str | None = None  # BT-32, e.g. a German Steuernummer
    legal_registration: str | None = None  # BT-30, e.g. HRB 12345
    contact_name: str | None = None  # BT-41
    contact_phone: str | None = None  # BT-42
    contact_email: str | None = None  # BT-43
    electronic_address: str | None = None  # BT-34 (scheme EM); defaults to contact_email
    iban: str | None = None  # BT-84
    bic: str | None = None  # BT-86
    account_name: str | None = None  # BT-85

    @property
    def endpoint(self) -> str | None:
        """The electronic address (BT-34): its own, else the contact e-mail."""
        return self.electronic_address or self.contact_email


def _xrechnung_problems(seller: Seller, required: str) -> dict[str, str]:
    wanted = {
        "address_line1": seller.address_line1,
        "city": seller.city,
        "postal_code": seller.postal_code,
        "contact_name": seller.contact_name,
        "contact_phone": seller.contact_phone,
        "contact_email": seller.contact_email,
    }
    problems = {name: required for name, value in wanted.items() if not value}
    if not seller.iban:
        problems["iban"] = f"{required} (BR-DE-23: payment by credit transfer)"
    return problems


def _format_problems(seller: Seller) -> dict[str, str]:
    problems: dict[str, str] = {}
    country = seller.country
    if country and not (len(country) == 2 and country.isalpha() and country.isupper()):
        problems["country"] = "must be an ISO 3166-1 alpha-2 code such as DE"
    if seller.vat_id and not valid_vat_id(seller.vat_id):
        problems["vat_id"] = "not a valid VAT number (country prefix and check digits)"
    if seller.iban and not stdnum_iban.is_valid(seller.iban):
        problems["iban"] = "not a valid IBAN"
    if seller.bic and not stdnum_bic.is_valid(seller.bic):
        problems["bic"] = "not a valid BIC"
    for name in ("contact_email", "electronic_address"):
        value = getattr(seller, name)
        if value and ("@" not in value or value.strip() != value):
            problems[name] = "not an e-mail address"
    return problems


def seller_problems(seller: Seller, profile: Profile) -> dict[str, str]:
    """Every field of `seller` that is missing or invalid for `profile`, by name."""
    required = _REQUIRED.format(profile=profile.label)
    problems: dict[str, str] = {}
    if not seller.name.strip():
        problems["name"] = required
    if not seller.country:
        problems["country"] = required
    if not (seller.vat_id or seller.tax_registration):
        problems["vat_id"] = f"{required} (or tax_registration)"
    if profile.is_xrechnung:
        problems.update(_xrechnung_problems(seller, required))
    problems.update(_format_problems(seller))
    return dict(sorted(problems.items()))
