"""How much work waits in the worker's queues, over all accounts (for metrics).

Each count and minimum reads one partial index (the queue's "due" index), so it stays
cheap however large the tables grow. Nothing per account is returned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, TextClause, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from invoicery.store.tables import notifications, transactions, webhook_deliveries

__all__ = ["QueueDepth", "depths"]


@dataclass(frozen=True)
class QueueDepth:
    """One queue: items not yet done, and when the longest-waiting due item came due."""

    queue: str
    pending: int
    oldest_due_at: datetime | None


# Literal predicates, the same as the partial indexes' (see store.tables), so PostgreSQL
# uses those indexes whatever plan it caches.
_DUE_LEASED = text("status IN ('pending', 'sending')")
_QUEUES: tuple[tuple[str, Table, TextClause, str], ...] = (
    ("webhook_deliveries", webhook_deliveries, _DUE_LEASED, "next_attempt_at"),
    ("notifications", notifications, _DUE_LEASED, "next_attempt_at"),
    ("ach_settlements", transactions, text("status = 'Pending'"), "settles_at"),
)


async def depths(conn: AsyncConnection, *, now: datetime) -> list[QueueDepth]:
    """Each queue's pending items and its oldest item due at `now`."""
    found = []
    for name, table, pending, due_column in _QUEUES:
        due = table.c[due_column]
        query = select(
            func.count(),
            func.min(due).filter(due <= now),
        ).where(pending)
        count, oldest = (await conn.execute(query)).one()
        found.append(QueueDepth(name, int(count), oldest))
    return found
