"""Whether this server can serve: its database, schema and workers, checked on demand.

Each check gives a `Check`: its name, whether it passed, and a short detail an operator
can act on ("database unreachable", "database at revision 0007, the code at 0008").
Other parts of the server add checks of their own (`ExtraCheck`, e.g. the rate-limit
backend) without this module knowing them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from invoicery.service.heartbeat import STALE_AFTER
from invoicery.store import heartbeats, queues
from invoicery.store.database import Database
from invoicery.store.migrate import current_revision

__all__ = ["Check", "ExtraCheck", "QueueState", "check", "queue_states"]

logger = logging.getLogger("invoicery.api")

TIMEOUT_SECONDS = 5.0
"""A database that has not answered the checks within this long counts as unreachable."""


@dataclass(frozen=True)
class Check:
    """One readiness check's outcome."""

    name: str
    ok: bool
    detail: str


ExtraCheck = Callable[[], Awaitable[Check]]
"""A check some other part of the server contributes (it must not raise)."""


@dataclass(frozen=True)
class QueueState:
    """A worker queue over all accounts: pending items, seconds the oldest due one waited."""

    queue: str
    pending: int
    oldest_due_seconds: float


async def check(
    db: Database,
    *,
    now: datetime,
    head: str | None,
    stale_after: timedelta = STALE_AFTER,
    extra: Sequence[ExtraCheck] = (),
) -> list[Check]:
    """The database, migration and worker checks, then each of `extra`."""
    try:
        async with asyncio.timeout(TIMEOUT_SECONDS):
            found = await _database_checks(db, now=now, head=head, stale_after=stale_after)
    except Exception as error:
        logger.warning("readiness: database unreachable: %s", type(error).__name__)
        found = [Check("database", False, "database unreachable")]
    for contribute in extra:
        found.append(await contribute())
    return found


async def _database_checks(
    db: Database, *, now: datetime, head: str | None, stale_after: timedelta
) -> list[Check]:
    async with db.read() as conn:
        revision = await current_revision(conn)
        found = [Check("database", True, "reachable")]
        if revision != head:
            detail = f"database at revision {revision or 'none'}, the code at {head}"
            return [*found, Check("migrations", False, detail)]
        found.append(Check("migrations", True, f"at revision {head}"))
        latest = await heartbeats.latest(conn)
    if latest is None:
        return [*found, Check("worker", False, "no worker heartbeat")]
    age = (now - latest).total_seconds()
    if age > stale_after.total_seconds():
        return [*found, Check("worker", False, f"worker heartbeat stale ({age:.0f} s old)")]
    return [*found, Check("worker", True, f"heartbeat {max(age, 0):.0f} s old")]


async def queue_states(db: Database, *, now: datetime) -> tuple[list[QueueState], float | None]:
    """Each worker queue's state, and seconds since any worker's latest heartbeat."""
    async with asyncio.timeout(TIMEOUT_SECONDS), db.read() as conn:
        depths = await queues.depths(conn, now=now)
        latest = await heartbeats.latest(conn)
    states = [
        QueueState(
            depth.queue,
            depth.pending,
            max((now - depth.oldest_due_at).total_seconds(), 0.0) if depth.oldest_due_at else 0.0,
        )
        for depth in depths
    ]
    return states, (now - latest).total_seconds() if latest is not None else None
