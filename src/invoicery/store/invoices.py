"""Invoices repository: one invoice read and written; every statement is scoped to one account.

Line items are an immutable part of the invoice document and live in a JSON column
of the invoice row, so reading or writing an invoice is one row, one round trip. An
invoice is read one way (`find` outside a transaction, prepared on PostgreSQL; `get`
inside one): its row joined to its customer's, as a `StoredInvoice`. Lists are in
`invoicery.store.invoice_listing`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, Select, and_, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from invoicery.domain.customer import CustomerSnapshot
from invoicery.domain.einvoicing import EInvoicing, EInvoicingStatus
from invoicery.domain.events import Event
from invoicery.domain.invoice import Invoice
from invoicery.domain.status import InvoiceState, Lifecycle, PaymentStatus
from invoicery.store import codecs, types
from invoicery.store import events as event_log
from invoicery.store.database import Database
from invoicery.store.rows import ColumnValues
from invoicery.store.tables import customers, invoices

__all__ = [
    "INSERT_WITH_EVENT",
    "JSON_NAMES",
    "StoredInvoice",
    "find",
    "get",
    "get_by_payment_token",
    "get_payment_token",
    "insert",
    "insert_params",
    "may_have_transactions",
    "save_custom_properties",
    "save_draft",
    "save_lifecycle",
    "save_notified",
    "save_payment_state",
    "save_state",
    "set_payment_token",
    "state_of",
    "to_invoice",
    "to_stored",
    "with_customer",
]

_t = invoices.c
_c = customers.c
_CUSTOMER_COLUMNS = (
    _c.name.label("customer_name"),
    _c.external_id.label("customer_alias"),
    _c.email.label("customer_email"),
    _c.vat_number.label("customer_vat_number"),
    _c.billing_address.label("customer_billing_address"),
)
JSON_NAMES = tuple(
    column.key for column in (*invoices.c, *_CUSTOMER_COLUMNS) if isinstance(column.type, JSON)
)
"""The JSON columns of a `with_customer` row (to decode when fetched as text)."""


@dataclass(frozen=True, slots=True)
class StoredInvoice:
    """An invoice, the customer details it shows, and whether it may have transactions.

    A finalized invoice shows the details frozen on it; a draft, its customer's present
    ones. See `may_have_transactions`.
    """

    invoice: Invoice
    customer: CustomerSnapshot
    has_transactions: bool


def may_have_transactions(row: ColumnValues) -> bool:
    """Whether an invoices row may have transactions, which then need a query.

    A payment attempt goes through the hosted page, which needs a payment link
    (`payment_token`); a payment received offline leaves the invoice paid in part or whole.
    """
    return row["payment_token"] is not None or row["payment_status"] != PaymentStatus.UNPAID.value


def state_of(row: ColumnValues) -> InvoiceState:
    """The status facts of an invoices row."""
    return InvoiceState(
        lifecycle=Lifecycle(row["lifecycle"]),
        payment_status=PaymentStatus(row["payment_status"]),
        payment_pending=row["payment_pending"],
        archived=row["archived_at"] is not None,
        due_date=row["due_date"],
    )


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
        custom_properties=row["custom_properties"],
        einvoicing=_einvoicing(row),
    )


def _einvoicing(row: ColumnValues) -> EInvoicing | None:
    """The e-invoice status of an invoices row."""
    status = row["einvoicing_status"]
    if status is None:
        return None
    return EInvoicing(EInvoicingStatus(status), tuple(row["einvoicing_errors"] or ()))


def to_stored(row: ColumnValues, now: datetime) -> StoredInvoice:
    """Map a `with_customer` row; a draft shows its customer's details as of `now`."""
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
    return StoredInvoice(invoice, details, may_have_transactions(row))


def with_customer(
    ids: Select[tuple[UUID]] | None = None, *, json_as_text: bool = False
) -> Select[tuple[object, ...]]:
    """Invoice rows (those of `ids` only, if given) with their customer's columns.

    With `json_as_text`, JSON columns come as text for `types.decode_json_text` (`JSON_NAMES`).
    """
    customer = and_(_c.account_id == _t.account_id, _c.id == _t.customer_id)
    if ids is None:
        source = invoices.outerjoin(customers, customer)
    else:
        wanted = ids.subquery()
        source = invoices.join(wanted, wanted.c.id == _t.id).outerjoin(customers, customer)
    columns = [*invoices.c, *_CUSTOMER_COLUMNS]
    return select(*(types.json_as_text(columns) if json_as_text else columns)).select_from(source)


_DOCUMENT_COLUMNS = (
    "customer_id",
    "invoice_number",
    "currency",
    "invoice_date",
    "memo",
    "line_items",
    "subtotal",
    "total",
    "amount_due",
    "purchase_order",
    "reference",
    "tax_amount",
    "applied_credits",
    "coupons",
    "tax_breakdown",
    "customer_details",
    "finalized_at",
    "einvoicing_status",
    "einvoicing_errors",
)
_STATE_COLUMNS = (
    "lifecycle",
    "payment_status",
    "payment_pending",
    "archived_at",
    "due_date",
    "updated_at",
)


def _document_values(invoice: Invoice) -> dict[str, Any]:
    """The invoice document's columns: what a draft edit or finalization writes."""
    einvoicing = invoice.einvoicing
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
        "einvoicing_status": einvoicing.status.value if einvoicing else None,
        "einvoicing_errors": list(einvoicing.errors) if einvoicing else None,
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


_INSERTED = (
    "id",
    "account_id",
    "exclude_from_autopay",
    "created_at",
    "last_notification_at",
    *_DOCUMENT_COLUMNS,
    *_STATE_COLUMNS,
)
_INSERT = invoices.insert().values(
    {name: bindparam(name, type_=invoices.c[name].type) for name in _INSERTED}
)
INSERT_WITH_EVENT = _INSERT.add_cte(event_log.INSERT_CTE)
"""PostgreSQL: a new invoice and its event in one statement (`insert_params` of both)."""


def insert_params(invoice: Invoice) -> dict[str, Any]:
    """The bound parameters of a new invoice's INSERT."""
    return {
        "id": invoice.id,
        "account_id": invoice.account_id,
        "exclude_from_autopay": invoice.exclude_from_autopay,
        "created_at": invoice.created_at,
        "last_notification_at": invoice.last_notification_at,
        **_document_values(invoice),
        **_state_values(invoice),
        "archived_at": invoice.updated_at if invoice.state.archived else None,
    }


async def insert(conn: AsyncConnection, invoice: Invoice, *, event: Event | None = None) -> None:
    """Store a new invoice, and `event` with it (one prebuilt statement on PostgreSQL)."""
    values = insert_params(invoice)
    if event is None:
        await conn.execute(_INSERT, values)
    elif conn.dialect.name == "postgresql":
        await conn.execute(INSERT_WITH_EVENT, {**values, **event_log.insert_params(event)})
    else:
        await conn.execute(_INSERT, values)
        await event_log.insert(conn, event)


# Built once: reading one invoice is on the hottest path. `OF invoices`: the customer's
# row is read, not locked (and PostgreSQL locks no row of an outer join's nullable side).
_GET = with_customer().where(
    _t.account_id == bindparam("account_id"), _t.id == bindparam("invoice_id")
)
_GET_FOR_UPDATE = _GET.with_for_update(of=invoices)


async def find(
    db: Database, *, account_id: UUID, invoice_id: UUID, now: datetime
) -> StoredInvoice | None:
    """The account's invoice with this id, read outside any transaction (prepared on PG)."""
    row = await db.first_row(_GET, {"account_id": account_id, "invoice_id": invoice_id})
    return to_stored(row, now) if row else None


async def get(
    conn: AsyncConnection,
    *,
    account_id: UUID,
    invoice_id: UUID,
    now: datetime,
    for_update: bool = False,
) -> StoredInvoice | None:
    """The account's invoice with this id; `for_update` locks its row until commit."""
    query = (_GET_FOR_UPDATE if for_update else _GET).params(
        account_id=account_id, invoice_id=invoice_id
    )
    row = (await conn.execute(query)).mappings().first()
    return to_stored(row, now) if row else None


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
    conn: AsyncConnection, token: str, *, now: datetime, for_update: bool = False
) -> StoredInvoice | None:
    """The invoice a hosted-page token belongs to, in any account: the token is the authority."""
    query = with_customer().where(_t.payment_token == token)
    if for_update:
        query = query.with_for_update(of=invoices)
    row = (await conn.execute(query)).mappings().first()
    return to_stored(row, now) if row else None


async def save_notified(conn: AsyncConnection, invoice: Invoice) -> None:
    """Persist when its customer was last sent a message about the invoice."""
    await conn.execute(
        update(invoices)
        .where(_t.account_id == invoice.account_id, _t.id == invoice.id)
        .values(
            version=_t.version + 1,
            last_notification_at=invoice.last_notification_at,
            updated_at=invoice.updated_at,
        )
    )


async def save_payment_state(conn: AsyncConnection, invoice: Invoice) -> None:
    """Persist an invoice's status facts after a payment event, with `amount_due`, `paid_at`."""
    values = {**_state_values(invoice), "amount_due": invoice.amount_due}
    await conn.execute(
        update(invoices)
        .where(_t.account_id == invoice.account_id, _t.id == invoice.id)
        .values(version=_t.version + 1, paid_at=invoice.paid_at, **values)
    )


async def save_custom_properties(conn: AsyncConnection, invoice: Invoice) -> None:
    """Persist an invoice's custom properties (a new `version`: stored documents go stale)."""
    await conn.execute(
        update(invoices)
        .where(_t.account_id == invoice.account_id, _t.id == invoice.id)
        .values(
            version=_t.version + 1,
            custom_properties=dict(invoice.custom_properties),
            updated_at=invoice.updated_at,
        )
    )
