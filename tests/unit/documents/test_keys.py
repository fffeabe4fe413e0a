"""Where signing keys come from when none are configured, on a SQLite server."""

from __future__ import annotations

import stat
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from invoicery.documents.keys import AUTO_KID, KEY_FILE, load_key_ring
from invoicery.store.database import Database


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'unused.db'}")
    yield database
    await database.dispose()


async def test_a_key_is_generated_once_in_the_data_dir_with_mode_0600(
    sqlite_db: Database, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    first = await load_key_ring(sqlite_db, configured=None, data_dir=data_dir)
    path = data_dir / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert first.current.kid == AUTO_KID
    assert len(first.current.secret) == 64
    again = await load_key_ring(sqlite_db, configured=None, data_dir=data_dir)
    assert again == first
    assert [p.name for p in data_dir.iterdir()] == [KEY_FILE]  # no temporary files left


async def test_configured_keys_win_and_nothing_is_written(
    sqlite_db: Database, tmp_path: Path
) -> None:
    ring = await load_key_ring(sqlite_db, configured=f"k9:{'s' * 32}", data_dir=tmp_path / "d")
    assert [key.kid for key in ring.keys] == ["k9"]
    assert not (tmp_path / "d").exists()
