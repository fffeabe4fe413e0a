"""Creating a numbered invoice: lock its customer, take a number and credit, insert it.

`take` reads what finalizing an invoice needs once its customer is locked: the account's
next invoice sequence number (its counter row stays locked until commit, so concurrent
finalizations of one account are serialized and a rollback gives the number back: no
gaps), the customer's credit balance in the invoice's currency, and the account's
country (for reverse charge) and e-invoicing setting ("off", or its profile: only then is
the rest of the account read, `NumberedWrite.account`). On PostgreSQL they are one
statement, one round trip; on SQLite, two. Either way it runs after the customer's row
lock was taken, in a statement of its own, so its snapshot sees every credit entry
committed before.

`numbered_write` is the transaction of `POST /invoices` (lock, take, insert) as three
statements. On PostgreSQL (in a shared transaction too, joining it without a savepoint)
they are the same SQLAlchemy statements as elsewhere, compiled once and run on the bare
asyncpg connection with the dialect's own parameter processing: SQLAlchemy's
per-statement cost was most of the CPU of a create (py-spy).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

import asyncpg
from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from invoicery.domain.account import Account
from invoicery.domain.credits import CreditEntry
from invoicery.domain.customer import Customer
from invoicery.domain.einvoicing import OFF
from invoicery.domain.events import Event
from invoicery.domain.invoice import Invoice
from invoicery.store import accounts as accounts_store
from invoicery.store import credits, customers, einvoices, invoices
from invoicery.store import events as event_log
from invoicery.store.credits import BALANCE
from invoicery.store.database import Database
from invoicery.store.einvoices import StoredEInvoice
from invoicery.store.rows import ColumnValues
from invoicery.store.tables import accounts

__all__ = ["Compiled", "Numbered", "NumberedWrite", "numbered_write", "take"]


@dataclass(frozen=True, slots=True)
class Numbered:
    """A reserved invoice sequence number with its account's prefix, country and e-invoicing
    setting, and a balance."""

    sequence: int
    prefix: str
    country: str | None
    credit_balance: int
    einvoicing: str = OFF


_a = accounts.c
_TAKE = (
    update(accounts)
    .where(_a.id == bindparam("account_id"))
    .values(last_invoice_seq=_a.last_invoice_seq + 1)
    .returning(_a.last_invoice_seq, _a.invoice_prefix, _a.country, _a.einvoicing)
)
_taken = _TAKE.cte("taken")
_TAKE_WITH_BALANCE = select(
    _taken.c.last_invoice_seq,
    _taken.c.invoice_prefix,
    _taken.c.country,
    _taken.c.einvoicing,
    BALANCE.scalar_subquery().label("credit_balance"),
)


def _numbered(row: ColumnValues, balance: int | None) -> Numbered:
    return Numbered(
        sequence=int(row["last_invoice_seq"]),
        prefix=str(row["invoice_prefix"]),
        country=row["country"],
        credit_balance=int(balance or 0),
        einvoicing=str(row["einvoicing"]),
    )


async def take(
    conn: AsyncConnection, *, account_id: UUID, customer_id: UUID, currency: str
) -> Numbered:
    """Reserve the account's next invoice number and read the customer's credit balance."""
    params = {"account_id": account_id, "customer_id": customer_id, "currency": currency}
    if conn.dialect.name == "postgresql":
        row = (await conn.execute(_TAKE_WITH_BALANCE, params)).mappings().one()
        return _numbered(row, row["credit_balance"])
    balance = (await conn.execute(BALANCE, params)).scalar_one_or_none()
    return _numbered((await conn.execute(_TAKE, params)).mappings().one(), balance)


class NumberedWrite(Protocol):
    """The statements of one invoice creation, inside its transaction."""

    async def lock_customer(self, *, account_id: UUID, customer_id: UUID) -> Customer | None:
        """The account's customer (archived or not), its row locked until commit."""

    async def take(self, *, account_id: UUID, customer_id: UUID, currency: str) -> Numbered:
        """`take`: the next number, the credit balance and the account's country."""

    async def insert(self, invoice: Invoice, *, event: Event, credit: CreditEntry | None) -> None:
        """Store the new invoice, its event and the credit it consumed (if any)."""

    async def account(self, account_id: UUID) -> Account:
        """The account's settings (read only when it has e-invoicing on)."""

    async def insert_einvoice(self, document: StoredEInvoice) -> None:
        """Store the e-invoice of the invoice just inserted."""


@dataclass(frozen=True, slots=True)
class _SqlWrite:
    """On SQLAlchemy's connection (SQLite)."""

    conn: AsyncConnection

    async def lock_customer(self, *, account_id: UUID, customer_id: UUID) -> Customer | None:
        return await customers.get(
            self.conn, account_id=account_id, customer_id=customer_id, for_update=True
        )

    async def take(self, *, account_id: UUID, customer_id: UUID, currency: str) -> Numbered:
        return await take(
            self.conn, account_id=account_id, customer_id=customer_id, currency=currency
        )

    async def insert(self, invoice: Invoice, *, event: Event, credit: CreditEntry | None) -> None:
        await invoices.insert(self.conn, invoice, event=event)
        if credit is not None:
            await credits.insert(self.conn, credit)

    async def account(self, account_id: UUID) -> Account:
        found = await accounts_store.get(self.conn, account_id)
        assert found is not None
        return found

    async def insert_einvoice(self, document: StoredEInvoice) -> None:
        await einvoices.insert(self.conn, document)


class _Compiled:
    """A statement's SQL for asyncpg and, in order, how to get and process each parameter."""

    __slots__ = ("fixed", "parameters", "sql")

    def __init__(self, statement: ClauseElement, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        self.sql = str(compiled)
        self.parameters: list[tuple[str, Callable[[Any], Any] | None]] = [
            (name, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect))
            for name in compiled.positiontup or ()
        ]
        # Literals in the statement (``+ 1``, ``LIMIT 1``) are parameters with their value.
        self.fixed = {
            name: compiled.binds[name].effective_value
            for name, _ in self.parameters
            if not compiled.binds[name].required
        }

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        """The positional arguments for `params`, processed as SQLAlchemy would."""
        values = [
            params[name] if name in params else self.fixed[name] for name, _ in self.parameters
        ]
        return [
            value if process is None else process(value)
            for value, (_, process) in zip(values, self.parameters, strict=True)
        ]


Compiled = _Compiled  # also for `store.idempotency`'s upsert

_COMPILED: dict[tuple[ClauseElement, type[Dialect]], _Compiled] = {}


@dataclass(frozen=True, slots=True)
class _DriverWrite:
    """On the bare asyncpg connection (PostgreSQL): the same statements, prepared."""

    conn: asyncpg.Connection
    dialect: Dialect

    def _compiled(self, statement: ClauseElement) -> _Compiled:
        key = (statement, type(self.dialect))
        compiled = _COMPILED.get(key)
        if compiled is None:
            compiled = _COMPILED[key] = _Compiled(statement, self.dialect)
        return compiled

    async def _row(self, statement: ClauseElement, params: Mapping[str, Any]) -> Any:
        compiled = self._compiled(statement)
        return await self.conn.fetchrow(compiled.sql, *compiled.arguments(params))

    async def lock_customer(self, *, account_id: UUID, customer_id: UUID) -> Customer | None:
        params = {"account_id": account_id, "customer_id": customer_id}
        row = await self._row(customers.GET_FOR_UPDATE, params)
        return customers.to_customer(row) if row else None

    async def take(self, *, account_id: UUID, customer_id: UUID, currency: str) -> Numbered:
        params = {"account_id": account_id, "customer_id": customer_id, "currency": currency}
        row = await self._row(_TAKE_WITH_BALANCE, params)
        return _numbered(row, row["credit_balance"])

    async def insert(self, invoice: Invoice, *, event: Event, credit: CreditEntry | None) -> None:
        params = {**invoices.insert_params(invoice), **event_log.insert_params(event)}
        await self._row(invoices.INSERT_WITH_EVENT, params)
        if credit is not None:
            await self._row(credits.INSERT, credits.insert_params(credit))

    async def account(self, account_id: UUID) -> Account:
        row = await self._row(accounts_store.GET, {"account_id": account_id})
        return accounts_store.to_account(row)

    async def insert_einvoice(self, document: StoredEInvoice) -> None:
        await self._row(einvoices.INSERT, einvoices.insert_params(document))


@asynccontextmanager
async def numbered_write(db: Database) -> AsyncIterator[NumberedWrite]:
    """One write transaction for creating a numbered invoice; commits if the block succeeds."""
    # Within a shared transaction no savepoint: a failure here fails the request, whose
    # owner then rolls the whole transaction back.
    async with db.driver_write(savepoint=False) as driver:
        if driver is not None:
            yield _DriverWrite(driver, db.engine.dialect)
            return
    async with db.write() as conn:
        yield _SqlWrite(conn)
