"""What the faces render an invoice from: its view, and its summary in a cursor list.

`InvoiceView` is the whole of it: the invoice, the customer details it shows, its
payment transactions and its AP status as of the account's today (None for a draft,
which the AP face never shows). `InvoiceSummary` is what an AP list prints of it.

A summary is built either from a view (`InvoiceView.summary`) or straight from a
listed row (`summary_of_row`, over `store.invoice_listing.VIEW_COLUMNS`). Mapping a
row to an `Invoice`, with its line items, frozen customer details, coupons and tax
breakdown, cost ~17 µs: most of the CPU of each invoice on a 100-invoice page, for
fields a summary never prints. The two constructions are held equal by a test over
every kind of stored invoice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from invoicery.domain.customer import CustomerSnapshot
from invoicery.domain.invoice import Invoice
from invoicery.domain.status import ApStatus, ap_status
from invoicery.payments.transaction import Transaction
from invoicery.store import invoice_listing, invoices
from invoicery.store.rows import ColumnValues

__all__ = ["InvoiceSummary", "InvoiceView", "SummaryLine", "summary_of", "summary_of_row"]


@dataclass(frozen=True, slots=True)
class SummaryLine:
    """A line as a summary prints it: `unit_amount` in minor units."""

    description: str
    quantity: int
    unit_amount: int


@dataclass(frozen=True, slots=True)
class InvoiceSummary:
    """An invoice as an AP list shows it today."""

    id: UUID
    invoice_number: str | None
    customer_id: UUID
    currency: str
    status: ApStatus
    due_date: date
    created_at: datetime
    line_items: tuple[SummaryLine, ...]
    subtotal: int
    total: int
    exclude_from_autopay: bool
    memo: str | None
    last_notification_at: datetime | None


@dataclass(frozen=True, slots=True)
class InvoiceView:
    """An invoice, the customer details it shows, its transactions, and its AP status."""

    invoice: Invoice
    customer: CustomerSnapshot
    transactions: tuple[Transaction, ...]
    status: ApStatus | None

    def summary(self) -> InvoiceSummary:
        """The invoice as an AP list shows it; a draft has no summary."""
        assert self.status is not None, "a draft has no AP status"
        return summary_of(self.invoice, self.status)


def summary_of(invoice: Invoice, status: ApStatus) -> InvoiceSummary:
    """The summary of a domain invoice whose AP status today is `status`."""
    return InvoiceSummary(
        id=invoice.id,
        invoice_number=invoice.invoice_number,
        customer_id=invoice.customer_id,
        currency=invoice.currency,
        status=status,
        due_date=invoice.state.due_date,
        created_at=invoice.created_at,
        line_items=tuple(
            SummaryLine(line.description, line.quantity, line.unit_amount)
            for line in invoice.line_items
        ),
        subtotal=invoice.subtotal,
        total=invoice.total,
        exclude_from_autopay=invoice.exclude_from_autopay,
        memo=invoice.memo,
        last_notification_at=invoice.last_notification_at,
    )


def summary_of_row(row: ColumnValues, today: date) -> InvoiceSummary | None:
    """The summary of a listed invoices row, without building the domain invoice.

    None for a draft, which the AP face never shows.
    """
    state = invoices.state_of(row)
    status = ap_status(state, today)
    if status is None:
        return None
    return InvoiceSummary(
        id=row["id"],
        invoice_number=row["invoice_number"],
        customer_id=row["customer_id"],
        currency=row["currency"],
        status=status,
        due_date=state.due_date,
        created_at=row["created_at"],
        line_items=tuple(SummaryLine(*basics) for basics in invoice_listing.line_basics(row)),
        subtotal=row["subtotal"],
        total=row["total"],
        exclude_from_autopay=row["exclude_from_autopay"],
        memo=row["memo"],
        last_notification_at=row["last_notification_at"],
    )
