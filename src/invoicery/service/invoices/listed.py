"""Billing-v1 list items: listed rows as they were read, for a face to render as they are.

The v1 document prints nearly every field of an invoice, but mapping each row of a
100-invoice page to a domain `Invoice` (line items, frozen customer details, coupons,
tax breakdown) cost ~17 µs a row, most of the CPU of a page. A `ListedInvoice` keeps
the row (`store.invoices.with_customer` columns, JSON decoded) instead; the billing-v1
face renders it exactly as it renders the `InvoiceView` of the same invoice, which a
test holds for every kind of stored invoice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from invoicery.payments.transaction import Transaction
from invoicery.store import invoices, transactions

__all__ = ["ListedInvoice", "listed_in"]


@dataclass(frozen=True, slots=True)
class ListedInvoice:
    """A listed invoice's row, its transactions, and when it was read.

    A draft shows its customer's present details (the row's `customer_*` columns),
    stamped `read_at`; a finalized invoice, those frozen on it (`customer_details`).
    """

    row: dict[str, Any]
    transactions: tuple[Transaction, ...]
    read_at: datetime


async def listed_in(
    conn: AsyncConnection, account_id: UUID, rows: Sequence[dict[str, Any]], now: datetime
) -> list[ListedInvoice]:
    """The rows as listed invoices, with their transactions as read on `conn`.

    As in `reads.views_in`: only invoices that may have transactions have them read.
    """
    listed = []
    for row in rows:
        found: tuple[Transaction, ...] = ()
        if invoices.may_have_transactions(row):
            found = tuple(
                await transactions.list_for_invoice(
                    conn, account_id=account_id, invoice_id=row["id"]
                )
            )
        listed.append(ListedInvoice(row, found, now))
    return listed
