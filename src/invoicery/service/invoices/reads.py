"""Invoice reads: one invoice by id, lists by number (billing v1), AP list filters.

The AP face's reads are served from stored documents (`served`).

Every invoice of the account is visible on billing v1 (AP-created ones are Finalized
OneOff invoices), except that invoices archived on the AP face are left out of its
lists; they stay readable by id. The AP face never shows drafts.

Billing-v1 list filters on what Invoicery does not have match nothing: a subscription
(there are none) and an e-invoicing status (no invoice has one yet).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from invoicery.auth.tokens import Principal
from invoicery.domain import ids
from invoicery.domain.account import today_in
from invoicery.domain.errors import NotFound
from invoicery.domain.status import ApStatus, Lifecycle, ap_status
from invoicery.payments.transaction import Transaction
from invoicery.service._time import as_lower_bound, as_upper_bound, utc_now
from invoicery.service.customers import customer_uuid, find_customer
from invoicery.service.invoices.listed import ListedInvoice, listed_in
from invoicery.service.invoices.views import (
    InvoiceView,
)
from invoicery.service.paging import NumberedPage
from invoicery.store import invoice_listing, invoices, transactions
from invoicery.store.database import Database
from invoicery.store.invoice_listing import InvoiceFilters, ListOrder, OrderColumn
from invoicery.store.invoices import StoredInvoice

__all__ = [
    "CursorQuery",
    "ListOrder",
    "NumberedQuery",
    "OrderColumn",
    "filters_of",
    "get",
    "list_numbered",
    "parse_id",
    "today_of",
    "views_in",
]


@dataclass(frozen=True, slots=True)
class CursorQuery:
    """AP list filters as the caller gave them; dates are resolved in the account's zone.

    A `customer_id` that is not a customer id matches nothing.
    """

    status: ApStatus | None = None
    customer_id: str | None = None
    invoice_number: str | None = None
    created_from: date | datetime | None = None
    created_to: date | datetime | None = None
    due_from: date | None = None
    due_to: date | None = None


@dataclass(frozen=True, slots=True)
class NumberedQuery:
    """Billing-v1 list filters: a customer (id or alias), a subscription, lifecycles (an
    empty set matches nothing), an e-invoicing status; a page, newest first or in `order`."""

    page: int = 0
    per_page: int = 10
    customer: str | None = None
    subscription_id: str | None = None
    lifecycles: frozenset[Lifecycle] | None = None
    einvoicing_status: str | None = None
    order: ListOrder | None = None

    @property
    def matches_nothing(self) -> bool:
        """Whether a filter rules out every invoice before any is read."""
        named_none = self.lifecycles is not None and not self.lifecycles
        return named_none or self.subscription_id is not None


def parse_id(text: str) -> UUID:
    """The UUID of an invoice id text; `NotFound` if it cannot be one."""
    try:
        return ids.decode(ids.INVOICE, text)
    except ids.InvalidId:
        raise NotFound("invoice not found") from None


def today_of(principal: Principal, now: datetime) -> date:
    """The caller's account's date at `now`, which decides OVERDUE."""
    return today_in(principal.timezone, now)


async def views_in(
    conn: AsyncConnection, principal: Principal, stored: Sequence[StoredInvoice], now: datetime
) -> list[InvoiceView]:
    """The invoices' views, with their transactions as read on `conn` (the one place).

    Only invoices that may have transactions (`store.invoices.may_have_transactions`)
    have theirs read, one invoice at a time: store.transactions has no batch read yet.
    """
    today = today_of(principal, now)
    views = []
    for item in stored:
        found: tuple[Transaction, ...] = ()
        if item.has_transactions:
            found = tuple(
                await transactions.list_for_invoice(
                    conn, account_id=principal.account_id, invoice_id=item.invoice.id
                )
            )
        status = ap_status(item.invoice.state, today)
        views.append(InvoiceView(item.invoice, item.customer, found, status))
    return views


async def get(db: Database, *, principal: Principal, invoice_id: str) -> InvoiceView:
    """The caller's invoice (drafts and archived ones too) with its transactions, or `NotFound`."""
    invoice_uuid = parse_id(invoice_id)
    now = utc_now()
    async with db.snapshot() as conn:
        found = await invoices.get(
            conn, account_id=principal.account_id, invoice_id=invoice_uuid, now=now
        )
        if found is None:
            raise NotFound("invoice not found")
        [view] = await views_in(conn, principal, [found], now)
    return view


def filters_of(principal: Principal, query: CursorQuery, today: date) -> InvoiceFilters | None:
    """The store's filters for an AP list `query` on `today`; None if it matches nothing."""
    customer_id = None
    if query.customer_id is not None:
        customer_id = customer_uuid(query.customer_id)
        if customer_id is None:
            return None
    return InvoiceFilters(
        today=today,
        status=query.status,
        customer_id=customer_id,
        invoice_number=query.invoice_number,
        created_from=as_lower_bound(query.created_from, principal.timezone),
        created_to=as_upper_bound(query.created_to, principal.timezone),
        due_from=query.due_from,
        due_to=query.due_to,
    )


async def list_numbered(
    db: Database, *, principal: Principal, query: NumberedQuery
) -> NumberedPage[ListedInvoice]:
    """One numbered page of the caller's listed invoices, newest first (or in the query's
    `order`), with exact counts.

    The count and the page are one statement, which sees one snapshot: a page of the
    whole account is read without a transaction (saving its round trips), unless it
    shows an invoice that may have transactions. That page, and a customer's, are read in a
    snapshot, so that the invoices agree with their transactions and their customer.
    """
    if query.matches_nothing:
        return NumberedPage([], query.page, query.per_page, 0)
    now = utc_now()
    if query.customer is None:
        async with db.read() as conn:
            total, rows = await _numbered_rows(conn, principal, query)
        if not any(invoices.may_have_transactions(row) for row in rows):
            listed = [ListedInvoice(row, (), now) for row in rows]
            return NumberedPage(listed, query.page, query.per_page, total)
    async with db.snapshot() as conn:
        total, rows = await _numbered_rows(conn, principal, query)
        listed = await listed_in(conn, principal.account_id, rows, now)
    return NumberedPage(listed, query.page, query.per_page, total)


async def _numbered_rows(
    conn: AsyncConnection, principal: Principal, query: NumberedQuery
) -> tuple[int, list[dict[str, Any]]]:
    """The list's total and the page's rows; none for a customer the caller does not have."""
    customer_id = None
    if query.customer is not None:
        customer = await find_customer(conn, principal, query.customer)
        if customer is None:
            return 0, []
        customer_id = customer.id
    return await invoice_listing.numbered_rows(
        conn,
        account_id=principal.account_id,
        customer_id=customer_id,
        lifecycles=None if query.lifecycles is None else sorted(query.lifecycles),
        offset=query.page * query.per_page,
        limit=query.per_page,
        order=query.order,
        einvoicing_status=query.einvoicing_status,
    )
