"""Invoice arithmetic in integer minor units: lines, coupons, tax and credits.

Rounding happens in exactly one function, `round_half_up`, and only at these points:
each line amount (quantity × unit price), each percentage discount, and each tax of
each line. Everything else is integer addition. The order of operations:

    subtotal    = Σ line amounts
    discount    = Σ coupon discounts (each one on what the previous left; never below 0)
    per line    : share of the discount, split in proportion to line amounts
                  (largest remainder), taxable = line amount − share,
                  tax = round_half_up(taxable × rate) for each tax of the line
    tax_amount  = Σ line taxes (= Σ of the breakdown's tax amounts)
    total       = subtotal − discount + tax_amount
    credits     = min(credit balance, total)
    amount_due  = total − credits

so ``subtotal − discount + tax_amount − credits == amount_due`` holds to the minor unit
in every currency. No float is ever involved: rates, quantities and unit prices are
`Decimal`, amounts are `int`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext

from invoicery.domain import money
from invoicery.domain.coupons import Discount, DiscountKind
from invoicery.domain.credits import applicable_credit
from invoicery.domain.tax import ExemptionType, TaxComponent

__all__ = [
    "MAX_LINE_AMOUNT",
    "BreakdownItem",
    "LineResult",
    "PricedLine",
    "Totals",
    "allocate",
    "compute",
    "coupon_discounts",
    "decimal_error",
    "line_amount",
    "round_half_up",
]

MAX_LINE_AMOUNT = money.MAX_AMOUNT
# Wide enough that no product of validated inputs is ever rounded by the context itself.
_EXACT = Context(prec=120, rounding=ROUND_HALF_UP)
_EXEMPTION_NAMES = {
    ExemptionType.REVERSE_CHARGE: "Reverse charge",
    ExemptionType.TAX_EXEMPT: "Tax exempt",
}


def round_half_up(value: Decimal) -> int:
    """Round an amount in minor units to a whole minor unit; halves go up (2.5 -> 3).

    This is the only rounding rule for money in Invoicery. Amounts that reach it are
    never negative, so "half up" and "half away from zero" coincide.
    """
    return int(value.to_integral_value(rounding=ROUND_HALF_UP, context=_EXACT))


def decimal_error(value: Decimal, *, places: int, maximum: Decimal) -> str | None:
    """Why a non-negative decimal input (quantity, unit price) is unacceptable, or None."""
    if not value.is_finite() or value < 0:
        return "must be a non-negative decimal number"
    if value > maximum:
        return f"must be at most {maximum}"
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        return f"must have at most {places} decimal places"
    return None


def line_amount(quantity: Decimal, unit_price: Decimal, currency: str) -> int:
    """`quantity` × `unit_price` (major units) in minor units of `currency`, rounded once."""
    with localcontext(_EXACT):
        return round_half_up((quantity * unit_price).scaleb(money.exponent(currency)))


def allocate(amount: int, weights: Sequence[int]) -> list[int]:
    """Split `amount` in proportion to `weights` exactly (largest remainder; ties: earlier).

    Requires ``0 <= amount <= sum(weights)``; then no share exceeds its weight.
    """
    whole = sum(weights)
    if whole == 0:
        return [0] * len(weights)
    shares = [amount * weight // whole for weight in weights]
    remainders = [amount * weight % whole for weight in weights]
    left = amount - sum(shares)
    for index in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:left]:
        shares[index] += 1
    return shares


def coupon_discounts(discounts: Sequence[Discount], subtotal: int) -> tuple[int, ...]:
    """Each coupon's discount, applied in order to what the previous ones left."""
    remaining = subtotal
    amounts = []
    for discount in discounts:
        if discount.kind is DiscountKind.PERCENTAGE:
            assert discount.percentage is not None
            with localcontext(_EXACT):
                wanted = round_half_up(Decimal(remaining) * discount.percentage / 100)
        else:
            wanted = discount.amount or 0
        amount = max(0, min(wanted, remaining))
        amounts.append(amount)
        remaining -= amount
    return tuple(amounts)


@dataclass(frozen=True, slots=True)
class PricedLine:
    """A line as the arithmetic sees it: its amount and the taxes charged on it."""

    amount: int
    taxes: tuple[TaxComponent, ...] = ()


@dataclass(frozen=True, slots=True)
class LineResult:
    """One line after discounts and tax; `tax_rate` is the sum of the rates charged."""

    discount: int
    taxable: int
    tax: int
    tax_rate: Decimal


@dataclass(frozen=True, slots=True)
class BreakdownItem:
    """Tax of one kind on the invoice: the base it was charged on and the amount."""

    name: str
    rate: Decimal
    taxable_amount: int
    tax_amount: int
    exemption: ExemptionType | None = None


@dataclass(frozen=True, slots=True)
class Totals:
    """Every amount of an invoice, in minor units."""

    subtotal: int
    coupon_discounts: tuple[int, ...]
    discount: int
    lines: tuple[LineResult, ...]
    breakdown: tuple[BreakdownItem, ...]
    tax_amount: int
    total: int
    applied_credits: int
    amount_due: int


def _tax(taxable: int, rate: Decimal) -> int:
    with localcontext(_EXACT):
        return round_half_up(Decimal(taxable) * rate)


def compute(
    lines: Sequence[PricedLine],
    *,
    discounts: Sequence[Discount] = (),
    exemption: ExemptionType | None = None,
    credit_balance: int = 0,
) -> Totals:
    """All amounts of an invoice from its lines, coupons, exemption and credit balance."""
    amounts = [line.amount for line in lines]
    subtotal = sum(amounts)
    per_coupon = coupon_discounts(discounts, subtotal)
    discount = sum(per_coupon)
    shares = allocate(discount, amounts)
    results: list[LineResult] = []
    groups: dict[tuple[str, Decimal], list[int]] = {}
    for line, share in zip(lines, shares, strict=True):
        taxable = line.amount - share
        if exemption is not None:
            results.append(LineResult(share, taxable, 0, Decimal(0)))
            continue
        line_tax = 0
        for component in line.taxes:
            tax = _tax(taxable, component.rate)
            group = groups.setdefault((component.name, component.rate), [0, 0])
            group[0] += taxable
            group[1] += tax
            line_tax += tax
        rate = sum((component.rate for component in line.taxes), Decimal(0))
        results.append(LineResult(share, taxable, line_tax, rate))
    breakdown = [
        BreakdownItem(name, rate, taxable, tax) for (name, rate), (taxable, tax) in groups.items()
    ]
    if exemption is not None and lines:
        net = subtotal - discount
        breakdown = [BreakdownItem(_EXEMPTION_NAMES[exemption], Decimal(0), net, 0, exemption)]
    tax_amount = sum(result.tax for result in results)
    total = subtotal - discount + tax_amount
    credits = applicable_credit(credit_balance, total)
    return Totals(
        subtotal=subtotal,
        coupon_discounts=per_coupon,
        discount=discount,
        lines=tuple(results),
        breakdown=tuple(breakdown),
        tax_amount=tax_amount,
        total=total,
        applied_credits=credits,
        amount_due=total - credits,
    )
