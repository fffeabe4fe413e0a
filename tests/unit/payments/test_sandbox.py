"""The sandbox processor's documented test numbers."""

from __future__ import annotations

from datetime import date

import pytest

from invoicery.payments.ach import parse_bank_account
from invoicery.payments.cards import parse_card
from invoicery.payments.processor import (
    BankDebit,
    CardCharge,
    ChargeOutcome,
    DebitOutcome,
    DeclineCode,
    ProcessorError,
    SettlementOutcome,
    customer_message,
)
from invoicery.payments.sandbox import SandboxProcessor


def _charge(number: str) -> CardCharge:
    card = parse_card(
        name="Ada", number=number, expiry="12 / 30", cvc="123", today=date(2026, 11, 23)
    )
    return CardCharge("txn_1", 1999, "USD", card, "Invoice INV-000001")


def _debit(account: str) -> BankDebit:
    bank = parse_bank_account(
        name="Ada", routing="110000000", account=account, account_type="checking"
    )
    return BankDebit("txn_2", 1999, "USD", bank, "Invoice INV-000001")


@pytest.mark.parametrize(
    "number", ["4242424242424242", "5555555555554444", "378282246310005", "6011111111111117"]
)
async def test_good_cards_succeed(number: str) -> None:
    result = await SandboxProcessor().charge_card(_charge(number))
    assert result.outcome is ChargeOutcome.SUCCEEDED
    assert result.provider_transaction_id
    assert result.decline_code is None


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("4000000000000002", DeclineCode.CARD_DECLINED),
        ("4000000000009995", DeclineCode.INSUFFICIENT_FUNDS),
        ("4000000000000069", DeclineCode.EXPIRED_CARD),
        ("4000000000000127", DeclineCode.INCORRECT_CVC),
    ],
)
async def test_decline_cards_decline_with_their_code(number: str, code: DeclineCode) -> None:
    result = await SandboxProcessor().charge_card(_charge(number))
    assert result.outcome is ChargeOutcome.DECLINED
    assert result.decline_code is code


def test_decline_messages_are_the_ones_payers_know() -> None:
    assert customer_message(DeclineCode.CARD_DECLINED) == "Your card was declined."
    assert "insufficient funds" in customer_message(DeclineCode.INSUFFICIENT_FUNDS)


async def test_the_error_card_raises_a_processor_error() -> None:
    with pytest.raises(ProcessorError):
        await SandboxProcessor().charge_card(_charge("4000000000000119"))


@pytest.mark.parametrize(
    ("account", "outcome", "code"),
    [
        ("000123456789", SettlementOutcome.SETTLED, None),
        ("000111111116", SettlementOutcome.FAILED, DeclineCode.NO_ACCOUNT),
        ("000111111113", SettlementOutcome.FAILED, DeclineCode.ACCOUNT_CLOSED),
    ],
)
async def test_debits_are_pending_then_settle_as_the_account_says(
    account: str, outcome: SettlementOutcome, code: DeclineCode | None
) -> None:
    sandbox = SandboxProcessor()
    debit = await sandbox.debit_bank_account(_debit(account))
    assert debit.outcome is DebitOutcome.PENDING
    assert debit.provider_transaction_id is not None
    assert account not in debit.provider_transaction_id
    settlement = await SandboxProcessor().check_settlement(debit.provider_transaction_id)
    assert settlement.outcome is outcome
    assert settlement.decline_code is code


@pytest.mark.parametrize("provider_id", ["nonsense", "sbx_ach_", "sbx_ach_bogus_abc", "sbx_ch_x"])
async def test_unknown_debits_are_processor_errors(provider_id: str) -> None:
    with pytest.raises(ProcessorError):
        await SandboxProcessor().check_settlement(provider_id)
