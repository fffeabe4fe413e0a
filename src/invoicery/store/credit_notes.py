"""Credit notes repository; every statement is scoped to one account.

`take_number` reserves the account's next credit note number on its counter row, which
stays locked until commit: concurrent finalizations of one account are serialized and
a rollback gives the number back, so the series has no gaps (as `store.numbering`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from invoicery.domain.credit_notes import CreditLine, CreditNote, CreditNoteStatus, CreditTo
from invoicery.store import codecs
from invoicery.store.snapshots import restore, snapshot
from invoicery.store.tables import accounts, credit_notes

__all__ = ["credited_total", "get", "insert", "list_page", "save", "take_number"]

_t = credit_notes.c
_a = accounts.c


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
    )


def _changed(note: CreditNote) -> dict[str, Any]:
    return {
        "status": note.status.value,
        "credit_note_number": note.credit_note_number,
        "refunded_amount": note.refunded_amount,
        "updated_at": note.updated_at,
        "finalized_at": note.finalized_at,
        "voided_at": note.voided_at,
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
            **_changed(note),
        )
    )


async def save(conn: AsyncConnection, note: CreditNote) -> None:
    """Persist a transition (finalization, void): status, number, refund and timestamps."""
    await conn.execute(
        update(credit_notes)
        .where(_t.account_id == note.account_id, _t.id == note.id)
        .values(**_changed(note))
    )


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
    page: int,
    per_page: int,
) -> tuple[Sequence[CreditNote], int]:
    """Page `page` (0-indexed) of the account's credit notes, newest first, and their count."""
    conditions: list[ColumnElement[bool]] = [_t.account_id == account_id]
    if customer_id is not None:
        conditions.append(_t.customer_id == customer_id)
    if invoice_id is not None:
        conditions.append(_t.invoice_id == invoice_id)
    if status is not None:
        conditions.append(_t.status == status.value)
    count = (await conn.execute(select(func.count()).where(*conditions))).scalar_one()
    query = (
        select(credit_notes)
        .where(*conditions)
        .order_by(_t.id.desc())
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
