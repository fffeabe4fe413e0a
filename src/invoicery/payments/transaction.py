"""A payment attempt as recorded: what was asked, of which processor, and what happened.

Only the card brand and last four digits, or the last four digits of a bank account,
are kept: never a full number, never a CVC. Status names follow billing-v1's
`PaymentStatusEnum`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

__all__ = ["OFFLINE", "PaymentMethodType", "PaymentType", "Transaction", "TransactionStatus"]

OFFLINE = "offline"
"""The `provider` of a payment received outside the hosted page (a wire, a cheque)."""


class TransactionStatus(StrEnum):
    """Where a payment attempt stands."""

    PENDING = "Pending"
    SETTLED = "Settled"
    FAILED = "Failed"
    CANCELLED = "Cancelled"


class PaymentType(StrEnum):
    """Money in (a payment) or money back (a refund)."""

    PAYMENT = "Payment"
    REFUND = "Refund"


class PaymentMethodType(StrEnum):
    """How the payer paid."""

    CARD = "Card"
    BANK_TRANSFER = "BankTransfer"
    OTHER = "Other"


@dataclass(frozen=True, slots=True)
class Transaction:
    """One payment attempt against an invoice; `amount` in minor units of `currency`.

    A payment received offline (`provider` `OFFLINE`) is recorded settled, with the
    payer's reference (a wire's, a cheque number) as its `provider_transaction_id`.
    """

    id: UUID
    account_id: UUID
    invoice_id: UUID
    amount: int
    currency: str
    status: TransactionStatus
    payment_type: PaymentType
    payment_method_type: PaymentMethodType
    card_brand: str | None
    card_last4: str | None
    account_number_hint: str | None
    error: str | None
    provider: str
    provider_transaction_id: str | None
    settles_at: datetime | None
    processed_at: datetime | None
    created_at: datetime
    updated_at: datetime
