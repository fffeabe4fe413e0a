"""Worker heartbeats: each running worker's last sign of life, one row per worker.

They share the `worker_marks` table with the event-log marks (no table of their own):
a heartbeat row is named ``heartbeat:<worker id>``, its `mark` is the worker's id and its
`created_at` the time of the worker's latest beat. A worker removes its row when it
stops cleanly; rows of workers that died are pruned once long stale.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from invoicery.store.tables import worker_marks

__all__ = ["PREFIX", "beat", "forget", "latest", "prune"]

PREFIX = "heartbeat:"
_m = worker_marks.c
_HEARTBEATS = _m.name.startswith(PREFIX, autoescape=True)


def _name(worker_id: UUID) -> str:
    return f"{PREFIX}{worker_id.hex}"


async def beat(conn: AsyncConnection, worker_id: UUID, *, now: datetime) -> None:
    """Record that the worker `worker_id` is alive at `now`."""
    name = _name(worker_id)
    moved = await conn.execute(update(worker_marks).where(_m.name == name).values(created_at=now))
    if moved.rowcount == 0:
        await conn.execute(worker_marks.insert().values(name=name, mark=worker_id, created_at=now))


async def forget(conn: AsyncConnection, worker_id: UUID) -> None:
    """Remove the heartbeat of a worker that is stopping."""
    await conn.execute(delete(worker_marks).where(_m.name == _name(worker_id)))


async def latest(conn: AsyncConnection) -> datetime | None:
    """The most recent beat of any worker, or None if no worker has beaten."""
    newest: datetime | None = (
        await conn.execute(select(func.max(_m.created_at)).where(_HEARTBEATS))
    ).scalar_one()
    return newest


async def prune(conn: AsyncConnection, *, now: datetime, older_than: timedelta) -> None:
    """Remove heartbeats not renewed for `older_than` (workers that died)."""
    await conn.execute(delete(worker_marks).where(_HEARTBEATS, _m.created_at < now - older_than))
