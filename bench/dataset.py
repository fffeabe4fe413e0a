"""The synthetic data set: accounts' customers and invoices, as rows for COPY.

Everything is derived from one seeded `random.Random`, except the random bits of
the UUIDv7 ids (`invoicery.domain.ids.uuid7_at`), so two runs load the same shapes.
Invoices are produced in creation order; each id encodes its `created_at`
(`created_at == timestamp_of(id)`), exactly as the server would have written them.

Status mix (AP status in brackets; see `invoicery.domain.status`):

| share | stored facts                                   | AP status          |
|-------|------------------------------------------------|--------------------|
| 55 %  | finalized, paid                                | PAID               |
| 18 %  | finalized, unpaid, terms from invoice date     | OVERDUE (UPCOMING if recent) |
|  8 %  | finalized, unpaid, due 1–180 days from today   | UPCOMING           |
|  3 %  | finalized, unpaid, payment pending (ACH)       | RECEIVED           |
|  2 %  | finalized, partially paid                      | OVERDUE / UPCOMING |
|  3 %  | uncollectible                                  | OVERDUE            |
|  4 %  | void                                           | ARCHIVED           |
|  7 %  | finalized, archived                            | ARCHIVED           |
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import orjson

from invoicery.domain.account import format_invoice_number
from invoicery.domain.ids import timestamp_of, uuid7_at
from invoicery.domain.status import Lifecycle, PaymentStatus

__all__ = [
    "CUSTOMER_COLUMNS",
    "INVOICE_COLUMNS",
    "AccountPlan",
    "DatasetPlan",
    "customer_rows",
    "invoice_batches",
]

# Columns this generator fills. Everything else must be nullable or have a server
# default (checked against `invoicery.store.tables` before loading).
CUSTOMER_COLUMNS = ("id", "account_id", "name", "email", "company_name", "created_at")
INVOICE_COLUMNS = (
    "id",
    "account_id",
    "customer_id",
    "invoice_number",
    "currency",
    "lifecycle",
    "payment_status",
    "payment_pending",
    "archived_at",
    "invoice_date",
    "due_date",
    "line_items",
    "subtotal",
    "total",
    "amount_due",
    "created_at",
    "updated_at",
)

_KINDS = (
    ("paid", 55),
    ("unpaid", 18),
    ("upcoming", 8),
    ("pending", 3),
    ("partial", 2),
    ("uncollectible", 3),
    ("void", 4),
    ("archived", 7),
)
_CURRENCIES = (("USD", 90), ("EUR", 8), ("JPY", 2))
_TERMS_DAYS = (0, 15, 30, 30, 30, 45, 60)
_DESCRIPTIONS = (
    "Consulting",
    "Support plan",
    "Hosting",
    "Licence seat",
    "Onboarding",
    "Hardware",
    "Travel",
    "Training day",
)
_COMPANIES = ("Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", None)


@dataclass(frozen=True, slots=True)
class AccountPlan:
    """One account of the data set: its id, customers and share of the invoices."""

    account_id: UUID
    invoice_prefix: str
    customers: int
    invoices: int


@dataclass(frozen=True, slots=True)
class DatasetPlan:
    """The whole data set: accounts, a time span, a seed."""

    accounts: Sequence[AccountPlan]
    now: datetime
    years: float = 3.0
    seed: int = 6

    @property
    def start(self) -> datetime:
        return self.now - timedelta(days=365.25 * self.years)

    @property
    def invoices(self) -> int:
        return sum(account.invoices for account in self.accounts)


def _weighted(rng: random.Random, choices: Sequence[tuple[Any, int]], n: int) -> list[Any]:
    values = [value for value, _ in choices]
    weights = [weight for _, weight in choices]
    return rng.choices(values, weights=weights, k=n)


def customer_rows(plan: DatasetPlan) -> dict[UUID, list[tuple[Any, ...]]]:
    """Customer rows per account, all created in the month before the first invoice."""
    rng = random.Random(plan.seed)  # noqa: S311 (test data, not secrets)
    rows: dict[UUID, list[tuple[Any, ...]]] = {}
    number = 0
    for account in plan.accounts:
        stamps = sorted(
            plan.start - timedelta(seconds=rng.uniform(60, 30 * 86400))
            for _ in range(account.customers)
        )
        account_rows = []
        for stamp in stamps:
            number += 1
            customer_id = uuid7_at(stamp)
            account_rows.append(
                (
                    customer_id,
                    account.account_id,
                    f"Customer {number}",
                    f"billing{number}@example.com",
                    rng.choice(_COMPANIES),
                    timestamp_of(customer_id),
                )
            )
        rows[account.account_id] = account_rows
    return rows


def _line_item_pool(rng: random.Random, currency: str, size: int) -> list[tuple[str, int]]:
    """`size` distinct 3-line item lists as (JSON text, total in minor units)."""
    scale = 1 if currency == "JPY" else 100
    pool = []
    for _ in range(size):
        lines = []
        total = 0
        for description in rng.sample(_DESCRIPTIONS, 3):
            quantity = rng.randint(1, 10)
            unit_amount = rng.randint(5, 2500) * scale
            total += quantity * unit_amount
            lines.append(
                {"description": description, "quantity": quantity, "unit_amount": unit_amount}
            )
        pool.append((orjson.dumps(lines).decode(), total))
    return pool


def invoice_batches(
    plan: DatasetPlan, customers: dict[UUID, list[tuple[Any, ...]]], batch_size: int
) -> Iterator[list[tuple[Any, ...]]]:
    """Invoice rows in creation order (ids ascending), `batch_size` at a time.

    Columns are `INVOICE_COLUMNS`; `line_items` is JSON text (asyncpg's jsonb codec).
    Hot loop: ~10 µs a row, so plain `random()` arithmetic instead of `randint`.
    """
    rng = random.Random(plan.seed + 1)  # noqa: S311
    random_ = rng.random
    total = plan.invoices
    start, now = plan.start, plan.now
    today = now.date()
    span_us = int((now - timedelta(hours=1) - start) / timedelta(microseconds=1))
    offsets = sorted(int(random_() * span_us) for _ in range(total))
    owners: list[AccountPlan] = []
    for account in plan.accounts:
        owners += [account] * account.invoices
    rng.shuffle(owners)
    kinds = _weighted(rng, _KINDS, total)
    currencies = _weighted(rng, _CURRENCIES, total)
    pools = {currency: _line_item_pool(rng, currency, 4096) for currency, _ in _CURRENCIES}
    customer_ids = {key: [row[0] for row in rows] for key, rows in customers.items()}
    sequence = {account.account_id: 0 for account in plan.accounts}
    terms = [timedelta(days=days) for days in _TERMS_DAYS]
    batch: list[tuple[Any, ...]] = []
    for index in range(total):
        invoice_id = uuid7_at(start + timedelta(microseconds=offsets[index]))
        created_at = timestamp_of(invoice_id)
        owner = owners[index]
        account_id = owner.account_id
        sequence[account_id] += 1
        kind = kinds[index]
        currency = currencies[index]
        invoice_date = created_at.date()
        due_date = invoice_date + terms[int(random_() * len(terms))]
        if kind == "upcoming":
            due_date = max(due_date, today + timedelta(days=1 + int(random_() * 180)))
        line_items, amount = pools[currency][int(random_() * 4096)]
        owned = customer_ids[account_id]
        batch.append(
            _invoice_row(
                kind,
                invoice_id=invoice_id,
                account_id=account_id,
                customer_id=owned[int(random_() * len(owned))],
                invoice_number=format_invoice_number(owner.invoice_prefix, sequence[account_id]),
                currency=currency,
                invoice_date=invoice_date,
                due_date=due_date,
                line_items=line_items,
                amount=amount,
                created_at=created_at,
                now=now,
                settled_after=timedelta(seconds=int(random_() * 60 * 86400)),
            )
        )
        if len(batch) == batch_size:
            yield batch
            batch = []
    if batch:
        yield batch


def _invoice_row(
    kind: str,
    *,
    invoice_id: UUID,
    account_id: UUID,
    customer_id: UUID,
    invoice_number: str,
    currency: str,
    invoice_date: date,
    due_date: date,
    line_items: str,
    amount: int,
    created_at: datetime,
    now: datetime,
    settled_after: timedelta,
) -> tuple[Any, ...]:
    lifecycle = Lifecycle.FINALIZED.value
    payment = PaymentStatus.UNPAID.value
    pending = False
    archived_at: datetime | None = None
    amount_due = amount
    updated_at = created_at
    if kind == "paid":
        payment, amount_due = PaymentStatus.PAID.value, 0
        updated_at = min(created_at + settled_after, now)
    elif kind == "pending":
        pending = True
        updated_at = min(created_at + settled_after, now)
    elif kind == "partial":
        payment, amount_due = PaymentStatus.PARTIALLY_PAID.value, amount - amount // 2
        updated_at = min(created_at + settled_after, now)
    elif kind == "uncollectible":
        lifecycle = Lifecycle.UNCOLLECTIBLE.value
        updated_at = min(created_at + settled_after, now)
    elif kind == "void":
        lifecycle = Lifecycle.VOID.value
        updated_at = min(created_at + settled_after, now)
    elif kind == "archived":
        archived_at = updated_at = min(created_at + settled_after, now)
    return (
        invoice_id,
        account_id,
        customer_id,
        invoice_number,
        currency,
        lifecycle,
        payment,
        pending,
        archived_at,
        invoice_date,
        due_date,
        line_items,
        amount,
        amount,
        amount_due,
        created_at,
        updated_at,
    )


def utc_now() -> datetime:
    """The reference instant of a run."""
    return datetime.now(UTC)
