"""`Database.shared_write()`: every use of the database joins one transaction until commit."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from invoicery.domain import ids
from invoicery.service import clients as client_service
from invoicery.service._time import utc_now
from invoicery.store import idempotency
from invoicery.store.database import Database
from invoicery.store.idempotency import ClientKey, StoredResponse
from invoicery.store.tables import server_secrets


async def _names(db: Database, prefix: str) -> list[str]:
    async with db.read() as conn:
        rows = await conn.execute(
            select(server_secrets.c.name).where(server_secrets.c.name.startswith(prefix))
        )
    return sorted(row.name for row in rows)


async def _put(db: Database, name: str) -> None:
    async with db.write() as conn:
        await conn.execute(
            insert(server_secrets).values(name=name, value="x", created_at=utc_now())
        )


async def _put_then_fail(db: Database, name: str) -> None:
    async with db.write() as conn:
        await conn.execute(
            insert(server_secrets).values(name=name, value="x", created_at=utc_now())
        )
        raise RuntimeError("this block fails")


async def test_writes_join_the_shared_transaction_and_commit_with_it(db: Database) -> None:
    prefix = f"shared-{uuid.uuid4().hex[:8]}-"
    async with db.shared_write() as shared:
        await _put(db, prefix + "kept")
        with pytest.raises(RuntimeError):
            await _put_then_fail(db, prefix + "undone")
        # The task's own reads see its uncommitted writes, but not the undone block.
        assert await _names(db, prefix) == [prefix + "kept"]
        await shared.commit()
    assert await _names(db, prefix) == [prefix + "kept"]


async def test_a_shared_transaction_not_committed_leaves_nothing(db: Database) -> None:
    prefix = f"shared-{uuid.uuid4().hex[:8]}-"
    async with db.shared_write():
        await _put(db, prefix + "a")
        await _put(db, prefix + "b")
    assert await _names(db, prefix) == []


async def test_an_expired_answer_is_not_found_and_is_replaced(db: Database) -> None:
    client = await client_service.create(
        db, name="tests", scopes=["invoices:read"], account_name=f"t-{uuid.uuid4().hex[:12]}"
    )
    key = ClientKey(
        ids.decode(ids.ACCOUNT, client.account_id), ids.decode(ids.CLIENT, client.client_id), "k"
    )
    now = utc_now()
    old = StoredResponse("0" * 64, 500, (), b"old")
    new = StoredResponse("f" * 64, 201, (("content-type", "application/json"),), b"{}")
    async with db.write() as conn:
        await idempotency.insert_response(conn, key, old, now=now, expires_at=now)
    async with db.read() as conn:
        assert await idempotency.find(conn, key, now=now) is None
    async with db.write() as conn:
        await idempotency.insert_response(
            conn, key, new, now=now, expires_at=now + timedelta(hours=24)
        )
    async with db.read() as conn:
        assert await idempotency.find(conn, key, now=now) == new


async def test_an_unexpired_answer_is_kept_and_the_second_insert_says_so(db: Database) -> None:
    client = await client_service.create(
        db, name="tests", scopes=["invoices:read"], account_name=f"t-{uuid.uuid4().hex[:12]}"
    )
    key = ClientKey(
        ids.decode(ids.ACCOUNT, client.account_id), ids.decode(ids.CLIENT, client.client_id), "k"
    )
    now = utc_now()
    later = now + timedelta(hours=24)
    first = StoredResponse("0" * 64, 201, (), b"first")
    second = StoredResponse("f" * 64, 201, (), b"second")
    async with db.write() as conn:
        assert await idempotency.insert_response(conn, key, first, now=now, expires_at=later)
    async with db.write() as conn:
        assert not await idempotency.insert_response(conn, key, second, now=now, expires_at=later)
    async with db.read() as conn:
        assert await idempotency.find(conn, key, now=now) == first
