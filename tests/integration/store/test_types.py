"""Timestamps come back from either database as the same aware UTC instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import select

from invoicery.domain import ids
from invoicery.store.database import Database
from invoicery.store.tables import invoices as invoices_table
from tests.support.tenant import Tenant


async def test_a_timestamp_reads_back_as_aware_utc(tenant: Tenant, db: Database) -> None:
    created = await tenant.invoice()
    invoice_id = ids.decode(ids.INVOICE, created["id"])
    async with db.read() as conn:
        query = select(invoices_table.c.created_at).where(invoices_table.c.id == invoice_id)
        stored: datetime = (await conn.execute(query)).scalar_one()
    assert stored.utcoffset() == timedelta(0)
    assert stored == ids.timestamp_of(invoice_id)


async def test_an_instant_written_in_another_zone_reads_back_in_utc(
    tenant: Tenant, db: Database
) -> None:
    created = await tenant.invoice()
    invoice_id = ids.decode(ids.INVOICE, created["id"])
    tokyo = datetime(2030, 5, 1, 9, 30, tzinfo=timezone(timedelta(hours=9)))
    async with db.write() as conn:
        await conn.execute(
            invoices_table.update()
            .where(invoices_table.c.id == invoice_id)
            .values(last_notification_at=tokyo)
        )
    async with db.read() as conn:
        query = select(invoices_table.c.last_notification_at).where(
            invoices_table.c.id == invoice_id
        )
        stored: datetime = (await conn.execute(query)).scalar_one()
    assert stored == datetime(2030, 5, 1, 0, 30, tzinfo=UTC)
    assert stored.utcoffset() == timedelta(0)
