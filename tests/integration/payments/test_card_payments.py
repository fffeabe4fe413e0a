"""Card payments on the hosted page: success, declines, processor errors."""

from __future__ import annotations

import asyncio

import pytest
from fastapi import FastAPI

from invoicery.payments.processor import (
    BankDebit,
    CardCharge,
    ChargeResult,
    DebitResult,
    ProcessorError,
    SettlementResult,
)
from invoicery.payments.transaction import PaymentMethodType, PaymentType, TransactionStatus
from invoicery.store.database import Database
from tests.integration.pages.hosted import (
    DECLINED_CARD,
    ERROR_CARD,
    GOOD_CARD,
    INSUFFICIENT_FUNDS_CARD,
    open_page,
    status_of,
    transactions_of,
)
from tests.support.builders import line
from tests.support.tenant import Tenant


async def test_a_good_card_pays_the_invoice(db: Database, tenant: Tenant) -> None:
    invoice = await tenant.invoice(line(1234.5, quantity=2))
    page = await open_page(tenant, invoice)
    response = await page.pay_card(GOOD_CARD)
    assert response.status_code == 303
    assert response.headers["location"] == page.path
    assert "paid in full" in (await page.get()).text
    assert await status_of(tenant, invoice["id"]) == "PAID"
    [transaction] = await transactions_of(db, tenant, invoice["id"])
    assert transaction.status is TransactionStatus.SETTLED
    assert transaction.amount == 246900
    assert transaction.currency == "USD"
    assert transaction.payment_type is PaymentType.PAYMENT
    assert transaction.payment_method_type is PaymentMethodType.CARD
    assert (transaction.card_brand, transaction.card_last4) == ("visa", "4242")
    assert transaction.provider == "sandbox"
    assert transaction.provider_transaction_id
    assert transaction.processed_at is not None
    assert transaction.error is None


async def test_a_mastercard_is_recognised(db: Database, tenant: Tenant) -> None:
    page = await open_page(tenant)
    assert (await page.pay_card("5555 5555 5555 4444")).status_code == 303
    [transaction] = await transactions_of(db, tenant, page.invoice_id)
    assert (transaction.card_brand, transaction.card_last4) == ("mastercard", "4444")


@pytest.mark.parametrize(
    ("number", "message"),
    [
        (DECLINED_CARD, "Your card was declined."),
        (INSUFFICIENT_FUNDS_CARD, "Your card has insufficient funds."),
    ],
)
async def test_a_declined_card_leaves_the_invoice_unpaid(
    db: Database, tenant: Tenant, number: str, message: str
) -> None:
    page = await open_page(tenant)
    response = await page.pay_card(number)
    assert response.status_code == 402
    assert message in response.text
    assert "<form" in response.text  # the payer can try another card
    assert await status_of(tenant, page.invoice_id) == "UPCOMING"
    [transaction] = await transactions_of(db, tenant, page.invoice_id)
    assert transaction.status is TransactionStatus.FAILED
    assert transaction.error == message
    assert transaction.card_last4 == number[-4:]


async def test_after_a_decline_another_card_can_pay(db: Database, tenant: Tenant) -> None:
    page = await open_page(tenant)
    assert (await page.pay_card(DECLINED_CARD)).status_code == 402
    assert (await page.pay_card(GOOD_CARD)).status_code == 303
    assert await status_of(tenant, page.invoice_id) == "PAID"
    statuses = [t.status for t in await transactions_of(db, tenant, page.invoice_id)]
    assert statuses == [TransactionStatus.FAILED, TransactionStatus.SETTLED]


async def test_the_sandbox_error_card_shows_a_retryable_error(db: Database, tenant: Tenant) -> None:
    page = await open_page(tenant)
    response = await page.pay_card(ERROR_CARD)
    assert response.status_code == 503
    assert "please try again" in response.text
    assert "<form" in response.text
    assert await status_of(tenant, page.invoice_id) == "UPCOMING"
    [transaction] = await transactions_of(db, tenant, page.invoice_id)
    assert transaction.status is TransactionStatus.FAILED
    assert transaction.error is not None
    assert "processor error" in transaction.error
    assert (await page.pay_card(GOOD_CARD)).status_code == 303


class _SlowProcessor:
    """A processor that never answers in time."""

    name = "slow"

    async def charge_card(self, charge: CardCharge) -> ChargeResult:
        await asyncio.sleep(30)
        raise AssertionError("unreachable")

    async def debit_bank_account(self, debit: BankDebit) -> DebitResult:
        await asyncio.sleep(30)
        raise AssertionError("unreachable")

    async def check_settlement(self, provider_transaction_id: str) -> SettlementResult:
        raise ProcessorError("down")


async def test_a_processor_timeout_leaves_the_invoice_unpaid(
    app: FastAPI, db: Database, tenant: Tenant
) -> None:
    page = await open_page(tenant)
    app.state.processor = _SlowProcessor()
    app.state.settings = app.state.settings.model_copy(update={"processor_timeout_seconds": 0.2})
    card = await page.pay_card(GOOD_CARD)
    bank = await page.pay_bank()
    assert (card.status_code, bank.status_code) == (503, 503)
    assert "please try again" in card.text
    assert await status_of(tenant, page.invoice_id) == "UPCOMING"
    attempts = await transactions_of(db, tenant, page.invoice_id)
    assert [t.status for t in attempts] == [TransactionStatus.FAILED] * 2
    assert all(t.provider == "slow" for t in attempts)


async def test_invalid_card_details_create_no_transaction(db: Database, tenant: Tenant) -> None:
    page = await open_page(tenant)
    response = await page.pay_card("4242 4242 4242 4241")
    assert response.status_code == 422
    assert "Your card number is invalid." in response.text
    assert await transactions_of(db, tenant, page.invoice_id) == []
