"""The settlement worker: settles due debits on its own; many workers settle each once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from fastapi import FastAPI

from invoicery.payments.sandbox import SandboxProcessor
from invoicery.payments.transaction import TransactionStatus
from invoicery.service._time import utc_now
from invoicery.service.settlement import settle_due
from invoicery.store.database import Database
from invoicery.worker import in_background
from tests.integration.pages.hosted import (
    FAILING_ACCOUNT,
    GOOD_ACCOUNT,
    open_page,
    status_of,
    transactions_of,
)
from tests.support.tenant import Tenant


async def _wait_for_status(tenant: Tenant, invoice_id: str, status: str) -> None:
    for _ in range(100):
        if await status_of(tenant, invoice_id) == status:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{invoice_id} never became {status}")


async def test_the_background_worker_settles_due_debits(
    app: FastAPI, db: Database, tenant: Tenant
) -> None:
    settings = app.state.settings.model_copy(
        update={"ach_settlement_seconds": 0.5, "worker_poll_seconds": 0.1}
    )
    app.state.settings = settings
    good, bad = await open_page(tenant), await open_page(tenant)
    assert (await good.pay_bank(GOOD_ACCOUNT)).status_code == 303
    assert (await bad.pay_bank(FAILING_ACCOUNT)).status_code == 303
    async with in_background(db, SandboxProcessor(), settings):
        assert await status_of(tenant, good.invoice_id) == "RECEIVED"
        await _wait_for_status(tenant, good.invoice_id, "PAID")
        await _wait_for_status(tenant, bad.invoice_id, "UPCOMING")
    [failed] = await transactions_of(db, tenant, bad.invoice_id)
    assert failed.status is TransactionStatus.FAILED


async def test_concurrent_workers_settle_each_debit_once(
    app: FastAPI, db: Database, tenant: Tenant
) -> None:
    app.state.settings = app.state.settings.model_copy(update={"ach_settlement_seconds": 0})
    # Settle what earlier tests left pending, so the counts below are this test's alone.
    await settle_due(
        db, SandboxProcessor(), now=utc_now() + timedelta(days=7), processor_timeout=5, limit=10_000
    )
    pages = [await open_page(tenant) for _ in range(6)]
    for page in pages:
        assert (await page.pay_bank(GOOD_ACCOUNT)).status_code == 303
    later = utc_now() + timedelta(seconds=1)
    handled = await asyncio.gather(
        *(settle_due(db, SandboxProcessor(), now=later, processor_timeout=5) for _ in range(3))
    )
    assert sum(handled) == len(pages)
    for page in pages:
        assert await status_of(tenant, page.invoice_id) == "PAID"
        [settled] = await transactions_of(db, tenant, page.invoice_id)
        assert settled.status is TransactionStatus.SETTLED
    assert await settle_due(db, SandboxProcessor(), now=later, processor_timeout=5) == 0
