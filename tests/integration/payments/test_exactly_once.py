"""Two submissions at once (double click, two tabs, two servers) charge exactly once."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from sqlalchemy.exc import IntegrityError

from invoicery.domain import ids
from invoicery.payments.transaction import TransactionStatus
from invoicery.store import transactions
from invoicery.store.database import Database
from tests.integration.pages.hosted import open_page, status_of, transactions_of
from tests.support.tenant import Tenant


async def test_two_card_submissions_at_once_charge_once(db: Database, tenant: Tenant) -> None:
    page = await open_page(tenant)
    await tenant.token()
    responses = await asyncio.gather(page.pay_card(), page.pay_card())
    assert sorted(response.status_code for response in responses) == [303, 409]
    loser = next(response for response in responses if response.status_code == 409)
    assert "already paid" in loser.text
    assert await status_of(tenant, page.invoice_id) == "PAID"
    attempts = await transactions_of(db, tenant, page.invoice_id)
    assert [t.status for t in attempts] == [TransactionStatus.SETTLED]


async def test_many_mixed_submissions_make_one_payment(db: Database, tenant: Tenant) -> None:
    page = await open_page(tenant)
    submissions = [page.pay_card() for _ in range(3)] + [page.pay_bank() for _ in range(3)]
    responses = await asyncio.gather(*submissions)
    assert sorted(r.status_code for r in responses) == [303] + [409] * 5
    attempts = await transactions_of(db, tenant, page.invoice_id)
    assert len(attempts) == 1
    assert attempts[0].status in (TransactionStatus.SETTLED, TransactionStatus.PENDING)


async def test_resubmitting_a_paid_page_charges_nothing(db: Database, tenant: Tenant) -> None:
    page = await open_page(tenant)
    assert (await page.pay_card()).status_code == 303
    again = await page.pay_card()
    assert again.status_code == 409
    assert len(await transactions_of(db, tenant, page.invoice_id)) == 1


async def test_the_schema_allows_one_active_payment_per_invoice(
    db: Database, tenant: Tenant
) -> None:
    page = await open_page(tenant)
    assert (await page.pay_card()).status_code == 303
    [paid] = await transactions_of(db, tenant, page.invoice_id)
    for status in (TransactionStatus.SETTLED, TransactionStatus.PENDING):
        with pytest.raises(IntegrityError):
            async with db.write() as conn:
                await transactions.insert(conn, replace(paid, id=ids.new_uuid7(), status=status))
    async with db.write() as conn:  # failed attempts are not limited
        await transactions.insert(
            conn, replace(paid, id=ids.new_uuid7(), status=TransactionStatus.FAILED)
        )
    assert len(await transactions_of(db, tenant, page.invoice_id)) == 2
