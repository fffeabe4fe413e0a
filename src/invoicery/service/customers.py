"""Customer use cases for both faces, scoped to the caller's account.

A customer is named by its id, or (where a face allows it, `by_alias`) by its id or
alias; the AP `external_id` is the billing-v1 `alias`. Every change locks the customer
row first, as invoice creation does, so a rule is checked against what is stored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from invoicery.auth.tokens import Principal
from invoicery.domain import ids
from invoicery.domain.customer import (
    Address,
    Customer,
    CustomerType,
    CustomTax,
    ShippingAddress,
)
from invoicery.domain.errors import NotFound
from invoicery.domain.events import EventType
from invoicery.service import events
from invoicery.service._time import as_lower_bound, as_upper_bound, utc_now
from invoicery.service.paging import NumberedPage
from invoicery.store import customers
from invoicery.store.customers import ORDER_COLUMNS, CustomerFilters, CustomerOrder
from invoicery.store.database import Database
from invoicery.store.pagination import PageRequest

__all__ = [
    "FIELD_NAMES",
    "ORDER_COLUMNS",
    "CustomerOrder",
    "CustomerPage",
    "CustomerQuery",
    "NewCustomer",
    "archive",
    "create",
    "customer_uuid",
    "find_customer",
    "get_or_raise",
    "list_numbered",
    "list_page",
    "resolve_customer",
    "unarchive",
    "update",
]


@dataclass(frozen=True, slots=True)
class NewCustomer:
    """Every field a caller of either face may set on a customer, by its domain name.

    `email` is "" when there is none; `external_id` is the billing-v1 alias. The first of
    `preferred_locales` becomes the customer's `locale` (the language of its e-mails);
    an INDIVIDUAL's `name` is made of its first and last names.
    """

    name: str
    email: str = ""
    company_name: str | None = None
    external_id: str | None = None
    invoicing_emails: tuple[str, ...] = ()
    phone: str | None = None
    vat_number: str | None = None
    currency: str = "USD"
    is_tax_exempt: bool = False
    billing_address: Address | None = None
    shipping_address: ShippingAddress | None = None
    custom_taxes: tuple[CustomTax, ...] = ()
    preferred_locales: tuple[str, ...] = ()
    customer_type: CustomerType = CustomerType.COMPANY
    first_name: str | None = None
    last_name: str | None = None
    legal_number: str | None = None
    buyer_reference: str | None = None
    exemption_reason: str | None = None
    custom_properties: Mapping[str, object] = field(default_factory=dict)


FIELD_NAMES = frozenset(each.name for each in fields(NewCustomer))


@dataclass(frozen=True, slots=True)
class CustomerQuery:
    """List filters as the caller gave them; dates are resolved in the account's zone.
    `order` sorts numbered lists (keyset pages are always newest first)."""

    archived: bool = False
    search: str | None = None
    company_name: str | None = None
    created_from: date | datetime | None = None
    created_to: date | datetime | None = None
    order: CustomerOrder = field(default_factory=CustomerOrder)


@dataclass(frozen=True, slots=True)
class CustomerPage:
    """One keyset page of customers, newest first."""

    items: list[Customer]
    has_next: bool
    has_previous: bool


def customer_uuid(reference: str) -> UUID | None:
    """The UUID if `reference` is a customer id, None if it can only be an alias."""
    try:
        return ids.decode(ids.CUSTOMER, reference)
    except ids.InvalidId:
        return None


async def find_customer(
    conn: AsyncConnection,
    principal: Principal,
    reference: str,
    *,
    by_alias: bool = True,
    for_update: bool = False,
) -> Customer | None:
    """The caller's customer with this id (or, `by_alias`, alias), archived too, if any."""
    customer_id = customer_uuid(reference)
    if by_alias:
        return await customers.find(
            conn,
            account_id=principal.account_id,
            customer_id=customer_id,
            alias=reference,
            for_update=for_update,
        )
    if customer_id is None:
        return None
    return await customers.get(
        conn, account_id=principal.account_id, customer_id=customer_id, for_update=for_update
    )


async def resolve_customer(
    conn: AsyncConnection,
    principal: Principal,
    reference: str,
    *,
    by_alias: bool = True,
    for_update: bool = False,
) -> Customer:
    """The caller's customer with this id (or, `by_alias`, alias), or `NotFound`."""
    customer = await find_customer(
        conn, principal, reference, by_alias=by_alias, for_update=for_update
    )
    if customer is None:
        raise NotFound("customer not found")
    return customer


async def create(db: Database, *, principal: Principal, new: NewCustomer) -> Customer:
    """Create a customer in the caller's account; `Conflict` if the alias is taken."""
    customer_id = ids.new_uuid7()
    customer = Customer(
        id=customer_id,
        account_id=principal.account_id,
        created_at=ids.timestamp_of(customer_id),
        archived_at=None,
        **{name: getattr(new, name) for name in FIELD_NAMES},
    ).checked()
    async with db.write() as conn:
        await customers.insert(conn, customer)
        await _recorded(conn, EventType.CUSTOMER_CREATED, customer)
    return customer


async def get_or_raise(
    db: Database, *, principal: Principal, reference: str, by_alias: bool = True
) -> Customer:
    """The caller's customer with this id (or, `by_alias`, alias), or `NotFound`."""
    async with db.read() as conn:
        return await resolve_customer(conn, principal, reference, by_alias=by_alias)


async def update(
    db: Database,
    *,
    principal: Principal,
    reference: str,
    changes: Mapping[str, Any],
    custom_properties: Mapping[str, object] | None = None,
) -> Customer:
    """Change the given fields (`NewCustomer` names) of the customer with this id or alias,
    and merge `custom_properties` into its own (a None value removes a key)."""
    unknown = set(changes) - FIELD_NAMES
    assert not unknown, unknown
    async with db.write() as conn:
        customer = await resolve_customer(conn, principal, reference, for_update=True)
        changed = replace(customer, **changes)
        if custom_properties is not None:
            changed = changed.with_custom_properties(custom_properties)
        changed = changed.checked()
        await customers.save(conn, changed)
        await _recorded(conn, EventType.CUSTOMER_UPDATED, changed)
    return changed


async def _change_archive(
    db: Database,
    principal: Principal,
    reference: str,
    by_alias: bool,
    change: Callable[[Customer], Customer],
) -> Customer:
    async with db.write() as conn:
        customer = await resolve_customer(
            conn, principal, reference, by_alias=by_alias, for_update=True
        )
        changed = change(customer)
        await customers.set_archived_at(conn, changed)
        archived = changed.archived_at is not None
        kind = EventType.CUSTOMER_ARCHIVED if archived else EventType.CUSTOMER_UPDATED
        await _recorded(conn, kind, changed)
    return changed


async def _recorded(conn: AsyncConnection, kind: EventType, customer: Customer) -> None:
    await events.record_change(conn, kind, customer)


async def archive(
    db: Database, *, principal: Principal, reference: str, by_alias: bool = True
) -> Customer:
    """Archive a customer: hidden from lists, its invoices untouched; refused if archived."""
    now = utc_now()
    return await _change_archive(
        db, principal, reference, by_alias, lambda customer: customer.archived(now=now)
    )


async def unarchive(
    db: Database, *, principal: Principal, reference: str, by_alias: bool = True
) -> Customer:
    """Restore an archived customer; refused if it is not archived."""
    return await _change_archive(db, principal, reference, by_alias, Customer.restored)


def _filters(principal: Principal, query: CustomerQuery) -> CustomerFilters:
    """`query` for the store, its dates resolved in the account's zone."""
    return CustomerFilters(
        archived=query.archived,
        search=query.search,
        company_name=query.company_name,
        created_from=as_lower_bound(query.created_from, principal.timezone),
        created_to=as_upper_bound(query.created_to, principal.timezone),
    )


async def list_page(
    db: Database, *, principal: Principal, query: CustomerQuery, page: PageRequest
) -> CustomerPage:
    """One keyset page of the caller's customers matching `query`, newest first."""
    async with db.read() as conn:
        found = await customers.list_page(
            conn, account_id=principal.account_id, filters=_filters(principal, query), page=page
        )
    return CustomerPage(
        items=[customers.to_customer(row) for row in found.rows],
        has_next=found.has_next,
        has_previous=found.has_previous,
    )


async def list_numbered(
    db: Database, *, principal: Principal, query: CustomerQuery, page: int, per_page: int
) -> NumberedPage[Customer]:
    """Numbered page `page` of the caller's customers matching `query`, in its order."""
    async with db.read() as conn:
        items, total = await customers.list_numbered(
            conn,
            account_id=principal.account_id,
            filters=_filters(principal, query),
            offset=page * per_page,
            limit=per_page,
            order=query.order,
        )
    return NumberedPage(items=items, page=page, per_page=per_page, total_items=total)
