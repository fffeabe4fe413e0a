"""A process holds at most twice `pool_size` PostgreSQL connections: its two pools."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy import Select, bindparam, func, literal_column, select, text

from invoicery.app import create_app
from invoicery.config import Settings
from invoicery.store.database import Database

_SLEEP: Select[Any] = select(literal_column("1")).select_from(func.pg_sleep(bindparam("seconds")))
_SESSIONS = text(
    "SELECT count(*) FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


async def _peak_sessions(url: str, busy: Database) -> int:
    """The most sessions `busy` holds while 12 transactions and 12 hot reads run at once."""
    observer = Database(url, pool_size=2)
    async with observer.read() as conn:
        before = int((await conn.execute(_SESSIONS)).scalar_one())

    async def transaction() -> None:
        async with busy.write() as conn:
            await conn.execute(_SLEEP, {"seconds": 0.05})

    async def hot_read() -> None:
        assert await busy.first_row(_SLEEP, {"seconds": 0.05}) is not None

    work = asyncio.gather(*[transaction() for _ in range(12)], *[hot_read() for _ in range(12)])
    task = asyncio.ensure_future(work)
    peak = 0
    try:
        while not task.done():
            async with observer.read() as conn:
                peak = max(peak, int((await conn.execute(_SESSIONS)).scalar_one()) - before)
            await asyncio.sleep(0.01)
        await task
    finally:
        await busy.dispose()
        await observer.dispose()
    return peak


async def test_busy_reads_and_transactions_stay_within_both_pools(postgresql_url: str) -> None:
    peak = await _peak_sessions(postgresql_url, Database(postgresql_url, pool_size=4))
    assert 4 < peak <= 8  # both pools were busy at once, and neither grew past its size


async def test_the_server_sizes_its_pools_from_the_setting(
    postgresql_url: str, tmp_path: Path
) -> None:
    settings = Settings(database_url=postgresql_url, db_pool_size=3, data_dir=tmp_path)
    app = create_app(settings)
    peak = await _peak_sessions(postgresql_url, app.state.db)
    assert 3 < peak <= 6
