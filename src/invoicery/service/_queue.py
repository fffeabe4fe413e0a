"""In-process queueing of work that contends on one database row.

Creating or finalizing an invoice takes the account's numbering row lock until
commit. Letting every concurrent request of one account wait on that row ties up a
pooled connection and a PostgreSQL backend each; queueing them here first keeps one
transaction per account and process in the database at a time. Correctness across
processes and hosts still comes from the row lock alone.
"""

from __future__ import annotations

import asyncio
from uuid import UUID
from weakref import WeakValueDictionary

__all__ = ["numbering_lock"]

_locks: WeakValueDictionary[UUID, asyncio.Lock] = WeakValueDictionary()


def numbering_lock(account_id: UUID) -> asyncio.Lock:
    """The lock queueing this process's numbering transactions of one account."""
    lock = _locks.get(account_id)
    if lock is None:
        lock = asyncio.Lock()
        _locks[account_id] = lock
    return lock
