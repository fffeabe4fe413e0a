"""Transactions repository: payment attempts against invoices.

Reads by invoice are scoped to one account. `claim_due` is the settlement worker's
queue: it locks one due pending debit with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL,
so workers on many hosts each take a different row. SQLite ignores the clause; there
the worker's ``BEGIN IMMEDIATE`` write transaction holds the database's single write
lock, so two workers can never claim the same row either.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import func, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from invoicery.payments.transaction import (
    PaymentMethodType,
    PaymentType,
    Transaction,
    TransactionStatus,
)
from invoicery.store.tables import transactions

__all__ = [
    "claim_due",
    "count_declines_since",
    "insert",
    "latest_for_invoice",
    "list_for_invoice",
    "save",
]

_t = transactions.c
_FIELDS = [f.name for f in fields(Transaction)]


def _to_transaction(row: RowMapping) -> Transaction:
    values: dict[str, Any] = {name: row[name] for name in _FIELDS}
    values["status"] = TransactionStatus(values["status"])
    values["payment_type"] = PaymentType(values["payment_type"])
    values["payment_method_type"] = PaymentMethodType(values["payment_method_type"])
    return Transaction(**values)


def _values(transaction: Transaction) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(transaction, name) for name in _FIELDS}
    for name in ("status", "payment_type", "payment_method_type"):
        values[name] = values[name].value
    return values


async def insert(conn: AsyncConnection, transaction: Transaction) -> None:
    """Record a new payment attempt."""
    await conn.execute(transactions.insert().values(**_values(transaction)))


async def save(conn: AsyncConnection, transaction: Transaction) -> None:
    """Persist a transaction's outcome (status, error, timestamps)."""
    await conn.execute(
        update(transactions)
        .where(_t.account_id == transaction.account_id, _t.id == transaction.id)
        .values(
            status=transaction.status.value,
            error=transaction.error,
            settles_at=transaction.settles_at,
            processed_at=transaction.processed_at,
            updated_at=transaction.updated_at,
        )
    )


async def list_for_invoice(
    conn: AsyncConnection, *, account_id: UUID, invoice_id: UUID
) -> list[Transaction]:
    """The invoice's transactions, oldest first."""
    query = (
        select(transactions)
        .where(_t.account_id == account_id, _t.invoice_id == invoice_id)
        .order_by(_t.id)
    )
    return [_to_transaction(row) for row in (await conn.execute(query)).mappings()]


async def latest_for_invoice(
    conn: AsyncConnection, *, account_id: UUID, invoice_id: UUID
) -> Transaction | None:
    """The invoice's most recent transaction, if any."""
    query = (
        select(transactions)
        .where(_t.account_id == account_id, _t.invoice_id == invoice_id)
        .order_by(_t.id.desc())
        .limit(1)
    )
    row = (await conn.execute(query)).mappings().first()
    return _to_transaction(row) if row else None


async def claim_due(conn: AsyncConnection, *, now: datetime) -> Transaction | None:
    """Lock one pending transaction due for a settlement check, skipping rows others hold."""
    query = (
        select(transactions)
        .where(_t.status == TransactionStatus.PENDING.value, _t.settles_at <= now)
        .order_by(_t.settles_at)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    row = (await conn.execute(query)).mappings().first()
    return _to_transaction(row) if row else None


async def count_declines_since(
    conn: AsyncConnection, *, account_id: UUID, invoice_id: UUID, since: datetime
) -> int:
    """How many of the invoice's attempts the processor refused since `since`.

    A decline is a failed transaction the processor answered (`processed_at` set); our
    own failures to reach the processor are not the payer's and do not count.
    """
    query = select(func.count()).where(
        _t.account_id == account_id,
        _t.invoice_id == invoice_id,
        _t.status == TransactionStatus.FAILED.value,
        _t.processed_at.is_not(None),
        _t.created_at >= since,
    )
    return int((await conn.execute(query)).scalar_one())
