"""Where each worker task stands in the event log: a named high-water mark."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from invoicery.store.tables import worker_marks

__all__ = ["lock", "move"]

_m = worker_marks.c


async def lock(conn: AsyncConnection, name: str, *, initial: UUID) -> UUID:
    """The mark called `name`, locked for this transaction; created at `initial` if new."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    await conn.execute(
        dialect.insert(worker_marks)
        .values(name=name, mark=initial)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    query = select(_m.mark).where(_m.name == name).with_for_update()
    mark: UUID = (await conn.execute(query)).scalar_one()
    return mark


async def move(conn: AsyncConnection, name: str, mark: UUID) -> None:
    """Set the mark called `name` (locked by `lock` in this transaction)."""
    await conn.execute(update(worker_marks).where(_m.name == name).values(mark=mark))
