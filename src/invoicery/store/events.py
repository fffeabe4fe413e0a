"""The event log: appended in the transaction of each change, read newest first per account."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import CTE, bindparam, delete, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from invoicery.domain.events import Event, EventType
from invoicery.store.rows import ColumnValues
from invoicery.store.tables import events

__all__ = [
    "INSERT_CTE",
    "delete_created_before",
    "insert",
    "insert_params",
    "list_after",
    "list_recent",
    "oldest_open_transaction",
]

_t = events.c

# Every other session's open transaction in this database, as far as this role may see:
# the servers of one deployment connect as one role (or one with pg_read_all_stats).
_OLDEST_OPEN = text(
    "SELECT min(xact_start) FROM pg_stat_activity"
    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
    " AND xact_start IS NOT NULL"
)


def _to_event(row: ColumnValues) -> Event:
    return Event(
        id=row["id"],
        account_id=row["account_id"],
        type=EventType(row["type"]),
        subject_id=row["subject_id"],
        snapshot=row["snapshot"],
        created_at=row["created_at"],
    )


_PARAM_PREFIX = "event_"
_INSERT = events.insert().values(
    {column.name: bindparam(_PARAM_PREFIX + column.name, type_=column.type) for column in events.c}
)
INSERT_CTE: CTE = _INSERT.cte("recorded_event")
"""The INSERT of `insert` as a CTE, to ride in another write statement (PostgreSQL only)."""


def insert_params(event: Event) -> dict[str, Any]:
    """The bound parameters of `INSERT_CTE` (and of `insert`) for `event`."""
    return {
        "event_id": event.id,
        "event_account_id": event.account_id,
        "event_type": event.type.value,
        "event_subject_id": event.subject_id,
        "event_snapshot": dict(event.snapshot),
        "event_created_at": event.created_at,
    }


async def insert(conn: AsyncConnection, event: Event) -> None:
    """Append `event` (on the connection of the transaction that made the change)."""
    await conn.execute(_INSERT, insert_params(event))


async def list_recent(
    conn: AsyncConnection,
    *,
    account_id: UUID,
    types: Sequence[EventType] | None = None,
    subject_id: str | None = None,
    limit: int = 100,
) -> list[Event]:
    """The account's newest events, newest first, optionally of `types` or one subject."""
    query = select(events).where(_t.account_id == account_id)
    if types is not None:
        query = query.where(_t.type.in_([kind.value for kind in types]))
    if subject_id is not None:
        query = query.where(_t.subject_id == subject_id)
    rows = await conn.execute(query.order_by(_t.id.desc()).limit(limit))
    return [_to_event(row) for row in rows.mappings()]


async def delete_created_before(conn: AsyncConnection, *, before: datetime) -> int:
    """Delete every account's events older than `before`; how many were deleted."""
    result = await conn.execute(delete(events).where(_t.created_at < before))
    return result.rowcount or 0


async def oldest_open_transaction(conn: AsyncConnection) -> datetime | None:
    """When the oldest transaction still open in other sessions began; None if there is none.

    An event still invisible to readers belongs to such a transaction, so its id cannot
    be older than this. On SQLite the caller's write transaction excludes every other
    writer, so there is none.
    """
    if conn.dialect.name != "postgresql":
        return None
    oldest: datetime | None = (await conn.execute(_OLDEST_OPEN)).scalar_one()
    return oldest


async def list_after(
    conn: AsyncConnection, *, after: UUID, types: Sequence[EventType], limit: int
) -> list[Event]:
    """Every account's events of `types` after id `after`, oldest first."""
    query = (
        select(events)
        .where(_t.id > after, _t.type.in_([kind.value for kind in types]))
        .order_by(_t.id)
        .limit(limit)
    )
    return [_to_event(row) for row in (await conn.execute(query)).mappings()]
