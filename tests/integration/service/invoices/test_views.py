"""The summary built from a listed row (`VIEW_COLUMNS`) equals the one from the domain invoice."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update

from invoicery.domain import ids
from invoicery.domain.invoice import Invoice
from invoicery.domain.status import ApStatus, ap_status
from invoicery.service.invoices.views import InvoiceSummary, summary_of, summary_of_row
from invoicery.store.database import Database
from invoicery.store.invoice_listing import VIEW_COLUMNS
from invoicery.store.invoices import to_invoice
from invoicery.store.tables import invoices
from tests.integration.api.billing import v1
from tests.support.builders import line
from tests.support.tenant import Tenant


def _summary(invoice: Invoice, today: date) -> InvoiceSummary | None:
    status = ap_status(invoice.state, today)
    return None if status is None else summary_of(invoice, status)


async def _every_kind_of_invoice(tenant: Tenant, db: Database) -> None:
    await tenant.invoice()
    await tenant.invoice(line(0.1, quantity=3), line(19.99), memo="hello")
    archived = await tenant.invoice()
    assert (await tenant.request("DELETE", f"/invoices/{archived['id']}")).status_code == 200
    overdue = await tenant.invoice()
    async with db.write() as conn:
        await conn.execute(
            update(invoices)
            .where(invoices.c.id == ids.decode(ids.INVOICE, overdue["id"]))
            .values(
                due_date=date.today() - timedelta(days=3),
                last_notification_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
            )
        )
    customer = await v1.customer(tenant)
    taxed = await v1.draft(tenant, customer["id"], *v1.taxed_and_tiered_lines(), memo="v1 memo")
    await v1.act(tenant, taxed["id"], "finalize")
    await v1.draft(tenant, customer["id"])  # a draft: the AP face never shows it
    voided = await v1.draft(tenant, customer["id"])
    await v1.act(tenant, voided["id"], "finalize")
    await v1.act(tenant, voided["id"], "void")


async def test_both_constructions_agree_for_every_kind_of_invoice(
    tenant: Tenant, db: Database
) -> None:
    await _every_kind_of_invoice(tenant, db)
    account_id = ids.decode(ids.ACCOUNT, tenant.client.account_id)
    mine = invoices.c.account_id == account_id
    async with db.read() as conn:
        listed = await conn.execute(select(*VIEW_COLUMNS).where(mine).order_by(invoices.c.id))
        stored = await conn.execute(select(invoices).where(mine).order_by(invoices.c.id))
        listed_rows, stored_rows = listed.mappings().all(), stored.mappings().all()
    today = date.today()
    pairs = [
        (summary_of_row(listed_row, today), _summary(to_invoice(stored_row), today))
        for listed_row, stored_row in zip(listed_rows, stored_rows, strict=True)
    ]
    assert len(pairs) == 7
    assert [from_row for from_row, _ in pairs] == [from_domain for _, from_domain in pairs]
    shown = [view for view, _ in pairs if view is not None]
    assert len(shown) == 6  # all but the draft
    assert {ApStatus.UPCOMING, ApStatus.OVERDUE, ApStatus.ARCHIVED} <= {v.status for v in shown}
    assert any(v.memo == "v1 memo" and len(v.line_items) == 2 for v in shown)
    assert any(v.last_notification_at is not None for v in shown)
