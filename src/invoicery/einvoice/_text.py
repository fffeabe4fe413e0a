"""Text forms shared by the CII and UBL writers: amounts, percentages, quantities, dates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from invoicery.domain import money

__all__ = ["amount", "compact_date", "decimal", "percent"]


def amount(minor: int, currency: str) -> str:
    """An amount in major units with the currency's decimals: 158960 EUR -> "1589.60"."""
    return money.to_major_string(minor, currency)


def decimal(value: Decimal) -> str:
    """A quantity or price without exponent or trailing zeros: 12.500 -> "12.5"."""
    return format(value.normalize(), "f")


def percent(value: Decimal) -> str:
    """A VAT rate in percent as EN 16931 prints it: 19.00 -> "19", 8.10 -> "8.1"."""
    return decimal(value)


def compact_date(day: date) -> str:
    """A date in UN/CEFACT format 102: 2026-12-01 -> "20261201"."""
    return day.strftime("%Y%m%d")
