"""Invoices repository; every statement is scoped to one account.

Line items are an immutable part of the invoice document and live in a JSON column
of the invoice row, so reading or writing an invoice is one row, one round trip.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, and_, bindparam, func, not_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from invoicery.domain.ids import uuid7_lower_bound
from invoicery.domain.invoice import Invoice
from invoicery.domain.status import ApStatus, InvoiceState, Lifecycle, PaymentStatus
from invoicery.store import codecs
from invoicery.store.database import Database
from invoicery.store.pagination import PageRequest, RowPage, fetch_page
from invoicery.store.rows import ColumnValues
from invoicery.store.tables import invoices
from invoicery.store.types import json_as_text

__all__ = [
    "VIEW_COLUMNS",
    "InvoiceFilters",
    "find",
    "get",
    "get_by_payment_token",
    "get_payment_token",
    "insert",
    "line_basics",
    "list_page",
    "save_draft",
    "save_lifecycle",
    "save_payment_state",
    "save_state",
    "set_payment_token",
    "state_of",
    "to_invoice",
]

_t = invoices.c


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


def state_of(row: ColumnValues) -> InvoiceState:
    """The status facts of an invoices row."""
    return InvoiceState(
        lifecycle=Lifecycle(row["lifecycle"]),
        payment_status=PaymentStatus(row["payment_status"]),
        payment_pending=row["payment_pending"],
        archived=row["archived_at"] is not None,
        due_date=row["due_date"],
    )


def line_basics(row: ColumnValues) -> list[tuple[str, int, int]]:
    """Each line's description, whole quantity and unit amount, decoding nothing else."""
    return [
        (line["description"], line["quantity"], line["unit_amount"]) for line in row["line_items"]
    ]


def to_invoice(row: ColumnValues) -> Invoice:
    """Map an invoices row to the domain record."""
    return Invoice(
        id=row["id"],
        account_id=row["account_id"],
        customer_id=row["customer_id"],
        invoice_number=row["invoice_number"],
        currency=row["currency"],
        state=state_of(row),
        invoice_date=row["invoice_date"],
        memo=row["memo"],
        exclude_from_autopay=row["exclude_from_autopay"],
        line_items=tuple(codecs.line_from_json(line) for line in row["line_items"]),
        subtotal=row["subtotal"],
        total=row["total"],
        amount_due=row["amount_due"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        last_notification_at=row["last_notification_at"],
        purchase_order=row["purchase_order"],
        reference=row["reference"],
        tax_amount=row["tax_amount"],
        applied_credits=row["applied_credits"],
        coupons=codecs.coupons_from_json(row["coupons"]),
        tax_breakdown=codecs.breakdown_from_json(row["tax_breakdown"]),
        customer_details=codecs.snapshot_from_json(row["customer_details"]),
        finalized_at=row["finalized_at"],
        voided_at=row["voided_at"],
        marked_uncollectible_at=row["marked_uncollectible_at"],
        paid_at=row["paid_at"],
    )


def _document_values(invoice: Invoice) -> dict[str, Any]:
    """The invoice document's columns: what a draft edit or finalization writes."""
    return {
        "customer_id": invoice.customer_id,
        "invoice_number": invoice.invoice_number,
        "currency": invoice.currency,
        "invoice_date": invoice.invoice_date,
        "memo": invoice.memo,
        "line_items": [codecs.line_to_json(line) for line in invoice.line_items],
        "subtotal": invoice.subtotal,
        "total": invoice.total,
        "amount_due": invoice.amount_due,
        "purchase_order": invoice.purchase_order,
        "reference": invoice.reference,
        "tax_amount": invoice.tax_amount,
        "applied_credits": invoice.applied_credits,
        "coupons": codecs.coupons_to_json(invoice.coupons),
        "tax_breakdown": codecs.breakdown_to_json(invoice.tax_breakdown),
        "customer_details": codecs.snapshot_to_json(invoice.customer_details),
        "finalized_at": invoice.finalized_at,
    }


def _state_values(invoice: Invoice) -> dict[str, Any]:
    """Status columns for an UPDATE; an invoice archived earlier keeps its archived_at."""
    state = invoice.state
    return {
        "lifecycle": state.lifecycle.value,
        "payment_status": state.payment_status.value,
        "payment_pending": state.payment_pending,
        "archived_at": func.coalesce(_t.archived_at, invoice.updated_at)
        if state.archived
        else None,
        "due_date": state.due_date,
        "updated_at": invoice.updated_at,
    }


_INSERT = invoices.insert()


async def insert(conn: AsyncConnection, invoice: Invoice) -> None:
    """Store a new invoice (one prebuilt INSERT; values are bound, not built into SQL)."""
    values = {
        "id": invoice.id,
        "account_id": invoice.account_id,
        "exclude_from_autopay": invoice.exclude_from_autopay,
        "created_at": invoice.created_at,
        "last_notification_at": invoice.last_notification_at,
        **_document_values(invoice),
        **_state_values(invoice),
        "archived_at": invoice.updated_at if invoice.state.archived else None,
    }
    await conn.execute(_INSERT, values)


# Built once: reading one invoice is on the hottest path.
_GET = select(invoices).where(
    _t.account_id == bindparam("account_id"), _t.id == bindparam("invoice_id")
)
_GET_FOR_UPDATE = _GET.with_for_update()


async def find(db: Database, *, account_id: UUID, invoice_id: UUID) -> Invoice | None:
    """The account's invoice with this id, read outside any transaction (prepared on PG)."""
    row = await db.first_row(_GET, {"account_id": account_id, "invoice_id": invoice_id})
    return to_invoice(row) if row else None


async def get(
    conn: AsyncConnection, *, account_id: UUID, invoice_id: UUID, for_update: bool = False
) -> Invoice | None:
    """The account's invoice with this id; `for_update` locks the row until commit."""
    query = (_GET_FOR_UPDATE if for_update else _GET).params(
        account_id=account_id, invoice_id=invoice_id
    )
    row = (await conn.execute(query)).mappings().first()
    return to_invoice(row) if row else None


async def save_state(conn: AsyncConnection, invoice: Invoice) -> None:
    """Persist an invoice's status facts (archive, restore, payment changes)."""
    await conn.execute(
        update(invoices)
        .where(_t.account_id == invoice.account_id, _t.id == invoice.id)
        .values(version=_t.version + 1, **_state_values(invoice))
    )


async def save_draft(conn: AsyncConnection, invoice: Invoice) -> bool:
    """Write a draft's whole document (an edit, or its finalization); False if not a draft."""
    result = await conn.execute(
        update(invoices)
        .where(
            _t.account_id == invoice.account_id,
            _t.id == invoice.id,
            _t.lifecycle == Lifecycle.DRAFT.value,
        )
        .values(version=_t.version + 1, **_document_values(invoice), **_state_values(invoice))
    )
    return bool(result.rowcount)


async def save_lifecycle(conn: AsyncConnection, invoice: Invoice) -> None:
    """Persist a lifecycle change (void, uncollectible); the document stays as it was."""
    await conn.execute(
        update(invoices)
        .where(_t.account_id == invoice.account_id, _t.id == invoice.id)
        .values(
            version=_t.version + 1,
            voided_at=invoice.voided_at,
            marked_uncollectible_at=invoice.marked_uncollectible_at,
            **_state_values(invoice),
        )
    )


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


async def list_page(
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


async def get_payment_token(
    conn: AsyncConnection, *, account_id: UUID, invoice_id: UUID
) -> str | None:
    """The hosted-page token of the account's invoice, if one was issued."""
    query = select(_t.payment_token).where(_t.account_id == account_id, _t.id == invoice_id)
    token: str | None = (await conn.execute(query)).scalar_one_or_none()
    return token


async def set_payment_token(
    conn: AsyncConnection, *, account_id: UUID, invoice_id: UUID, token: str
) -> None:
    """Give the account's invoice its hosted-page token."""
    await conn.execute(
        update(invoices)
        .where(_t.account_id == account_id, _t.id == invoice_id)
        .values(payment_token=token)
    )


async def get_by_payment_token(
    conn: AsyncConnection, token: str, *, for_update: bool = False
) -> Invoice | None:
    """The invoice a hosted-page token belongs to, in any account: the token is the authority."""
    query = select(invoices).where(_t.payment_token == token)
    if for_update:
        query = query.with_for_update()
    row = (await conn.execute(query)).mappings().first()
    return to_invoice(row) if row else None


async def save_payment_state(conn: AsyncConnection, invoice: Invoice) -> None:
    """Persist an invoice's status facts after a payment event, with its `paid_at`."""
    values = {**_state_values(invoice), "paid_at": invoice.paid_at}
    await conn.execute(
        update(invoices)
        .where(_t.account_id == invoice.account_id, _t.id == invoice.id)
        .values(version=_t.version + 1, **values)
    )
