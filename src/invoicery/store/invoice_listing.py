"""Invoice lists: AP pages by cursor, billing-v1 pages by number with exact totals.

AP pages (`cursor_page`) are keyset pages (`store.pagination`) that select only the
columns an AP list shows (`VIEW_COLUMNS`).

Billing-v1 counts come from `account_invoice_counts` / `customer_invoice_counts`, which
database triggers keep equal to the live (not archived) invoices per lifecycle. The account's
counts are kept per id bucket (ids sharing their first 5 hex digits, about 3 days of
UUIDv7 ids), so a running sum in SQL over a few hundred small rows answers both the exact
`total_items` and the bucket that holds a page's first row. The page is then an
index-only scan of `ix_invoices_account_listed` that starts at that bucket's greatest
id, newest first, skipping at most one bucket's rows instead of every newer invoice,
joined to its rows and customers by key. Customer lists count per customer and use
OFFSET on the customer index. Count and page are one statement (`_page_with_total`),
so they always agree.

A page in another order (`ListOrder`: invoice number, customer name, amount, invoice
date, status or payment status, either way, then id the same way) sorts the list's ids
by that key and skips by OFFSET (`_ordered_page_with_total`), with the same counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any
from uuid import UUID

import orjson
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    FromClause,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    not_,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from invoicery.domain.ids import uuid7_lower_bound
from invoicery.domain.status import ApStatus, Lifecycle, PaymentStatus
from invoicery.runtime import HEAVY_JSON_CHARS, off_the_loop
from invoicery.store import invoice_documents
from invoicery.store.database import Database
from invoicery.store.invoices import JSON_NAMES, StoredInvoice, to_stored, with_customer
from invoicery.store.keyset import KeysetStatements
from invoicery.store.pagination import PageRequest, RowPage
from invoicery.store.rows import ColumnValues
from invoicery.store.tables import (
    account_invoice_counts,
    customer_invoice_counts,
    customers,
    invoices,
)
from invoicery.store.types import json_as_text

__all__ = [
    "VIEW_COLUMNS",
    "InvoiceFilters",
    "ListOrder",
    "OrderColumn",
    "cursor_page",
    "find_view",
    "line_basics",
    "numbered_page",
    "numbered_rows",
]

_t = invoices.c
_c = customers.c
_BUCKET_DIGITS = 5  # the triggers of migration 0003 bucket ids by this many hex digits


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


class OrderColumn(StrEnum):
    """What a numbered list can be sorted by."""

    INVOICE_NUMBER = "invoice_number"
    CUSTOMER_NAME = "customer_name"  # as shown: frozen on the invoice, or the customer's
    AMOUNT = "amount"  # the total
    INVOICE_DATE = "invoice_date"
    STATUS = "status"  # draft, finalized, uncollectible, void
    PAYMENT_STATUS = "payment_status"  # unpaid, partially paid, paid


@dataclass(frozen=True, slots=True)
class ListOrder:
    """A numbered list's order: by `column`, then by id, both descending or ascending."""

    column: OrderColumn
    descending: bool


def _rank(column: ColumnElement[str], values: Sequence[str]) -> ColumnElement[int]:
    """`column`'s place among `values` (0, 1, …): a stored status in its domain order."""
    return case({value: rank for rank, value in enumerate(values)}, value=column, else_=None)


def _order_key(column: OrderColumn) -> ColumnElement[Any]:
    """The sort key of `column`, over an invoices row joined to its customer's."""
    if column is OrderColumn.INVOICE_NUMBER:
        return func.coalesce(_t.invoice_number, "")  # a draft has none yet
    if column is OrderColumn.CUSTOMER_NAME:
        frozen = _t.customer_details["name"].as_string()
        return func.coalesce(frozen, _c.name, "")
    if column is OrderColumn.AMOUNT:
        return _t.total
    if column is OrderColumn.INVOICE_DATE:
        return _t.invoice_date
    if column is OrderColumn.STATUS:
        return _rank(_t.lifecycle, [lifecycle.value for lifecycle in Lifecycle])
    return _rank(_t.payment_status, [status.value for status in PaymentStatus])


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


def _status_condition(
    status: ApStatus | None, today: date | ColumnElement[date]
) -> ColumnElement[bool]:
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
    conn: AsyncConnection,
    *,
    account_id: UUID,
    filters: InvoiceFilters,
    page: PageRequest,
    face: str | None = None,
) -> RowPage:
    """One page of the account's invoices matching `filters`, newest first (`VIEW_COLUMNS`).

    `line_items` comes as JSON text, for the caller to decode (`types.decode_json_text`)
    off the event loop when the page is large. With a `face`, each row also has its
    `version` and that face's stored document of it (`invoice_documents.DOCUMENT`, or None).
    """
    params: dict[str, object] = {"account_id": account_id, "today": filters.today}
    if filters.customer_id is not None:
        params["customer_id"] = filters.customer_id
    if filters.invoice_number is not None:
        params["invoice_number"] = filters.invoice_number
    if filters.created_from is not None:
        params["created_from"] = filters.created_from
        params["created_from_id"] = uuid7_lower_bound(filters.created_from)
    if filters.created_to is not None:
        params["created_to"] = filters.created_to
        params["created_to_id"] = uuid7_lower_bound(filters.created_to + timedelta(microseconds=1))
    if filters.due_from is not None:
        params["due_from"] = filters.due_from
    if filters.due_to is not None:
        params["due_to"] = filters.due_to
    if face is not None:
        params["face"] = face
    statements = _cursor_statements(filters.status, frozenset(params), face)
    return await statements.fetch(conn, page, params)


@lru_cache(maxsize=256)
def _cursor_statements(
    status: ApStatus | None, bound: frozenset[str], face: str | None
) -> KeysetStatements:
    """`cursor_page`'s statements for one status and set of `bound` filter parameters."""
    today = bindparam("today", type_=_t.due_date.type)
    conditions: list[ColumnElement[bool]] = [
        _t.account_id == bindparam("account_id", type_=_t.account_id.type),
        _status_condition(status, today),
    ]
    if "customer_id" in bound:
        conditions.append(_t.customer_id == bindparam("customer_id", type_=_t.customer_id.type))
    if "invoice_number" in bound:
        number = bindparam("invoice_number", type_=_t.invoice_number.type)
        conditions.append(_t.invoice_number == number)
    if "created_from" in bound:
        # created_at is the id's own timestamp, so the bound on `id` is exact and
        # turns the filter into a range of the (account_id, id) index.
        conditions += [
            _t.id >= bindparam("created_from_id", type_=_t.id.type),
            _t.created_at >= bindparam("created_from", type_=_t.created_at.type),
        ]
    if "created_to" in bound:
        conditions += [
            _t.id < bindparam("created_to_id", type_=_t.id.type),
            _t.created_at <= bindparam("created_to", type_=_t.created_at.type),
        ]
    if "due_from" in bound:
        conditions.append(_t.due_date >= bindparam("due_from", type_=_t.due_date.type))
    if "due_to" in bound:
        conditions.append(_t.due_date <= bindparam("due_to", type_=_t.due_date.type))
    columns = json_as_text(VIEW_COLUMNS)
    if face is not None:
        columns += [_t.version, invoice_documents.document_of(face)]
    return KeysetStatements.build(invoices, conditions, columns)


@lru_cache(maxsize=8)
def _view_by_id(face: str) -> Select[Any]:
    """`find_view`'s statement, built once per face (prepared once per connection on PG)."""
    columns = [*json_as_text(VIEW_COLUMNS), _t.version, invoice_documents.document_of(face)]
    return select(*columns).where(
        _t.account_id == bindparam("account_id"), _t.id == bindparam("invoice_id")
    )


async def find_view(
    db: Database, *, account_id: UUID, invoice_id: UUID, face: str
) -> ColumnValues | None:
    """The account's invoice with this id as a `cursor_page` row with `face`'s document,
    whatever its status; read outside any transaction (prepared on PostgreSQL)."""
    params = {"account_id": account_id, "invoice_id": invoice_id, "face": face}
    return await db.first_row(_view_by_id(face), params)


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


def _sorted(lifecycles: Sequence[Lifecycle] | None) -> tuple[Lifecycle, ...] | None:
    return None if lifecycles is None else tuple(sorted(set(lifecycles)))


# The hex digits of an id after its bucket's, at their greatest: a bucket's text followed
# by these is the greatest id of the bucket (ids are UUID text on PostgreSQL, 32 hex
# digits on SQLite).
_BUCKET_REST = {
    "postgresql": "fff-ffff-ffff-ffff-ffffffffffff",
    "sqlite": "f" * (32 - _BUCKET_DIGITS),
}


@lru_cache(maxsize=32)
def _account_totals(lifecycles: tuple[Lifecycle, ...] | None) -> tuple[Select[Any], Select[Any]]:
    """Where a whole account's page starts, as statements built once per `lifecycles`.

    The first is the bucket holding the row at `:offset` (`total`, `bucket`, and
    `before`, the rows of newer buckets); the second, the total alone.
    """
    buckets = account_invoice_counts.c
    n = _bucket_count(lifecycles)
    account_id = bindparam("account_id", type_=buckets.account_id.type)
    per_bucket = (
        select(buckets.bucket, n.label("n")).where(buckets.account_id == account_id).subquery()
    )
    running = select(
        per_bucket.c.bucket,
        per_bucket.c.n,
        func.sum(per_bucket.c.n).over(order_by=per_bucket.c.bucket.desc()).label("upto"),
        func.sum(per_bucket.c.n).over().label("total"),
    ).subquery()
    start = (
        select(
            running.c.total,
            running.c.bucket,
            (running.c.upto - running.c.n).label("before"),
        )
        .where(running.c.upto > bindparam("offset", type_=Integer))
        .order_by(running.c.bucket.desc())
        .limit(1)
    )
    total = select(func.coalesce(func.sum(n), 0)).where(buckets.account_id == account_id)
    return start, total


@lru_cache(maxsize=32)
def _customer_total(lifecycles: tuple[Lifecycle, ...] | None) -> Select[Any]:
    """The count of one customer's invoices, built once per `lifecycles`."""
    counts = customer_invoice_counts.c
    query = select(func.coalesce(func.sum(counts.n), 0)).where(
        counts.account_id == bindparam("account_id", type_=counts.account_id.type),
        counts.customer_id == bindparam("customer_id", type_=counts.customer_id.type),
    )
    if (wanted := _lifecycles(lifecycles)) is not None:
        query = query.where(counts.lifecycle.in_(wanted))
    return query


# The columns of a `with_customer` row that the billing-v1 read model does not print.
_UNLISTED = frozenset(
    {
        "account_id",
        "archived_at",
        "exclude_from_autopay",
        "version",
        "last_notification_at",
    }
)


@lru_cache(maxsize=64)
def _page_with_total(
    by_customer: bool, lifecycles: tuple[Lifecycle, ...] | None, listed_only: bool
) -> Select[Any]:
    """A numbered page and its list's total (`total_items` of each row) in one statement.

    The statement sees one snapshot, so the count and the page agree. For a whole
    account, `_account_totals` finds the bucket (a CTE) whose greatest id starts the
    scan and how many of its rows to skip; for a customer, the customer's count and
    OFFSET. Parameters: `account_id`, `customer_id` (if `by_customer`), `offset`,
    `limit`, `bucket_rest` (`_BUCKET_REST` of the dialect).
    """
    conditions = _live(lifecycles)
    offset = bindparam("offset", type_=Integer)
    if by_customer:
        conditions.append(_t.customer_id == bindparam("customer_id", type_=_t.customer_id.type))
        total = _customer_total(lifecycles).scalar_subquery()
        skip: ColumnElement[int] = offset
    else:
        located = _account_totals(lifecycles)[0].cte("located")
        rest = bindparam("bucket_rest", type_=String)
        last_id = select(cast(located.c.bucket + rest, _t.id.type)).scalar_subquery()
        conditions.append(_t.id <= last_id)
        total = select(located.c.total).scalar_subquery()
        # Past the end no bucket is found: no id is below NULL, and SQLite refuses OFFSET NULL.
        skip = func.coalesce(select(offset - located.c.before).scalar_subquery(), 0)
    ids = (
        select(_t.id)
        .where(*conditions)
        .order_by(_t.id.desc())
        .offset(skip)
        .limit(bindparam("limit", type_=Integer))
    )
    return _with_total(ids, total, listed_only).order_by(_t.id.desc())


def _with_total(
    ids: Select[Any], total: ColumnElement[int], listed_only: bool
) -> Select[tuple[object, ...]]:
    """The rows of `ids` (`with_customer`'s, JSON as text) with the list's `total_items`."""
    rows = with_customer(ids, json_as_text=True)
    unread = _UNLISTED if listed_only else frozenset()
    columns = [column for column in rows.selected_columns if column.key not in unread]
    return rows.with_only_columns(*columns, total.label("total_items"))


def _live(lifecycles: tuple[Lifecycle, ...] | None) -> list[ColumnElement[bool]]:
    """An account's listed invoices (not archived) with one of `lifecycles` (any if None)."""
    conditions: list[ColumnElement[bool]] = [
        _t.account_id == bindparam("account_id", type_=_t.account_id.type),
        _t.archived_at.is_(None),
    ]
    if (wanted := _lifecycles(lifecycles)) is not None:
        conditions.append(_t.lifecycle.in_(wanted))
    return conditions


def _sorted_page(
    conditions: list[ColumnElement[bool]],
    total: ColumnElement[int],
    order: ListOrder | None,
    listed_only: bool,
) -> Select[Any]:
    """The rows matching `conditions` with the list's `total`, sorted by `order`'s key (then
    by id, the same way; newest first if None) and skipped by OFFSET."""
    if order is None:
        keys: tuple[ColumnElement[Any], ...] = (_t.id.desc(),)
    else:
        key = _order_key(order.column)
        keys = (key.desc(), _t.id.desc()) if order.descending else (key.asc(), _t.id.asc())
    source: FromClause = invoices
    if order is not None and order.column is OrderColumn.CUSTOMER_NAME:
        customer = and_(_c.account_id == _t.account_id, _c.id == _t.customer_id)
        source = invoices.outerjoin(customers, customer)
    ids = (
        select(_t.id)
        .select_from(source)
        .where(*conditions)
        .order_by(*keys)
        .offset(bindparam("offset", type_=BigInteger))  # page × per_page passes int32
        .limit(bindparam("limit", type_=Integer))
    )
    return _with_total(ids, total, listed_only).order_by(*keys)


@lru_cache(maxsize=64)
def _ordered_page_with_total(
    by_customer: bool, lifecycles: tuple[Lifecycle, ...] | None, order: ListOrder, listed_only: bool
) -> Select[Any]:
    """`_page_with_total` in `order`, with the same count. Parameters: `account_id`,
    `customer_id` (if `by_customer`), `offset`, `limit`."""
    conditions = _live(lifecycles)
    if by_customer:
        conditions.append(_t.customer_id == bindparam("customer_id", type_=_t.customer_id.type))
        total = _customer_total(lifecycles).scalar_subquery()
    else:
        total = _account_totals(lifecycles)[1].scalar_subquery()
    return _sorted_page(conditions, total, order, listed_only)


async def numbered_page(
    conn: AsyncConnection,
    *,
    account_id: UUID,
    customer_id: UUID | None,
    lifecycles: Sequence[Lifecycle] | None,
    offset: int,
    limit: int,
    now: datetime,
    order: ListOrder | None = None,
) -> tuple[int, list[StoredInvoice]]:
    """How many live invoices of the account (or one customer) have one of `lifecycles`,
    and those `offset`…`offset + limit` of them, newest first (or in `order`), as stored
    invoices.

    Invoices not yet finalized show their customer's current details as of `now`.
    """
    total, rows = await _numbered(
        conn,
        account_id=account_id,
        customer_id=customer_id,
        lifecycles=lifecycles,
        offset=offset,
        limit=limit,
        listed_only=False,
        order=order,
    )
    return total, [to_stored(row, now) for row in rows]


async def numbered_rows(
    conn: AsyncConnection,
    *,
    account_id: UUID,
    customer_id: UUID | None,
    lifecycles: Sequence[Lifecycle] | None,
    offset: int,
    limit: int,
    order: ListOrder | None = None,
    einvoicing_status: str | None = None,
) -> tuple[int, list[dict[str, Any]]]:
    """`numbered_page` as `with_customer` rows with their JSON decoded, not as invoices.

    For the billing-v1 read model, which renders a listed invoice from its row: only
    the columns it prints are read. With `einvoicing_status`, only invoices whose
    e-invoice has it (counted by the statement: the kept counts know no such filter).
    """
    return await _numbered(
        conn,
        account_id=account_id,
        customer_id=customer_id,
        lifecycles=lifecycles,
        offset=offset,
        limit=limit,
        listed_only=True,
        order=order,
        einvoicing_status=einvoicing_status,
    )


async def _numbered(
    conn: AsyncConnection,
    *,
    account_id: UUID,
    customer_id: UUID | None,
    lifecycles: Sequence[Lifecycle] | None,
    offset: int,
    limit: int,
    listed_only: bool,
    order: ListOrder | None,
    einvoicing_status: str | None = None,
) -> tuple[int, list[dict[str, Any]]]:
    """The list's total and the page's rows, JSON decoded (only invoices whose e-invoice
    has `einvoicing_status`, if given).

    The count and the page are one statement built once per kind of list (filters):
    building and running them as two statements cost more than rendering the page.
    Only a page past the end needs a second statement, for the total.
    """
    wanted = _sorted(lifecycles)
    params = {
        "account_id": account_id,
        "customer_id": customer_id,
        "offset": offset,
        "limit": limit,
        "bucket_rest": _BUCKET_REST[conn.dialect.name],
        "einvoicing_status": einvoicing_status,
    }
    by_customer = customer_id is not None
    if einvoicing_status is not None:
        statement = _einvoicing_page_with_total(by_customer, wanted, order)
    elif order is None:
        statement = _page_with_total(by_customer, wanted, listed_only)
    else:
        statement = _ordered_page_with_total(by_customer, wanted, order, listed_only)
    result = await conn.execute(statement, params)
    names = list(result.keys())
    rows = [dict(zip(names, row, strict=True)) for row in result.all()]  # RowMapping is slower
    if not rows:
        if einvoicing_status is not None:
            counting = _einvoicing_total(by_customer, wanted)
        else:
            counting = _customer_total(wanted) if by_customer else _account_totals(wanted)[1]
        return int((await conn.execute(counting, params)).scalar_one()), []
    size = sum(len(row[name] or "") for row in rows for name in JSON_NAMES)
    await off_the_loop(lambda: _decode_json(rows), heavy=size > HEAVY_JSON_CHARS)
    return int(rows[0]["total_items"]), rows


@lru_cache(maxsize=16)
def _einvoicing_total(by_customer: bool, lifecycles: tuple[Lifecycle, ...] | None) -> Select[Any]:
    """The count of the live invoices whose e-invoice has one status (the kept counts know
    no such filter). Parameters: `account_id`, `customer_id` (if `by_customer`),
    `einvoicing_status`."""
    return select(func.count()).select_from(invoices).where(*_einvoicing(by_customer, lifecycles))


def _einvoicing(
    by_customer: bool, lifecycles: tuple[Lifecycle, ...] | None
) -> list[ColumnElement[bool]]:
    conditions = _live(lifecycles)
    status = bindparam("einvoicing_status", type_=_t.einvoicing_status.type)
    conditions.append(_t.einvoicing_status == status)
    if by_customer:
        conditions.append(_t.customer_id == bindparam("customer_id", type_=_t.customer_id.type))
    return conditions


@lru_cache(maxsize=64)
def _einvoicing_page_with_total(
    by_customer: bool, lifecycles: tuple[Lifecycle, ...] | None, order: ListOrder | None
) -> Select[Any]:
    """A page of the invoices with one e-invoicing status and their count, in one statement
    (on `ix_invoices_account_einvoicing`, which holds e-invoices only). Parameters: those
    of `_einvoicing_total`, `offset`, `limit`."""
    total = _einvoicing_total(by_customer, lifecycles).scalar_subquery()
    return _sorted_page(_einvoicing(by_customer, lifecycles), total, order, True)


def _decode_json(rows: list[dict[str, Any]]) -> None:
    """Decode, in place, the JSON text of each row's JSON columns."""
    for row in rows:
        for name in JSON_NAMES:
            text = row[name]
            if text is not None:
                row[name] = orjson.loads(text)
