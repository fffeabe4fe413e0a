"""Billing-v1 invoice reads: one invoice with its transactions, and numbered lists.

Every invoice of the account is visible here (AP-created ones are Finalized OneOff
invoices), except that invoices archived on the AP face are left out of lists; they
stay readable by id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from invoicery.auth.tokens import Principal
from invoicery.domain import ids
from invoicery.domain.customer import CustomerSnapshot
from invoicery.domain.errors import NotFound
from invoicery.domain.invoice import Invoice
from invoicery.domain.status import Lifecycle
from invoicery.payments.transaction import Transaction
from invoicery.service._time import utc_now
from invoicery.service.billing._common import (
    NumberedPage,
    find_customer,
    parse_id,
    snapshot_read,
)
from invoicery.store import invoice_listing, invoices, transactions
from invoicery.store.database import Database
from invoicery.store.invoices import StoredInvoice

__all__ = ["InvoiceView", "ListQuery", "get", "list_numbered", "view_in"]


@dataclass(frozen=True, slots=True)
class InvoiceView:
    """An invoice with the customer details it shows and its payment transactions."""

    invoice: Invoice
    customer: CustomerSnapshot
    transactions: tuple[Transaction, ...]


@dataclass(frozen=True, slots=True)
class ListQuery:
    """List filters: a customer (id or alias), a subscription, lifecycles; a page."""

    page: int = 0
    per_page: int = 10
    customer: str | None = None
    subscription_id: str | None = None
    lifecycles: frozenset[Lifecycle] | None = None


async def _views(
    conn: AsyncConnection, account_id: UUID, listed: Sequence[StoredInvoice]
) -> list[InvoiceView]:
    """The listed invoices with their transactions, oldest first (the one place reading them).

    Only invoices with a payment link can have transactions (payments go through the
    hosted page), so only theirs are read, one invoice at a time: store.transactions
    has no batch read yet.
    """
    views = []
    for item in listed:
        found: tuple[Transaction, ...] = ()
        if item.has_payment_link:
            found = tuple(
                await transactions.list_for_invoice(
                    conn, account_id=account_id, invoice_id=item.invoice.id
                )
            )
        views.append(InvoiceView(item.invoice, item.customer, found))
    return views


async def get(db: Database, *, principal: Principal, invoice_id: str) -> InvoiceView:
    """The caller's invoice (archived ones too), or `NotFound`."""
    invoice_uuid = parse_id(ids.INVOICE, invoice_id, "invoice")
    async with snapshot_read(db) as conn:
        return await view_in(conn, principal=principal, invoice_id=invoice_uuid)


async def view_in(conn: AsyncConnection, *, principal: Principal, invoice_id: UUID) -> InvoiceView:
    """The caller's invoice as read on `conn` (a write transaction sees its own change)."""
    found = await invoices.get(
        conn, account_id=principal.account_id, invoice_id=invoice_id, now=utc_now()
    )
    if found is None:
        raise NotFound("invoice not found")
    [view] = await _views(conn, principal.account_id, [found])
    return view


async def list_numbered(
    db: Database, *, principal: Principal, query: ListQuery
) -> NumberedPage[InvoiceView]:
    """One numbered page of the caller's listed invoices, newest first, with exact counts."""
    empty: NumberedPage[InvoiceView] = NumberedPage([], query.page, query.per_page, 0)
    if query.subscription_id is not None:
        return empty  # Invoicery has no subscriptions: no invoice belongs to one
    async with snapshot_read(db) as conn:
        customer_id = None
        if query.customer is not None:
            customer = await find_customer(conn, principal, query.customer)
            if customer is None:
                return empty
            customer_id = customer.id
        lifecycles = None if query.lifecycles is None else sorted(query.lifecycles)
        listing = await invoice_listing.locate(
            conn,
            account_id=principal.account_id,
            customer_id=customer_id,
            lifecycles=lifecycles,
            offset=query.page * query.per_page,
        )
        rows = await invoice_listing.page(
            conn,
            account_id=principal.account_id,
            customer_id=customer_id,
            lifecycles=lifecycles,
            offset=query.page * query.per_page,
            limit=query.per_page,
            listing=listing,
            now=utc_now(),
        )
        views = await _views(conn, principal.account_id, rows)
    return NumberedPage(views, query.page, query.per_page, listing.total)
