"""Customer credit use cases: grants and the ledger, scoped to the caller's account."""

from __future__ import annotations

from dataclasses import dataclass

from invoicery.auth.tokens import Principal
from invoicery.domain import money
from invoicery.domain.credits import MAX_GRANT, CreditEntry, CreditKind, new_entry
from invoicery.domain.customer import Customer
from invoicery.domain.errors import InvalidInput
from invoicery.domain.events import EventType
from invoicery.service import events
from invoicery.service.customers import resolve_customer
from invoicery.store import credits
from invoicery.store.database import Database

__all__ = ["CreditLedger", "grant", "ledger"]


@dataclass(frozen=True, slots=True)
class CreditLedger:
    """A customer's balance per currency and every entry that made it, oldest first."""

    customer: Customer
    balances: dict[str, int]
    entries: list[CreditEntry]


async def grant(
    db: Database,
    *,
    principal: Principal,
    reference: str,
    amount: int,
    currency: str,
    description: str | None,
) -> CreditEntry:
    """Add `amount` minor units of `currency` to a customer's credit balance."""
    errors: dict[str, str] = {}
    if (message := money.currency_error(currency)) is not None:
        errors["currency"] = message
    if not 0 < amount <= MAX_GRANT:
        errors["amount"] = f"must be a positive amount in minor units, at most {MAX_GRANT}"
    if errors:
        raise InvalidInput("the credit grant is invalid", errors)
    async with db.write() as conn:
        customer = await resolve_customer(conn, principal, reference, for_update=True)
        balance = await credits.balance(
            conn, account_id=principal.account_id, customer_id=customer.id, currency=currency
        )
        entry = new_entry(
            account_id=principal.account_id,
            customer_id=customer.id,
            currency=currency,
            kind=CreditKind.GRANT,
            amount=amount,
            balance=balance,
            description=description,
        )
        await credits.insert(conn, entry)
        await events.record_change(conn, EventType.CREDIT_CREATED, entry)
    return entry


async def ledger(db: Database, *, principal: Principal, reference: str) -> CreditLedger:
    """A customer's credit balances and ledger."""
    async with db.read() as conn:
        customer = await resolve_customer(conn, principal, reference)
        entries = await credits.list_entries(
            conn, account_id=principal.account_id, customer_id=customer.id
        )
    balances: dict[str, int] = {}
    for entry in entries:
        balances[entry.currency] = entry.balance_after
    return CreditLedger(customer, balances, entries)
