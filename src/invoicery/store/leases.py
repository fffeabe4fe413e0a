"""Work queues in tables: due rows leased to one worker at a time, outcomes by the holder.

A queue table has ``id``, ``account_id``, ``status`` (``pending``, ``sending``, then
its own final states), ``next_attempt_at`` and ``lease``. A claim turns due rows
(pending, or sending whose lease expired) to ``sending`` with a lease token and a
lease expiry in ``next_attempt_at``, in one short transaction: ``FOR UPDATE SKIP
LOCKED`` on PostgreSQL, so concurrent workers take disjoint rows; SQLite's ``BEGIN
IMMEDIATE`` serialises claims. A worker that dies leaves its rows to come due again
when the lease expires; an outcome is saved only by the holder of the current lease.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, RowMapping, Table, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

__all__ = ["DUE", "PENDING", "SENDING", "claim", "lock_leased"]

PENDING = "pending"
SENDING = "sending"
DUE = (PENDING, SENDING)


async def claim(
    conn: AsyncConnection,
    table: Table,
    *,
    now: datetime,
    lease: UUID,
    lease_until: datetime,
    limit: int,
    where: Sequence[ColumnElement[bool]] = (),
    values: Mapping[str, Any] | None = None,
) -> list[RowMapping]:
    """Lease up to `limit` rows of `table` due at `now` (and matching `where`); their rows.

    `values` are set on the leased rows too (e.g. an attempt counted).
    """
    c = table.c
    due = (
        select(c.id)
        .where(c.status.in_(DUE), c.next_attempt_at <= now, *where)
        .order_by(c.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True, of=table)
    )
    leased = list((await conn.execute(due)).scalars())
    if not leased:
        return []
    await conn.execute(
        update(table)
        .where(c.id.in_(leased))
        .values(status=SENDING, lease=lease, next_attempt_at=lease_until, **(values or {}))
    )
    rows = await conn.execute(select(table).where(c.id.in_(leased)).order_by(c.id))
    return list(rows.mappings())


async def lock_leased(
    conn: AsyncConnection, table: Table, *, account_id: UUID, row_id: UUID, lease: UUID
) -> RowMapping | None:
    """The row, locked, if it is still leased under `lease`; None if the lease was lost."""
    c = table.c
    query = (
        select(table)
        .where(c.account_id == account_id, c.id == row_id, c.status == SENDING, c.lease == lease)
        .with_for_update()
    )
    return (await conn.execute(query)).mappings().first()
