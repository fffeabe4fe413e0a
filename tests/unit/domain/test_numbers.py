"""Decimal inputs are bounded by digits and exponent before any arithmetic."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from invoicery.domain import money
from invoicery.domain.credits import MAX_BALANCE
from invoicery.domain.invoice import MAX_LINE_ITEMS
from invoicery.domain.numbers import (
    INT64_MAX,
    MAX_DIGITS,
    MAX_MAGNITUDE,
    MIN_MAGNITUDE,
    NotANumber,
    NumberOutOfRange,
    bounded_decimal,
)


@pytest.mark.parametrize(
    "text", ["12.50", "0", "-3", "1E+3", "1.5e-8", " 7 ", "0.000000000000000000000000000001"]
)
def test_ordinary_decimals_pass_unchanged(text: str) -> None:
    assert bounded_decimal(text) == Decimal(text.strip())


@pytest.mark.parametrize(
    "text",
    [
        "1E+9999999999",
        "-1E+3000000",
        "1E+30",
        "1E-9999999999",
        "0E+9999999999",
        "0E-9999999999",
        "1" * (MAX_DIGITS + 1),
        "9" * 70,
    ],
)
def test_huge_and_tiny_exponents_and_long_digits_are_out_of_range(text: str) -> None:
    with pytest.raises(NumberOutOfRange):
        bounded_decimal(text)


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-inf", "sNaN", "1,5", "", "0x10", "½"])
def test_non_numbers_are_refused(text: str) -> None:
    with pytest.raises(NotANumber):
        bounded_decimal(text)


def test_json_integers_and_decimals_are_bounded_too() -> None:
    assert bounded_decimal(10**20) == Decimal(10**20)
    with pytest.raises(NumberOutOfRange):
        bounded_decimal(10**4000)
    with pytest.raises(NumberOutOfRange):
        bounded_decimal(Decimal("1E+300000"))


@given(
    st.integers(min_value=0, max_value=10**MAX_DIGITS),
    st.integers(min_value=-10_000_000_000, max_value=10_000_000_000),
)
def test_whatever_passes_is_cheap_to_compute_with(digits: int, exponent: int) -> None:
    text = f"{digits}E{exponent:+d}"
    try:
        value = bounded_decimal(text)
    except NumberOutOfRange:
        return
    # Every accepted value converts to an integer of at most MAX_MAGNITUDE digits.
    assert abs(value) < Decimal(10) ** MAX_MAGNITUDE
    assert value == 0 or value.as_tuple().exponent >= MIN_MAGNITUDE  # type: ignore[operator]
    assert len(str(int(value))) <= MAX_MAGNITUDE + 1


@pytest.mark.parametrize("amount", ["1E+300000", "1E+17", "92233720368547758.08", "1e20"])
def test_to_minor_refuses_amounts_beyond_the_maximum_without_expanding_them(amount: str) -> None:
    with pytest.raises(money.AmountTooLarge):
        money.to_minor(Decimal(amount), "USD")


def test_to_minor_accepts_the_maximum_itself() -> None:
    largest = Decimal(money.MAX_AMOUNT).scaleb(-2)
    assert money.to_minor(largest, "USD") == money.MAX_AMOUNT
    with pytest.raises(money.AmountTooLarge):
        money.to_minor(largest + Decimal("0.01"), "USD")


def test_the_amount_limits_fit_the_bigint_columns_they_are_stored_in() -> None:
    # 1,000 lines at the largest amount, taxed at up to 100 %, still fit a bigint column.
    assert 2 * MAX_LINE_ITEMS * money.MAX_AMOUNT <= INT64_MAX
    assert MAX_BALANCE <= INT64_MAX
