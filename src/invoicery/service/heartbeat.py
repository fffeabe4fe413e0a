"""The worker's heartbeat: a row renewed every few seconds while the worker runs.

`GET /ready` reads the newest beat of any worker (`invoicery.service.readiness`): a
server whose queues nobody works is not ready, even when it answers requests.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from uuid import UUID

from invoicery.domain import ids
from invoicery.store import heartbeats
from invoicery.store.database import Database

__all__ = ["BEAT_SECONDS", "PRUNE_AFTER", "STALE_AFTER", "Heartbeat", "prune"]

logger = logging.getLogger("invoicery.worker")

BEAT_SECONDS = 10.0
"""How often a running worker beats."""
STALE_AFTER = timedelta(seconds=60)
"""A newest beat older than this means no worker is running (six beats missed)."""
PRUNE_AFTER = timedelta(days=1)
"""Heartbeats of workers that died are removed after this long."""


class Heartbeat:
    """One worker's heartbeat, under an id of its own for the life of the process."""

    def __init__(self, db: Database, worker_id: UUID | None = None) -> None:
        self._db = db
        self.worker_id = worker_id or ids.new_uuid7()

    async def run_once(self, *, now: datetime) -> None:
        """Beat at `now`."""
        async with self._db.write() as conn:
            await heartbeats.beat(conn, self.worker_id, now=now)

    async def forget(self) -> None:
        """Remove this worker's heartbeat as it stops; a failure only leaves it to go stale."""
        try:
            async with self._db.write() as conn:
                await heartbeats.forget(conn, self.worker_id)
        except Exception:
            logger.warning("could not remove the worker's heartbeat; it will go stale")


async def prune(db: Database, *, now: datetime) -> None:
    """Remove the heartbeats of workers that died (none beat for `PRUNE_AFTER`)."""
    async with db.write() as conn:
        await heartbeats.prune(conn, now=now, older_than=PRUNE_AFTER)
