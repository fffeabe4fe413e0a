"""Requested line items, checked and turned into invoice lines (the rules of both faces).

One `NewLine` serves both faces, each filling what it has: the AP face a name (its
`description`), a whole quantity and a unit price in major units; billing v1 also a
decimal quantity, a description, a tax rate, a service period or sub-lines. Two rules
turn them into invoice lines: `exact_lines` (AP: whole quantities of a unit price
exact in the currency's minor units, nothing rounded) and `decimal_lines` (billing
v1: decimal quantity × unit price, the line total rounded half-up).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from invoicery.domain import ids, money
from invoicery.domain.invoice import MAX_LINE_ITEMS, LineItem, SubLine, billing_line, line_errors
from invoicery.domain.tax import rate_error
from invoicery.domain.totals import MAX_LINE_AMOUNT, decimal_error, line_amount

__all__ = [
    "MAX_INVOICE_SUB_LINES",
    "MAX_SUB_LINES",
    "NewLine",
    "NewSubLine",
    "decimal_lines",
    "exact_lines",
    "is_heavy",
]

MAX_SUB_LINES = 100
# Pricing, storing and rendering cost grows with sub-lines; this bound keeps the worst
# accepted invoice to tens of milliseconds of a worker's time (see tests/e2e).
MAX_INVOICE_SUB_LINES = 1000
# Pricing more lines and sub-lines than this takes over 10 ms, so it runs in a thread.
HEAVY_PRICING = 500
SUB_LINE_PREFIX = "sli"
_MAX_QUANTITY = Decimal(10**9)
_QUANTITY_PLACES = 8
_MAX_UNIT_PRICE = Decimal(10**12)
_UNIT_PRICE_PLACES = 12


@dataclass(frozen=True, slots=True)
class NewSubLine:
    """A requested sub-line: quantity × unit price (major units)."""

    name: str
    quantity: Decimal
    unit_price: Decimal


@dataclass(frozen=True, slots=True)
class NewLine:
    """A requested line: quantity × unit price (major units), or the sum of its sub-lines.

    `name` is what the line is (the AP `description`); `description` is billing v1's
    longer text about it.
    """

    name: str
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    description: str | None = None
    tax_rate: Decimal | None = None
    start_date: date | None = None
    end_date: date | None = None
    sub_lines: tuple[NewSubLine, ...] = ()


def is_heavy(lines: Sequence[NewLine]) -> bool:
    """Whether pricing `lines` holds the event loop too long to run on it."""
    return len(lines) + sum(len(line.sub_lines) for line in lines) > HEAVY_PRICING


def _unit_amount(line: NewLine, currency: str, at: str, errors: dict[str, str]) -> int:
    """The unit price in minor units, exactly; a problem is added to `errors` as 0."""
    try:
        return money.to_minor(line.unit_price or Decimal(0), currency)
    except money.TooManyDecimals:
        places = money.exponent(currency)
        errors[f"{at}.amount"] = f"{currency} amounts have at most {places} decimal places"
    except money.AmountTooLarge:
        largest = money.to_major_string(money.MAX_AMOUNT, currency)
        errors[f"{at}.amount"] = f"must be at most {largest}"
    return 0


def exact_lines(
    lines: Sequence[NewLine], currency: str, errors: dict[str, str]
) -> tuple[LineItem, ...]:
    """At least one line, each a whole quantity of a unit price exact in `currency`.

    The AP face's rule: a price with more decimals than the currency has is refused,
    never rounded. Problems are added to `errors`, keyed like ``line_items[0].amount``.
    """
    built = []
    for index, line in enumerate(lines):
        unit_amount = _unit_amount(line, currency, f"line_items[{index}]", errors)
        quantity = 0 if line.quantity is None else int(line.quantity)
        built.append(LineItem(line.name, quantity, unit_amount))
    for name, message in line_errors(built).items():
        errors.setdefault(name, message)
    return tuple(built)


def _amount(
    quantity: Decimal, unit_price: Decimal, currency: str, at: str, errors: dict[str, str]
) -> int:
    problems = {
        f"{at}.quantity": decimal_error(quantity, places=_QUANTITY_PLACES, maximum=_MAX_QUANTITY),
        f"{at}.unit_price": decimal_error(
            unit_price, places=_UNIT_PRICE_PLACES, maximum=_MAX_UNIT_PRICE
        ),
    }
    if problems[f"{at}.quantity"] is None and quantity == 0:
        problems[f"{at}.quantity"] = "must be greater than 0"
    errors.update({name: message for name, message in problems.items() if message})
    if any(problems.values()):
        return 0
    amount = line_amount(quantity, unit_price, currency)
    if amount > MAX_LINE_AMOUNT:
        errors[f"{at}.unit_price"] = "the line amount is too large"
        return 0
    return amount


def _sub_lines(
    line: NewLine, currency: str, at: str, errors: dict[str, str]
) -> tuple[SubLine, ...]:
    if len(line.sub_lines) > MAX_SUB_LINES:
        errors[f"{at}.sub_line_items"] = f"at most {MAX_SUB_LINES} sub-line items are allowed"
        return ()
    subs = []
    for index, sub in enumerate(line.sub_lines):
        where = f"{at}.sub_line_items[{index}]"
        if not sub.name:
            errors[f"{where}.name"] = "must not be empty"
        total = _amount(sub.quantity, sub.unit_price, currency, where, errors)
        sub_id = ids.encode(SUB_LINE_PREFIX, ids.new_uuid7())
        subs.append(SubLine(sub_id, sub.name, sub.quantity, sub.unit_price, total))
    return tuple(subs)


def _decimal_line(line: NewLine, currency: str, at: str, errors: dict[str, str]) -> LineItem:
    if not line.name:
        errors[f"{at}.name"] = "must not be empty"
    if line.tax_rate is not None and (message := rate_error(line.tax_rate)) is not None:
        errors[f"{at}.tax_rate"] = message
    if line.start_date and line.end_date and line.end_date < line.start_date:
        errors[f"{at}.end_date"] = "must not be before start_date"
    subs = _sub_lines(line, currency, at, errors)
    amount = sum(sub.total for sub in subs)
    if line.sub_lines and (line.quantity is not None or line.unit_price is not None):
        errors[at] = "give either quantity and unit_price, or sub_line_items, not both"
    elif line.sub_lines:
        pass
    elif line.quantity is None or line.unit_price is None:
        errors[at] = "quantity and unit_price are required unless sub_line_items are given"
    else:
        amount = _amount(line.quantity, line.unit_price, currency, at, errors)
    return billing_line(
        name=line.name,
        amount=amount,
        currency=currency,
        quantity=line.quantity,
        unit_price=line.unit_price,
        details=line.description,
        tax_rate=line.tax_rate,
        start_date=line.start_date,
        end_date=line.end_date,
        sub_lines=subs,
    )


def decimal_lines(
    lines: Sequence[NewLine], currency: str, errors: dict[str, str]
) -> tuple[LineItem, ...]:
    """Billing-v1 lines in `currency` (none is fine for a draft); problems go to `errors`."""
    if len(lines) > MAX_LINE_ITEMS:
        errors["line_items"] = f"at most {MAX_LINE_ITEMS} line items are allowed"
        return ()
    if sum(len(line.sub_lines) for line in lines) > MAX_INVOICE_SUB_LINES:
        errors["line_items"] = (
            f"at most {MAX_INVOICE_SUB_LINES} sub-line items are allowed in one invoice"
        )
        return ()
    return tuple(
        _decimal_line(line, currency, f"line_items[{index}]", errors)
        for index, line in enumerate(lines)
    )
