"""Expired access tokens are deleted; live ones stay."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from invoicery.auth.credentials import hash_secret
from invoicery.auth.tokens import purge_expired
from invoicery.payments.sandbox import SandboxProcessor
from invoicery.store.database import Database
from invoicery.store.tables import access_tokens
from invoicery.worker import run
from tests.support.tenant import Tenant


async def _expire(db: Database, token: str) -> None:
    async with db.write() as conn:
        await conn.execute(
            update(access_tokens)
            .where(access_tokens.c.token_hash == hash_secret(token))
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=5))
        )


async def _hashes(db: Database, tenant: Tenant) -> set[str]:
    tokens = {hash_secret(token) for token in tenant.tokens.values()}
    async with db.read() as conn:
        query = select(access_tokens.c.token_hash).where(access_tokens.c.token_hash.in_(tokens))
        return set((await conn.execute(query)).scalars())


async def test_purge_deletes_only_expired_tokens(db: Database, tenant: Tenant) -> None:
    live = await tenant.token()
    expired = await tenant.token(("invoices:read",))
    await _expire(db, expired)
    assert await purge_expired(db, now=datetime.now(UTC)) >= 1
    assert await _hashes(db, tenant) == {hash_secret(live)}
    assert (await tenant.http.get("/invoices", headers=await tenant.headers())).status_code == 200


async def test_the_worker_purges_on_its_first_pass(db: Database, tenant: Tenant) -> None:
    expired = await tenant.token(("invoices:read",))
    await _expire(db, expired)
    stop = asyncio.Event()
    task = asyncio.create_task(
        run(db, SandboxProcessor(), poll_seconds=0.05, processor_timeout=1.0, stop=stop)
    )
    for _ in range(100):
        async with db.read() as conn:
            left = (
                await conn.execute(
                    select(func.count())
                    .select_from(access_tokens)
                    .where(access_tokens.c.token_hash == hash_secret(expired))
                )
            ).scalar_one()
        if left == 0:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await task
    assert left == 0
