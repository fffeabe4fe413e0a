"""The AP face's read model of an invoice: the fields it prints, and today's status.

A view is built either from a domain `Invoice` (after a write) or straight from a
stored row (lists). Mapping a row to an `Invoice`, with its line items, frozen
customer details, coupons and tax breakdown, cost ~17 µs: most of the CPU of each
invoice on a 100-invoice page, for fields the AP face never prints. The two
constructions are held equal by a test over every kind of stored invoice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from invoicery.domain.invoice import Invoice
from invoicery.domain.status import ApStatus, ap_status
from invoicery.store import invoice_listing, invoices
from invoicery.store.rows import ColumnValues

__all__ = ["InvoiceView", "ViewLine", "view_of", "view_of_row"]


@dataclass(frozen=True, slots=True)
class ViewLine:
    """A line as the AP face prints it: `unit_amount` in minor units."""

    description: str
    quantity: int
    unit_amount: int


@dataclass(frozen=True, slots=True)
class InvoiceView:
    """An invoice as the AP face shows it today."""

    id: UUID
    invoice_number: str | None
    customer_id: UUID
    currency: str
    status: ApStatus
    due_date: date
    created_at: datetime
    line_items: tuple[ViewLine, ...]
    subtotal: int
    total: int
    exclude_from_autopay: bool
    memo: str | None
    last_notification_at: datetime | None


def view_of(invoice: Invoice, today: date) -> InvoiceView | None:
    """The AP view of a domain invoice; None for a draft, which the AP face never shows."""
    status = ap_status(invoice.state, today)
    if status is None:
        return None
    return InvoiceView(
        id=invoice.id,
        invoice_number=invoice.invoice_number,
        customer_id=invoice.customer_id,
        currency=invoice.currency,
        status=status,
        due_date=invoice.state.due_date,
        created_at=invoice.created_at,
        line_items=tuple(
            ViewLine(line.description, line.quantity, line.unit_amount)
            for line in invoice.line_items
        ),
        subtotal=invoice.subtotal,
        total=invoice.total,
        exclude_from_autopay=invoice.exclude_from_autopay,
        memo=invoice.memo,
        last_notification_at=invoice.last_notification_at,
    )


def view_of_row(row: ColumnValues, today: date) -> InvoiceView | None:
    """The AP view of a stored invoices row, without building the domain invoice."""
    state = invoices.state_of(row)
    status = ap_status(state, today)
    if status is None:
        return None
    return InvoiceView(
        id=row["id"],
        invoice_number=row["invoice_number"],
        customer_id=row["customer_id"],
        currency=row["currency"],
        status=status,
        due_date=state.due_date,
        created_at=row["created_at"],
        line_items=tuple(ViewLine(*basics) for basics in invoice_listing.line_basics(row)),
        subtotal=row["subtotal"],
        total=row["total"],
        exclude_from_autopay=row["exclude_from_autopay"],
        memo=row["memo"],
        last_notification_at=row["last_notification_at"],
    )
