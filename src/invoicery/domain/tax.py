"""Which taxes apply to an invoice line, and when a customer is exempt.

Rates are `Decimal` fractions: ``Decimal("0.20")`` is 20 %. The arithmetic (tax per
line, rounded half-up) lives in `invoicery.domain.totals`.

Rules:
- A line's own `tax_rate` wins; otherwise every custom tax rate of the customer applies
  to it (each one a separate entry in the breakdown); otherwise the line is untaxed.
- A customer marked tax exempt is charged no tax (`TaxExempt`).
- A customer with a VAT number whose country differs from the merchant account's country
  is charged no tax (`ReverseCharge`): the customer accounts for the VAT. The customer's
  country is its billing address country, else the VAT number's two-letter prefix.
  Nothing is reverse-charged while the account has no country configured.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from invoicery.domain.vat_numbers import counts_for_reverse_charge, vat_id_country

__all__ = [
    "MAX_RATE_PLACES",
    "ExemptionType",
    "TaxComponent",
    "exemption_for",
    "line_taxes",
    "percent_text",
    "rate_error",
    "vat_country",
]

MAX_RATE_PLACES = 8


# VAT numbers of Greece start with EL, not the ISO 3166 code GR.
class ExemptionType(StrEnum):
    """Why no tax is charged although a rate would apply (billing-v1 names)."""

    REVERSE_CHARGE = "ReverseCharge"
    TAX_EXEMPT = "TaxExempt"


@dataclass(frozen=True, slots=True)
class TaxComponent:
    """One tax charged on a line: a display name and a rate (fraction)."""

    name: str
    rate: Decimal


def rate_error(rate: Decimal) -> str | None:
    """Why `rate` is not an acceptable tax rate fraction, or None."""
    if not rate.is_finite() or rate < 0 or rate > 1:
        return "must be a decimal fraction between 0 and 1 (0.20 is 20 %)"
    exponent = rate.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > MAX_RATE_PLACES:
        return f"must have at most {MAX_RATE_PLACES} decimal places"
    return None


def percent_text(rate: Decimal) -> str:
    """A rate fraction as percent digits: 0.20 -> "20", 0.08875 -> "8.875"."""
    return format((rate * 100).normalize(), "f")


def line_taxes(
    explicit_rate: Decimal | None, custom: Iterable[TaxComponent]
) -> tuple[TaxComponent, ...]:
    """The taxes charged on one line: its own rate, else the customer's custom rates."""
    if explicit_rate is not None:
        if explicit_rate == 0:
            return ()
        return (TaxComponent(f"Tax {percent_text(explicit_rate)}%", explicit_rate),)
    return tuple(component for component in custom if component.rate != 0)


def vat_country(vat_number: str | None) -> str | None:
    """The country a VAT number belongs to, from its two-letter prefix, if it has one."""
    return vat_id_country(vat_number) if vat_number else None


def exemption_for(
    *,
    tax_exempt: bool,
    vat_number: str | None,
    customer_country: str | None,
    merchant_country: str | None,
) -> ExemptionType | None:
    """The exemption that applies to a customer of a merchant, if any."""
    if tax_exempt:
        return ExemptionType.TAX_EXEMPT
    if not vat_number or merchant_country is None:
        return None
    if not counts_for_reverse_charge(vat_number, customer_country):
        return None  # a number that fails its country's check digits relieves no tax
    country = customer_country or vat_country(vat_number)
    if country is not None and country.upper() != merchant_country.upper():
        return ExemptionType.REVERSE_CHARGE
    return None
