"""In-process queueing of work that contends on one database row.

Creating or finalizing an invoice takes the account's numbering row lock until
commit. Letting every concurrent request of one account wait on that row ties up a
pooled connection and a PostgreSQL backend each; queueing them here first keeps one
transaction per account and process in the database at a time. Correctness across
processes and hosts still comes from the row lock alone.

A request inside a shared transaction (one with an idempotency key) holds its
connection from the start, so it waits in a queue of its own: queued behind a request
still waiting for a pooled connection, it could starve the pool, while everyone in a
queue of keyed requests already holds a connection, so its head can always go on.
Two queues per account and process still keep the row's waiters to a few: when
dozens of transactions wait on one row, every commit wakes them all (PostgreSQL
waits on the holder's transaction), and PostgreSQL's CPU per create grows with them.
"""

from __future__ import annotations

import asyncio
from contextlib import AbstractAsyncContextManager
from uuid import UUID
from weakref import WeakValueDictionary

from invoicery.store.database import Database

__all__ = ["numbering_queue"]

_locks: WeakValueDictionary[tuple[UUID, bool], asyncio.Lock] = WeakValueDictionary()


def numbering_queue(db: Database, account_id: UUID) -> AbstractAsyncContextManager[object]:
    """Where this process's numbering transactions of one account wait their turn."""
    key = (account_id, db.in_shared_write())
    lock = _locks.get(key)
    if lock is None:
        lock = asyncio.Lock()
        _locks[key] = lock
    return lock
