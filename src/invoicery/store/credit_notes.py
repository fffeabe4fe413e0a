"""Credit notes repository; every statement is scoped to one account.

`take_number` reserves the account's next credit note number on its counter row, which
stays locked until commit: concurrent finalizations of one account are serialized and
a rollback gives the number back, so the series has no gaps (as `store.numbering`).
A finalized note's e-invoice XML (`insert_einvoice`, `find_einvoice`) is its own row,
written with the finalization and never changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from invoicery.domain.credit_notes import CreditLine, CreditNote, CreditNoteStatus, CreditTo
from invoicery.domain.einvoicing import EInvoicing, EInvoicingStatus
from invoicery.store import codecs
from invoicery.store.snapshots import restore, snapshot
from invoicery.store.tables import accounts, credit_note_einvoices, credit_notes

__all__ = [
    "ListOrder",
    "OrderColumn",
    "credited_total",
    "find_einvoice",
    "get",
    "insert",
    "insert_einvoice",
    "list_page",
    "save",
    "save_custom_properties",
    "take_number",
]

_t = credit_notes.c
_a = accounts.c
_x = credit_note_einvoices.c


class OrderColumn(StrEnum):
    """What the list of credit notes can be sorted by."""

    CREATED_AT = "created_at"
    CREDIT_NOTE_NUMBER = "credit_note_number"  # a draft's, "" (it has none yet)
    TOTAL = "total"
    STATUS = "status"  # draft, finalized, voided


@dataclass(frozen=True, slots=True)
class ListOrder:
    """The list's order: by `column`, then by id, both descending or ascending."""

    column: OrderColumn
    descending: bool


_ORDER_KEYS: dict[OrderColumn, ColumnElement[Any]] = {
    OrderColumn.CREATED_AT: _t.created_at,
    OrderColumn.CREDIT_NOTE_NUMBER: func.coalesce(_t.credit_note_number, ""),
    OrderColumn.TOTAL: _t.total,
    # "Draft" < "Finalized" < "Voided": the stored names sort in the order of a note's life
    OrderColumn.STATUS: _t.status,
}


def _einvoicing(row: RowMapping) -> EInvoicing | None:
    status = row["einvoicing_status"]
    if status is None:
        return None
    return EInvoicing(EInvoicingStatus(status), tuple(row["einvoicing_errors"] or ()))


def _to_note(row: RowMapping) -> CreditNote:
    return CreditNote(
        id=row["id"],
        account_id=row["account_id"],
        invoice_id=row["invoice_id"],
        customer_id=row["customer_id"],
        invoice_number=row["invoice_number"],
        currency=row["currency"],
        status=CreditNoteStatus(row["status"]),
        credit_to=CreditTo(row["credit_to"]),
        reason=row["reason"],
        memo=row["memo"],
        lines=tuple(restore(CreditLine, line) for line in row["line_items"]),
        tax_breakdown=codecs.breakdown_from_json(row["tax_breakdown"]),
        subtotal=row["subtotal"],
        tax_amount=row["tax_amount"],
        total=row["total"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        credit_note_number=row["credit_note_number"],
        refunded_amount=row["refunded_amount"],
        finalized_at=row["finalized_at"],
        voided_at=row["voided_at"],
        custom_properties=row["custom_properties"],
        einvoicing=_einvoicing(row),
    )


def _changed(note: CreditNote) -> dict[str, Any]:
    einvoicing = note.einvoicing
    return {
        "status": note.status.value,
        "credit_note_number": note.credit_note_number,
        "refunded_amount": note.refunded_amount,
        "updated_at": note.updated_at,
        "finalized_at": note.finalized_at,
        "voided_at": note.voided_at,
        "einvoicing_status": einvoicing.status.value if einvoicing else None,
        "einvoicing_errors": list(einvoicing.errors) if einvoicing else None,
    }


async def insert(conn: AsyncConnection, note: CreditNote) -> None:
    """Store a new (draft) credit note."""
    await conn.execute(
        credit_notes.insert().values(
            id=note.id,
            account_id=note.account_id,
            invoice_id=note.invoice_id,
            customer_id=note.customer_id,
            invoice_number=note.invoice_number,
            currency=note.currency,
            credit_to=note.credit_to.value,
            reason=note.reason,
            memo=note.memo,
            line_items=[snapshot(line) for line in note.lines],
            tax_breakdown=codecs.breakdown_to_json(note.tax_breakdown),
            subtotal=note.subtotal,
            tax_amount=note.tax_amount,
            total=note.total,
            created_at=note.created_at,
            custom_properties=dict(note.custom_properties),
            **_changed(note),
        )
    )


async def save(conn: AsyncConnection, note: CreditNote) -> None:
    """Persist a transition (finalization, void): status, number, refund, e-invoice status
    and timestamps."""
    await conn.execute(
        update(credit_notes)
        .where(_t.account_id == note.account_id, _t.id == note.id)
        .values(**_changed(note))
    )


async def save_custom_properties(conn: AsyncConnection, note: CreditNote) -> None:
    """Persist a credit note's custom properties."""
    await conn.execute(
        update(credit_notes)
        .where(_t.account_id == note.account_id, _t.id == note.id)
        .values(custom_properties=dict(note.custom_properties), updated_at=note.updated_at)
    )


async def insert_einvoice(
    conn: AsyncConnection, note: CreditNote, *, profile: str, xml: bytes, now: datetime
) -> None:
    """Store a finalized credit note's e-invoice XML in `profile`'s syntax."""
    await conn.execute(
        credit_note_einvoices.insert().values(
            account_id=note.account_id,
            credit_note_id=note.id,
            profile=profile,
            xml=xml,
            created_at=now,
        )
    )


async def find_einvoice(
    conn: AsyncConnection, *, account_id: UUID, credit_note_id: UUID
) -> tuple[str, bytes] | None:
    """The account's credit note's e-invoice profile and XML, if it has one."""
    query = select(_x.profile, _x.xml).where(
        _x.account_id == account_id, _x.credit_note_id == credit_note_id
    )
    row = (await conn.execute(query)).first()
    return (str(row.profile), bytes(row.xml)) if row else None


async def get(
    conn: AsyncConnection, *, account_id: UUID, credit_note_id: UUID, for_update: bool = False
) -> CreditNote | None:
    """The account's credit note with this id; `for_update` locks its row until commit."""
    query = select(credit_notes).where(_t.account_id == account_id, _t.id == credit_note_id)
    if for_update:
        query = query.with_for_update()
    row = (await conn.execute(query)).mappings().first()
    return _to_note(row) if row else None


async def credited_total(
    conn: AsyncConnection, *, account_id: UUID, invoice_id: UUID, excluding: UUID | None = None
) -> int:
    """The sum of the totals of the invoice's credit notes that are not void."""
    conditions = [
        _t.account_id == account_id,
        _t.invoice_id == invoice_id,
        _t.status != CreditNoteStatus.VOIDED.value,
    ]
    if excluding is not None:
        conditions.append(_t.id != excluding)
    query = select(func.coalesce(func.sum(_t.total), 0)).where(*conditions)
    return int((await conn.execute(query)).scalar_one())


async def list_page(
    conn: AsyncConnection,
    *,
    account_id: UUID,
    customer_id: UUID | None,
    invoice_id: UUID | None,
    status: CreditNoteStatus | None,
    search: str | None,
    order: ListOrder,
    page: int,
    per_page: int,
) -> tuple[Sequence[CreditNote], int]:
    """Page `page` (0-indexed) of the account's credit notes in `order`, and their count;
    `search` keeps those whose number contains it, ignoring case."""
    conditions: list[ColumnElement[bool]] = [_t.account_id == account_id]
    if search:
        number = func.lower(_t.credit_note_number)
        conditions.append(number.contains(search.lower(), autoescape=True))
    if customer_id is not None:
        conditions.append(_t.customer_id == customer_id)
    if invoice_id is not None:
        conditions.append(_t.invoice_id == invoice_id)
    if status is not None:
        conditions.append(_t.status == status.value)
    count = (await conn.execute(select(func.count()).where(*conditions))).scalar_one()
    key = _ORDER_KEYS[order.column]
    keys = (key.desc(), _t.id.desc()) if order.descending else (key.asc(), _t.id.asc())
    query = (
        select(credit_notes)
        .where(*conditions)
        .order_by(*keys)
        .limit(per_page)
        .offset(page * per_page)
    )
    rows = (await conn.execute(query)).mappings()
    return [_to_note(row) for row in rows], int(count)


async def take_number(conn: AsyncConnection, *, account_id: UUID) -> int:
    """Reserve the account's next credit note sequence number (its row locked until commit)."""
    statement = (
        update(accounts)
        .where(_a.id == account_id)
        .values(last_credit_note_seq=_a.last_credit_note_seq + 1)
        .returning(_a.last_credit_note_seq)
    )
    return int((await conn.execute(statement)).scalar_one())
