"""`Database.driver_write()`: a transaction on the bare asyncpg connection, PostgreSQL only."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import pytest
from sqlalchemy import Select, func, select

from invoicery.service._time import utc_now
from invoicery.store.database import Database
from invoicery.store.tables import server_secrets

_PID: Select[Any] = select(func.pg_backend_pid().label("pid"))
_PUT = "INSERT INTO server_secrets (name, value, created_at) VALUES ($1, 'x', $2)"


async def _exists(db: Database, name: str) -> bool:
    async with db.read() as conn:
        query = select(server_secrets.c.name).where(server_secrets.c.name == name)
        return (await conn.execute(query)).first() is not None


async def _put(driver: asyncpg.Connection | None, name: str) -> None:
    assert driver is not None
    await driver.execute(_PUT, name, utc_now())


async def _put_then_fail(db: Database, name: str) -> None:
    async with db.driver_write() as driver:
        await _put(driver, name)
        raise RuntimeError("this block fails")


async def test_it_commits_a_block_that_succeeds_and_undoes_one_that_fails(
    postgresql_url: str,
) -> None:
    db = Database(postgresql_url, pool_size=2)
    kept, undone = f"kept-{uuid.uuid4().hex}", f"undone-{uuid.uuid4().hex}"
    try:
        async with db.driver_write() as driver:
            await _put(driver, kept)
        with pytest.raises(RuntimeError):
            await _put_then_fail(db, undone)
        assert await _exists(db, kept)
        assert not await _exists(db, undone)
    finally:
        await db.dispose()


async def test_there_is_none_on_sqlite(db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip("PostgreSQL has a driver")
    async with db.driver_write() as driver:
        assert driver is None


async def test_inside_a_shared_transaction_it_is_a_savepoint_of_it(postgresql_url: str) -> None:
    db = Database(postgresql_url, pool_size=2)
    kept, undone, uncommitted = (f"{name}-{uuid.uuid4().hex}" for name in ("kept", "undone", "no"))
    try:
        async with db.shared_write() as shared:
            async with db.driver_write() as driver:
                await _put(driver, kept)
            with pytest.raises(RuntimeError):
                await _put_then_fail(db, undone)
            await shared.commit()
        async with db.shared_write(), db.driver_write() as driver:
            await _put(driver, uncommitted)
        assert await _exists(db, kept)
        assert not await _exists(db, undone)
        assert not await _exists(db, uncommitted)  # the shared transaction rolled back
    finally:
        await db.dispose()


async def test_without_a_savepoint_it_is_the_shared_transaction_itself(
    postgresql_url: str,
) -> None:
    db = Database(postgresql_url, pool_size=2)
    kept, uncommitted = (f"{name}-{uuid.uuid4().hex}" for name in ("kept", "no"))
    try:
        async with db.shared_write() as shared:
            async with db.driver_write(savepoint=False) as driver:
                await _put(driver, kept)
            assert await _exists(db, kept)  # joined: the task's own reads see it
            await shared.commit()
        async with db.shared_write(), db.driver_write(savepoint=False) as driver:
            await _put(driver, uncommitted)
        assert await _exists(db, kept)
        assert not await _exists(db, uncommitted)  # rolled back with the shared transaction
    finally:
        await db.dispose()
