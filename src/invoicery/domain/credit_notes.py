"""Credit notes: a finalized invoice corrected downwards, in integer minor units.

A credit note credits parts of an invoice's lines, each by a quantity (that share of
the line's net amount, rounded half-up once) or by an amount, and the tax of each line
at the rate that line was charged (`LineItem.applied_tax_rate`; a reverse-charged or
exempt invoice charged none, so none is credited). Lines are referenced by their index
in the invoice (invoice lines have no id of their own).

Its life: DRAFT -> FINALIZED (numbered from the account's own gap-free series, and its
credit goes where `credit_to` says) -> VOID; a draft may be voided too. What voiding a
finalized note undoes is decided by its destination:

- AMOUNT_DUE: the invoice's amount due rises back by the note's total (refused while a
  payment of the invoice is in flight or settled, see the service);
- CUSTOMER_BALANCE: the credit is taken back from the customer's balance (refused once
  the customer has used it);
- REFUND: refused; money given back cannot be taken back by a void.

Rule across notes: the totals of an invoice's notes that are not void never exceed the
invoice's total (`ensure_creditable`, `AmountExceeded`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from enum import StrEnum
from uuid import UUID

from invoicery.domain import custom_properties as properties
from invoicery.domain import ids
from invoicery.domain.einvoicing import EInvoicing
from invoicery.domain.errors import AmountExceeded, InvalidInput, InvalidState
from invoicery.domain.invoice import Invoice, LineItem
from invoicery.domain.status import Lifecycle
from invoicery.domain.tax import percent_text
from invoicery.domain.totals import BreakdownItem, allocate, round_half_up

__all__ = [
    "CREDIT_NOTE_PREFIX",
    "MAX_CREDIT_LINES",
    "CreditLine",
    "CreditNote",
    "CreditNoteStatus",
    "CreditRequest",
    "CreditTo",
    "draft_credit_note",
    "ensure_creditable",
    "format_credit_note_number",
]

CREDIT_NOTE_PREFIX = "crn"
MAX_CREDIT_LINES = 1000
_EXACT = Context(prec=120, rounding=ROUND_HALF_UP)  # as `domain.totals`: no hidden rounding


class CreditNoteStatus(StrEnum):
    """Where a credit note is in its life."""

    DRAFT = "Draft"
    FINALIZED = "Finalized"
    VOIDED = "Voided"


class CreditTo(StrEnum):
    """Where the credit goes at finalization (billing-v1 `CreditType` names)."""

    AMOUNT_DUE = "DebtCancellation"
    CUSTOMER_BALANCE = "CreditToBalance"
    REFUND = "Refund"


@dataclass(frozen=True, slots=True)
class CreditRequest:
    """A part of invoice line `line_index` to credit: a `quantity` of it, or an `amount`."""

    line_index: int
    quantity: Decimal | None = None
    amount: int | None = None


@dataclass(frozen=True, slots=True)
class CreditLine:
    """One credited part of an invoice line; `amount` and `tax_amount` are positive."""

    line_index: int
    name: str
    description: str | None
    quantity: Decimal | None
    unit_price: Decimal | None
    amount: int
    tax_rate: Decimal
    tax_amount: int


@dataclass(frozen=True, slots=True)
class CreditNote:
    """A credit note as stored: amounts positive minor units, shown negated on its PDF."""

    id: UUID
    account_id: UUID
    invoice_id: UUID
    customer_id: UUID
    invoice_number: str
    currency: str
    status: CreditNoteStatus
    credit_to: CreditTo
    reason: str | None
    memo: str | None
    lines: tuple[CreditLine, ...]
    tax_breakdown: tuple[BreakdownItem, ...]
    subtotal: int
    tax_amount: int
    total: int
    created_at: datetime
    updated_at: datetime
    credit_note_number: str | None = None
    refunded_amount: int = 0
    finalized_at: datetime | None = None
    voided_at: datetime | None = None
    custom_properties: Mapping[str, object] = field(default_factory=dict)
    einvoicing: EInvoicing | None = None  # set at finalization if the account has it on

    def finalized(self, *, number: str, refunded: int, now: datetime) -> CreditNote:
        """A numbered, immutable copy of a draft; `refunded` is what went back to a card."""
        if self.status is not CreditNoteStatus.DRAFT:
            raise InvalidState(f"the credit note is {self.status.value.lower()}, not a draft")
        return replace(
            self,
            status=CreditNoteStatus.FINALIZED,
            credit_note_number=number,
            refunded_amount=refunded,
            finalized_at=now,
            updated_at=now,
        )

    def voided(self, *, now: datetime) -> CreditNote:
        """A voided copy of a draft, or of a finalized note whose credit was not refunded."""
        if self.status is CreditNoteStatus.VOIDED:
            raise InvalidState("the credit note is already voided")
        if self.status is CreditNoteStatus.FINALIZED and self.credit_to is CreditTo.REFUND:
            raise InvalidState("a refunded credit note cannot be voided")
        return replace(self, status=CreditNoteStatus.VOIDED, voided_at=now, updated_at=now)

    def with_custom_properties(self, changes: Mapping[str, object], *, now: datetime) -> CreditNote:
        """A copy with `changes` merged into its custom properties, at any status."""
        values = properties.merged(self.custom_properties, changes)
        return replace(self, custom_properties=values, updated_at=now)


def format_credit_note_number(sequence: int) -> str:
    """The printed credit note number: ``CN-`` and a six-digit, zero-padded sequence."""
    return f"CN-{sequence:06d}"


def ensure_creditable(*, invoice_total: int, credited: int, total: int) -> None:
    """Raise `AmountExceeded` if `total` on top of `credited` passes the invoice's total."""
    if credited + total > invoice_total:
        left = max(0, invoice_total - credited)
        raise AmountExceeded(
            f"the invoice's credit notes may credit at most its total ({invoice_total}); "
            f"{left} is left to credit, this note credits {total}"
        )


def _line_quantity(line: LineItem) -> Decimal:
    return line.exact_quantity if line.exact_quantity is not None else Decimal(line.quantity)


def _credited_amount(
    request: CreditRequest, line: LineItem, net: int, field: str, errors: dict[str, str]
) -> int:
    """The net amount `request` credits of a line whose net amount is `net`."""
    if (request.quantity is None) == (request.amount is None):
        errors[field] = "give either a quantity or an amount"
        return 0
    if request.amount is not None:
        if not 0 < request.amount <= net:
            errors[f"{field}.amount"] = f"must be between 1 and the line's net amount ({net})"
        return request.amount
    assert request.quantity is not None
    whole = _line_quantity(line)
    if not request.quantity.is_finite() or not 0 < request.quantity <= whole:
        errors[f"{field}.quantity"] = f"must be more than 0 and at most the line's ({whole})"
        return 0
    with localcontext(_EXACT):
        amount = round_half_up(Decimal(net) * request.quantity / whole)
    if amount <= 0:
        errors[f"{field}.quantity"] = "credits less than one minor unit"
    return amount


def _tax(amount: int, rate: Decimal) -> int:
    with localcontext(_EXACT):
        return round_half_up(Decimal(amount) * rate)


def _breakdown(invoice: Invoice, lines: Sequence[CreditLine]) -> tuple[BreakdownItem, ...]:
    """Per rate, what the note credits; an exempt invoice's one exemption entry."""
    exempted = [item for item in invoice.tax_breakdown if item.exemption is not None]
    if exempted:
        taxable = sum(line.amount for line in lines)
        return (replace(exempted[0], taxable_amount=taxable, tax_amount=0),)
    names = {item.rate: item.name for item in invoice.tax_breakdown}
    groups: dict[Decimal, list[int]] = {}
    for line in lines:
        if line.tax_rate == 0:
            continue
        group = groups.setdefault(line.tax_rate, [0, 0])
        group[0] += line.amount
        group[1] += line.tax_amount
    return tuple(
        BreakdownItem(names.get(rate, f"Tax {percent_text(rate)}%"), rate, taxable, tax)
        for rate, (taxable, tax) in groups.items()
    )


def draft_credit_note(
    invoice: Invoice,
    requests: Sequence[CreditRequest],
    *,
    credit_to: CreditTo,
    reason: str | None,
    memo: str | None,
    now: datetime,
) -> CreditNote:
    """A draft crediting `requests` of a finalized `invoice`; `InvalidInput` if one is wrong."""
    if invoice.state.lifecycle is not Lifecycle.FINALIZED or invoice.invoice_number is None:
        raise InvalidState("only a finalized invoice can be credited")
    errors: dict[str, str] = {}
    if not requests:
        errors["line_items"] = "at least one line is required"
    elif len(requests) > MAX_CREDIT_LINES:
        errors["line_items"] = f"at most {MAX_CREDIT_LINES} lines are allowed"
    shares = allocate(invoice.discount, [line.total for line in invoice.line_items])
    exempt = any(item.exemption is not None for item in invoice.tax_breakdown)
    seen: set[int] = set()
    lines: list[CreditLine] = []
    for position, request in enumerate(requests):
        field = f"line_items[{position}]"
        index = request.line_index
        if not 0 <= index < len(invoice.line_items):
            errors[f"{field}.line_index"] = "names no line of the invoice"
            continue
        if index in seen:
            errors[f"{field}.line_index"] = "names a line already credited by this note"
            continue
        seen.add(index)
        line = invoice.line_items[index]
        amount = _credited_amount(request, line, line.total - shares[index], field, errors)
        rate = Decimal(0) if exempt else (line.applied_tax_rate or Decimal(0))
        lines.append(
            CreditLine(
                line_index=index,
                name=line.description,
                description=line.details,
                quantity=request.quantity,
                unit_price=line.unit_price if request.quantity is not None else None,
                amount=amount,
                tax_rate=rate,
                tax_amount=_tax(amount, rate) if amount > 0 else 0,
            )
        )
    if errors:
        raise InvalidInput("the credit note is invalid", errors)
    subtotal = sum(line.amount for line in lines)
    tax_amount = sum(line.tax_amount for line in lines)
    note_id = ids.new_uuid7()
    return CreditNote(
        id=note_id,
        account_id=invoice.account_id,
        invoice_id=invoice.id,
        customer_id=invoice.customer_id,
        invoice_number=invoice.invoice_number,
        currency=invoice.currency,
        status=CreditNoteStatus.DRAFT,
        credit_to=credit_to,
        reason=reason,
        memo=memo,
        lines=tuple(lines),
        tax_breakdown=_breakdown(invoice, lines),
        subtotal=subtotal,
        tax_amount=tax_amount,
        total=subtotal + tax_amount,
        created_at=now,
        updated_at=now,
    )
