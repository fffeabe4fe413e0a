"""Money as integer minor units of an ISO 4217 currency.

Amounts never pass through floats: wire input arrives as `Decimal` (parsed from the
JSON text), is checked against the currency's exponent and converted to an `int` of
minor units; output goes back to an exact decimal string.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache

import iso4217
from babel.numbers import format_currency, get_currency_symbol

__all__ = [
    "MAX_AMOUNT",
    "AmountTooLarge",
    "TooManyDecimals",
    "UnknownCurrency",
    "exponent",
    "format_amount",
    "is_supported_currency",
    "to_major_string",
    "to_minor",
]

_DISPLAY_LOCALE = "en_US"

MAX_AMOUNT = 10**15
"""The largest amount one input may carry (a line, a coupon, a credit), in minor units.

A thousand of them still fit a signed 64-bit column, whatever the tax on top.
"""


class UnknownCurrency(ValueError):
    """The code is not an ISO 4217 currency with a decimal minor unit."""


class TooManyDecimals(ValueError):
    """An amount has more decimal places than its currency allows."""


class AmountTooLarge(ValueError):
    """An amount is above `MAX_AMOUNT` minor units."""


@cache
def exponent(currency: str) -> int:
    """Number of minor-unit digits of `currency` per ISO 4217 (USD 2, JPY 0, KWD 3)."""
    try:
        value = iso4217.Currency(currency).exponent
    except ValueError:
        raise UnknownCurrency(currency) from None
    if value is None:  # metals, funds: no minor unit, not invoiceable
        raise UnknownCurrency(currency)
    return value


def is_supported_currency(currency: str) -> bool:
    """Whether `currency` is an upper-case ISO 4217 code usable for invoices."""
    if currency != currency.upper():
        return False
    try:
        exponent(currency)
    except UnknownCurrency:
        return False
    return True


def currency_error(currency: str) -> str | None:
    """Why `currency` cannot be an invoice's currency, or None (the one message for it)."""
    return None if is_supported_currency(currency) else "not a supported ISO 4217 currency code"


def to_minor(amount: Decimal, currency: str) -> int:
    """Convert a major-unit decimal to integer minor units, refusing to round.

    Raises `AmountTooLarge` beyond `MAX_AMOUNT` minor units, checked on the exponent
    before any arithmetic, so a value such as ``1E+300000`` costs nothing.
    """
    if not amount.is_finite():
        raise TooManyDecimals(str(amount))
    digits = exponent(currency)
    if amount and amount.adjusted() + digits > len(str(MAX_AMOUNT)):
        raise AmountTooLarge(str(amount))
    scaled = amount.scaleb(digits)
    if scaled != scaled.to_integral_value():
        raise TooManyDecimals(str(amount))
    minor = int(scaled)
    if abs(minor) > MAX_AMOUNT:
        raise AmountTooLarge(str(amount))
    return minor


def to_major_string(minor: int, currency: str) -> str:
    """Exact major-unit text for JSON output: 1999 USD -> "19.99", 1200 JPY -> "1200"."""
    digits = exponent(currency)
    if digits == 0:
        return str(minor)
    sign = "-" if minor < 0 else ""
    whole, fraction = divmod(abs(minor), 10**digits)
    return f"{sign}{whole}.{fraction:0{digits}d}"


def format_amount(minor: int, currency: str) -> str:
    """Human display of an amount: "$2,469.00", "¥1,200", "KWD 1.250"."""
    digits = exponent(currency)
    value = Decimal(minor).scaleb(-digits)
    symbol = get_currency_symbol(currency, locale=_DISPLAY_LOCALE)
    fraction = "." + "0" * digits if digits else ""
    # CLDR puts no space after an alphabetic symbol ("KWD1.250"); readers expect one.
    pattern = f"¤ #,##0{fraction}" if symbol.isalpha() else f"¤#,##0{fraction}"
    return format_currency(
        value,
        currency,
        format=pattern,
        locale=_DISPLAY_LOCALE,
        currency_digits=False,
    )
