"""Billing-v1 customer use cases: by id or alias, full and partial updates, archive."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from invoicery.auth.tokens import Principal
from invoicery.domain import ids, money
from invoicery.domain.customer import Address, Customer, CustomTax, ShippingAddress
from invoicery.domain.errors import InvalidInput, InvalidState
from invoicery.domain.tax import rate_error
from invoicery.service._time import utc_now
from invoicery.service.billing._common import NumberedPage, resolve_customer
from invoicery.store import customers
from invoicery.store.database import Database

__all__ = [
    "CustomerFields",
    "archive",
    "create",
    "get",
    "list_numbered",
    "unarchive",
    "update",
]


@dataclass(frozen=True, slots=True)
class CustomerFields:
    """Every field a billing-v1 caller may set on a customer."""

    name: str
    alias: str | None = None
    billing_email: str | None = None
    invoicing_emails: tuple[str, ...] = ()
    phone: str | None = None
    vat_number: str | None = None
    currency: str = "USD"
    is_tax_exempt: bool = False
    billing_address: Address | None = None
    shipping_address: ShippingAddress | None = None
    custom_taxes: tuple[CustomTax, ...] = ()


FIELD_NAMES = frozenset(field.name for field in fields(CustomerFields))
# billing-v1 names of the fields the AP face already had
_STORED_AS = {"alias": "external_id", "billing_email": "email"}


def _apply(customer: Customer, changes: Mapping[str, Any]) -> Customer:
    """`customer` with `changes` (keyed by `CustomerFields` names) applied and checked."""
    unknown = set(changes) - FIELD_NAMES
    assert not unknown, unknown
    values = {_STORED_AS.get(name, name): value for name, value in changes.items()}
    if "email" in values:
        values["email"] = values["email"] or ""
    changed = replace(customer, **values)
    errors: dict[str, str] = {}
    if not changed.name:
        errors["name"] = "must not be empty"
    if not money.is_supported_currency(changed.currency):
        errors["currency"] = "not a supported ISO 4217 currency code"
    for index, tax in enumerate(changed.custom_taxes):
        if (message := rate_error(tax.rate)) is not None:
            errors[f"custom_taxes[{index}].rate"] = message
    if errors:
        raise InvalidInput("the customer is invalid", errors)
    return changed


async def create(db: Database, *, principal: Principal, new: CustomerFields) -> Customer:
    """Create a customer in the caller's account; `Conflict` if the alias is taken."""
    customer_id = ids.new_uuid7()
    blank = Customer(
        id=customer_id,
        account_id=principal.account_id,
        name=new.name,
        email="",
        company_name=None,
        external_id=None,
        created_at=ids.timestamp_of(customer_id),
        archived_at=None,
    )
    customer = _apply(blank, {field.name: getattr(new, field.name) for field in fields(new)})
    async with db.write() as conn:
        await customers.insert(conn, customer)
    return customer


async def get(db: Database, *, principal: Principal, reference: str) -> Customer:
    """The caller's customer with this id or alias, or `NotFound`."""
    async with db.read() as conn:
        return await resolve_customer(conn, principal, reference)


async def update(
    db: Database, *, principal: Principal, reference: str, changes: Mapping[str, Any]
) -> Customer:
    """Change the given fields of a customer (all of them for a full update)."""
    async with db.write() as conn:
        customer = await resolve_customer(conn, principal, reference, for_update=True)
        changed = _apply(customer, changes)
        await customers.save(conn, changed)
    return changed


async def archive(db: Database, *, principal: Principal, reference: str) -> None:
    """Archive a customer: hidden from lists, its invoices untouched; 409 if archived."""
    async with db.write() as conn:
        customer = await resolve_customer(conn, principal, reference, for_update=True)
        if not await customers.set_archived(
            conn, account_id=principal.account_id, customer_id=customer.id, now=utc_now()
        ):
            raise InvalidState("the customer is already archived")


async def unarchive(db: Database, *, principal: Principal, reference: str) -> None:
    """Restore an archived customer; 409 if it is not archived."""
    async with db.write() as conn:
        customer = await resolve_customer(conn, principal, reference, for_update=True)
        if not await customers.set_unarchived(
            conn, account_id=principal.account_id, customer_id=customer.id
        ):
            raise InvalidState("the customer is not archived")


async def list_numbered(
    db: Database,
    *,
    principal: Principal,
    archived: bool,
    search: str | None,
    page: int,
    per_page: int,
) -> NumberedPage[Customer]:
    """One numbered page of the caller's customers (live or archived), newest first."""
    async with db.read() as conn:
        items, total = await customers.list_numbered(
            conn,
            account_id=principal.account_id,
            archived=archived,
            search=search,
            offset=page * per_page,
            limit=per_page,
        )
    return NumberedPage(items=items, page=page, per_page=per_page, total_items=total)
