"""Accounts repository: merchant settings and the per-account invoice counter."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from invoicery.domain.account import Account
from invoicery.store.rows import ColumnValues
from invoicery.store.tables import accounts

__all__ = [
    "GET",
    "get",
    "get_by_name",
    "ids",
    "insert",
    "take_invoice_sequence",
    "to_account",
    "update_settings",
]

_COUNTERS = ("last_invoice_seq", "last_credit_note_seq")
_FIELDS = [column for column in accounts.c if column.name not in _COUNTERS]


def to_account(row: ColumnValues) -> Account:
    """Map an accounts row (of `GET`'s columns) to the domain record."""
    return Account(**{column.name: row[column.name] for column in _FIELDS})


GET = select(*_FIELDS).where(accounts.c.id == bindparam("account_id"))
"""One account by `account_id` (prebuilt, for the finalization of e-invoicing accounts)."""


async def get_by_name(conn: AsyncConnection, name: str) -> Account | None:
    """The account called `name`, if any."""
    row = (await conn.execute(select(*_FIELDS).where(accounts.c.name == name))).mappings().first()
    return to_account(row) if row else None


async def get(conn: AsyncConnection, account_id: UUID) -> Account | None:
    """The account with id `account_id`, if any."""
    query = select(*_FIELDS).where(accounts.c.id == account_id)
    row = (await conn.execute(query)).mappings().first()
    return to_account(row) if row else None


async def ids(conn: AsyncConnection) -> list[UUID]:
    """Every account's id."""
    return list((await conn.execute(select(accounts.c.id).order_by(accounts.c.id))).scalars())


async def insert(conn: AsyncConnection, *, account_id: UUID, name: str, now: datetime) -> None:
    """Create an account with default settings."""
    await conn.execute(accounts.insert().values(id=account_id, name=name, created_at=now))


async def update_settings(
    conn: AsyncConnection, *, account_id: UUID, settings: Mapping[str, Any]
) -> None:
    """Overwrite the given settings columns of an account."""
    if settings:
        await conn.execute(update(accounts).where(accounts.c.id == account_id).values(**settings))


# Built once: every invoice creation takes a number.
_TAKE_SEQUENCE = (
    update(accounts)
    .where(accounts.c.id == bindparam("account_id"))
    .values(last_invoice_seq=accounts.c.last_invoice_seq + 1)
    .returning(accounts.c.last_invoice_seq, accounts.c.invoice_prefix)
)


async def take_invoice_sequence(conn: AsyncConnection, *, account_id: UUID) -> tuple[int, str]:
    """Reserve the account's next invoice sequence number; returns it with the prefix.

    The row lock taken by the UPDATE serializes concurrent creations in one account
    until their transactions end, and a rollback gives the number back: no gaps.
    """
    row = (await conn.execute(_TAKE_SEQUENCE, {"account_id": account_id})).one()
    return int(row.last_invoice_seq), str(row.invoice_prefix)
