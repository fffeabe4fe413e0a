"""Billing-v1 invoice reads: numbered pages with exact totals, and one invoice by id.

Counts come from `account_invoice_counts` / `customer_invoice_counts`, which database
triggers keep equal to the live (not archived) invoices per lifecycle. The account's
counts are kept per id bucket (ids sharing their first 5 hex digits, about 3 days of
UUIDv7 ids), so `locate` answers both the exact `total_items` and the bucket that holds
a page's first row with one query over a few hundred small rows (a running sum in SQL).
The page is then an index-only scan of `ix_invoices_account_listed` that starts at
that bucket's upper bound, newest first, skipping at most one bucket's rows instead of
every newer invoice, joined to its rows and customers by key. Customer lists count per
customer and use OFFSET on the customer index. Call `locate` and `page` in one snapshot
(REPEATABLE READ on PostgreSQL; a SQLite read transaction is one) so that they agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import JSON, ColumnElement, Select, and_, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from invoicery.domain.customer import CustomerSnapshot
from invoicery.domain.invoice import Invoice
from invoicery.domain.status import Lifecycle
from invoicery.runtime import HEAVY_JSON_CHARS, off_the_loop
from invoicery.store import codecs, types
from invoicery.store.invoices import to_invoice
from invoicery.store.rows import ColumnValues
from invoicery.store.tables import (
    account_invoice_counts,
    customer_invoice_counts,
    customers,
    invoices,
)
from invoicery.store.types import decode_json_text

__all__ = ["ListedInvoice", "Listing", "get", "locate", "page"]

_t = invoices.c
_c = customers.c
_CUSTOMER_COLUMNS = (
    _c.name.label("customer_name"),
    _c.external_id.label("customer_alias"),
    _c.email.label("customer_email"),
    _c.vat_number.label("customer_vat_number"),
    _c.billing_address.label("customer_billing_address"),
)
_JSON_NAMES = tuple(
    column.key for column in (*invoices.c, *_CUSTOMER_COLUMNS) if isinstance(column.type, JSON)
)
_BUCKET_DIGITS = 5  # the triggers of migration 0003 bucket ids by this many hex digits
_BUCKET_SHIFT = 128 - 4 * _BUCKET_DIGITS


@dataclass(frozen=True, slots=True)
class ListedInvoice:
    """An invoice, the customer details it shows, and whether it has a payment link.

    Every payment attempt goes through the hosted page, so an invoice without a payment
    link (`payment_token`) has no transactions and its transactions need no query.
    """

    invoice: Invoice
    customer: CustomerSnapshot
    has_payment_link: bool


@dataclass(frozen=True, slots=True)
class Listing:
    """A list's size, and where its newest-first scan for a page starts.

    The scan reads ids below `below` (from the newest if None), skipping `skip` of them.
    """

    total: int
    below: UUID | None = None
    skip: int = 0


def _lifecycles(values: Sequence[Lifecycle] | None) -> list[str] | None:
    return None if values is None else sorted({value.value for value in values})


def _bucket_count(lifecycles: Sequence[Lifecycle] | None) -> ColumnElement[int]:
    """The sum of a bucket's count columns for `lifecycles` (all of them if None)."""
    wanted = list(Lifecycle) if lifecycles is None else sorted(set(lifecycles))
    columns = [account_invoice_counts.c[f"n_{lifecycle.value}"] for lifecycle in wanted]
    total: ColumnElement[int] = columns[0]
    for column in columns[1:]:
        total = total + column
    return total


def _following(bucket: str) -> UUID | None:
    """The smallest id after every id of `bucket`; None after the last bucket."""
    following = int(bucket, 16) + 1
    if following >> (4 * _BUCKET_DIGITS):
        return None
    return UUID(int=following << _BUCKET_SHIFT)


async def locate(
    conn: AsyncConnection,
    *,
    account_id: UUID,
    customer_id: UUID | None,
    lifecycles: Sequence[Lifecycle] | None,
    offset: int,
) -> Listing:
    """How many live invoices of the account (or one customer) have one of `lifecycles`,
    and where the newest-first scan for the row at `offset` starts."""
    if customer_id is not None:
        counts = customer_invoice_counts.c
        query = select(func.coalesce(func.sum(counts.n), 0)).where(
            counts.account_id == account_id, counts.customer_id == customer_id
        )
        if (wanted := _lifecycles(lifecycles)) is not None:
            query = query.where(counts.lifecycle.in_(wanted))
        return Listing(int((await conn.execute(query)).scalar_one()), skip=offset)
    buckets = account_invoice_counts.c
    n = _bucket_count(lifecycles)
    per_bucket = (
        select(buckets.bucket, n.label("n")).where(buckets.account_id == account_id).subquery()
    )
    running = select(
        per_bucket.c.bucket,
        per_bucket.c.n,
        func.sum(per_bucket.c.n).over(order_by=per_bucket.c.bucket.desc()).label("upto"),
        func.sum(per_bucket.c.n).over().label("total"),
    ).subquery()
    query = (
        select(running.c.total, running.c.bucket, running.c.upto - running.c.n)
        .where(running.c.upto > offset)
        .order_by(running.c.bucket.desc())
        .limit(1)
    )
    found = (await conn.execute(query)).first()
    if found is None:  # the page is past the end: only the total is needed
        total = select(func.coalesce(func.sum(n), 0)).where(buckets.account_id == account_id)
        return Listing(int((await conn.execute(total)).scalar_one()), skip=offset)
    total, bucket, before = found
    return Listing(int(total), _following(bucket), offset - int(before))


def _with_customer(
    ids: Select[tuple[UUID]] | None = None, *, json_as_text: bool = False
) -> Select[tuple[object, ...]]:
    """Invoice rows (those of `ids` only, if given) with their customer's columns.

    With `json_as_text`, JSON columns come as text for `decode_json_text` (`_JSON_NAMES`).
    """
    customer = and_(_c.account_id == _t.account_id, _c.id == _t.customer_id)
    if ids is None:
        source = invoices.outerjoin(customers, customer)
    else:
        wanted = ids.subquery()
        source = invoices.join(wanted, wanted.c.id == _t.id).outerjoin(customers, customer)
    columns = [*invoices.c, *_CUSTOMER_COLUMNS]
    return select(*(types.json_as_text(columns) if json_as_text else columns)).select_from(source)


def _listed(row: ColumnValues, now: datetime) -> ListedInvoice:
    invoice = to_invoice(row)
    details = invoice.customer_details or CustomerSnapshot(
        id=invoice.customer_id,
        name=row["customer_name"] or "",
        alias=row["customer_alias"],
        email=row["customer_email"] or None,
        vat_number=row["customer_vat_number"],
        billing_address=codecs.address_from_json(row["customer_billing_address"]),
        snapshot_at=now,
    )
    return ListedInvoice(invoice, details, row["payment_token"] is not None)


async def page(
    conn: AsyncConnection,
    *,
    account_id: UUID,
    customer_id: UUID | None,
    lifecycles: Sequence[Lifecycle] | None,
    offset: int,
    limit: int,
    listing: Listing,
    now: datetime,
) -> list[ListedInvoice]:
    """Invoices `offset`…`offset + limit` of the newest-first list `listing` located.

    Invoices not yet finalized show their customer's current details as of `now`.
    """
    if offset >= listing.total:
        return []
    conditions: list[ColumnElement[bool]] = [_t.account_id == account_id, _t.archived_at.is_(None)]
    if customer_id is not None:
        conditions.append(_t.customer_id == customer_id)
    if listing.below is not None:
        conditions.append(_t.id < listing.below)
    wanted = _lifecycles(lifecycles)
    if wanted is not None:
        conditions.append(_t.lifecycle.in_(wanted))
    ids = select(_t.id).where(*conditions).order_by(_t.id.desc()).offset(listing.skip).limit(limit)
    query = _with_customer(ids, json_as_text=True).order_by(_t.id.desc())
    rows = (await conn.execute(query)).mappings().all()
    size = sum(len(row[name] or "") for row in rows for name in _JSON_NAMES)
    return await off_the_loop(
        lambda: [_listed(decode_json_text(row, _JSON_NAMES), now) for row in rows],
        heavy=size > HEAVY_JSON_CHARS,
    )


async def get(
    conn: AsyncConnection, *, account_id: UUID, invoice_id: UUID, now: datetime
) -> ListedInvoice | None:
    """One invoice of the account (archived too) with its customer details."""
    query = _with_customer().where(_t.account_id == account_id, _t.id == invoice_id)
    row = (await conn.execute(query)).mappings().first()
    return _listed(row, now) if row else None
