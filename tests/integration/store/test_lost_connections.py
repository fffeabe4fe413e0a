"""A database outage raises `Unavailable`, and the pools discard the connections it broke.

PostgreSQL ending a session sends a FATAL message and then closes the socket; a pooled
connection can be handed out between the two, when asyncpg has read the message (and
left its protocol waiting for a reply that never comes) but not yet the close. A TCP
proxy that holds the close back makes that moment last for as long as a test needs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from sqlalchemy import Select, func, insert, literal_column, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from invoicery.domain.errors import Unavailable
from invoicery.store import tables
from invoicery.store.database import Database
from tests.support.server import free_port

_PID: Select[Any] = select(func.pg_backend_pid().label("pid"))
_ONE: Select[Any] = select(literal_column("1").label("one"))


class HeldCloseProxy:
    """Forwards TCP to PostgreSQL, holding back the server's close of a connection until exit."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = free_port()
        self.server_closed = 0
        self._closed = asyncio.Condition()
        self._released = asyncio.Event()
        self._handlers: set[asyncio.Task[None]] = set()
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> HeldCloseProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self.release()
        assert self._server is not None
        self._server.close()
        async with asyncio.timeout(5):
            await asyncio.gather(*self._handlers)

    def release(self) -> None:
        """Close the client side of every connection the server has closed, now and later."""
        self._released.set()

    async def wait_server_closed(self, count: int) -> None:
        """Until the server has closed `count` connections (their FATAL forwarded)."""
        async with asyncio.timeout(5), self._closed:
            await self._closed.wait_for(lambda: self.server_closed >= count)

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        handler = asyncio.current_task()
        assert handler is not None
        self._handlers.add(handler)
        server_r, server_w = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        sending = asyncio.ensure_future(_pump(client_r, server_w))
        try:
            await _pump(server_r, client_w)
            async with self._closed:
                self.server_closed += 1
                self._closed.notify_all()
            await self._released.wait()
        finally:
            sending.cancel()
            await asyncio.gather(sending, return_exceptions=True)
            for writer in (client_w, server_w):
                writer.close()
                with contextlib.suppress(ConnectionError):
                    await writer.wait_closed()


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()


@pytest.fixture
async def proxy(postgresql_url: str) -> AsyncIterator[HeldCloseProxy]:
    port = make_url(postgresql_url).port or 5432
    async with HeldCloseProxy(port) as running:
        yield running


async def _terminate(admin_url: str, *pids: int) -> None:
    admin = await asyncpg.connect(
        make_url(admin_url).set(drivername="postgresql").render_as_string(False)
    )
    try:
        for pid in pids:
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()


async def _pid_of_read(db: Database) -> int:
    async with db.read() as conn:
        pid: int = (await conn.execute(_PID)).scalar_one()
    return pid


async def _pid_of_hot_read(db: Database) -> int:
    row = await db.first_row(_PID, {})
    assert row is not None
    pid: int = row["pid"]
    return pid


async def test_a_connection_the_server_ended_is_discarded_before_its_socket_closes(
    postgresql_url: str, proxy: HeldCloseProxy
) -> None:
    url = make_url(postgresql_url).set(host="127.0.0.1", port=proxy.port)
    db = Database(url.render_as_string(hide_password=False), pool_size=1)
    try:
        pooled, hot = await _pid_of_read(db), await _pid_of_hot_read(db)
        await _terminate(postgresql_url, pooled, hot)
        await proxy.wait_server_closed(2)
        await asyncio.sleep(0.05)  # asyncpg reads the forwarded FATAL; the sockets stay open

        # The request that meets the ended session is refused as an outage, not a bug...
        with pytest.raises(Unavailable):
            await _pid_of_read(db)
        with pytest.raises(Unavailable):
            await _pid_of_hot_read(db)
        # ...and the next one gets a new session although the old socket is still open.
        assert await _pid_of_read(db) not in (pooled, hot)
        assert await _pid_of_hot_read(db) not in (pooled, hot)
    finally:
        proxy.release()  # a graceful close waits for the server's
        await db.dispose()


async def _sleep_in_write(db: Database) -> None:
    async with db.write() as conn:
        await conn.execute(text("SELECT pg_sleep(5)"))


async def _sleep_in_driver_write(db: Database) -> None:
    async with db.driver_write() as driver:
        assert driver is not None
        await driver.execute("SELECT pg_sleep(5)")


@pytest.mark.parametrize("sleep_in_transaction", [_sleep_in_write, _sleep_in_driver_write])
async def test_a_session_ended_mid_statement_is_unavailable_and_replaced(
    postgresql_url: str, sleep_in_transaction: Callable[[Database], Awaitable[None]]
) -> None:
    db = Database(postgresql_url, pool_size=1)
    try:
        async with db.read() as conn:
            pid = (await conn.execute(_PID)).scalar_one()

        sleeping = asyncio.ensure_future(sleep_in_transaction(db))
        await asyncio.sleep(0.2)
        await _terminate(postgresql_url, pid)
        with pytest.raises(Unavailable):
            async with asyncio.timeout(5):
                await sleeping
        assert await _pid_of_read(db) != pid
        assert await _pid_of_hot_read(db) != pid
    finally:
        await db.dispose()


async def test_a_refused_connection_is_unavailable(postgresql_url: str) -> None:
    closed = make_url(postgresql_url).set(port=free_port()).render_as_string(False)
    db = Database(closed, pool_size=1)
    try:
        with pytest.raises(Unavailable):
            await db.first_row(_ONE, {})
        with pytest.raises(Unavailable):
            async with db.read() as conn:
                await conn.execute(_ONE)
        with pytest.raises(Unavailable):
            async with db.write() as conn:
                await conn.execute(_ONE)
    finally:
        await db.dispose()


async def test_a_sqlite_write_lock_held_past_the_busy_timeout_is_unavailable(
    sqlite_url: str,
) -> None:
    db = Database(sqlite_url, busy_timeout=0.05)
    holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(Unavailable):
            async with db.write() as conn:
                await conn.execute(_ONE)
        holder.execute("ROLLBACK")
        async with db.write() as conn:
            assert (await conn.execute(_ONE)).scalar_one() == 1
    finally:
        holder.close()
        await db.dispose()


async def test_a_constraint_violation_is_not_an_outage(db: Database) -> None:
    account = {
        "id": uuid.uuid4(),
        "name": f"dup-{uuid.uuid4().hex[:8]}",
        "created_at": datetime.now(UTC),
    }
    async with db.write() as conn:
        await conn.execute(insert(tables.accounts).values(**account))
    with pytest.raises(IntegrityError):
        async with db.write() as conn:
            await conn.execute(insert(tables.accounts).values(**account))
