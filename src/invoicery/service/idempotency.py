"""How long answers to requests with an `Idempotency-Key` are kept, and their pruning."""

from __future__ import annotations

from datetime import datetime, timedelta

from invoicery.store import idempotency
from invoicery.store.database import Database

__all__ = ["KEY_LIFETIME", "prune"]

KEY_LIFETIME = timedelta(hours=24)
"""How long the first answer to a key is replayed; the key is then free again."""


async def prune(db: Database, *, now: datetime) -> int:
    """Delete the stored answers expired at `now`; how many were deleted."""
    async with db.write() as conn:
        return await idempotency.delete_expired(conn, now=now)
