"""EN 16931 VAT categories: which one a line falls in, and the exemption reason it needs.

The pricing (`invoicery.domain.totals`) knows three situations: a line taxed at a rate,
a line with no tax, and a whole invoice relieved of tax (`ExemptionType`: the customer
is tax exempt, or the VAT is reverse-charged). EN 16931 names them finer (UNTDID 5305):

| situation                                    | goods | services |
|----------------------------------------------|-------|----------|
| taxed at a rate > 0                          | S     | S        |
| untaxed line (the account's choice)          | Z / E / O (default Z) |
| customer tax exempt                          | E     | E        |
| reverse charge, seller and buyer in the EU   | K     | AE       |
| reverse charge, buyer outside the EU         | G     | O        |
| reverse charge, seller outside the EU        | G     | AE       |

Every category but S and Z needs an exemption reason (BT-120 text and/or BT-121 VATEX
code, BR-E-10, BR-AE-10, BR-IC-10, BR-G-10, BR-O-10); the texts below are the CEF
VATEX code list's. VAT numbers are checked with python-stdnum (`valid_vat_id`), which
knows every EU member state's check digits and those of most other countries
(`invoicery.domain.vat_numbers`, which pricing's reverse-charge decision uses too).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from invoicery.domain.tax import ExemptionType
from invoicery.domain.vat_numbers import EU_COUNTRIES, valid_vat_id, vat_id_country

__all__ = [
    "EU_COUNTRIES",
    "Category",
    "SupplyKind",
    "VatCategory",
    "decide",
    "valid_vat_id",
    "vat_id_country",
]


class VatCategory(StrEnum):
    """UNTDID 5305 VAT category codes used by EN 16931 (BT-118, BT-151, BT-95)."""

    STANDARD = "S"
    ZERO_RATED = "Z"
    EXEMPT = "E"
    REVERSE_CHARGE = "AE"
    INTRA_COMMUNITY = "K"
    EXPORT = "G"
    OUTSIDE_SCOPE = "O"


class SupplyKind(StrEnum):
    """What the seller supplies: goods move across borders, services are taxed where used."""

    GOODS = "goods"
    SERVICES = "services"


@dataclass(frozen=True, slots=True)
class Category:
    """A line's VAT category, its rate in percent, and the exemption reason it needs."""

    code: VatCategory
    percent: Decimal
    exemption_code: str | None = None
    exemption_text: str | None = None


_REASONS: dict[VatCategory, tuple[str, str]] = {
    VatCategory.REVERSE_CHARGE: ("VATEX-EU-AE", "Reverse charge"),
    VatCategory.INTRA_COMMUNITY: ("VATEX-EU-IC", "Intra-Community supply"),
    VatCategory.EXPORT: ("VATEX-EU-G", "Export outside the EU"),
    VatCategory.OUTSIDE_SCOPE: ("VATEX-EU-O", "Not subject to VAT"),
}
_EXEMPT_TEXT = "Exempt from VAT"


def _fixed(code: VatCategory) -> Category:
    vatex, text = _REASONS[code]
    return Category(code, Decimal(0), vatex, text)


def _exempt(reason: str | None) -> Category:
    return Category(VatCategory.EXEMPT, Decimal(0), None, reason or _EXEMPT_TEXT)


def _reverse_charged(
    seller_country: str, buyer_country: str | None, supply: SupplyKind
) -> Category:
    seller_in_eu = seller_country.upper() in EU_COUNTRIES
    buyer_in_eu = buyer_country is not None and buyer_country.upper() in EU_COUNTRIES
    goods = supply is SupplyKind.GOODS
    if seller_in_eu and buyer_in_eu:
        return _fixed(VatCategory.INTRA_COMMUNITY if goods else VatCategory.REVERSE_CHARGE)
    if seller_in_eu:
        return _fixed(VatCategory.EXPORT if goods else VatCategory.OUTSIDE_SCOPE)
    return _fixed(VatCategory.EXPORT if goods else VatCategory.REVERSE_CHARGE)


def decide(
    *,
    rate: Decimal,
    exemption: ExemptionType | None,
    seller_country: str,
    buyer_country: str | None,
    supply: SupplyKind = SupplyKind.SERVICES,
    untaxed: VatCategory = VatCategory.ZERO_RATED,
    exemption_reason: str | None = None,
) -> Category:
    """The VAT category of a line taxed at `rate` (a fraction) on an invoice priced with
    `exemption`; `untaxed` is the account's category for a line charged no tax."""
    if exemption is ExemptionType.TAX_EXEMPT:
        return _exempt(exemption_reason)
    if exemption is ExemptionType.REVERSE_CHARGE:
        return _reverse_charged(seller_country, buyer_country, supply)
    if rate > 0:
        return Category(VatCategory.STANDARD, rate * 100)
    if untaxed is VatCategory.EXEMPT:
        return _exempt(exemption_reason)
    if untaxed is VatCategory.ZERO_RATED:
        return Category(VatCategory.ZERO_RATED, Decimal(0))
    return _fixed(untaxed)
