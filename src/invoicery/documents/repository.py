"""The shared table of rendered PDFs (`document_cache`).

Every lookup and write is account-scoped; only the maintenance purge spans accounts.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from invoicery.store.tables import document_cache

__all__ = ["delete_created_before", "get", "put"]

_t = document_cache.c


async def get(
    conn: AsyncConnection, *, account_id: UUID, invoice_id: UUID, etag: str
) -> bytes | None:
    """The stored PDF of this version of the account's invoice, if any."""
    query = select(_t.content).where(
        _t.account_id == account_id, _t.invoice_id == invoice_id, _t.etag == etag
    )
    content: bytes | None = (await conn.execute(query)).scalar_one_or_none()
    return content


async def put(
    conn: AsyncConnection,
    *,
    account_id: UUID,
    invoice_id: UUID,
    etag: str,
    content: bytes,
    now: datetime,
) -> None:
    """Store this version's PDF (a concurrent writer's copy wins) and drop older versions."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    await conn.execute(
        dialect.insert(document_cache)
        .values(
            account_id=account_id,
            invoice_id=invoice_id,
            etag=etag,
            content=content,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["account_id", "invoice_id", "etag"])
    )
    await conn.execute(
        delete(document_cache).where(
            _t.account_id == account_id, _t.invoice_id == invoice_id, _t.etag != etag
        )
    )


async def delete_created_before(conn: AsyncConnection, *, before: datetime) -> int:
    """Delete every stored PDF rendered before `before`; how many were deleted."""
    result = await conn.execute(delete(document_cache).where(_t.created_at < before))
    return int(result.rowcount)
