"""In-process queueing of work that contends on one database row.

Creating or finalizing an invoice takes the account's numbering row lock until
commit. Letting every concurrent request of one account wait on that row ties up a
pooled connection and a PostgreSQL backend each; queueing them here first keeps one
transaction per account and process in the database at a time. Correctness across
processes and hosts still comes from the row lock alone.

A request inside a shared transaction (one with an idempotency key) holds its
connection from the start, so it skips the queue and waits on the row lock: queued
here behind a request still waiting for a pooled connection, it could starve the pool.
"""

from __future__ import annotations

import asyncio
from contextlib import AbstractAsyncContextManager, nullcontext
from uuid import UUID
from weakref import WeakValueDictionary

from invoicery.store.database import Database

__all__ = ["numbering_queue"]

_locks: WeakValueDictionary[UUID, asyncio.Lock] = WeakValueDictionary()


def numbering_queue(db: Database, account_id: UUID) -> AbstractAsyncContextManager[object]:
    """Where this process's numbering transactions of one account wait their turn."""
    if db.in_shared_write():
        return nullcontext()
    lock = _locks.get(account_id)
    if lock is None:
        lock = asyncio.Lock()
        _locks[account_id] = lock
    return lock
