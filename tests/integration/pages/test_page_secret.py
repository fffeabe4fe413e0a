"""Where the CSRF signing key comes from: configuration, the SQLite data dir, or the database."""

from __future__ import annotations

import stat
from pathlib import Path

from invoicery.service.page_secret import KEY_FILE, load_page_secret
from invoicery.store.database import Database


async def test_a_configured_key_wins(db: Database, tmp_path: Path) -> None:
    key = await load_page_secret(db, configured="from-settings", data_dir=tmp_path)
    assert key == b"from-settings"
    assert not (tmp_path / KEY_FILE).exists()


async def test_without_configuration_the_key_is_generated_once_and_kept(
    db: Database, tmp_path: Path
) -> None:
    first = await load_page_secret(db, configured=None, data_dir=tmp_path / "data")
    second = await load_page_secret(db, configured=None, data_dir=tmp_path / "data")
    assert first == second
    assert len(first) >= 32
    key_file = tmp_path / "data" / KEY_FILE
    if db.is_sqlite:
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert key_file.read_text().strip().encode() == first
        assert list(key_file.parent.iterdir()) == [key_file]  # no temporary files left
    else:
        assert not key_file.exists()  # shared by all hosts through the database
        elsewhere = await load_page_secret(db, configured=None, data_dir=tmp_path / "other")
        assert elsewhere == first
