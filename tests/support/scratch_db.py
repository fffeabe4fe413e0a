"""A PostgreSQL database of one test's own on the shared server, dropped when it ends."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import POSTGRES_ADMIN_URL, REQUIRE_POSTGRES

__all__ = ["admin_dsn", "scratch_database"]


def admin_dsn(database: str | None = None) -> str:
    """The admin URL, or the same server's `database`, as a plain ``postgresql://`` URL."""
    url = make_url(POSTGRES_ADMIN_URL).set(drivername="postgresql")
    if database is not None:
        url = url.set(database=database)
    return url.render_as_string(hide_password=False)


async def _admin(statement: str) -> None:
    connection = await asyncpg.connect(admin_dsn())
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextmanager
def scratch_database(prefix: str) -> Iterator[str]:
    """The name of a new, empty database (not migrated); skips if PostgreSQL is away."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError) as error:
        message = f"PostgreSQL unavailable at {POSTGRES_ADMIN_URL}: {error}"
        if REQUIRE_POSTGRES:
            pytest.fail(message)
        pytest.skip(message)
    try:
        yield name
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
