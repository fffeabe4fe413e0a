"""Card testing: after too many declines, an invoice's page stops reaching the processor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from invoicery.domain import ids
from invoicery.service.payments import DECLINE_WINDOW, MAX_DECLINES
from invoicery.store.database import Database
from invoicery.store.tables import transactions
from tests.integration.pages.hosted import (
    DECLINED_CARD,
    ERROR_CARD,
    GOOD_CARD,
    HostedPage,
    open_page,
    status_of,
    transactions_of,
)
from tests.support.tenant import Tenant


async def _decline(page: HostedPage, times: int) -> None:
    for _ in range(times):
        assert (await page.pay_card(DECLINED_CARD)).status_code == 402


async def test_the_attempt_after_the_last_allowed_decline_is_refused(
    tenant: Tenant, db: Database
) -> None:
    page = await open_page(tenant)
    await _decline(page, MAX_DECLINES)
    refused = await page.pay_card(GOOD_CARD)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == str(int(DECLINE_WINDOW.total_seconds()))
    assert "Too many declined payment attempts" in refused.text
    assert len(await transactions_of(db, tenant, page.invoice_id)) == MAX_DECLINES
    assert await status_of(tenant, page.invoice_id) == "UPCOMING"
    assert (await page.pay_bank()).status_code == 429  # the limit is the invoice's, any method


async def test_one_decline_fewer_still_lets_the_payer_pay(tenant: Tenant) -> None:
    page = await open_page(tenant)
    await _decline(page, MAX_DECLINES - 1)
    assert (await page.pay_card(GOOD_CARD)).status_code == 303
    assert await status_of(tenant, page.invoice_id) == "PAID"


async def test_processor_errors_are_not_the_payers_and_do_not_count(tenant: Tenant) -> None:
    page = await open_page(tenant)
    for _ in range(MAX_DECLINES):
        assert (await page.pay_card(ERROR_CARD)).status_code == 503
    assert (await page.pay_card(GOOD_CARD)).status_code == 303


async def test_declines_older_than_the_window_no_longer_count(tenant: Tenant, db: Database) -> None:
    page = await open_page(tenant)
    await _decline(page, MAX_DECLINES)
    assert (await page.pay_card(GOOD_CARD)).status_code == 429
    async with db.write() as conn:
        await conn.execute(
            update(transactions)
            .where(transactions.c.invoice_id == ids.decode(ids.INVOICE, page.invoice_id))
            .values(created_at=datetime.now(UTC) - DECLINE_WINDOW - timedelta(minutes=1))
        )
    assert (await page.pay_card(GOOD_CARD)).status_code == 303
    assert await status_of(tenant, page.invoice_id) == "PAID"
