"""Hosted-payment use cases: the payment link, the page, card and bank-account payments.

Exactly once: every payment use case is one write transaction that first locks the
invoice row (``SELECT … FOR UPDATE``; on SQLite the ``BEGIN IMMEDIATE`` write lock)
and checks that the invoice is still payable, then asks the processor, records the
attempt and updates the invoice before committing. A second submission of the same
page, from another tab or another server, waits for the lock and then finds the
invoice PAID (or RECEIVED). A unique partial index on transactions (one Pending or
Settled payment per invoice) backs this up in the schema. The lock is held for the
processor call, which is bounded by `processor_timeout`.

Card testing: after `MAX_DECLINES` declines of one invoice within `DECLINE_WINDOW`,
further attempts are refused (`TooManyAttempts`) without reaching the processor. The
count is taken under the row lock, so concurrent submissions cannot slip past it.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from collections.abc import Awaitable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol, TypeVar
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from invoicery.auth.tokens import Principal
from invoicery.domain import ids
from invoicery.domain.account import Account, today_in
from invoicery.domain.customer import Customer
from invoicery.domain.errors import InvalidState, NotFound, TooManyAttempts
from invoicery.domain.events import EventType
from invoicery.domain.invoice import Invoice
from invoicery.domain.status import ApStatus, Lifecycle, PaymentStatus, ap_status
from invoicery.payments.ach import BankAccountDetails, add_business_days, parse_bank_account
from invoicery.payments.cards import CardDetails, parse_card
from invoicery.payments.processor import (
    BankDebit,
    CardCharge,
    ChargeOutcome,
    ChargeResult,
    DebitOutcome,
    DebitResult,
    DeclineCode,
    PaymentProcessor,
    ProcessorError,
    customer_message,
)
from invoicery.payments.transaction import (
    PaymentMethodType,
    PaymentType,
    Transaction,
    TransactionStatus,
)
from invoicery.service import events
from invoicery.service._time import utc_now
from invoicery.service.invoices import parse_id as parse_invoice_id
from invoicery.store import accounts, customers, invoices, transactions
from invoicery.store.database import Database

__all__ = [
    "ACH_CURRENCY",
    "DECLINE_WINDOW",
    "MAX_DECLINES",
    "PROCESSOR_ERROR_MESSAGE",
    "BankForm",
    "CardForm",
    "PaymentOutcome",
    "PaymentPage",
    "PaymentResult",
    "call_processor",
    "is_well_formed_token",
    "page",
    "pay_by_bank",
    "pay_by_card",
    "payment_link_token",
    "payment_token_for",
    "record_outcome",
]

logger = logging.getLogger("invoicery.payments")

T = TypeVar("T")

PROCESSOR_ERROR_MESSAGE = (
    "The payment could not be completed. Nothing was charged; please try again."
)
ACH_CURRENCY = "USD"
MAX_DECLINES = 10
DECLINE_WINDOW = timedelta(hours=1)
_TOKEN_BYTES = 32  # 256 bits from the OS CSPRNG
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")


@dataclass(frozen=True, slots=True)
class CardForm:
    """The card form as typed by the payer."""

    name: str
    number: str
    expiry: str
    cvc: str


@dataclass(frozen=True, slots=True)
class BankForm:
    """The bank-account form as typed by the payer."""

    name: str
    routing: str
    account: str
    account_type: str


@dataclass(frozen=True, slots=True)
class PaymentPage:
    """Everything the hosted page shows about one invoice."""

    account: Account
    customer: Customer
    invoice: Invoice
    status: ApStatus
    latest: Transaction | None


class PaymentOutcome(StrEnum):
    """What a payment attempt did to the invoice."""

    PAID = "paid"
    SUBMITTED = "submitted"
    DECLINED = "declined"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class PaymentResult:
    """A recorded payment attempt and a sentence for the payer when it did not succeed."""

    outcome: PaymentOutcome
    transaction: Transaction
    message: str | None = None


def is_well_formed_token(token: str) -> bool:
    """Whether `token` has the shape of a page token (checked before any query)."""
    return _TOKEN.match(token) is not None


async def call_processor(call: Awaitable[T], seconds: float) -> T:
    """Await a processor call for at most `seconds`, turning a timeout into `ProcessorError`."""
    try:
        return await asyncio.wait_for(call, seconds)
    except TimeoutError:
        raise ProcessorError("the processor did not answer in time") from None


async def payment_link_token(db: Database, *, principal: Principal, invoice_id: str) -> str:
    """The invoice's hosted-page token, issued on first use; `InvalidState` if not payable."""
    return await payment_token_for(
        db,
        account_id=principal.account_id,
        timezone=principal.timezone,
        invoice_id=parse_invoice_id(invoice_id),
    )


async def payment_token_for(
    db: Database,
    *,
    account_id: UUID,
    timezone: str,
    invoice_id: UUID,
    customer_id: UUID | None = None,
) -> str:
    """The hosted-page token of the account's invoice, issued on first use.

    `NotFound` for a draft, for another account's invoice and, when `customer_id` is
    given, for another customer's; `InvalidState` if the invoice is not payable on the
    account's date (`timezone`).
    """
    now = utc_now()
    async with db.write() as conn:
        found = await invoices.get(
            conn, account_id=account_id, invoice_id=invoice_id, now=now, for_update=True
        )
        if (
            found is None
            or found.invoice.state.lifecycle is Lifecycle.DRAFT
            or (customer_id is not None and found.invoice.customer_id != customer_id)
        ):
            raise NotFound("invoice not found")
        found.invoice.ensure_payable(today=today_in(timezone, now))
        token = await invoices.get_payment_token(conn, account_id=account_id, invoice_id=invoice_id)
        if token is None:
            token = secrets.token_urlsafe(_TOKEN_BYTES)
            await invoices.set_payment_token(
                conn, account_id=account_id, invoice_id=invoice_id, token=token
            )
    return token


async def page(db: Database, *, token: str) -> PaymentPage:
    """What the hosted page for `token` shows, or `NotFound`."""
    if not is_well_formed_token(token):
        raise NotFound("page not found")
    now = utc_now()
    async with db.read() as conn:
        found = await invoices.get_by_payment_token(conn, token, now=now)
        if found is None or found.invoice.state.lifecycle is Lifecycle.DRAFT:
            raise NotFound("page not found")
        invoice = found.invoice
        account = await accounts.get(conn, invoice.account_id)
        customer = await customers.get(
            conn, account_id=invoice.account_id, customer_id=invoice.customer_id
        )
        latest = await transactions.latest_for_invoice(
            conn, account_id=invoice.account_id, invoice_id=invoice.id
        )
    assert account is not None
    assert customer is not None
    status = ap_status(invoice.state, today_in(account.timezone, now))
    assert status is not None
    return PaymentPage(account, customer, invoice, status, latest)


async def _lock_payable(conn: AsyncConnection, token: str, now: datetime) -> Invoice:
    if not is_well_formed_token(token):
        raise NotFound("page not found")
    found = await invoices.get_by_payment_token(conn, token, now=now, for_update=True)
    if found is None or found.invoice.state.lifecycle is Lifecycle.DRAFT:
        raise NotFound("page not found")
    invoice = found.invoice
    account = await accounts.get(conn, invoice.account_id)
    assert account is not None
    invoice.ensure_payable(today=today_in(account.timezone, now))
    declines = await transactions.count_declines_since(
        conn, account_id=invoice.account_id, invoice_id=invoice.id, since=now - DECLINE_WINDOW
    )
    if declines >= MAX_DECLINES:
        raise TooManyAttempts(
            "too many declined payment attempts for this invoice; please try again later",
            retry_after=int(DECLINE_WINDOW.total_seconds()),
        )
    return invoice


def _attempt(
    invoice: Invoice, processor: PaymentProcessor, method: PaymentMethodType, now: datetime
) -> Transaction:
    return Transaction(
        id=ids.new_uuid7(),
        account_id=invoice.account_id,
        invoice_id=invoice.id,
        amount=invoice.amount_due,
        currency=invoice.currency,
        status=TransactionStatus.PENDING,
        payment_type=PaymentType.PAYMENT,
        payment_method_type=method,
        card_brand=None,
        card_last4=None,
        account_number_hint=None,
        error=None,
        provider=processor.name,
        provider_transaction_id=None,
        settles_at=None,
        processed_at=None,
        created_at=now,
        updated_at=now,
    )


async def record_outcome(
    conn: AsyncConnection, transaction: Transaction, invoice: Invoice | None = None
) -> None:
    """Record what a payment attempt came to, and what it did to its invoice, as events.

    A settled attempt is `payment.succeeded`, a failed one `payment.failed`; `invoice`,
    when the attempt changed it, is `invoice.paid` once paid, else `invoice.updated`
    (a bank debit in flight, or one returned). Called in the transaction that saved them.
    """
    succeeded = transaction.status is TransactionStatus.SETTLED
    if transaction.status in (TransactionStatus.SETTLED, TransactionStatus.FAILED):
        await events.record_change(
            conn,
            EventType.PAYMENT_SUCCEEDED if succeeded else EventType.PAYMENT_FAILED,
            transaction,
        )
    if invoice is not None:
        paid = invoice.state.payment_status is PaymentStatus.PAID
        await events.record_change(
            conn, EventType.INVOICE_PAID if paid else EventType.INVOICE_UPDATED, invoice
        )


def _description(invoice: Invoice) -> str:
    return f"Invoice {invoice.invoice_number or ids.encode(ids.INVOICE, invoice.id)}"


async def _record_failure(
    conn: AsyncConnection, attempt: Transaction, error: ProcessorError
) -> PaymentResult:
    logger.warning("processor error on %s: %s", ids.encode(ids.TRANSACTION, attempt.id), error)
    failed = replace(attempt, status=TransactionStatus.FAILED, error=f"processor error: {error}")
    await transactions.insert(conn, failed)
    await record_outcome(conn, failed)
    return PaymentResult(PaymentOutcome.ERROR, failed, PROCESSOR_ERROR_MESSAGE)


async def _record_decline(
    conn: AsyncConnection, attempt: Transaction, provider_id: str | None, code: DeclineCode | None
) -> PaymentResult:
    message = customer_message(code or DeclineCode.CARD_DECLINED)
    declined = replace(
        attempt,
        status=TransactionStatus.FAILED,
        error=message,
        provider_transaction_id=provider_id,
        processed_at=attempt.created_at,
    )
    await transactions.insert(conn, declined)
    await record_outcome(conn, declined)
    return PaymentResult(PaymentOutcome.DECLINED, declined, message)


@dataclass(frozen=True, slots=True)
class _Reply:
    """The processor's answer to a card charge or a bank debit, as the page needs it."""

    accepted: bool
    provider_transaction_id: str | None
    decline_code: DeclineCode | None


def _reply(result: ChargeResult | DebitResult) -> _Reply:
    accepted = result.outcome in (ChargeOutcome.SUCCEEDED, DebitOutcome.PENDING)
    return _Reply(accepted, result.provider_transaction_id, result.decline_code)


class _Method(Protocol):
    """One way to pay: what it asks the processor and what its acceptance does."""

    @property
    def type(self) -> PaymentMethodType:
        """The method as transactions record it."""

    def prepare(self, invoice: Invoice, attempt: Transaction) -> Transaction:
        """The attempt with this method's details; `InvalidState` if it cannot pay `invoice`."""

    async def ask(
        self, processor: PaymentProcessor, request_id: str, attempt: Transaction, description: str
    ) -> _Reply:
        """Send the request to the processor."""

    def accept(
        self, invoice: Invoice, attempt: Transaction, provider_id: str | None, now: datetime
    ) -> tuple[PaymentOutcome, Transaction, Invoice]:
        """What an accepted request makes of the attempt and the invoice."""


@dataclass(frozen=True, slots=True)
class _Card:
    """A card charge: the invoice is PAID as soon as the processor accepts it."""

    card: CardDetails
    type: PaymentMethodType = PaymentMethodType.CARD

    def prepare(self, invoice: Invoice, attempt: Transaction) -> Transaction:
        """The attempt with the card's brand and last four digits."""
        return replace(attempt, card_brand=self.card.brand.value, card_last4=self.card.last4)

    async def ask(
        self, processor: PaymentProcessor, request_id: str, attempt: Transaction, description: str
    ) -> _Reply:
        """Charge the card."""
        request = CardCharge(request_id, attempt.amount, attempt.currency, self.card, description)
        return _reply(await processor.charge_card(request))

    def accept(
        self, invoice: Invoice, attempt: Transaction, provider_id: str | None, now: datetime
    ) -> tuple[PaymentOutcome, Transaction, Invoice]:
        """A settled payment and a paid invoice."""
        paid = replace(
            attempt,
            status=TransactionStatus.SETTLED,
            provider_transaction_id=provider_id,
            processed_at=now,
        )
        return PaymentOutcome.PAID, paid, invoice.payment_settled(now=now)


@dataclass(frozen=True, slots=True)
class _Bank:
    """An ACH debit: the invoice is RECEIVED until the worker settles the debit."""

    account: BankAccountDetails
    settles_at: datetime
    type: PaymentMethodType = PaymentMethodType.BANK_TRANSFER

    def prepare(self, invoice: Invoice, attempt: Transaction) -> Transaction:
        """The attempt with the account number's hint; only US-dollar invoices qualify."""
        if invoice.currency != ACH_CURRENCY:
            raise InvalidState("bank payments are available only for invoices in US dollars")
        return replace(attempt, account_number_hint=self.account.hint)

    async def ask(
        self, processor: PaymentProcessor, request_id: str, attempt: Transaction, description: str
    ) -> _Reply:
        """Start the debit."""
        request = BankDebit(request_id, attempt.amount, attempt.currency, self.account, description)
        return _reply(await processor.debit_bank_account(request))

    def accept(
        self, invoice: Invoice, attempt: Transaction, provider_id: str | None, now: datetime
    ) -> tuple[PaymentOutcome, Transaction, Invoice]:
        """A pending debit due to settle, and an invoice with a payment in flight."""
        pending = replace(attempt, provider_transaction_id=provider_id, settles_at=self.settles_at)
        return PaymentOutcome.SUBMITTED, pending, invoice.payment_submitted(now=now)


async def _pay(
    db: Database,
    processor: PaymentProcessor,
    *,
    token: str,
    method: _Method,
    processor_timeout: float,
    now: datetime,
) -> PaymentResult:
    async with db.write() as conn:
        invoice = await _lock_payable(conn, token, now)
        attempt = method.prepare(invoice, _attempt(invoice, processor, method.type, now))
        request_id = ids.encode(ids.TRANSACTION, attempt.id)
        try:
            reply = await call_processor(
                method.ask(processor, request_id, attempt, _description(invoice)),
                processor_timeout,
            )
        except ProcessorError as error:
            return await _record_failure(conn, attempt, error)
        if not reply.accepted:
            return await _record_decline(
                conn, attempt, reply.provider_transaction_id, reply.decline_code
            )
        outcome, recorded, changed = method.accept(
            invoice, attempt, reply.provider_transaction_id, now
        )
        await transactions.insert(conn, recorded)
        await invoices.save_payment_state(conn, changed)
        await record_outcome(conn, recorded, changed)
    return PaymentResult(outcome, recorded)


async def pay_by_card(
    db: Database,
    processor: PaymentProcessor,
    *,
    token: str,
    form: CardForm,
    processor_timeout: float,
) -> PaymentResult:
    """Charge the invoice's amount due to a card; PAID on success, unchanged otherwise."""
    now = utc_now()
    card = parse_card(
        name=form.name, number=form.number, expiry=form.expiry, cvc=form.cvc, today=now.date()
    )
    return await _pay(
        db, processor, token=token, method=_Card(card), processor_timeout=processor_timeout, now=now
    )


async def pay_by_bank(
    db: Database,
    processor: PaymentProcessor,
    *,
    token: str,
    form: BankForm,
    processor_timeout: float,
    settlement_delay: timedelta | None,
) -> PaymentResult:
    """Start an ACH debit: RECEIVED now, PAID (or back to unpaid) when the worker settles it."""
    now = utc_now()
    account = parse_bank_account(
        name=form.name, routing=form.routing, account=form.account, account_type=form.account_type
    )
    settles_at = add_business_days(now, 1) if settlement_delay is None else now + settlement_delay
    method = _Bank(account, settles_at)
    return await _pay(
        db, processor, token=token, method=method, processor_timeout=processor_timeout, now=now
    )
