"""Stored answers to requests with an `Idempotency-Key`, and the claim on a running key.

A key is claimed for as long as its first request runs: on PostgreSQL with a
transaction-level advisory lock (``pg_try_advisory_xact_lock``), so every server on the
database sees it and it ends with the transaction that stores the answer; on SQLite,
which serves one process, in a set of this process.

On PostgreSQL the claim and the look-up of a stored answer are one statement, so its
snapshot may predate the lock: a holder that stored its answer and committed in between
goes unseen. `insert_response` then stores nothing and says so; the caller undoes its
work and replays the answer it now finds.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID
from weakref import WeakKeyDictionary

import asyncpg
from sqlalchemy import Table, and_, bindparam, delete, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect, RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Insert

from invoicery.store.database import Database, SharedTransaction
from invoicery.store.numbering import Compiled
from invoicery.store.tables import idempotency_keys

__all__ = [
    "Claim",
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


@dataclass(frozen=True, slots=True)
class Claim:
    """Whether this request holds its key, and the unexpired answer stored for it, if any."""

    ours: bool
    stored: StoredResponse | None


_SAME_KEY = (
    _t.account_id == bindparam("account_id"),
    _t.client_id == bindparam("client_id"),
    _t.key == bindparam("key"),
)
_UNEXPIRED = _t.expires_at > bindparam("now")
_FIND = select(_t.fingerprint, _t.status, _t.headers, _t.body).where(*_SAME_KEY, _UNEXPIRED)
# One row whatever is stored: the lock's outcome, and the stored answer's columns or NULLs.
_one = select(literal(1).label("one")).subquery("one")
_CLAIM_AND_FIND = select(
    func.pg_try_advisory_xact_lock(bindparam("lock_id")).label("ours"),
    _t.fingerprint,
    _t.status,
    _t.headers,
    _t.body,
).select_from(_one.outerjoin(idempotency_keys, and_(*_SAME_KEY, _UNEXPIRED)))


def _params(key: ClientKey, now: datetime) -> dict[str, Any]:
    return {"account_id": key.account_id, "client_id": key.client_id, "key": key.key, "now": now}


@asynccontextmanager
async def claimed(
    shared: SharedTransaction, key: ClientKey, *, now: datetime
) -> AsyncIterator[Claim]:
    """Whether this task holds `key` for the block, and the answer stored for it at `now`.

    A key another request holds is not ours (and nothing is looked up). On PostgreSQL
    the claim begins `shared`, in one round trip with the look-up, and lasts until it
    commits or rolls back: end the transaction inside the block.
    """
    db = shared.db
    if db.is_sqlite:
        running = _running.setdefault(db, set())
        if key in running:
            yield Claim(ours=False, stored=None)
            return
        running.add(key)
        try:
            # Not in `shared`: a replay never takes SQLite's write lock.
            async with db.read() as conn:
                stored = await find(conn, key, now=now)
            yield Claim(ours=True, stored=stored)
        finally:
            running.discard(key)
        return
    conn = await shared.connection()
    params = {**_params(key, now), "lock_id": key.lock_id()}
    row = (await conn.execute(_CLAIM_AND_FIND, params)).mappings().one()
    if not row["ours"]:
        yield Claim(ours=False, stored=None)
        return
    yield Claim(ours=True, stored=None if row["fingerprint"] is None else _stored(row))


async def find(conn: AsyncConnection, key: ClientKey, *, now: datetime) -> StoredResponse | None:
    """The unexpired stored response for `key`, if any."""
    row = (await conn.execute(_FIND, _params(key, now))).mappings().first()
    return None if row is None else _stored(row)


def _stored(row: RowMapping) -> StoredResponse:
    headers = tuple((str(name), str(value)) for name, value in row["headers"])
    return StoredResponse(row["fingerprint"], row["status"], headers, bytes(row["body"]))


async def insert_response(
    conn: AsyncConnection,
    key: ClientKey,
    response: StoredResponse,
    *,
    now: datetime,
    expires_at: datetime,
) -> bool:
    """Store `response` as the answer to `key`, over an answer expired at `now` if any.

    One statement: an upsert whose update applies only over an expired answer. False,
    storing nothing, if an unexpired answer is stored already.
    """
    values = {
        **_params(key, now),
        "fingerprint": response.fingerprint,
        "status": response.status,
        "headers": [list(pair) for pair in response.headers],
        "body": response.body,
        "created_at": now,
        "expires_at": expires_at,
    }
    upsert = _UPSERTS[conn.dialect.name]
    if conn.dialect.name == "postgresql":
        # On the bare asyncpg connection: SQLAlchemy's per-statement cost, once per request.
        driver = (await conn.get_raw_connection()).driver_connection
        assert isinstance(driver, asyncpg.Connection)
        compiled = _compiled(upsert, conn.dialect)
        return await driver.fetchrow(compiled.sql, *compiled.arguments(values)) is not None
    return (await conn.execute(upsert, values)).first() is not None


def _compiled(statement: Insert, dialect: Dialect) -> Compiled:
    """`statement` compiled for asyncpg (one statement per dialect: the upsert)."""
    found = _COMPILED.get(type(dialect))
    if found is None:
        found = _COMPILED[type(dialect)] = Compiled(statement, dialect)
    return found


_COMPILED: dict[type[Dialect], Compiled] = {}


def _upsert(insert: Callable[[Table], Any]) -> Insert:
    """INSERT … ON CONFLICT DO UPDATE over an expired row only, RETURNING a row if written."""
    columns = [column.name for column in idempotency_keys.c]
    statement = insert(idempotency_keys).values({name: bindparam(name) for name in columns})
    upsert: Insert = statement.on_conflict_do_update(
        index_elements=[_t.account_id, _t.client_id, _t.key],
        set_={
            column.name: statement.excluded[column.name]
            for column in idempotency_keys.c
            if not column.primary_key
        },
        where=_t.expires_at <= bindparam("now"),
    ).returning(_t.key)
    return upsert


_UPSERTS = {"postgresql": _upsert(postgresql.insert), "sqlite": _upsert(sqlite.insert)}


async def delete_expired(conn: AsyncConnection, *, now: datetime) -> int:
    """Delete every stored response expired at `now`; how many were deleted."""
    result = await conn.execute(delete(idempotency_keys).where(_t.expires_at <= now))
    return result.rowcount or 0
