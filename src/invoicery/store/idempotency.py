"""Stored answers to requests with an `Idempotency-Key`, and the claim on a running key.

A key is claimed for as long as its first request runs: on PostgreSQL with a
transaction-level advisory lock (``pg_try_advisory_xact_lock``), so every server on the
database sees it and it ends with the transaction that stores the answer; on SQLite,
which serves one process, in a set of this process.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID
from weakref import WeakKeyDictionary

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from invoicery.store.database import Database, SharedTransaction
from invoicery.store.tables import idempotency_keys

__all__ = [
    "ClientKey",
    "StoredResponse",
    "claimed",
    "delete_expired",
    "find",
    "insert_response",
]

_t = idempotency_keys.c

_running: WeakKeyDictionary[Database, set[ClientKey]] = WeakKeyDictionary()


@dataclass(frozen=True, slots=True)
class ClientKey:
    """An idempotency key as one API client of one account sent it."""

    account_id: UUID
    client_id: UUID
    key: str

    def lock_id(self) -> int:
        """A signed 64-bit number for this key (PostgreSQL's advisory lock id)."""
        digest = hashlib.blake2b(
            self.client_id.bytes + self.key.encode(), digest_size=8, person=b"idempotency"
        ).digest()
        return int.from_bytes(digest, "big", signed=True)


@dataclass(frozen=True, slots=True)
class StoredResponse:
    """A response as first sent: status, headers (name, value) in order, body."""

    fingerprint: str
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


@asynccontextmanager
async def claimed(shared: SharedTransaction, key: ClientKey) -> AsyncIterator[bool]:
    """Whether this task holds `key` for the block; False when another request holds it.

    On PostgreSQL the claim begins `shared` and lasts until it commits or rolls back;
    end the transaction inside the block.
    """
    db = shared.db
    if db.is_sqlite:
        running = _running.setdefault(db, set())
        if key in running:
            yield False
            return
        running.add(key)
        try:
            yield True
        finally:
            running.discard(key)
        return
    conn = await shared.connection()
    locked = await conn.scalar(select(func.pg_try_advisory_xact_lock(key.lock_id())))
    yield bool(locked)


async def find(conn: AsyncConnection, key: ClientKey, *, now: datetime) -> StoredResponse | None:
    """The unexpired stored response for `key`, if any."""
    row = (
        (
            await conn.execute(
                select(_t.fingerprint, _t.status, _t.headers, _t.body).where(
                    _t.account_id == key.account_id,
                    _t.client_id == key.client_id,
                    _t.key == key.key,
                    _t.expires_at > now,
                )
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    headers = tuple((str(name), str(value)) for name, value in row["headers"])
    return StoredResponse(row["fingerprint"], row["status"], headers, bytes(row["body"]))


async def insert_response(
    conn: AsyncConnection,
    key: ClientKey,
    response: StoredResponse,
    *,
    now: datetime,
    expires_at: datetime,
) -> None:
    """Store `response` as the answer to `key`, replacing an expired one not yet deleted."""
    same_key = (
        _t.account_id == key.account_id,
        _t.client_id == key.client_id,
        _t.key == key.key,
    )
    await conn.execute(delete(idempotency_keys).where(*same_key, _t.expires_at <= now))
    await conn.execute(
        insert(idempotency_keys).values(
            account_id=key.account_id,
            client_id=key.client_id,
            key=key.key,
            fingerprint=response.fingerprint,
            status=response.status,
            headers=[list(pair) for pair in response.headers],
            body=response.body,
            created_at=now,
            expires_at=expires_at,
        )
    )


async def delete_expired(conn: AsyncConnection, *, now: datetime) -> int:
    """Delete every stored response expired at `now`; how many were deleted."""
    result = await conn.execute(delete(idempotency_keys).where(_t.expires_at <= now))
    return result.rowcount or 0
