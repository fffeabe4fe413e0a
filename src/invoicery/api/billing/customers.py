"""Billing-v1 customer endpoints, by id or alias; credit grants live in `credits`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.responses import Response

from invoicery.api.billing import documents
from invoicery.api.billing.params import Page, PerPage, errors
from invoicery.api.billing.render import customer_document, invoicing_entity_id, page_document
from invoicery.api.billing.schemas import (
    AddressInput,
    CustomerCreateRequest,
    CustomerPatchRequest,
    CustomerUpdateRequest,
    CustomTaxRateInput,
    ShippingAddressInput,
)
from invoicery.api.json import DecimalJsonRoute, JsonResponse
from invoicery.auth.tokens import Principal
from invoicery.domain.customer import Address, CustomTax, ShippingAddress
from invoicery.domain.errors import BadRequest
from invoicery.service import customers
from invoicery.service.customers import CustomerQuery, NewCustomer
from invoicery.web.deps import CustomersRead, CustomersWrite, DatabaseDep

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/customers", tags=["Customers"], route_class=DecimalJsonRoute)

IdOrAlias = Annotated[str, "customer ID or alias"]
_NOT_NULL = frozenset({"name", "currency", "invoicing_emails", "custom_taxes"})
# the customer fields of this face; two are stored under the AP face's names
_FIELDS = frozenset(CustomerPatchRequest.model_fields) - {"invoicing_entity_id"}
_STORED_AS = {"alias": "external_id", "billing_email": "email"}


def _address(value: AddressInput | None) -> Address | None:
    return None if value is None else Address(**value.model_dump())


def _shipping(value: ShippingAddressInput | None) -> ShippingAddress | None:
    if value is None:
        return None
    return ShippingAddress(value.same_as_billing, _address(value.address))


def _taxes(value: list[CustomTaxRateInput]) -> tuple[CustomTax, ...]:
    return tuple(CustomTax(tax.tax_code, tax.name, tax.rate) for tax in value)


def _changes(
    principal: Principal, body: CustomerPatchRequest, names: Iterable[str]
) -> dict[str, Any]:
    """The fields `names` of `body` as `NewCustomer` values; absent means cleared."""
    entity = body.invoicing_entity_id
    if entity is not None and entity != invoicing_entity_id(principal.account_id):
        raise BadRequest("invalid customer", {"invoicing_entity_id": "no such invoicing entity"})
    changes: dict[str, Any] = {}
    for name in names:
        value = getattr(body, name)
        if value is None and name in _NOT_NULL:
            raise BadRequest("invalid customer", {name: "must not be null"})
        if name == "billing_address":
            value = _address(value)
        elif name == "shipping_address":
            value = _shipping(value)
        elif name == "custom_taxes":
            value = _taxes(value)
        elif name == "invoicing_emails":
            value = tuple(value)
        elif name == "is_tax_exempt":
            value = bool(value)
        elif name == "billing_email":
            value = value or ""
        changes[_STORED_AS.get(name, name)] = value
    return changes


@router.get(
    "",
    operation_id="list_customers",
    response_model=documents.CustomerListResponse,
    summary="List customers",
    responses=errors(400),
)
async def list_customers(
    principal: CustomersRead,
    db: DatabaseDep,
    page: Page = 0,
    per_page: PerPage = 10,
    search: Annotated[str | None, Query(max_length=200)] = None,
    archived: bool | None = None,
) -> Response:
    """List customers, newest first; `archived=true` lists the archived ones."""
    query = CustomerQuery(archived=bool(archived), search=search or None)
    found = await customers.list_numbered(
        db, principal=principal, query=query, page=page, per_page=per_page
    )
    return JsonResponse(page_document(found, customer_document))


@router.post(
    "",
    operation_id="create_customer",
    response_model=documents.Customer,
    summary="Create customer",
    status_code=201,
    responses=errors(400, 409),
)
async def create_customer(
    principal: CustomersWrite, db: DatabaseDep, body: CustomerCreateRequest
) -> Response:
    """Create a customer; the alias must be unique in the account (409)."""
    new = NewCustomer(**_changes(principal, body, _FIELDS))
    customer = await customers.create(db, principal=principal, new=new)
    return JsonResponse(customer_document(customer), status_code=201)


@router.get(
    "/{id_or_alias}",
    operation_id="get_customer",
    response_model=documents.Customer,
    summary="Get customer",
    responses=errors(404),
)
async def get_customer(principal: CustomersRead, db: DatabaseDep, id_or_alias: str) -> Response:
    """Retrieve a single customer by ID or alias."""
    customer = await customers.get_or_raise(db, principal=principal, reference=id_or_alias)
    return JsonResponse(customer_document(customer))


@router.put(
    "/{id_or_alias}",
    operation_id="update_customer",
    response_model=documents.Customer,
    summary="Update customer",
    responses=errors(400, 404, 409),
)
async def update_customer(
    principal: CustomersWrite, db: DatabaseDep, id_or_alias: str, body: CustomerUpdateRequest
) -> Response:
    """Replace a customer's fields; optional fields left out are cleared."""
    changes = _changes(principal, body, _FIELDS)
    customer = await customers.update(
        db, principal=principal, reference=id_or_alias, changes=changes
    )
    return JsonResponse(customer_document(customer))


@router.patch(
    "/{id_or_alias}",
    operation_id="patch_customer",
    response_model=documents.Customer,
    summary="Patch customer",
    responses=errors(400, 404, 409),
)
async def patch_customer(
    principal: CustomersWrite, db: DatabaseDep, id_or_alias: str, body: CustomerPatchRequest
) -> Response:
    """Partially update a customer. Only provided fields will be updated."""
    changes = _changes(principal, body, body.model_fields_set & _FIELDS)
    customer = await customers.update(
        db, principal=principal, reference=id_or_alias, changes=changes
    )
    return JsonResponse(customer_document(customer))


@router.delete(
    "/{id_or_alias}",
    operation_id="archive_customer",
    summary="Archive a customer",
    status_code=204,
    responses=errors(404, 409),
)
async def archive_customer(
    principal: CustomersWrite, db: DatabaseDep, id_or_alias: str
) -> Response:
    """Archive a customer; its invoices stay as they are (409 if already archived)."""
    await customers.archive(db, principal=principal, reference=id_or_alias)
    return Response(status_code=204)


@router.post(
    "/{id_or_alias}/unarchive",
    operation_id="unarchive_customer",
    summary="Restore an archived customer",
    status_code=204,
    responses=errors(404, 409),
)
async def unarchive_customer(
    principal: CustomersWrite, db: DatabaseDep, id_or_alias: str
) -> Response:
    """Restore an archived customer (409 if it is not archived)."""
    await customers.unarchive(db, principal=principal, reference=id_or_alias)
    return Response(status_code=204)
