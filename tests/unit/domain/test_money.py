"""Money: ISO 4217 exponents, exact conversion, refusal to round, display formatting."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from invoicery.domain import money


@pytest.mark.parametrize(("currency", "digits"), [("USD", 2), ("JPY", 0), ("KWD", 3), ("IQD", 3)])
def test_exponent_follows_iso_4217(currency: str, digits: int) -> None:
    assert money.exponent(currency) == digits


@pytest.mark.parametrize("code", ["usd", "XXX1", "", "XAU", "ZZZ"])
def test_unknown_or_non_decimal_currencies_are_unsupported(code: str) -> None:
    assert not money.is_supported_currency(code)


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        ("19.99", "USD", 1999),
        ("0.1", "USD", 10),
        ("1200", "JPY", 1200),
        ("1.250", "KWD", 1250),
        ("5", "USD", 500),
        ("0.10", "USD", 10),
    ],
)
def test_to_minor_is_exact(amount: str, currency: str, minor: int) -> None:
    assert money.to_minor(Decimal(amount), currency) == minor


@pytest.mark.parametrize(
    ("amount", "currency"),
    [
        ("0.001", "USD"),
        ("1.5", "JPY"),
        ("1.0001", "KWD"),
        ("1.0000000000000001", "USD"),
        ("NaN", "USD"),
        ("Infinity", "USD"),
    ],
)
def test_to_minor_refuses_to_round(amount: str, currency: str) -> None:
    with pytest.raises(money.TooManyDecimals):
        money.to_minor(Decimal(amount), currency)


@pytest.mark.parametrize(
    ("minor", "currency", "text"),
    [
        (1999, "USD", "19.99"),
        (30, "USD", "0.30"),
        (1200, "JPY", "1200"),
        (1250, "KWD", "1.250"),
        (-5, "USD", "-0.05"),
        (0, "KWD", "0.000"),
    ],
)
def test_major_string(minor: int, currency: str, text: str) -> None:
    assert money.to_major_string(minor, currency) == text


@given(st.integers(min_value=-(10**15), max_value=10**15), st.sampled_from(["USD", "JPY", "KWD"]))
def test_major_string_round_trips(minor: int, currency: str) -> None:
    assert money.to_minor(Decimal(money.to_major_string(minor, currency)), currency) == minor


def test_three_tenths_are_exactly_point_three() -> None:
    tenth = money.to_minor(Decimal("0.1"), "USD")
    assert money.to_major_string(tenth * 3, "USD") == "0.30"


@pytest.mark.parametrize(
    ("minor", "currency", "text"),
    [
        (246900, "USD", "$2,469.00"),
        (1200, "JPY", "¥1,200"),
        (1250, "KWD", "KWD 1.250"),
        (123456789, "EUR", "€1,234,567.89"),
    ],
)
def test_format_amount(minor: int, currency: str, text: str) -> None:
    assert money.format_amount(minor, currency) == text
