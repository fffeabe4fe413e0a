"""An archived invoice keeps the moment it was archived through later state changes."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from sqlalchemy import select

from invoicery.domain import ids
from invoicery.service._time import utc_now
from invoicery.store import invoices
from invoicery.store.database import Database
from invoicery.store.tables import invoices as invoices_table
from tests.support.tenant import Tenant


async def _archived_at(db: Database, invoice_id: UUID) -> datetime | None:
    async with db.read() as conn:
        query = select(invoices_table.c.archived_at).where(invoices_table.c.id == invoice_id)
        value: datetime | None = (await conn.execute(query)).scalar_one()
        return value


async def test_later_saves_keep_archived_at(tenant: Tenant, db: Database) -> None:
    created = await tenant.invoice()
    assert (await tenant.request("DELETE", f"/invoices/{created['id']}")).status_code == 200
    invoice_id = ids.decode(ids.INVOICE, created["id"])
    first = await _archived_at(db, invoice_id)
    assert first is not None
    await asyncio.sleep(0.01)
    async with db.write() as conn:
        found = await invoices.get(
            conn, account_id=(await _account(db, invoice_id)), invoice_id=invoice_id, now=utc_now()
        )
        assert found is not None
        invoice = found.invoice
        assert invoice.state.archived
        await invoices.save_state(conn, replace(invoice, updated_at=utc_now()))
    assert await _archived_at(db, invoice_id) == first
    assert (await tenant.request("POST", f"/invoices/{created['id']}/restore")).status_code == 200
    assert await _archived_at(db, invoice_id) is None


async def _account(db: Database, invoice_id: UUID) -> UUID:
    async with db.read() as conn:
        query = select(invoices_table.c.account_id).where(invoices_table.c.id == invoice_id)
        account_id: UUID = (await conn.execute(query)).scalar_one()
        return account_id
