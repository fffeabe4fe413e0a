"""The built-in sandbox processor: a card/ACH test mode with documented test numbers.

Cards (any future expiry, any 3–4 digit CVC):

| number              | result                                   |
|---------------------|------------------------------------------|
| 4242 4242 4242 4242 | succeeds (Visa)                          |
| 5555 5555 5555 4444 | succeeds (Mastercard)                    |
| 3782 822463 10005   | succeeds (American Express)              |
| 4000 0000 0000 0002 | declined: card_declined                  |
| 4000 0000 0000 9995 | declined: insufficient_funds             |
| 4000 0000 0000 0069 | declined: expired_card                   |
| 4000 0000 0000 0127 | declined: incorrect_cvc                  |
| 4000 0000 0000 0119 | processor error (retryable, nothing charged) |
| any other valid one | succeeds                                 |

Bank accounts (routing number e.g. 110000000; any valid ABA number works):

| account number | result                                              |
|----------------|-----------------------------------------------------|
| 000123456789   | accepted, settles                                   |
| 000111111116   | accepted, fails at settlement: no_account (R03)     |
| 000111111113   | accepted, fails at settlement: account_closed (R02) |
| any other one  | accepted, settles                                   |

Refunds of a sandbox card charge (``sbx_ch_…``) always succeed; any other id is a
processor error.

The sandbox keeps no state: the outcome of a debit is written into its provider
transaction id (``sbx_ach_<outcome>_<random>``), so any process can settle it.
"""

from __future__ import annotations

import secrets

from invoicery.payments.processor import (
    BankDebit,
    CardCharge,
    ChargeOutcome,
    ChargeResult,
    DebitOutcome,
    DebitResult,
    DeclineCode,
    ProcessorError,
    Refund,
    RefundResult,
    SettlementOutcome,
    SettlementResult,
)

__all__ = ["FAILING_ACCOUNTS", "SandboxProcessor"]

_DECLINING_CARDS = {
    "4000000000000002": DeclineCode.CARD_DECLINED,
    "4000000000009995": DeclineCode.INSUFFICIENT_FUNDS,
    "4000000000000069": DeclineCode.EXPIRED_CARD,
    "4000000000000127": DeclineCode.INCORRECT_CVC,
}
_ERROR_CARD = "4000000000000119"

FAILING_ACCOUNTS = {
    "000111111116": DeclineCode.NO_ACCOUNT,
    "000111111113": DeclineCode.ACCOUNT_CLOSED,
}
_ACH_PREFIX = "sbx_ach_"
_SETTLES = "ok"


def _random_suffix() -> str:
    return secrets.token_hex(12)


class SandboxProcessor:
    """A processor that decides by the test numbers above and never moves money."""

    @property
    def name(self) -> str:
        """Stored with each transaction."""
        return "sandbox"

    async def charge_card(self, charge: CardCharge) -> ChargeResult:
        """Succeed, decline or fail according to the test card number."""
        number = charge.card.number
        if number == _ERROR_CARD:
            raise ProcessorError("sandbox: simulated processing error")
        decline = _DECLINING_CARDS.get(number)
        if decline is not None:
            return ChargeResult(ChargeOutcome.DECLINED, f"sbx_ch_{_random_suffix()}", decline)
        return ChargeResult(ChargeOutcome.SUCCEEDED, f"sbx_ch_{_random_suffix()}")

    async def refund_card(self, refund: Refund) -> RefundResult:
        """Refund a sandbox card charge; other ids are a processor error."""
        if not refund.provider_transaction_id.startswith("sbx_ch_") or refund.amount <= 0:
            raise ProcessorError("sandbox: unknown card charge")
        return RefundResult(f"sbx_re_{_random_suffix()}")

    async def debit_bank_account(self, debit: BankDebit) -> DebitResult:
        """Accept every debit; its settlement outcome is fixed by the account number."""
        failure = FAILING_ACCOUNTS.get(debit.account.account_number)
        outcome = _SETTLES if failure is None else failure.value
        return DebitResult(DebitOutcome.PENDING, f"{_ACH_PREFIX}{outcome}_{_random_suffix()}")

    async def check_settlement(self, provider_transaction_id: str) -> SettlementResult:
        """Settle or fail a debit as its id says; unknown ids are a processor error."""
        body = provider_transaction_id.removeprefix(_ACH_PREFIX)
        outcome, _, _ = body.rpartition("_")
        if not provider_transaction_id.startswith(_ACH_PREFIX) or not outcome:
            raise ProcessorError("sandbox: unknown debit")
        if outcome == _SETTLES:
            return SettlementResult(SettlementOutcome.SETTLED)
        try:
            code = DeclineCode(outcome)
        except ValueError:
            raise ProcessorError("sandbox: unknown debit") from None
        return SettlementResult(SettlementOutcome.FAILED, code)
