"""Numbers from the wire, bounded before any arithmetic touches them.

A `Decimal` is cheap to hold whatever its exponent, but not to compute with:
``int(Decimal("1E+9999999999"))`` builds a ten-billion-digit integer. Every decimal
that arrives from a client passes `bounded_decimal` first, which looks only at its
digits and exponent; the field's own rules (places, maximum) then compare it at no risk.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

__all__ = [
    "INT32_MAX",
    "INT64_MAX",
    "MAX_DECIMAL_TEXT",
    "MAX_DIGITS",
    "MAX_MAGNITUDE",
    "MIN_MAGNITUDE",
    "NotANumber",
    "NumberOutOfRange",
    "bounded_decimal",
]

INT32_MAX = 2**31 - 1
"""The largest value of a PostgreSQL `integer` column."""
INT64_MAX = 2**63 - 1
"""The largest value of a PostgreSQL `bigint` column (amounts in minor units)."""

MAX_DECIMAL_TEXT = 64
"""The longest decimal text accepted, in characters."""
MAX_DIGITS = 40
"""The most significant digits a decimal input may carry."""
MAX_MAGNITUDE = 30
"""Decimal inputs are below 10**MAX_MAGNITUDE ..."""
MIN_MAGNITUDE = -30
"""... and their last digit is no smaller than 10**MIN_MAGNITUDE."""


class NotANumber(ValueError):
    """The text is not a finite decimal number."""


class NumberOutOfRange(ValueError):
    """The number has more digits, or a larger or smaller exponent, than any field allows."""


def bounded_decimal(value: str | int | Decimal) -> Decimal:
    """`value` as a finite `Decimal` within the input bounds; raises before any arithmetic."""
    if isinstance(value, str):
        if len(value) > MAX_DECIMAL_TEXT:
            raise NumberOutOfRange(f"at most {MAX_DECIMAL_TEXT} characters")
        try:
            value = Decimal(value.strip())
        except InvalidOperation:
            raise NotANumber(value) from None
    elif isinstance(value, int):
        # int -> Decimal is linear in the digits; JSON parsing already bounds them (4,300).
        value = Decimal(value)
    if not value.is_finite():
        raise NotANumber(str(value))
    _sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite
    if len(digits) > MAX_DIGITS:
        raise NumberOutOfRange(f"at most {MAX_DIGITS} digits")
    if exponent < MIN_MAGNITUDE:
        raise NumberOutOfRange("too many decimal places")
    if value and value.adjusted() >= MAX_MAGNITUDE:
        raise NumberOutOfRange("too large")
    if exponent > MAX_MAGNITUDE:  # a zero written as 0E+99999
        raise NumberOutOfRange("too large")
    return value
