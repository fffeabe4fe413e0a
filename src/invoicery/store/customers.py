"""Customers repository; every statement is scoped to one account."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, bindparam, func, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from invoicery.domain.customer import Customer, CustomerType
from invoicery.domain.errors import Conflict
from invoicery.domain.ids import uuid7_lower_bound
from invoicery.store import codecs
from invoicery.store.pagination import PageRequest, RowPage, fetch_page
from invoicery.store.tables import customers

__all__ = [
    "GET_FOR_UPDATE",
    "ORDER_COLUMNS",
    "CustomerFilters",
    "CustomerOrder",
    "exists",
    "find",
    "get",
    "insert",
    "list_numbered",
    "list_page",
    "save",
    "set_archived_at",
    "to_customer",
]

_COLUMNS = tuple(customers.c)
_ALIAS_TAKEN = "a customer with this alias (external_id) already exists"


@dataclass(frozen=True, slots=True)
class CustomerFilters:
    """List filters: live or archived customers, and optional narrowing; times inclusive.

    `search` matches a part of the name or e-mail (any case), or the whole alias.
    """

    archived: bool = False
    search: str | None = None
    company_name: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None


# What a numbered list may be sorted by; ids are time-ordered, so `created_at` is the id.
_SORTED_BY: dict[str, ColumnElement[Any]] = {
    "name": customers.c.name,
    "email": customers.c.email,
    "alias": customers.c.external_id,
    "created_at": customers.c.id,
}
ORDER_COLUMNS = frozenset(_SORTED_BY)


@dataclass(frozen=True, slots=True)
class CustomerOrder:
    """How a numbered list is sorted: by one of `ORDER_COLUMNS`, then by id the same way.

    A missing alias sorts after every alias when ascending, before them when descending.
    """

    column: str = "created_at"
    descending: bool = True

    def clauses(self) -> tuple[ColumnElement[Any], ...]:
        """The ORDER BY clauses of this order."""
        column, tiebreak = _SORTED_BY[self.column], customers.c.id
        if self.descending:
            return column.desc().nulls_first(), tiebreak.desc()
        return column.asc().nulls_last(), tiebreak.asc()


def to_customer(row: RowMapping) -> Customer:
    """Map a customers row to the domain record."""
    values = {column.name: row[column.name] for column in _COLUMNS}
    values["invoicing_emails"] = tuple(values["invoicing_emails"])
    values["billing_address"] = codecs.address_from_json(values["billing_address"])
    values["shipping_address"] = codecs.shipping_from_json(values["shipping_address"])
    values["custom_taxes"] = codecs.custom_taxes_from_json(values["custom_taxes"])
    values["customer_type"] = CustomerType(values["customer_type"] or CustomerType.COMPANY)
    values["preferred_locales"] = tuple(values["preferred_locales"])
    if not values["preferred_locales"] and values["locale"] is not None:
        values["preferred_locales"] = (values["locale"],)  # a row from before migration 0012
    return Customer(**values)


def _values(customer: Customer) -> dict[str, Any]:
    values = {column.name: getattr(customer, column.name) for column in _COLUMNS}
    values["invoicing_emails"] = list(customer.invoicing_emails)
    values["billing_address"] = codecs.address_to_json(customer.billing_address)
    values["shipping_address"] = codecs.shipping_to_json(customer.shipping_address)
    values["custom_taxes"] = codecs.custom_taxes_to_json(customer.custom_taxes)
    values["customer_type"] = customer.customer_type.value
    values["preferred_locales"] = list(customer.preferred_locales)
    values["custom_properties"] = dict(customer.custom_properties)
    return values


async def insert(conn: AsyncConnection, customer: Customer) -> None:
    """Store a new customer; `Conflict` (and a failed transaction) if the alias is taken."""
    try:
        await conn.execute(customers.insert().values(_values(customer)))
    except IntegrityError:
        raise Conflict(_ALIAS_TAKEN) from None


# Built once: every invoice creation locks its customer.
_GET = select(*_COLUMNS).where(
    customers.c.account_id == bindparam("account_id"), customers.c.id == bindparam("customer_id")
)
GET_FOR_UPDATE = _GET.with_for_update()
"""The customer of (account_id, customer_id), its row locked until commit."""


async def get(
    conn: AsyncConnection, *, account_id: UUID, customer_id: UUID, for_update: bool = False
) -> Customer | None:
    """The account's customer with this id, archived or not; `for_update` locks the row."""
    query = GET_FOR_UPDATE if for_update else _GET
    params = {"account_id": account_id, "customer_id": customer_id}
    row = (await conn.execute(query, params)).mappings().first()
    return to_customer(row) if row else None


async def find(
    conn: AsyncConnection,
    *,
    account_id: UUID,
    customer_id: UUID | None,
    alias: str,
    for_update: bool = False,
) -> Customer | None:
    """The account's customer with this id (preferred) or else this alias, archived or not."""
    match = customers.c.external_id == alias
    if customer_id is not None:
        match = or_(customers.c.id == customer_id, match)
    query = select(*_COLUMNS).where(customers.c.account_id == account_id, match)
    if customer_id is not None:
        query = query.order_by((customers.c.id == customer_id).desc())
    query = query.limit(1)
    if for_update:
        query = query.with_for_update()
    row = (await conn.execute(query)).mappings().first()
    return to_customer(row) if row else None


async def save(conn: AsyncConnection, customer: Customer) -> None:
    """Overwrite a customer's editable fields; `Conflict` if its new alias is taken."""
    values = _values(customer)
    for fixed in ("id", "account_id", "created_at", "archived_at"):
        values.pop(fixed)
    try:
        await conn.execute(
            update(customers)
            .where(customers.c.account_id == customer.account_id, customers.c.id == customer.id)
            .values(values)
        )
    except IntegrityError:
        raise Conflict(_ALIAS_TAKEN) from None


async def exists(conn: AsyncConnection, *, account_id: UUID, customer_id: UUID) -> bool:
    """Whether the account has a live (not archived) customer with this id."""
    query = select(customers.c.id).where(
        customers.c.account_id == account_id,
        customers.c.id == customer_id,
        customers.c.archived_at.is_(None),
    )
    return (await conn.execute(query)).first() is not None


async def list_page(
    conn: AsyncConnection, *, account_id: UUID, filters: CustomerFilters, page: PageRequest
) -> RowPage:
    """One keyset page of the account's customers matching `filters`, newest first."""
    conditions = _conditions(account_id, filters)
    return await fetch_page(conn, customers, conditions=conditions, page=page)


async def set_archived_at(conn: AsyncConnection, customer: Customer) -> None:
    """Store when a customer was archived (None: it is live)."""
    await conn.execute(
        update(customers)
        .where(customers.c.account_id == customer.account_id, customers.c.id == customer.id)
        .values(archived_at=customer.archived_at)
    )


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _conditions(account_id: UUID, filters: CustomerFilters) -> list[ColumnElement[bool]]:
    """The WHERE clause of a customer list: the account, the archive side, each filter."""
    archived = customers.c.archived_at
    conditions: list[ColumnElement[bool]] = [
        customers.c.account_id == account_id,
        archived.is_not(None) if filters.archived else archived.is_(None),
    ]
    if filters.search:
        pattern = _like(filters.search)
        conditions.append(
            or_(
                func.lower(customers.c.name).like(pattern, escape="\\"),
                func.lower(customers.c.email).like(pattern, escape="\\"),
                customers.c.external_id == filters.search,
            )
        )
    if filters.company_name is not None:
        conditions.append(customers.c.company_name == filters.company_name)
    if filters.created_from is not None:
        conditions += [
            customers.c.id >= uuid7_lower_bound(filters.created_from),
            customers.c.created_at >= filters.created_from,
        ]
    if filters.created_to is not None:
        conditions += [
            customers.c.id < uuid7_lower_bound(filters.created_to + timedelta(microseconds=1)),
            customers.c.created_at <= filters.created_to,
        ]
    return conditions


async def list_numbered(
    conn: AsyncConnection,
    *,
    account_id: UUID,
    filters: CustomerFilters,
    offset: int,
    limit: int,
    order: CustomerOrder = CustomerOrder(),
) -> tuple[Sequence[Customer], int]:
    """One numbered page of the account's customers matching `filters` in `order`, and the
    exact total."""
    conditions = _conditions(account_id, filters)
    total = (await conn.execute(select(func.count()).where(*conditions))).scalar_one()
    query = (
        select(*_COLUMNS).where(*conditions).order_by(*order.clauses()).limit(limit).offset(offset)
    )
    rows = (await conn.execute(query)).mappings().all()
    return [to_customer(row) for row in rows], int(total)
