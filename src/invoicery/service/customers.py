"""Customer use cases, scoped to the caller's account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from invoicery.auth.tokens import Principal
from invoicery.domain import ids
from invoicery.domain.customer import Customer
from invoicery.domain.errors import InvalidState, NotFound
from invoicery.service._time import as_lower_bound, as_upper_bound, utc_now
from invoicery.store import customers
from invoicery.store.customers import CustomerFilters
from invoicery.store.database import Database
from invoicery.store.pagination import PageRequest

__all__ = [
    "CustomerPage",
    "CustomerQuery",
    "NewCustomer",
    "archive",
    "create",
    "get_or_raise",
    "list_page",
    "parse_id",
]


@dataclass(frozen=True, slots=True)
class NewCustomer:
    """What a caller may set on a new customer."""

    name: str
    email: str
    company_name: str | None = None
    external_id: str | None = None


@dataclass(frozen=True, slots=True)
class CustomerQuery:
    """List filters as the caller gave them; dates are resolved in the account's zone."""

    company_name: str | None = None
    created_from: date | datetime | None = None
    created_to: date | datetime | None = None


@dataclass(frozen=True, slots=True)
class CustomerPage:
    """One page of customers, newest first."""

    items: list[Customer]
    has_next: bool
    has_previous: bool


def parse_id(text: str) -> UUID:
    """The UUID of a customer id text; `NotFound` if it cannot be one."""
    try:
        return ids.decode(ids.CUSTOMER, text)
    except ids.InvalidId:
        raise NotFound("customer not found") from None


async def create(db: Database, *, principal: Principal, new: NewCustomer) -> Customer:
    """Create a customer in the caller's account."""
    customer_id = ids.new_uuid7()
    customer = Customer(
        id=customer_id,
        account_id=principal.account_id,
        name=new.name,
        email=new.email,
        company_name=new.company_name,
        external_id=new.external_id,
        created_at=ids.timestamp_of(customer_id),
        archived_at=None,
    )
    async with db.write() as conn:
        await customers.insert(conn, customer)
    return customer


async def get_or_raise(db: Database, *, principal: Principal, customer_id: str) -> Customer:
    """The caller's customer with this id, or `NotFound`."""
    async with db.read() as conn:
        customer = await customers.get(
            conn, account_id=principal.account_id, customer_id=parse_id(customer_id)
        )
    if customer is None:
        raise NotFound("customer not found")
    return customer


async def list_page(
    db: Database, *, principal: Principal, query: CustomerQuery, page: PageRequest
) -> CustomerPage:
    """One page of the caller's live customers; dates are days in the account's zone."""
    filters = CustomerFilters(
        company_name=query.company_name,
        created_from=as_lower_bound(query.created_from, principal.timezone),
        created_to=as_upper_bound(query.created_to, principal.timezone),
    )
    async with db.read() as conn:
        found = await customers.list_page(
            conn, account_id=principal.account_id, filters=filters, page=page
        )
    return CustomerPage(
        items=[customers.to_customer(row) for row in found.rows],
        has_next=found.has_next,
        has_previous=found.has_previous,
    )


async def archive(db: Database, *, principal: Principal, customer_id: str) -> Customer:
    """Archive a customer; its invoices stay as they are."""
    customer_uuid = parse_id(customer_id)
    async with db.write() as conn:
        archived = await customers.set_archived(
            conn, account_id=principal.account_id, customer_id=customer_uuid, now=utc_now()
        )
        customer = await customers.get(
            conn, account_id=principal.account_id, customer_id=customer_uuid
        )
    if customer is None:
        raise NotFound("customer not found")
    if not archived:
        raise InvalidState("customer is already archived")
    return customer
