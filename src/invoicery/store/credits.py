"""Customer credit ledger; every statement is scoped to one account.

The balance in a currency is the newest entry's `balance_after` (one index probe).
Callers that change it lock the customer row first, so entries of one customer are
written one at a time and each `balance_after` follows from the previous one.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from invoicery.domain.credits import CreditEntry, CreditKind
from invoicery.store.tables import credit_entries

__all__ = ["BALANCE", "INSERT", "balance", "insert", "insert_params", "list_entries"]

_t = credit_entries.c


def _to_entry(row: RowMapping) -> CreditEntry:
    return CreditEntry(
        id=row["id"],
        account_id=row["account_id"],
        customer_id=row["customer_id"],
        currency=row["currency"],
        kind=CreditKind(row["kind"]),
        amount=row["amount"],
        balance_after=row["balance_after"],
        invoice_id=row["invoice_id"],
        description=row["description"],
        created_at=row["created_at"],
    )


INSERT = credit_entries.insert().values(
    {column.name: bindparam(column.name, type_=column.type) for column in credit_entries.c}
)
"""Append one entry (parameters from `insert_params`)."""


def insert_params(entry: CreditEntry) -> dict[str, Any]:
    """The bound parameters of `INSERT` for `entry`."""
    return {
        "id": entry.id,
        "account_id": entry.account_id,
        "customer_id": entry.customer_id,
        "currency": entry.currency,
        "kind": entry.kind.value,
        "amount": entry.amount,
        "balance_after": entry.balance_after,
        "invoice_id": entry.invoice_id,
        "description": entry.description,
        "created_at": entry.created_at,
    }


async def insert(conn: AsyncConnection, entry: CreditEntry) -> None:
    """Append an entry to the ledger."""
    await conn.execute(INSERT, insert_params(entry))


# Built once: every invoice finalization reads the balance (see `store.numbering`).
BALANCE = (
    select(_t.balance_after)
    .where(
        _t.account_id == bindparam("account_id"),
        _t.customer_id == bindparam("customer_id"),
        _t.currency == bindparam("currency"),
    )
    .order_by(_t.id.desc())
    .limit(1)
)
"""The newest balance of (account_id, customer_id, currency): no row means 0."""


async def balance(
    conn: AsyncConnection, *, account_id: UUID, customer_id: UUID, currency: str
) -> int:
    """The customer's credit balance in `currency` (0 when there are no entries)."""
    params = {"account_id": account_id, "customer_id": customer_id, "currency": currency}
    value = (await conn.execute(BALANCE, params)).scalar_one_or_none()
    return int(value or 0)


async def list_entries(
    conn: AsyncConnection, *, account_id: UUID, customer_id: UUID
) -> list[CreditEntry]:
    """Every ledger entry of the customer, oldest first."""
    query = (
        select(credit_entries)
        .where(_t.account_id == account_id, _t.customer_id == customer_id)
        .order_by(_t.id)
    )
    return [_to_entry(row) for row in (await conn.execute(query)).mappings()]
