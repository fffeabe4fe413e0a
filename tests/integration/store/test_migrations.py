"""Alembic migrations are the schema: after `upgrade`, nothing differs from `tables.py`."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from typing import Any

import asyncpg
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

from invoicery.store.database import Database
from invoicery.store.migrate import head_revision
from invoicery.store.tables import metadata
from tests.support.scratch_db import admin_dsn, scratch_database


def _differences(sync: Connection) -> list[Any]:
    context = MigrationContext.configure(sync, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


async def test_the_migrated_schema_matches_the_table_definitions(db: Database) -> None:
    async with db.read() as conn:
        assert await conn.run_sync(_differences) == []


def test_servers_starting_together_migrate_one_database_once() -> None:
    """Four `invoicery migrate` processes at once on an empty PostgreSQL database all succeed.

    (Processes, as servers are: Alembic keeps its context in a module global, so threads
    of one process cannot migrate side by side.)
    """
    with scratch_database("invoicery_migrate") as name:
        url = admin_dsn(name)
        env = {**os.environ, "INVOICERY_DATABASE_URL": url}
        migrations = [
            subprocess.Popen(
                [sys.executable, "-m", "invoicery", "migrate"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            for _ in range(4)
        ]
        outputs = [migration.communicate(timeout=120)[0].decode() for migration in migrations]
        assert [migration.returncode for migration in migrations] == [0] * 4, outputs
        revisions = asyncio.run(_revisions(url))
    assert revisions == [head_revision()]


async def _revisions(url: str) -> list[str]:
    connection = await asyncpg.connect(url)
    try:
        return [
            row["version_num"] for row in await connection.fetch("SELECT * FROM alembic_version")
        ]
    finally:
        await connection.close()
