"""Without configured keys, one generated key is shared by every host of a deployment."""

from __future__ import annotations

import stat
from pathlib import Path

import httpx
from sqlalchemy import select

from invoicery.config import Settings
from invoicery.documents.keys import KEY_FILE
from invoicery.store.database import Database
from invoicery.store.tables import server_secrets
from tests.integration.documents.conftest import Host, link_fields, pdf_link
from tests.support.tenant import Tenant


async def test_the_generated_key_lives_where_every_host_finds_it(
    tenant: Tenant,
    http: httpx.AsyncClient,
    host: Host,
    db: Database,
    settings: Settings,
    tmp_path: Path,
) -> None:
    created = await tenant.invoice()
    url = await pdf_link(tenant, created["id"])
    assert link_fields(url)["kid"] == "auto"
    key_file = settings.data_dir / KEY_FILE
    if db.is_sqlite:
        # one host: a file of the data directory, readable by the server's user only
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        async with host() as restarted:
            assert (await restarted.get(url)).status_code == 200
    else:
        # many hosts: a row of the shared database; no file anywhere
        assert not key_file.exists()
        async with db.read() as conn:
            names = set((await conn.execute(select(server_secrets.c.name))).scalars())
        assert "pdf_link_hmac" in names
        async with host(data_dir=tmp_path / "elsewhere") as other_host:
            assert (await other_host.get(url)).status_code == 200
        assert not (tmp_path / "elsewhere").exists()
