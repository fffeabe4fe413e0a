"""Invoice lists: AP pages by cursor, billing-v1 pages by number with exact totals.

AP pages (`cursor_page`) are keyset pages (`store.pagination`) that select only the
columns an AP list shows (`VIEW_COLUMNS`).

Billing-v1 counts come from `account_invoice_counts` / `customer_invoice_counts`, which
database triggers keep equal to the live (not archived) invoices per lifecycle. The account's
counts are kept per id bucket (ids sharing their first 5 hex digits, about 3 days of
UUIDv7 ids), so `_locate` answers both the exact `total_items` and the bucket that holds
a page's first row with one query over a few hundred small rows (a running sum in SQL).
The page is then an index-only scan of `ix_invoices_account_listed` that starts at
that bucket's upper bound, newest first, skipping at most one bucket's rows instead of
every newer invoice, joined to its rows and customers by key. Customer lists count per
customer and use OFFSET on the customer index. Call `numbered_page` on a connection
that sees one snapshot (REPEATABLE READ on PostgreSQL; a SQLite read transaction is
one), so that the count and the page agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from sqlalchemy import ColumnElement, and_, func, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from invoicery.domain.ids import uuid7_lower_bound
from invoicery.domain.status import ApStatus, Lifecycle, PaymentStatus
from invoicery.runtime import HEAVY_JSON_CHARS, off_the_loop
from invoicery.store.invoices import JSON_NAMES, StoredInvoice, to_stored, with_customer
from invoicery.store.pagination import PageRequest, RowPage, fetch_page
from invoicery.store.rows import ColumnValues
from invoicery.store.tables import account_invoice_counts, customer_invoice_counts, invoices
from invoicery.store.types import decode_json_text, json_as_text

__all__ = [
    "VIEW_COLUMNS",
    "InvoiceFilters",
    "cursor_page",
    "line_basics",
    "numbered_page",
]

_t = invoices.c
_BUCKET_DIGITS = 5  # the triggers of migration 0003 bucket ids by this many hex digits
_BUCKET_SHIFT = 128 - 4 * _BUCKET_DIGITS


@dataclass(frozen=True, slots=True)
class InvoiceFilters:
    """AP list filters; every bound is inclusive. `today` decides UPCOMING vs OVERDUE."""

    today: date
    status: ApStatus | None = None
    customer_id: UUID | None = None
    invoice_number: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    due_from: date | None = None
    due_to: date | None = None


# What `state_of`, `line_basics` and the AP view read: a listed page carries only these
# (the billing JSON columns it skips are a third of the decoding work per row).
VIEW_COLUMNS = tuple(
    _t[name]
    for name in (
        "id",
        "invoice_number",
        "customer_id",
        "currency",
        "lifecycle",
        "payment_status",
        "payment_pending",
        "archived_at",
        "due_date",
        "created_at",
        "line_items",
        "subtotal",
        "total",
        "exclude_from_autopay",
        "memo",
        "last_notification_at",
    )
)


def line_basics(row: ColumnValues) -> list[tuple[str, int, int]]:
    """Each line's description, whole quantity and unit amount, decoding nothing else."""
    return [
        (line["description"], line["quantity"], line["unit_amount"]) for line in row["line_items"]
    ]


def _status_condition(status: ApStatus | None, today: date) -> ColumnElement[bool]:
    """SQL for "has this AP status today"; mirrors `invoicery.domain.status.ap_status`."""
    hidden = or_(_t.archived_at.is_not(None), _t.lifecycle == Lifecycle.VOID.value)
    visible = and_(_t.lifecycle != Lifecycle.DRAFT.value, not_(hidden))
    if status is None:
        return visible
    if status is ApStatus.ARCHIVED:
        return and_(_t.lifecycle != Lifecycle.DRAFT.value, hidden)
    paid = _t.payment_status == PaymentStatus.PAID.value
    if status is ApStatus.PAID:
        return and_(visible, paid)
    if status is ApStatus.RECEIVED:
        return and_(visible, not_(paid), _t.payment_pending)
    open_ = and_(visible, not_(paid), not_(_t.payment_pending))
    overdue = or_(_t.lifecycle == Lifecycle.UNCOLLECTIBLE.value, _t.due_date < today)
    if status is ApStatus.OVERDUE:
        return and_(open_, overdue)
    return and_(open_, not_(overdue))


async def cursor_page(
    conn: AsyncConnection, *, account_id: UUID, filters: InvoiceFilters, page: PageRequest
) -> RowPage:
    """One page of the account's invoices matching `filters`, newest first (`VIEW_COLUMNS`).

    `line_items` comes as JSON text, for the caller to decode (`types.decode_json_text`)
    off the event loop when the page is large.
    """
    conditions: list[ColumnElement[bool]] = [
        _t.account_id == account_id,
        _status_condition(filters.status, filters.today),
    ]
    if filters.customer_id is not None:
        conditions.append(_t.customer_id == filters.customer_id)
    if filters.invoice_number is not None:
        conditions.append(_t.invoice_number == filters.invoice_number)
    if filters.created_from is not None:
        # created_at is the id's own timestamp, so the bound on `id` is exact and
        # turns the filter into a range of the (account_id, id) index.
        conditions += [
            _t.id >= uuid7_lower_bound(filters.created_from),
            _t.created_at >= filters.created_from,
        ]
    if filters.created_to is not None:
        conditions += [
            _t.id < uuid7_lower_bound(filters.created_to + timedelta(microseconds=1)),
            _t.created_at <= filters.created_to,
        ]
    if filters.due_from is not None:
        conditions.append(_t.due_date >= filters.due_from)
    if filters.due_to is not None:
        conditions.append(_t.due_date <= filters.due_to)
    columns = json_as_text(VIEW_COLUMNS)
    return await fetch_page(conn, invoices, conditions=conditions, page=page, columns=columns)


@dataclass(frozen=True, slots=True)
class _Listing:
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


async def _locate(
    conn: AsyncConnection,
    *,
    account_id: UUID,
    customer_id: UUID | None,
    lifecycles: Sequence[Lifecycle] | None,
    offset: int,
) -> _Listing:
    """How many live invoices of the account (or one customer) have one of `lifecycles`,
    and where the newest-first scan for the row at `offset` starts."""
    if customer_id is not None:
        counts = customer_invoice_counts.c
        query = select(func.coalesce(func.sum(counts.n), 0)).where(
            counts.account_id == account_id, counts.customer_id == customer_id
        )
        if (wanted := _lifecycles(lifecycles)) is not None:
            query = query.where(counts.lifecycle.in_(wanted))
        return _Listing(int((await conn.execute(query)).scalar_one()), skip=offset)
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
        return _Listing(int((await conn.execute(total)).scalar_one()), skip=offset)
    total, bucket, before = found
    return _Listing(int(total), _following(bucket), offset - int(before))


async def numbered_page(
    conn: AsyncConnection,
    *,
    account_id: UUID,
    customer_id: UUID | None,
    lifecycles: Sequence[Lifecycle] | None,
    offset: int,
    limit: int,
    now: datetime,
) -> tuple[int, list[StoredInvoice]]:
    """How many live invoices of the account (or one customer) have one of `lifecycles`,
    and those `offset`…`offset + limit` of them, newest first.

    Invoices not yet finalized show their customer's current details as of `now`.
    """
    listing = await _locate(
        conn,
        account_id=account_id,
        customer_id=customer_id,
        lifecycles=lifecycles,
        offset=offset,
    )
    if offset >= listing.total:
        return listing.total, []
    conditions: list[ColumnElement[bool]] = [_t.account_id == account_id, _t.archived_at.is_(None)]
    if customer_id is not None:
        conditions.append(_t.customer_id == customer_id)
    if listing.below is not None:
        conditions.append(_t.id < listing.below)
    wanted = _lifecycles(lifecycles)
    if wanted is not None:
        conditions.append(_t.lifecycle.in_(wanted))
    ids = select(_t.id).where(*conditions).order_by(_t.id.desc()).offset(listing.skip).limit(limit)
    query = with_customer(ids, json_as_text=True).order_by(_t.id.desc())
    rows = (await conn.execute(query)).mappings().all()
    size = sum(len(row[name] or "") for row in rows for name in JSON_NAMES)
    found = await off_the_loop(
        lambda: [to_stored(decode_json_text(row, JSON_NAMES), now) for row in rows],
        heavy=size > HEAVY_JSON_CHARS,
    )
    return listing.total, found
