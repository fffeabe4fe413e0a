"""Credit balances: consumed as far as they go, never below zero, reconciled as a ledger."""

from __future__ import annotations

from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from invoicery.domain import ids
from invoicery.domain.credits import (
    MAX_BALANCE,
    CreditKind,
    applicable_credit,
    balance_after,
    new_entry,
)
from invoicery.domain.errors import InvalidInput


def test_an_invoice_consumes_what_it_can() -> None:
    assert applicable_credit(500, 1_200) == 500
    assert applicable_credit(5_000, 1_200) == 1_200
    assert applicable_credit(0, 1_200) == 0
    assert applicable_credit(300, 0) == 0


def test_the_balance_never_goes_below_zero() -> None:
    assert balance_after(100, -100) == 0
    with pytest.raises(InvalidInput):
        balance_after(100, -101)


@given(st.lists(st.tuples(st.booleans(), st.integers(0, 10**9)), max_size=50))
def test_a_ledger_of_grants_and_invoices_always_reconciles(
    events: list[tuple[bool, int]],
) -> None:
    balance = 0
    amounts = []
    for is_grant, value in events:
        amount = value if is_grant else -applicable_credit(balance, value)
        balance = balance_after(balance, amount)
        amounts.append(amount)
        assert balance >= 0
    assert balance == sum(amounts)


def test_a_new_entry_carries_its_balance_and_is_dated_by_its_id() -> None:
    account, customer = uuid4(), uuid4()
    entry = new_entry(
        account_id=account,
        customer_id=customer,
        currency="EUR",
        kind=CreditKind.APPLIED,
        amount=-300,
        balance=1_000,
        description="applied to invoice INV-000001",
    )
    assert (entry.amount, entry.balance_after, entry.invoice_id) == (-300, 700, None)
    assert entry.created_at == ids.timestamp_of(entry.id)
    with pytest.raises(InvalidInput):
        new_entry(
            account_id=account,
            customer_id=customer,
            currency="EUR",
            kind=CreditKind.APPLIED,
            amount=-1_001,
            balance=1_000,
            description=None,
        )


def test_the_balance_never_goes_beyond_its_ceiling() -> None:
    assert balance_after(MAX_BALANCE - 1, 1) == MAX_BALANCE
    with pytest.raises(InvalidInput):
        balance_after(MAX_BALANCE, 1)
