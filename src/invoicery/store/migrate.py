"""Apply Alembic migrations programmatically (used by `invoicery migrate` and `serve`)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

__all__ = ["alembic_config", "current_revision", "head_revision", "upgrade"]

_SCRIPTS = Path(__file__).with_name("migrations")


def alembic_config(database_url: str) -> Config:
    """An Alembic configuration pointing at the packaged migration scripts."""
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str) -> None:
    """Bring the database at `database_url` to the newest schema revision."""
    if database_url.startswith("sqlite:///"):
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(database_url), "head")


def head_revision() -> str | None:
    """The newest revision of the packaged migration scripts."""
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    head: str | None = ScriptDirectory.from_config(config).get_current_head()
    return head


async def current_revision(conn: AsyncConnection) -> str | None:
    """The revision the database is at, or None if it was never migrated."""
    has_table = await conn.run_sync(lambda sync: sync.dialect.has_table(sync, "alembic_version"))
    if not has_table:
        return None
    version = await conn.execute(text("SELECT version_num FROM alembic_version"))
    revision: str | None = version.scalar_one_or_none()
    return revision
