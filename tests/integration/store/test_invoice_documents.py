"""Stored invoice documents: one row per invoice and face, an older version never wins."""

from __future__ import annotations

from sqlalchemy import select

from invoicery.domain import ids
from invoicery.store import invoice_documents
from invoicery.store.database import Database
from invoicery.store.tables import invoice_documents as table
from invoicery.store.tables import invoices
from tests.support.tenant import Tenant


async def test_a_newer_version_replaces_and_an_older_one_does_not(
    tenant: Tenant, db: Database
) -> None:
    created = await tenant.invoice()
    invoice_id = ids.decode(ids.INVOICE, created["id"])
    async with db.read() as conn:
        query = select(invoices.c.account_id).where(invoices.c.id == invoice_id)
        account_id = (await conn.execute(query)).scalar_one()

    async def keep(face: str, version: int, body: bytes) -> None:
        async with db.write() as conn:
            await invoice_documents.store(
                conn, account_id=account_id, face=face, documents=[(invoice_id, version, body)]
            )

    await keep("test.1", 2, b"two")
    await keep("test.1", 3, b"three")
    await keep("test.1", 1, b"one")
    await keep("test.2", 1, b"other face")
    async with db.read() as conn:
        query = (
            select(table.c.face, table.c.version, table.c.body)
            .where(table.c.invoice_id == invoice_id)
            .order_by(table.c.face)
        )
        rows = [tuple(row) for row in (await conn.execute(query)).all()]
    assert rows == [("test.1", 3, b"three"), ("test.2", 1, b"other face")]
