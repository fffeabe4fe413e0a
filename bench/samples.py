"""Request inputs drawn from the loaded database: ids, customers, a deep cursor, a token."""

from __future__ import annotations

from datetime import date

import asyncpg

from bench.load import BenchClient
from bench.scenarios import Fixture
from invoicery.api.ap.cursor import encode_cursor
from invoicery.auth.tokens import issue_token
from invoicery.domain import ids
from invoicery.store.database import Database

__all__ = ["DEEP_PAGES", "PAGE_SIZE", "build_fixture", "new_token"]

PAGE_SIZE = 100
DEEP_PAGES = 5_000
_ID_SAMPLE = 100_000


async def new_token(url: str, client: BenchClient) -> str:
    """An access token for `client`, issued by the server's own service code."""
    db = Database(url, pool_size=1)
    try:
        grant = await issue_token(
            db,
            client_id=client.client_id,
            client_secret=client.client_secret,
            requested_scope=None,
            ttl_seconds=6 * 3600,
        )
    finally:
        await db.dispose()
    return grant.access_token


async def build_fixture(
    url: str, dsn: str, client: BenchClient, *, today: date, seed: int
) -> Fixture:
    """Sample what the scenarios request from the account of `client`."""
    token = await new_token(url, client)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("SELECT setseed(0.6)")
        invoice_rows = await conn.fetch(
            "SELECT id FROM invoices WHERE account_id = $1 ORDER BY random() LIMIT $2",
            client.account_id,
            _ID_SAMPLE,
        )
        customer_rows = await conn.fetch(
            "SELECT id FROM customers WHERE account_id = $1 AND archived_at IS NULL ORDER BY id",
            client.account_id,
        )
        # The AP list's default view: not drafts, not void, not archived
        # (DESIGN.md "One invoice, two views"); newest first.
        listed = (
            "FROM invoices WHERE account_id = $1 AND archived_at IS NULL"
            " AND lifecycle NOT IN ('draft', 'void')"
        )
        visible = int(await conn.fetchval(f"SELECT count(*) {listed}", client.account_id))
        deep_rows = max(0, min(DEEP_PAGES * PAGE_SIZE, visible - PAGE_SIZE - 1))
        deep_id = await conn.fetchval(
            f"SELECT id {listed} ORDER BY id DESC OFFSET $2 LIMIT 1",
            client.account_id,
            max(0, deep_rows - 1),
        )
    finally:
        await conn.close()
    return Fixture(
        client_id=client.client_id,
        client_secret=client.client_secret,
        token=token,
        invoice_ids=[ids.encode(ids.INVOICE, row["id"]) for row in invoice_rows],
        customer_ids=[ids.encode(ids.CUSTOMER, row["id"]) for row in customer_rows],
        deep_cursor=encode_cursor(deep_id),
        deep_rows=deep_rows,
        today=today,
        seed=seed,
    )
