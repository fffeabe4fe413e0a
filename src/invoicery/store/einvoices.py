"""E-invoices repository: the XML issued with an invoice, scoped to its account.

Written once, in the transaction that finalizes the invoice, and never changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection

from invoicery.store.database import Database
from invoicery.store.tables import einvoices

__all__ = ["INSERT", "StoredEInvoice", "find", "insert", "insert_params"]

_e = einvoices.c


@dataclass(frozen=True, slots=True)
class StoredEInvoice:
    """One invoice's e-invoice: its profile (syntax) and XML."""

    account_id: UUID
    invoice_id: UUID
    profile: str
    xml: bytes
    created_at: datetime


INSERT = einvoices.insert().values(
    {column.name: bindparam(column.name, type_=column.type) for column in einvoices.c}
)
_FIND = select(_e.profile, _e.xml).where(
    _e.account_id == bindparam("account_id"), _e.invoice_id == bindparam("invoice_id")
)


def insert_params(document: StoredEInvoice) -> dict[str, Any]:
    """The bound parameters of its INSERT."""
    return {
        "account_id": document.account_id,
        "invoice_id": document.invoice_id,
        "profile": document.profile,
        "xml": document.xml,
        "created_at": document.created_at,
    }


async def insert(conn: AsyncConnection, document: StoredEInvoice) -> None:
    """Store an invoice's e-invoice (its invoice row is written first)."""
    await conn.execute(INSERT, insert_params(document))


async def find(db: Database, *, account_id: UUID, invoice_id: UUID) -> tuple[str, bytes] | None:
    """The account's invoice's e-invoice profile and XML, if it has one."""
    row = await db.first_row(_FIND, {"account_id": account_id, "invoice_id": invoice_id})
    return (str(row["profile"]), bytes(row["xml"])) if row else None
