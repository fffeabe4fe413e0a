"""Invoice arithmetic: rounding, line amounts, discounts, tax, credits and the invariant."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from math import floor

import pytest
from hypothesis import given
from hypothesis import strategies as st

from invoicery.domain import money
from invoicery.domain.coupons import Discount, DiscountKind
from invoicery.domain.tax import ExemptionType, TaxComponent
from invoicery.domain.totals import (
    PricedLine,
    allocate,
    compute,
    coupon_discounts,
    line_amount,
    round_half_up,
)

CURRENCIES = ("JPY", "USD", "KWD")  # exponents 0, 2, 3
VAT = TaxComponent("VAT", Decimal("0.20"))
REDUCED = TaxComponent("Reduced", Decimal("0.055"))
STATE = TaxComponent("State", Decimal("0.08875"))


def oracle(value: Fraction) -> int:
    """Half-up rounding of a non-negative exact rational."""
    return floor(value + Fraction(1, 2))


def decimals(places: int, maximum: int) -> st.SearchStrategy[Decimal]:
    """Non-negative decimals with at most `places` decimal places."""
    return st.integers(0, maximum * 10**places).map(lambda n: Decimal(n).scaleb(-places))


quantities = st.integers(0, 8).flatmap(lambda places: decimals(places, 10_000))
unit_prices = st.integers(0, 12).flatmap(lambda places: decimals(places, 100_000))
rates = st.integers(0, 8).flatmap(lambda places: decimals(places, 1))
components = st.sampled_from([VAT, REDUCED, STATE]) | rates.map(
    lambda rate: TaxComponent(f"Tax {rate}", rate)
)
discounts = st.one_of(
    st.integers(1, 1_000_000).map(
        lambda n: Discount(DiscountKind.PERCENTAGE, percentage=Decimal(n).scaleb(-4))
    ),
    st.integers(1, 10**9).map(lambda n: Discount(DiscountKind.FIXED, amount=n, currency="USD")),
)


@st.composite
def invoices(draw: st.DrawFn) -> tuple[str, list[PricedLine]]:
    """A currency and lines priced in it from decimal quantities and unit prices."""
    currency = draw(st.sampled_from(CURRENCIES))
    lines = []
    for _ in range(draw(st.integers(0, 12))):
        amount = line_amount(draw(quantities), draw(unit_prices), currency)
        taxes = tuple(draw(st.lists(components, max_size=3, unique=True)))
        lines.append(PricedLine(amount, taxes))
    return currency, lines


def test_halves_round_up_and_the_rest_to_nearest() -> None:
    assert round_half_up(Decimal("2.5")) == 3
    assert round_half_up(Decimal("2.4999999")) == 2
    assert round_half_up(Decimal("0.5")) == 1
    assert round_half_up(Decimal("7")) == 7


@pytest.mark.parametrize(
    ("quantity", "unit_price", "currency", "expected"),
    [
        ("1", "0.125", "USD", 13),  # half a cent goes up
        ("3", "0.1", "USD", 30),
        ("1.5", "999", "JPY", 1499),  # 1498.5 yen -> 1499
        ("1", "1.0005", "KWD", 1001),  # half a fils goes up
        ("2", "1.2344", "KWD", 2469),  # 2.4688 -> 2.469
        ("0.333", "3", "USD", 100),
    ],
)
def test_line_amounts_are_rounded_once_in_the_currency(
    quantity: str, unit_price: str, currency: str, expected: int
) -> None:
    assert line_amount(Decimal(quantity), Decimal(unit_price), currency) == expected


@given(quantities, unit_prices, st.sampled_from(CURRENCIES))
def test_line_amount_is_the_exact_product_rounded_half_up(
    quantity: Decimal, unit_price: Decimal, currency: str
) -> None:
    exact = Fraction(quantity) * Fraction(unit_price) * 10 ** money.exponent(currency)
    assert line_amount(quantity, unit_price, currency) == oracle(exact)


@given(st.lists(st.integers(0, 10**12), max_size=20), st.data())
def test_allocation_is_exact_and_proportional(weights: list[int], data: st.DataObject) -> None:
    amount = data.draw(st.integers(0, sum(weights)))
    shares = allocate(amount, weights)
    assert sum(shares) == amount
    whole = sum(weights)
    for share, weight in zip(shares, weights, strict=True):
        assert 0 <= share <= weight
        assert abs(Fraction(share) - Fraction(amount * weight, whole or 1)) < 1


def test_coupons_apply_in_order_to_what_is_left() -> None:
    ten_percent = Discount(DiscountKind.PERCENTAGE, percentage=Decimal(10))
    five_dollars = Discount(DiscountKind.FIXED, amount=500, currency="USD")
    assert coupon_discounts([five_dollars, ten_percent], 10_000) == (500, 950)
    assert coupon_discounts([ten_percent, five_dollars], 10_000) == (1000, 500)
    assert coupon_discounts([five_dollars, five_dollars], 700) == (500, 200)
    half = Discount(DiscountKind.PERCENTAGE, percentage=Decimal(50))
    assert coupon_discounts([half], 1) == (1,)  # 0.5 rounds up


def test_tax_per_line_rounded_half_up_and_grouped_by_rate() -> None:
    lines = [PricedLine(105, (VAT,)), PricedLine(105, (VAT,)), PricedLine(1000, ())]
    totals = compute(lines)
    assert [line.tax for line in totals.lines] == [21, 21, 0]
    assert len(totals.breakdown) == 1
    assert totals.breakdown[0].taxable_amount == 210
    assert totals.breakdown[0].tax_amount == 42
    assert totals.total == 1210 + 42


def test_discount_is_spread_over_lines_before_tax() -> None:
    ten_percent = Discount(DiscountKind.PERCENTAGE, percentage=Decimal(10))
    totals = compute(
        [PricedLine(10_000, (VAT,)), PricedLine(5_000, (REDUCED,))], discounts=[ten_percent]
    )
    assert totals.discount == 1_500
    assert [line.taxable for line in totals.lines] == [9_000, 4_500]
    assert [line.tax for line in totals.lines] == [1_800, 248]  # 247.5 -> 248
    assert totals.total == 15_000 - 1_500 + 2_048


@pytest.mark.parametrize("exemption", list(ExemptionType))
def test_an_exempt_customer_pays_no_tax_and_the_breakdown_says_why(
    exemption: ExemptionType,
) -> None:
    totals = compute([PricedLine(10_000, (VAT,)), PricedLine(500, ())], exemption=exemption)
    assert totals.tax_amount == 0
    assert [line.tax_rate for line in totals.lines] == [0, 0]
    (item,) = totals.breakdown
    assert (item.exemption, item.taxable_amount, item.tax_amount) == (exemption, 10_500, 0)


def test_credits_never_exceed_the_total() -> None:
    assert compute([PricedLine(1_000)], credit_balance=400).amount_due == 600
    rich = compute([PricedLine(1_000)], credit_balance=5_000)
    assert (rich.applied_credits, rich.amount_due) == (1_000, 0)


@given(
    invoices(),
    st.lists(discounts, max_size=3),
    st.none() | st.sampled_from(list(ExemptionType)),
    st.integers(0, 10**13),
)
def test_every_invoice_reconciles_to_the_minor_unit(
    invoice: tuple[str, list[PricedLine]],
    coupons: list[Discount],
    exemption: ExemptionType | None,
    balance: int,
) -> None:
    _currency, lines = invoice
    totals = compute(lines, discounts=coupons, exemption=exemption, credit_balance=balance)

    assert totals.subtotal == sum(line.amount for line in lines)
    assert 0 <= totals.discount <= totals.subtotal
    assert totals.discount == sum(totals.coupon_discounts)
    assert totals.discount == sum(result.discount for result in totals.lines)
    assert totals.tax_amount == sum(result.tax for result in totals.lines)
    assert totals.tax_amount == sum(item.tax_amount for item in totals.breakdown)
    for line, result in zip(lines, totals.lines, strict=True):
        assert 0 <= result.discount <= line.amount
        assert result.taxable == line.amount - result.discount
        if exemption is None:
            expected = sum(oracle(result.taxable * Fraction(tax.rate)) for tax in line.taxes)
            assert result.tax == expected
        else:
            assert result.tax == 0
    assert 0 <= totals.applied_credits <= balance
    assert totals.applied_credits == min(balance, totals.total)
    assert totals.amount_due >= 0
    # the invariant: Σ lines − discounts + tax − credits = amount due
    assert (
        totals.subtotal - totals.discount + totals.tax_amount - totals.applied_credits
        == totals.amount_due
    )
    assert totals.total == totals.subtotal - totals.discount + totals.tax_amount
