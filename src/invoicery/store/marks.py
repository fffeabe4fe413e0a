"""Where each worker task stands in the event log: a named high-water mark."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from invoicery.store.tables import worker_marks

__all__ = ["created_at", "lock", "move"]

_m = worker_marks.c


async def lock(conn: AsyncConnection, name: str, *, initial: UUID, now: datetime) -> UUID:
    """The mark called `name`, locked for this transaction; created at `initial` if new."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    await conn.execute(
        dialect.insert(worker_marks)
        .values(name=name, mark=initial, created_at=now)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    query = select(_m.mark).where(_m.name == name).with_for_update()
    mark: UUID = (await conn.execute(query)).scalar_one()
    return mark


async def move(conn: AsyncConnection, name: str, mark: UUID) -> None:
    """Set the mark called `name` (locked by `lock` in this transaction)."""
    await conn.execute(update(worker_marks).where(_m.name == name).values(mark=mark))


async def created_at(conn: AsyncConnection, name: str) -> datetime | None:
    """When the mark called `name` was first set (its task first ran), if it was."""
    query = select(_m.created_at).where(_m.name == name)
    first: datetime | None = (await conn.execute(query)).scalar_one_or_none()
    return first
