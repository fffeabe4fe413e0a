"""Invoice line items and totals, in integer minor units.

A line has an AP face (`description`, whole `quantity`, `unit_amount` in minor units,
whose product is the line total) and optional billing-v1 details (decimal quantity
and unit price, tax rate, service period, sub-lines). A billing-v1 line whose
quantity is not whole shows on the AP face as 1 × its amount, so both faces agree
on every line total.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from invoicery.domain import custom_properties as properties
from invoicery.domain import money
from invoicery.domain.coupons import AppliedCoupon
from invoicery.domain.customer import CustomerSnapshot
from invoicery.domain.einvoicing import EInvoicing
from invoicery.domain.errors import ExceedsAmountDue, InvalidInput, InvalidState
from invoicery.domain.status import ApStatus, InvoiceState, Lifecycle, PaymentStatus, ap_status
from invoicery.domain.totals import BreakdownItem, Totals

__all__ = [
    "MAX_LINE_ITEMS",
    "MAX_QUANTITY",
    "Invoice",
    "LineItem",
    "SubLine",
    "billing_line",
    "due_date_error",
    "line_errors",
    "subtotal",
]

MAX_LINE_ITEMS = 1000
MAX_QUANTITY = 10**9


@dataclass(frozen=True, slots=True)
class SubLine:
    """A part of a billing-v1 line (a tier, a usage component); `total` in minor units."""

    id: str
    name: str
    quantity: Decimal
    unit_price: Decimal
    total: int


@dataclass(frozen=True, slots=True)
class LineItem:
    """One invoice line: `unit_amount` (minor units) times a whole `quantity`.

    The optional fields carry a billing-v1 line: `details` is its description,
    `exact_quantity` and `unit_price` (major units) its decimal price, `tax_rate` the
    rate asked for and `applied_tax_rate` the rate charged when last priced.
    """

    description: str
    quantity: int
    unit_amount: int
    details: str | None = None
    exact_quantity: Decimal | None = None
    unit_price: Decimal | None = None
    tax_rate: Decimal | None = None
    applied_tax_rate: Decimal | None = None
    start_date: date | None = None
    end_date: date | None = None
    sub_lines: tuple[SubLine, ...] = ()

    @property
    def total(self) -> int:
        """The line total in minor units."""
        return self.unit_amount * self.quantity


def billing_line(
    *,
    name: str,
    amount: int,
    currency: str,
    quantity: Decimal | None = None,
    unit_price: Decimal | None = None,
    details: str | None = None,
    tax_rate: Decimal | None = None,
    start_date: date | None = None,
    end_date: date | None = None,
    sub_lines: tuple[SubLine, ...] = (),
) -> LineItem:
    """A billing-v1 line of `amount` minor units, with the AP face that totals the same."""
    ap_quantity, ap_unit = 1, amount
    # Whole factors of a positive `amount` are at most `amount`: compare before converting.
    if (
        quantity is not None
        and unit_price is not None
        and 1 <= quantity <= amount
        and unit_price.is_finite()
        and unit_price <= amount
        and (unit_minor := unit_price.scaleb(money.exponent(currency))) <= amount
    ):
        whole = quantity == quantity.to_integral_value()
        exact = whole and unit_minor == unit_minor.to_integral_value()
        if exact and int(unit_minor) * int(quantity) == amount:
            ap_quantity, ap_unit = int(quantity), int(unit_minor)
    return LineItem(
        description=name,
        quantity=ap_quantity,
        unit_amount=ap_unit,
        details=details,
        exact_quantity=quantity,
        unit_price=unit_price,
        tax_rate=tax_rate,
        start_date=start_date,
        end_date=end_date,
        sub_lines=sub_lines,
    )


def subtotal(lines: Sequence[LineItem]) -> int:
    """Sum of the line totals."""
    return sum(line.total for line in lines)


def line_errors(lines: Sequence[LineItem]) -> dict[str, str]:
    """Field errors for a list of lines, keyed like ``line_items[0].amount``."""
    errors: dict[str, str] = {}
    if not lines:
        errors["line_items"] = "at least one line item is required"
    elif len(lines) > MAX_LINE_ITEMS:
        errors["line_items"] = f"at most {MAX_LINE_ITEMS} line items are allowed"
    for index, line in enumerate(lines):
        if line.unit_amount <= 0:
            errors[f"line_items[{index}].amount"] = "must be greater than 0"
        if line.quantity < 1:
            errors[f"line_items[{index}].quantity"] = "must be at least 1"
        elif line.quantity > MAX_QUANTITY:
            errors[f"line_items[{index}].quantity"] = f"must be at most {MAX_QUANTITY}"
        elif line.unit_amount > 0 and line.total > money.MAX_AMOUNT:
            errors[f"line_items[{index}].quantity"] = "amount × quantity is too large"
    return errors


def due_date_error(due: date, today: date) -> str | None:
    """Why a due date is unacceptable for a new invoice, or None."""
    if due < today:
        return f"must be today ({today.isoformat()}) or later"
    return None


@dataclass(frozen=True, slots=True)
class Invoice:
    """An invoice as stored: amounts in minor units, status facts, line items."""

    id: UUID
    account_id: UUID
    customer_id: UUID
    invoice_number: str | None
    currency: str
    state: InvoiceState
    invoice_date: date
    memo: str | None
    exclude_from_autopay: bool
    line_items: tuple[LineItem, ...]
    subtotal: int
    total: int
    amount_due: int
    created_at: datetime
    updated_at: datetime
    last_notification_at: datetime | None
    purchase_order: str | None = None
    reference: str | None = None
    tax_amount: int = 0
    applied_credits: int = 0
    coupons: tuple[AppliedCoupon, ...] = ()
    tax_breakdown: tuple[BreakdownItem, ...] = ()
    customer_details: CustomerSnapshot | None = None
    finalized_at: datetime | None = None
    voided_at: datetime | None = None
    marked_uncollectible_at: datetime | None = None
    paid_at: datetime | None = None
    custom_properties: Mapping[str, object] = field(default_factory=dict)  # billing-v1 2026-10
    einvoicing: EInvoicing | None = None  # set at finalization if the account has it on

    @property
    def discount(self) -> int:
        """Sum of the coupon discounts, in minor units."""
        return sum(coupon.amount for coupon in self.coupons)

    @property
    def net_terms(self) -> int:
        """Days from the invoice date to the due date."""
        return (self.state.due_date - self.invoice_date).days

    def ensure_draft(self) -> None:
        """Raise `InvalidState` unless the invoice is still a draft."""
        if self.state.lifecycle is not Lifecycle.DRAFT:
            raise InvalidState(f"the invoice is {self.state.lifecycle.value}, not a draft")

    def priced(self, totals: Totals, coupon_names: Sequence[tuple[UUID, str]]) -> Invoice:
        """A copy carrying `totals` (computed from its lines, in order) and its coupons."""
        lines = tuple(
            replace(line, applied_tax_rate=result.tax_rate)
            for line, result in zip(self.line_items, totals.lines, strict=True)
        )
        coupons = tuple(
            AppliedCoupon(coupon_id, name, amount)
            for (coupon_id, name), amount in zip(coupon_names, totals.coupon_discounts, strict=True)
        )
        return replace(
            self,
            line_items=lines,
            coupons=coupons,
            tax_breakdown=totals.breakdown,
            subtotal=totals.subtotal,
            tax_amount=totals.tax_amount,
            total=totals.total,
            applied_credits=totals.applied_credits,
            amount_due=totals.amount_due,
        )

    def finalized(self, *, number: str, details: CustomerSnapshot, now: datetime) -> Invoice:
        """A finalized copy of a draft: numbered, with the customer's details frozen."""
        self.ensure_draft()
        if not self.line_items:
            raise InvalidState("an invoice needs at least one line item to be finalized")
        state = replace(self.state, lifecycle=Lifecycle.FINALIZED)
        return replace(
            self,
            state=state,
            invoice_number=number,
            customer_details=details,
            finalized_at=now,
            updated_at=now,
        )

    def _ensure_unpaid(self, action: str) -> None:
        if self.state.payment_status is not PaymentStatus.UNPAID or self.state.payment_pending:
            raise InvalidState(f"an invoice with a payment cannot be {action}")

    def voided(self, *, now: datetime) -> Invoice:
        """A voided copy of a finalized or uncollectible, unpaid invoice."""
        if self.state.lifecycle not in (Lifecycle.FINALIZED, Lifecycle.UNCOLLECTIBLE):
            raise InvalidState(f"a {self.state.lifecycle.value} invoice cannot be voided")
        self._ensure_unpaid("voided")
        state = replace(self.state, lifecycle=Lifecycle.VOID)
        return replace(self, state=state, voided_at=now, updated_at=now)

    def marked_uncollectible(self, *, now: datetime) -> Invoice:
        """A copy of a finalized, unpaid invoice given up on."""
        if self.state.lifecycle is not Lifecycle.FINALIZED:
            raise InvalidState(
                f"a {self.state.lifecycle.value} invoice cannot be marked uncollectible"
            )
        self._ensure_unpaid("marked uncollectible")
        state = replace(self.state, lifecycle=Lifecycle.UNCOLLECTIBLE)
        return replace(self, state=state, marked_uncollectible_at=now, updated_at=now)

    def archived(self, *, now: datetime, today: date) -> Invoice:
        """A copy archived at `now`; refused if already archived or a payment is in flight."""
        status = ap_status(self.state, today)
        if status is ApStatus.ARCHIVED:
            raise InvalidState("the invoice is already archived")
        if status is ApStatus.RECEIVED:
            raise InvalidState("a payment for this invoice is in flight; it cannot be archived")
        return replace(self, state=replace(self.state, archived=True), updated_at=now)

    def restored(self, *, now: datetime) -> Invoice:
        """A copy taken out of the archive at `now`; refused if it is not archived."""
        if not self.state.archived:
            raise InvalidState("the invoice is not archived")
        return replace(self, state=replace(self.state, archived=False), updated_at=now)

    def ensure_payable(self, *, today: date) -> None:
        """Raise `InvalidState` unless the invoice can take a payment (UPCOMING or OVERDUE)."""
        status = ap_status(self.state, today)
        if status is ApStatus.ARCHIVED or status is None:
            raise InvalidState("the invoice is archived and cannot be paid")
        if status is ApStatus.PAID:
            raise InvalidState("the invoice is already paid")
        if status is ApStatus.RECEIVED:
            raise InvalidState("a payment for this invoice is already in flight")

    def payment_submitted(self, *, now: datetime) -> Invoice:
        """A copy with a payment in flight (an ACH debit awaiting settlement): RECEIVED."""
        return replace(self, state=replace(self.state, payment_pending=True), updated_at=now)

    def notified(self, *, now: datetime) -> Invoice:
        """A copy whose customer was last sent a message about it at `now`."""
        return replace(self, last_notification_at=now, updated_at=now)

    def with_custom_properties(self, changes: Mapping[str, object], *, now: datetime) -> Invoice:
        """A copy with `changes` merged into its custom properties, at any status."""
        values = properties.merged(self.custom_properties, changes)
        return replace(self, custom_properties=values, updated_at=now)

    def payment_settled(self, *, now: datetime) -> Invoice:
        """A copy paid in full at `now` (the payment in flight settled): PAID, nothing due."""
        state = replace(self.state, payment_status=PaymentStatus.PAID, payment_pending=False)
        return replace(self, state=state, amount_due=0, paid_at=now, updated_at=now)

    def amount_settled(self, amount: int, *, now: datetime, at: datetime | None = None) -> Invoice:
        """A copy with `amount` minor units of its amount due settled (a payment, a credit).

        PARTIALLY_PAID while something is left, PAID (`paid_at` = `at`, default `now`) once
        nothing is. `InvalidInput` unless 0 < `amount`; `ExceedsAmountDue` above the amount
        due. Whether the invoice may be settled at all is the caller's rule.
        """
        if amount <= 0:
            raise InvalidInput("the amount is invalid", {"amount": "must be greater than 0"})
        if amount > self.amount_due:
            raise ExceedsAmountDue(
                "the amount is larger than the amount due",
                {"amount": f"must be at most the amount due ({self.amount_due} minor units)"},
            )
        due = self.amount_due - amount
        status = PaymentStatus.PAID if due == 0 else PaymentStatus.PARTIALLY_PAID
        state = replace(self.state, payment_status=status)
        paid_at = (at or now) if due == 0 else None
        return replace(self, state=state, amount_due=due, paid_at=paid_at, updated_at=now)

    def payment_received(
        self, amount: int, *, now: datetime, today: date, at: datetime | None = None
    ) -> Invoice:
        """A copy with a payment of `amount` received outside the hosted page (a wire).

        Refused (`InvalidState`) for a draft, and as the hosted page refuses it: archived,
        void, paid, or with a payment in flight (RECEIVED).
        """
        if self.state.lifecycle is Lifecycle.DRAFT:
            raise InvalidState("a draft cannot be paid; finalize it first")
        if self.state.lifecycle is Lifecycle.VOID:
            raise InvalidState("a void invoice cannot be paid")
        self.ensure_payable(today=today)
        return self.amount_settled(amount, now=now, at=at)

    def credited(self, amount: int, *, now: datetime) -> Invoice:
        """A copy whose amount due fell by a credit note's `amount` (see `amount_settled`)."""
        self.ensure_payable(today=self.state.due_date)
        return self.amount_settled(amount, now=now)

    def credit_withdrawn(self, amount: int, *, now: datetime) -> Invoice:
        """A copy whose amount due rose back by a voided credit note's `amount`: UNPAID if
        nothing else settled any of it, PARTIALLY_PAID if payments or other credits did."""
        if self.state.payment_pending:
            raise InvalidState("a payment for this invoice is in flight")
        due = self.amount_due + amount
        issued_due = self.total - self.applied_credits
        if amount <= 0 or due > issued_due:
            raise InvalidInput("the amount is invalid", {"amount": "more than was settled"})
        status = PaymentStatus.UNPAID if due == issued_due else PaymentStatus.PARTIALLY_PAID
        state = replace(self.state, payment_status=status)
        return replace(self, amount_due=due, state=state, paid_at=None, updated_at=now)

    def payment_returned(self, *, now: datetime) -> Invoice:
        """A copy whose in-flight payment failed: back to UPCOMING or OVERDUE."""
        return replace(self, state=replace(self.state, payment_pending=False), updated_at=now)
