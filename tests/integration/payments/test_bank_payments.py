"""ACH payments: RECEIVED at once, then PAID or back to unpaid when the worker settles."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI

from invoicery.payments.transaction import PaymentMethodType, TransactionStatus
from invoicery.service._time import utc_now
from invoicery.service.settlement import settle_due
from invoicery.store.database import Database
from tests.integration.pages.hosted import (
    FAILING_ACCOUNT,
    GOOD_ACCOUNT,
    HostedPage,
    open_page,
    status_of,
    transactions_of,
)
from tests.support.tenant import Tenant


async def _settle_after(app: FastAPI, db: Database, seconds: float) -> int:
    return await settle_due(
        db, app.state.processor, now=utc_now() + timedelta(seconds=seconds), processor_timeout=5
    )


async def _submit(app: FastAPI, tenant: Tenant, account: str, delay: float) -> HostedPage:
    app.state.settings = app.state.settings.model_copy(update={"ach_settlement_seconds": delay})
    page = await open_page(tenant)
    response = await page.pay_bank(account)
    assert response.status_code == 303, response.text
    return page


async def test_a_bank_payment_is_received_then_paid(
    app: FastAPI, db: Database, tenant: Tenant
) -> None:
    page = await _submit(app, tenant, GOOD_ACCOUNT, delay=60)
    assert await status_of(tenant, page.invoice_id) == "RECEIVED"
    html = (await page.get()).text
    assert "Payment processing" in html
    assert "bank account ending in 6789" in html
    assert "<form" not in html
    [pending] = await transactions_of(db, tenant, page.invoice_id)
    assert pending.status is TransactionStatus.PENDING
    assert pending.payment_method_type is PaymentMethodType.BANK_TRANSFER
    assert pending.account_number_hint == "6789"
    assert pending.card_last4 is None

    await _settle_after(app, db, 1)  # not yet due
    assert await status_of(tenant, page.invoice_id) == "RECEIVED"

    assert await _settle_after(app, db, 61) >= 1
    assert await status_of(tenant, page.invoice_id) == "PAID"
    [settled] = await transactions_of(db, tenant, page.invoice_id)
    assert settled.status is TransactionStatus.SETTLED
    assert settled.processed_at is not None
    assert 'data-status="PAID"' in (await page.get()).text


async def test_the_failing_account_returns_the_invoice_to_unpaid(
    app: FastAPI, db: Database, tenant: Tenant
) -> None:
    page = await _submit(app, tenant, FAILING_ACCOUNT, delay=0)
    assert await status_of(tenant, page.invoice_id) == "RECEIVED"
    await _settle_after(app, db, 1)
    assert await status_of(tenant, page.invoice_id) == "UPCOMING"
    [failed] = await transactions_of(db, tenant, page.invoice_id)
    assert failed.status is TransactionStatus.FAILED
    assert failed.error is not None
    assert "R03" in failed.error
    html = (await page.get()).text
    assert "Your last bank payment did not go through" in html
    assert "<form" in html
    assert (await page.pay_card()).status_code == 303
    assert await status_of(tenant, page.invoice_id) == "PAID"


async def test_a_received_invoice_cannot_be_paid_again_or_archived(
    app: FastAPI, db: Database, tenant: Tenant
) -> None:
    page = await _submit(app, tenant, GOOD_ACCOUNT, delay=60)
    response = await page.pay_card()
    assert response.status_code == 409
    assert "already in flight" in response.text
    archive = await tenant.request("DELETE", f"/invoices/{page.invoice_id}")
    assert archive.status_code == 400
    assert len(await transactions_of(db, tenant, page.invoice_id)) == 1


async def test_bank_field_errors(db: Database, tenant: Tenant) -> None:
    page = await open_page(tenant)
    response = await page.pay_bank("12", routing="110000001")
    assert response.status_code == 422
    assert "The routing number is invalid" in response.text
    assert "The account number has 4 to 17 digits." in response.text
    assert await transactions_of(db, tenant, page.invoice_id) == []
    assert await status_of(tenant, page.invoice_id) == "UPCOMING"


async def test_bank_payments_need_a_usd_invoice(db: Database, tenant: Tenant) -> None:
    page = await open_page(tenant, await tenant.invoice(currency="EUR"))
    response = await page.pay_bank()
    assert response.status_code == 409
    assert "US dollars" in response.text
    assert await transactions_of(db, tenant, page.invoice_id) == []
