"""The interface every payment processor implements, and the values it exchanges.

A processor is asked to charge a card, to start a bank debit (ACH), later whether
that debit has settled, and to refund (part of) a settled card charge. Amounts are
integer minor units. Requests carry an `idempotency_key` (our transaction id) that a
real processor must pass on, so a retried request cannot charge twice. Failures to
reach the processor, or errors on its side, raise `ProcessorError`; a decision by the
card network (a decline) is a result.

ProcessorError          the processor could not be reached or failed; the page offers a retry
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from invoicery.payments.ach import BankAccountDetails
from invoicery.payments.cards import CardDetails

__all__ = [
    "BankDebit",
    "CardCharge",
    "ChargeOutcome",
    "ChargeResult",
    "DebitOutcome",
    "DebitResult",
    "DeclineCode",
    "PaymentProcessor",
    "ProcessorError",
    "Refund",
    "RefundResult",
    "SettlementOutcome",
    "SettlementResult",
    "customer_message",
]


class ProcessorError(Exception):
    """The processor could not be reached, timed out, or failed on its side."""


class DeclineCode(StrEnum):
    """Why a payment was refused, in Stripe's vocabulary."""

    CARD_DECLINED = "card_declined"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    EXPIRED_CARD = "expired_card"
    INCORRECT_CVC = "incorrect_cvc"
    ACCOUNT_CLOSED = "account_closed"
    NO_ACCOUNT = "no_account"


_MESSAGES = {
    DeclineCode.CARD_DECLINED: "Your card was declined.",
    DeclineCode.INSUFFICIENT_FUNDS: "Your card has insufficient funds.",
    DeclineCode.EXPIRED_CARD: "Your card has expired.",
    DeclineCode.INCORRECT_CVC: "Your card's security code is incorrect.",
    DeclineCode.ACCOUNT_CLOSED: "The bank account is closed (ACH return R02).",
    DeclineCode.NO_ACCOUNT: "The bank could not locate the account (ACH return R03).",
}


def customer_message(code: DeclineCode) -> str:
    """The sentence shown to the payer for a decline."""
    return _MESSAGES[code]


@dataclass(frozen=True, slots=True)
class CardCharge:
    """A request to charge `amount` minor units of `currency` to a card."""

    idempotency_key: str
    amount: int
    currency: str
    card: CardDetails
    description: str


class ChargeOutcome(StrEnum):
    """What became of a card charge."""

    SUCCEEDED = "succeeded"
    DECLINED = "declined"


@dataclass(frozen=True, slots=True)
class ChargeResult:
    """The processor's answer to a card charge."""

    outcome: ChargeOutcome
    provider_transaction_id: str | None
    decline_code: DeclineCode | None = None


@dataclass(frozen=True, slots=True)
class BankDebit:
    """A request to pull `amount` minor units of `currency` from a US bank account."""

    idempotency_key: str
    amount: int
    currency: str
    account: BankAccountDetails
    description: str


class DebitOutcome(StrEnum):
    """What became of a bank-debit request: accepted for settlement, or refused at once."""

    PENDING = "pending"
    DECLINED = "declined"


@dataclass(frozen=True, slots=True)
class DebitResult:
    """The processor's answer to a bank-debit request."""

    outcome: DebitOutcome
    provider_transaction_id: str | None
    decline_code: DeclineCode | None = None


class SettlementOutcome(StrEnum):
    """Where a pending debit stands."""

    PENDING = "pending"
    SETTLED = "settled"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class SettlementResult:
    """The processor's answer to "has this debit settled?"."""

    outcome: SettlementOutcome
    decline_code: DeclineCode | None = None


@dataclass(frozen=True, slots=True)
class Refund:
    """A request to give back `amount` minor units of the card charge `provider_transaction_id`."""

    idempotency_key: str
    amount: int
    currency: str
    provider_transaction_id: str
    description: str


@dataclass(frozen=True, slots=True)
class RefundResult:
    """The processor's answer to a refund: done, under its own id."""

    provider_refund_id: str


class PaymentProcessor(Protocol):
    """A payment processor: the sandbox, or an adapter for a real one."""

    @property
    def name(self) -> str:
        """A short identifier stored with each transaction ("sandbox", "stripe")."""
        ...

    async def charge_card(self, charge: CardCharge) -> ChargeResult:
        """Charge a card at once; raise `ProcessorError` if the processor fails."""
        ...

    async def debit_bank_account(self, debit: BankDebit) -> DebitResult:
        """Start an ACH debit that settles later; raise `ProcessorError` on failure."""
        ...

    async def check_settlement(self, provider_transaction_id: str) -> SettlementResult:
        """Whether a pending debit has settled, failed, or is still pending."""
        ...

    async def refund_card(self, refund: Refund) -> RefundResult:
        """Refund part or all of a settled card charge; raise `ProcessorError` on failure."""
        ...
