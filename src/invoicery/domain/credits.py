"""Customer credit: a balance per currency, kept as an append-only ledger.

Every change is an entry with a signed `amount` and the `balance_after` it leaves, so
the balance is the last entry's `balance_after` and always equals the sum of the
amounts. Grants add; finalizing an invoice consumes what it can (never below zero);
voiding an invoice gives back what it consumed; a credit note credited to the balance
adds, and voiding it takes that back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from invoicery.domain import ids, money
from invoicery.domain.errors import InvalidInput

__all__ = [
    "CREDIT_PREFIX",
    "MAX_BALANCE",
    "MAX_GRANT",
    "CreditEntry",
    "CreditKind",
    "applicable_credit",
    "balance_after",
    "new_entry",
]

CREDIT_PREFIX = "crd"
MAX_GRANT = money.MAX_AMOUNT
MAX_BALANCE = 1000 * MAX_GRANT
"""The largest credit balance a customer may hold in one currency, in minor units."""


class CreditKind(StrEnum):
    """Why the balance changed."""

    GRANT = "Grant"
    APPLIED = "Applied"
    RESTORED = "Restored"
    CREDIT_NOTE = "CreditNote"  # a credit note's credit, or (negative) its void


@dataclass(frozen=True, slots=True)
class CreditEntry:
    """One change of a customer's credit balance in one currency (minor units)."""

    id: UUID
    account_id: UUID
    customer_id: UUID
    currency: str
    kind: CreditKind
    amount: int
    balance_after: int
    invoice_id: UUID | None
    description: str | None
    created_at: datetime


def applicable_credit(balance: int, total: int) -> int:
    """How much of a credit `balance` an invoice `total` consumes: all it can, never less than 0."""
    return max(0, min(balance, total))


def balance_after(balance: int, amount: int) -> int:
    """The balance after adding signed `amount`; `InvalidInput` if it leaves 0…`MAX_BALANCE`."""
    result = balance + amount
    if result < 0:
        raise InvalidInput("credit balance cannot go below zero", {"amount": "exceeds balance"})
    if result > MAX_BALANCE:
        raise InvalidInput(
            "credit balance would be too large",
            {"amount": f"the balance may not exceed {MAX_BALANCE}"},
        )
    return result


def new_entry(
    *,
    account_id: UUID,
    customer_id: UUID,
    currency: str,
    kind: CreditKind,
    amount: int,
    balance: int,
    description: str | None,
    invoice_id: UUID | None = None,
) -> CreditEntry:
    """A new entry moving `balance` by signed `amount`; `InvalidInput` if it goes below zero."""
    entry_id = ids.new_uuid7()
    return CreditEntry(
        id=entry_id,
        account_id=account_id,
        customer_id=customer_id,
        currency=currency,
        kind=kind,
        amount=amount,
        balance_after=balance_after(balance, amount),
        invoice_id=invoice_id,
        description=description,
        created_at=ids.timestamp_of(entry_id),
    )
