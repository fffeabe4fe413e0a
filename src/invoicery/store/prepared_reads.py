"""The hottest reads on PostgreSQL, run as asyncpg prepared statements.

Every authenticated request looks up its token, and `GET /invoices/{id}` then reads one
row. Through SQLAlchemy's async layer each of those costs a greenlet switch, a cache-key
computation and result processing (py-spy: about half the server's CPU per request). Here
the same SQLAlchemy statement is compiled once and run directly on an asyncpg
connection, whose statement cache prepares it once per connection.

The token endpoint's one-row INSERT runs here too (`execute`), in autocommit: through
SQLAlchemy's autocommit connection it cost 0.17 ms of CPU.

Only plain statements belong here, reads and single-statement writes that leave no
session state: parameters are passed to asyncpg as they are
(UUIDs, text, aware datetimes), and rows come back with asyncpg's own decoding, which
gives the same Python values as SQLAlchemy's for the column types used (JSON decoded by
orjson, timestamps aware UTC, see `store.types`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

import asyncpg
import orjson
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.engine import make_url
from sqlalchemy.sql import ClauseElement, Select
from sqlalchemy.sql.compiler import SQLCompiler

from invoicery.store.rows import ColumnValues

__all__ = ["PreparedReads", "StatementListener"]

StatementListener = Callable[[str, tuple[Any, ...]], None]
"""Told the SQL text and positional parameters of each statement before it runs."""

_DIALECT = asyncpg_dialect()  # type: ignore[no-untyped-call]


class _Compiled:
    """A statement's SQL text and the order of its named parameters."""

    __slots__ = ("names", "sql")

    def __init__(self, statement: ClauseElement) -> None:
        compiled = statement.compile(dialect=_DIALECT)
        assert isinstance(compiled, SQLCompiler)  # a SELECT, INSERT, UPDATE or DELETE
        self.sql = str(compiled)
        self.names = tuple(compiled.positiontup or ())


async def _keep_session(_connection: asyncpg.Connection) -> None:
    """Nothing to reset on release: only plain statements run here, which leave no
    session state (asyncpg's default reset was one more round trip per statement)."""


async def _init_connection(connection: asyncpg.Connection) -> None:
    for json_type in ("json", "jsonb"):
        await connection.set_type_codec(
            json_type,
            schema="pg_catalog",
            encoder=lambda value: orjson.dumps(value).decode(),
            decoder=orjson.loads,
            format="text",
        )


class PreparedReads:
    """A small asyncpg pool for one-row reads of prebuilt SQLAlchemy statements."""

    def __init__(self, url: str, *, max_size: int) -> None:
        self._dsn = make_url(url).set(drivername="postgresql").render_as_string(False)
        self._max_size = max_size
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()
        self._compiled: dict[ClauseElement, _Compiled] = {}
        self._listeners: list[StatementListener] = []

    def listen(self, listener: StatementListener) -> None:
        """Call `listener` before each statement (the benchmark explains what they ran)."""
        self._listeners.append(listener)

    async def first_row(
        self, statement: Select[Any], params: Mapping[str, Any]
    ) -> ColumnValues | None:
        """The statement's first row (a read-only mapping by column name), or None."""
        sql, arguments = self._prepare(statement, params)
        pool = self._pool or await self._open()
        async with pool.acquire() as connection:
            row: asyncpg.Record | None = await connection.fetchrow(sql, *arguments)
        return row

    async def execute(self, statement: ClauseElement, params: Mapping[str, Any]) -> None:
        """Run a prebuilt single-statement write in autocommit: a transaction of its own."""
        sql, arguments = self._prepare(statement, params)
        pool = self._pool or await self._open()
        async with pool.acquire() as connection:
            await connection.execute(sql, *arguments)

    def _prepare(
        self, statement: ClauseElement, params: Mapping[str, Any]
    ) -> tuple[str, tuple[Any, ...]]:
        """The statement's SQL (compiled once) and positional arguments; told to listeners."""
        compiled = self._compiled.get(statement)
        if compiled is None:
            compiled = self._compiled[statement] = _Compiled(statement)
        arguments = tuple(params[name] for name in compiled.names)
        for listener in self._listeners:
            listener(compiled.sql, arguments)
        return compiled.sql, arguments

    async def close(self) -> None:
        """Close the pool's connections."""
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()

    async def _open(self) -> asyncpg.Pool:
        async with self._opening:
            if self._pool is None:
                self._pool = await asyncpg.create_pool(
                    self._dsn,
                    min_size=1,
                    max_size=self._max_size,
                    init=_init_connection,
                    reset=_keep_session,
                )
        return self._pool
