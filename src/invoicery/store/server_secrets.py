"""Server-wide secrets kept in the database, so every host sharing it uses the same key."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from invoicery.store.tables import server_secrets

__all__ = ["get_or_create"]


async def get_or_create(
    conn: AsyncConnection, *, name: str, make: Callable[[], str], now: datetime
) -> str:
    """The secret called `name`; the first caller stores `make()`, later ones read it."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    await conn.execute(
        dialect.insert(server_secrets)
        .values(name=name, value=make(), created_at=now)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    query = select(server_secrets.c.value).where(server_secrets.c.name == name)
    value: str = (await conn.execute(query)).scalar_one()
    return value
