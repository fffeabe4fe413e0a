"""Engine creation and transactions for SQLite (aiosqlite) and PostgreSQL (asyncpg).

Every request runs in one transaction: `Database.write()` commits when its block ends
without error and rolls back otherwise, so a failed request leaves no partial rows.
On SQLite a write transaction starts with ``BEGIN IMMEDIATE``: it takes the write lock
up front instead of failing when a reader later tries to upgrade.

When the database cannot serve (see `store.failures`: connection refused or lost, too many
connections, SQLite's lock held past the busy timeout) `read()`, `write()` and
`first_row()` raise the domain's `Unavailable` instead of the driver's error.

Inside `Database.shared_write()` (a request with an idempotency key) the task's
`read()`, `snapshot()`, `first_row()` and `write()` all join one `SharedTransaction`:
each `write()` block is a SAVEPOINT in it, and nothing is committed until its owner
commits, together with the stored response.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from typing import Any

import asyncpg
import orjson
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncTransaction,
    create_async_engine,
)
from sqlalchemy.sql import Executable, Select
from sqlalchemy.sql.dml import UpdateBase

from invoicery.domain.errors import Unavailable
from invoicery.store import failures
from invoicery.store.prepared_reads import PreparedReads, StatementListener
from invoicery.store.rows import ColumnValues

__all__ = ["Database", "SharedTransaction", "async_url"]

logger = logging.getLogger("invoicery.store")

_WRITE_OPTION = "invoicery_write"
_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
)
_RETRY_AFTER_SECONDS = 1  # a lost connection is replaced in milliseconds


def async_url(url: str) -> str:
    """Map a plain ``sqlite://`` or ``postgresql://`` URL to its async driver."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database URL scheme: {parsed.drivername}")


class Database:
    """An async engine plus the two kinds of transaction the services use."""

    def __init__(self, url: str, *, pool_size: int = 10, busy_timeout: float = 30.0) -> None:
        """Pools of `pool_size` connections: one, and on PostgreSQL a second for hot reads.

        On SQLite a write waits up to `busy_timeout` seconds for another's write lock.
        """
        self.url = async_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        options: dict[str, Any] = {
            "json_serializer": _dump_json,
            "json_deserializer": orjson.loads,
        }
        if not self.is_sqlite:
            # A fixed pool: overflow connections were opened and closed under load,
            # costing a PostgreSQL backend start each time.
            options |= {"pool_size": pool_size, "max_overflow": 0}
        self.engine: AsyncEngine = create_async_engine(self.url, **options)
        self._prepared: PreparedReads | None = None
        if self.is_sqlite:
            _configure_sqlite(self.engine, busy_timeout_ms=round(busy_timeout * 1000))
            self._read_engine = self.engine
        else:
            self._read_engine = self.engine.execution_options(isolation_level="AUTOCOMMIT")
            # As large as the main pool: read pools of a quarter or half its size measured
            # 2-3x worse p99 on the list benchmarks (every request starts with a token read).
            self._prepared = PreparedReads(self.url, max_size=pool_size)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A connection for queries, each statement in its own implicit transaction.

        PostgreSQL's READ COMMITTED gives every statement its own snapshot even inside a
        transaction, so reads lose nothing in autocommit mode and save the BEGIN and
        ROLLBACK round trips. SQLite keeps a deferred transaction (no network to save).
        """
        shared = self._joined()
        if shared is not None:
            yield await shared.connection()
            return
        with _unavailable_on_outage():
            async with self._read_engine.connect() as conn:
                yield conn

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[AsyncConnection]:
        """A read connection whose statements all see one snapshot (a count and its rows).

        PostgreSQL reads in REPEATABLE READ; a SQLite read transaction is one already.
        Joining a `SharedTransaction`, it reads in that transaction (READ COMMITTED).
        """
        shared = self._joined()
        async with self.read() as conn:
            if not self.is_sqlite and shared is None:
                await conn.execution_options(isolation_level="REPEATABLE READ")
            yield conn

    async def first_row(
        self, statement: Select[Any], params: Mapping[str, Any]
    ) -> ColumnValues | None:
        """The first row of a prebuilt read statement, by the fastest way the backend has.

        For the per-request hot reads (token lookup, invoice by id): on PostgreSQL an
        asyncpg prepared statement (`store.prepared_reads`), on SQLite `read()`.
        """
        if self._prepared is not None and self._joined() is None:
            with _unavailable_on_outage():
                return await self._prepared.first_row(statement, params)
        async with self.read() as conn:
            row: ColumnValues | None = (await conn.execute(statement, params)).mappings().first()
        return row

    async def write_one(self, statement: Executable, params: Mapping[str, Any]) -> None:
        """Run one write statement as a transaction of its own.

        On PostgreSQL in autocommit mode: one round trip instead of BEGIN, the statement
        and COMMIT (the token endpoint's insert), as an asyncpg prepared statement
        (`store.prepared_reads`) for a prebuilt INSERT, UPDATE or DELETE. Elsewhere, or
        inside `shared_write()`, as a `write()` block.
        """
        if self.is_sqlite or self.in_shared_write():
            async with self.write() as conn:
                await conn.execute(statement, params)
            return
        if self._prepared is not None and isinstance(statement, UpdateBase):
            with _unavailable_on_outage():
                await self._prepared.execute(statement, params)
            return
        with _unavailable_on_outage():
            async with self._read_engine.connect() as conn:
                await conn.execute(statement, params)

    def listen_prepared_reads(self, listener: StatementListener) -> None:
        """Call `listener(sql, parameters)` before each prepared hot read (PostgreSQL only)."""
        if self._prepared is not None:
            self._prepared.listen(listener)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """A transaction that commits when the block succeeds, rolls back otherwise.

        Within `shared_write()` it is a SAVEPOINT of the shared transaction instead: the
        block's failure undoes the block only, and its success commits nothing yet.
        """
        shared = _SHARED.get()
        if shared is not None and shared.db is self:
            conn = await shared.connection()
            with _unavailable_on_outage():
                async with conn.begin_nested():
                    yield conn
            return
        with _unavailable_on_outage():
            async with self.engine.connect() as conn:
                await conn.execution_options(**{_WRITE_OPTION: True})
                async with conn.begin():
                    yield conn

    @asynccontextmanager
    async def driver_write(
        self, *, savepoint: bool = True
    ) -> AsyncIterator[asyncpg.Connection | None]:
        """Like `write()`, on the pooled connection's bare asyncpg driver; None where unfit.

        On PostgreSQL: a transaction (READ COMMITTED) run with asyncpg's own prepared
        statements, without SQLAlchemy's per-statement cost (`store.numbering` on the
        invoice-creation path); within `shared_write()`, a SAVEPOINT of the shared
        transaction on its connection, as `write()` takes one. With ``savepoint=False``
        (a block whose failure fails the whole request, so its owner rolls everything
        back) it joins the begun shared transaction without one: two round trips less.
        On SQLite it yields None: the caller uses `write()`.
        """
        if self.is_sqlite:
            yield None
            return
        shared = _SHARED.get()
        if shared is not None and shared.db is self:
            conn = await shared.connection()
            driver = (await conn.get_raw_connection()).driver_connection
            assert isinstance(driver, asyncpg.Connection)
            if not driver.is_in_transaction():
                # SQLAlchemy begins lazily, at its first statement: begin it now, or the
                # block would be a transaction of its own, committed whatever the owner does.
                with _unavailable_on_outage():
                    await conn.exec_driver_sql("SELECT 1")
            if not savepoint:
                with _unavailable_on_outage():
                    yield driver
                return
            with _unavailable_on_outage():
                async with driver.transaction():
                    yield driver
            return
        with _unavailable_on_outage():
            async with self.engine.connect() as conn:
                driver = (await conn.get_raw_connection()).driver_connection
                assert isinstance(driver, asyncpg.Connection)
                try:
                    async with driver.transaction():
                        yield driver
                except Exception as error:
                    if failures.unavailable(error):
                        await conn.invalidate()
                    raise

    @asynccontextmanager
    async def shared_write(self) -> AsyncIterator[SharedTransaction]:
        """One write transaction this task's every use of the database joins until the block ends.

        It begins at the first statement that needs it (BEGIN IMMEDIATE on SQLite, so a
        block that never writes never takes the write lock) and is rolled back at the end
        unless committed with `SharedTransaction.commit()`.
        """
        shared = SharedTransaction(self)
        token = _SHARED.set(shared)
        try:
            yield shared
        finally:
            _SHARED.reset(token)
            await shared.rollback()

    def in_shared_write(self) -> bool:
        """Whether this task runs inside `shared_write()` on this database."""
        shared = _SHARED.get()
        return shared is not None and shared.db is self

    def _joined(self) -> SharedTransaction | None:
        """The shared transaction of this task on this database, if one has begun."""
        shared = _SHARED.get()
        return shared if shared is not None and shared.db is self and shared.started else None

    def connections_in_use(self) -> int:
        """Connections of the main pool checked out right now (for metrics)."""
        checkedout = getattr(self.engine.pool, "checkedout", None)  # QueuePool's; not all have it
        return int(checkedout()) if callable(checkedout) else 0

    async def dispose(self) -> None:
        """Close every pooled connection."""
        if self._prepared is not None:
            await self._prepared.close()
        await self.engine.dispose()


class SharedTransaction:
    """A write transaction begun on first use and ended by an explicit commit or rollback."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._conn: AsyncConnection | None = None
        self._transaction: AsyncTransaction | None = None

    @property
    def started(self) -> bool:
        """Whether the transaction has begun."""
        return self._conn is not None

    async def connection(self) -> AsyncConnection:
        """The transaction's connection, beginning the transaction if it has not yet."""
        if self._conn is None:
            with _unavailable_on_outage():
                conn = await self.db.engine.connect()
                try:
                    await conn.execution_options(**{_WRITE_OPTION: True})
                    self._transaction = await conn.begin()
                except BaseException:
                    await conn.close()
                    raise
            self._conn = conn
        return self._conn

    async def commit(self) -> None:
        """Commit everything done in the transaction (if it began) and release its connection."""
        try:
            if self._transaction is not None:
                with _unavailable_on_outage():
                    await self._transaction.commit()
        finally:
            await self._close()

    async def rollback(self) -> None:
        """Undo everything done in the transaction (if it began) and release its connection."""
        try:
            if self._transaction is not None and self._transaction.is_active:
                await self._transaction.rollback()
        except Exception as error:  # a lost connection: the server rolls back by itself
            logger.warning("rolling back a shared transaction failed: %s", error)
        finally:
            await self._close()

    async def _close(self) -> None:
        conn, self._conn, self._transaction = self._conn, None, None
        if conn is not None:
            await conn.close()


_SHARED: ContextVar[SharedTransaction | None] = ContextVar(
    "invoicery_shared_transaction", default=None
)


@contextmanager
def _unavailable_on_outage() -> Iterator[None]:
    """Raise `Unavailable` for a database outage; let every other error through as it is."""
    try:
        yield
    except Exception as error:
        if not failures.unavailable(error):
            raise
        # The driver's message only: SQLAlchemy's would add the statement's parameters.
        cause = error.orig if isinstance(error, DBAPIError) and error.orig else error
        logger.warning("database unavailable: %s: %s", type(cause).__name__, cause)
        raise Unavailable(
            "the database is unavailable; try again shortly", retry_after=_RETRY_AFTER_SECONDS
        ) from error


def _dump_json(value: Any) -> str:
    return orjson.dumps(value).decode()


def _configure_sqlite(engine: AsyncEngine, *, busy_timeout_ms: int) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        for pragma in (*_SQLITE_PRAGMAS, f"PRAGMA busy_timeout={busy_timeout_ms}"):
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(_WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
