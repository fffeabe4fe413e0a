"""Alembic environment: runs migrations over the async engine of the configured URL.

On PostgreSQL the migration transaction first takes an advisory lock, so servers that
start together on one database migrate one at a time: the first brings the schema to
the newest revision, the others then find nothing left to do. (SQLite serves one host,
and its write lock already serializes them.)
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from invoicery.store.database import async_url
from invoicery.store.tables import metadata

config = context.config

_MIGRATION_LOCK = 0x1A7E_50_0001  # any constant of ours: pg_advisory_xact_lock's key


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        context.run_migrations()


async def _run_async() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url is not set"
    engine = create_async_engine(async_url(url))
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported")
asyncio.run(_run_async())
