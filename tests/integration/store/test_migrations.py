"""Alembic migrations are the schema: after `upgrade`, nothing differs from `tables.py`."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

from invoicery.store.database import Database
from invoicery.store.tables import metadata


def _differences(sync: Connection) -> list[Any]:
    context = MigrationContext.configure(sync, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


async def test_the_migrated_schema_matches_the_table_definitions(db: Database) -> None:
    async with db.read() as conn:
        assert await conn.run_sync(_differences) == []
