"""Payments received outside the hosted page (a wire, a cheque), recorded by the merchant.

Both faces call `record`: one write transaction locks the invoice, settles the amount
on it (`Invoice.payment_received`: PARTIALLY_PAID, or PAID once nothing is due), records
a settled transaction from the `OFFLINE` provider and the events a hosted-page payment
records (`payments.record_outcome`), and answers the invoice's view with the payment.
The amount comes in minor units (billing v1) or as a major-unit decimal (AP), converted
exactly in the invoice's currency.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from invoicery.auth.tokens import Principal
from invoicery.domain import ids, money
from invoicery.domain.errors import InvalidInput, NotFound
from invoicery.payments.transaction import (
    OFFLINE,
    PaymentMethodType,
    PaymentType,
    Transaction,
    TransactionStatus,
)
from invoicery.service._time import utc_now
from invoicery.service.invoices import parse_id
from invoicery.service.invoices.reads import today_of, views_in
from invoicery.service.invoices.views import InvoiceView
from invoicery.service.payments import record_outcome
from invoicery.store import invoices, transactions
from invoicery.store.database import Database

__all__ = ["MajorAmount", "OfflineMethod", "OfflinePayment", "RecordedPayment", "record"]


class OfflineMethod(StrEnum):
    """How a payment received offline was made, as both faces spell it."""

    BANK_TRANSFER = "BANK_TRANSFER"
    CARD = "CARD"
    OTHER = "OTHER"

    @property
    def method_type(self) -> PaymentMethodType:
        """The transaction's payment method type."""
        return _METHOD_TYPES[self]


_METHOD_TYPES = {
    OfflineMethod.BANK_TRANSFER: PaymentMethodType.BANK_TRANSFER,
    OfflineMethod.CARD: PaymentMethodType.CARD,
    OfflineMethod.OTHER: PaymentMethodType.OTHER,
}


@dataclass(frozen=True, slots=True)
class MajorAmount:
    """An amount in major units (the AP face's `19.99`), exact in the invoice's currency."""

    value: Decimal


@dataclass(frozen=True, slots=True)
class OfflinePayment:
    """A payment as the merchant reports it; an `int` amount is in minor units."""

    amount: int | MajorAmount
    method: OfflineMethod
    reference: str | None = None
    paid_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class RecordedPayment:
    """The payment as recorded, and its invoice's view after it."""

    payment: Transaction
    view: InvoiceView


def _minor(amount: int | MajorAmount, currency: str) -> int:
    """The amount in minor units of `currency`; `InvalidInput` if it is not exact there."""
    if isinstance(amount, int):
        return amount
    try:
        return money.to_minor(amount.value, currency)
    except money.TooManyDecimals:
        places = money.exponent(currency)
        message = f"{currency} amounts have at most {places} decimal places"
    except money.AmountTooLarge:
        message = f"must be at most {money.to_major_string(money.MAX_AMOUNT, currency)}"
    raise InvalidInput("the amount is invalid", {"amount": message})


def _paid_at(paid_at: datetime | None, now: datetime) -> datetime:
    """When the money arrived: `paid_at`, or `now`; `InvalidInput` if in the future."""
    if paid_at is None:
        return now
    if paid_at > now:
        raise InvalidInput("paid_at is invalid", {"paid_at": "must not be in the future"})
    return paid_at


async def record(
    db: Database, *, principal: Principal, invoice_id: str, payment: OfflinePayment
) -> RecordedPayment:
    """Record a payment received offline on the caller's invoice, settled at once.

    `NotFound` for another account's invoice; `InvalidState` for a draft, void, archived,
    paid one or one with a payment in flight; `ExceedsAmountDue` above its amount due.
    """
    now = utc_now()
    paid_at = _paid_at(payment.paid_at, now)
    async with db.write() as conn:
        stored = await invoices.get(
            conn,
            account_id=principal.account_id,
            invoice_id=parse_id(invoice_id),
            now=now,
            for_update=True,
        )
        if stored is None:
            raise NotFound("invoice not found")
        invoice = stored.invoice
        amount = _minor(payment.amount, invoice.currency)
        changed = invoice.payment_received(
            amount, now=now, today=today_of(principal, now), at=paid_at
        )
        recorded = Transaction(
            id=ids.new_uuid7(),
            account_id=invoice.account_id,
            invoice_id=invoice.id,
            amount=amount,
            currency=invoice.currency,
            status=TransactionStatus.SETTLED,
            payment_type=PaymentType.PAYMENT,
            payment_method_type=payment.method.method_type,
            card_brand=None,
            card_last4=None,
            account_number_hint=None,
            error=None,
            provider=OFFLINE,
            provider_transaction_id=payment.reference,
            settles_at=None,
            processed_at=paid_at,
            created_at=now,
            updated_at=now,
        )
        await transactions.insert(conn, recorded)
        await invoices.save_payment_state(conn, changed)
        await record_outcome(conn, recorded, changed)
        written = replace(stored, invoice=changed, has_transactions=True)
        [view] = await views_in(conn, principal, [written], now)
    return RecordedPayment(recorded, view)
