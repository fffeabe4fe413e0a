"""Billing-v1 customer endpoints, by id or alias; credit grants live in `credits`.

Each route answers in the request's version: a body is parsed by that version's model
and the customer rendered by that version's document. Both versions make the same
service calls; they differ only in what a field left out or null means (see each
version's request models), so that difference is all this module translates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from invoicery.api.billing import documents
from invoicery.api.billing.params import Page, PerPage, errors, order_by_pattern, sort_order
from invoicery.api.billing.render import customer_document, invoicing_entity_id, page_document
from invoicery.api.billing.schemas import (
    AddressInput,
    CustomerCreateRequest,
    CustomerPatchRequest,
    CustomerUpdateRequest,
    CustomTaxRateInput,
    ShippingAddressInput,
)
from invoicery.api.billing.v2026_10 import customers as v2026_10
from invoicery.api.billing.versions import (
    RequestVersion,
    documented_body,
    register_schemas,
    versioned_body,
)
from invoicery.api.json import DecimalJsonRoute, JsonResponse
from invoicery.auth.tokens import Principal
from invoicery.domain.api_versions import ApiVersion
from invoicery.domain.customer import (
    Address,
    Customer,
    CustomerType,
    CustomTax,
    ShippingAddress,
    requested_locales,
)
from invoicery.domain.errors import BadRequest
from invoicery.service import customers
from invoicery.service.customers import ORDER_COLUMNS, CustomerOrder, CustomerQuery, NewCustomer
from invoicery.web.deps import CustomersRead, CustomersWrite, DatabaseDep

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/customers", tags=["Customers"], route_class=DecimalJsonRoute)

OrderBy = Annotated[
    str | None,
    Query(
        max_length=50,
        pattern=order_by_pattern(ORDER_COLUMNS),
        description="Sort order, `column.direction`: columns `name`, `email`, `alias`, "
        "`created_at`; direction `asc` or `desc`. Default: `created_at.desc`.",
    ),
]

V2026_03, V2026_10 = ApiVersion.V2026_03, ApiVersion.V2026_10
_CREATE: dict[ApiVersion, type[CustomerCreateRequest | v2026_10.CustomerCreateRequest]] = {
    V2026_03: CustomerCreateRequest,
    V2026_10: v2026_10.CustomerCreateRequest,
}
_UPDATE: dict[ApiVersion, type[CustomerUpdateRequest | v2026_10.CustomerUpdateRequest]] = {
    V2026_03: CustomerUpdateRequest,
    V2026_10: v2026_10.CustomerUpdateRequest,
}
_PATCH: dict[ApiVersion, type[CustomerPatchRequest | v2026_10.CustomerPatchRequest]] = {
    V2026_03: CustomerPatchRequest,
    V2026_10: v2026_10.CustomerPatchRequest,
}
_RENDER: dict[ApiVersion, Callable[[Customer], dict[str, Any]]] = {
    V2026_03: customer_document,
    V2026_10: v2026_10.customer_document,
}
# The routes declare no body model (it depends on the version): 2026-03's are named here.
register_schemas(
    V2026_03,
    {
        "CustomerCreateRequest": CustomerCreateRequest,
        "CustomerUpdateRequest": CustomerUpdateRequest,
        "CustomerPatchRequest": CustomerPatchRequest,
    },
)

_STORED_AS = {"alias": "external_id", "billing_email": "email"}
# 2026-03: the fields of that face, and those of them that refuse null
_FIELDS = frozenset(CustomerPatchRequest.model_fields) - {"invoicing_entity_id"}
_NOT_NULL = frozenset({"name", "currency", "invoicing_emails", "custom_taxes"})
# 2026-10: the fields translated one by one; a full replace keeps the person it names
_FIELDS_2026_10 = frozenset(v2026_10.CustomerPatchRequest.model_fields) - {
    "invoicing_entity_id",
    "connected_account_id",
    "preferred_locales",
    "invoicing_language",
    "custom_properties",
}
_KEPT_ON_REPLACE = frozenset({"customer_type", "first_name", "last_name"})


def _address(value: AddressInput | None) -> Address | None:
    return None if value is None else Address(**value.model_dump())


def _shipping(value: ShippingAddressInput | None) -> ShippingAddress | None:
    if value is None:
        return None
    return ShippingAddress(value.same_as_billing, _address(value.address))


def _taxes(value: list[CustomTaxRateInput] | None) -> tuple[CustomTax, ...]:
    return tuple(CustomTax(tax.tax_code, tax.name, tax.rate) for tax in value or ())


def _value(name: str, value: Any) -> Any:
    """A body field's value as `NewCustomer` holds it; null is the field's empty value."""
    if name == "billing_address":
        return _address(value)
    if name == "shipping_address":
        return _shipping(value)
    if name == "custom_taxes":
        return _taxes(value)
    if name == "invoicing_emails":
        return tuple(value or ())
    if name == "customer_type":
        return CustomerType(value or CustomerType.COMPANY)
    if name == "is_tax_exempt":
        return bool(value)
    if name in ("billing_email", "name"):
        return value or ""
    return value


def _fields(principal: Principal, body: Any, names: Iterable[str]) -> dict[str, Any]:
    """The fields `names` of `body` as `NewCustomer` values; its invoicing entity checked."""
    entity = body.invoicing_entity_id
    if entity is not None and entity != invoicing_entity_id(principal.account_id):
        raise BadRequest("invalid customer", {"invoicing_entity_id": "no such invoicing entity"})
    return {_STORED_AS.get(name, name): _value(name, getattr(body, name)) for name in names}


def _changes(
    principal: Principal, body: CustomerPatchRequest, names: Iterable[str]
) -> dict[str, Any]:
    """2026-03: the fields `names` of `body` as `NewCustomer` values; absent means cleared."""
    for name in names:
        if name in _NOT_NULL and getattr(body, name) is None:
            raise BadRequest("invalid customer", {name: "must not be null"})
    return _fields(principal, body, names)


def _locales(
    body: v2026_10.CustomerCreateRequest
    | v2026_10.CustomerUpdateRequest
    | v2026_10.CustomerPatchRequest,
) -> tuple[str, ...] | None:
    return requested_locales(body.preferred_locales, body.invoicing_language)


def _created(principal: Principal, body: v2026_10.CustomerCreateRequest) -> NewCustomer:
    """2026-10: a new customer; fields left out or null take their defaults."""
    return NewCustomer(
        **_fields(principal, body, _FIELDS_2026_10),
        preferred_locales=_locales(body) or (),
        custom_properties=body.custom_properties or {},
    )


def _replaced(principal: Principal, body: v2026_10.CustomerUpdateRequest) -> dict[str, Any]:
    """2026-10: a full replace; what is left out is cleared, save the kept fields."""
    kept = _KEPT_ON_REPLACE - body.model_fields_set
    changes = _fields(principal, body, _FIELDS_2026_10 - kept)
    changes["preferred_locales"] = _locales(body) or ()
    if body.custom_properties is not None:
        changes["custom_properties"] = body.custom_properties
    return changes


def _patched(principal: Principal, body: v2026_10.CustomerPatchRequest) -> dict[str, Any]:
    """2026-10: the fields given and not null (custom properties aside: they are merged)."""
    given = {n for n in body.model_fields_set & _FIELDS_2026_10 if getattr(body, n) is not None}
    changes = _fields(principal, body, given)
    if (locales := _locales(body)) is not None:
        changes["preferred_locales"] = locales
    return changes


def _order(order_by: str | None) -> CustomerOrder:
    if order_by is None:
        return CustomerOrder()
    column, descending = sort_order(order_by, ORDER_COLUMNS)
    return CustomerOrder(column, descending)


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
    version: RequestVersion,
    page: Page = 0,
    per_page: PerPage = 10,
    search: Annotated[str | None, Query(max_length=200)] = None,
    archived: bool | None = None,
    order_by: OrderBy = None,
) -> Response:
    """List customers, newest first unless `order_by` says otherwise; `archived=true`
    lists the archived ones."""
    query = CustomerQuery(archived=bool(archived), search=search or None, order=_order(order_by))
    found = await customers.list_numbered(
        db, principal=principal, query=query, page=page, per_page=per_page
    )
    return JsonResponse(page_document(found, _RENDER[version]))


@router.post(
    "",
    operation_id="create_customer",
    response_model=documents.Customer,
    summary="Create customer",
    status_code=201,
    responses=errors(400, 409),
    openapi_extra=documented_body("CustomerCreateRequest"),
)
async def create_customer(
    request: Request, principal: CustomersWrite, db: DatabaseDep, version: RequestVersion
) -> Response:
    """Create a customer; the alias must be unique in the account (409)."""
    body = await versioned_body(request, version, _CREATE)
    if isinstance(body, v2026_10.CustomerCreateRequest):
        new = _created(principal, body)
    else:
        new = NewCustomer(**_changes(principal, body, _FIELDS))
    customer = await customers.create(db, principal=principal, new=new)
    return JsonResponse(_RENDER[version](customer), status_code=201)


@router.get(
    "/{id_or_alias}",
    operation_id="get_customer",
    response_model=documents.Customer,
    summary="Get customer",
    responses=errors(404),
)
async def get_customer(
    principal: CustomersRead, db: DatabaseDep, version: RequestVersion, id_or_alias: str
) -> Response:
    """Retrieve a single customer by ID or alias."""
    customer = await customers.get_or_raise(db, principal=principal, reference=id_or_alias)
    return JsonResponse(_RENDER[version](customer))


@router.put(
    "/{id_or_alias}",
    operation_id="update_customer",
    response_model=documents.Customer,
    summary="Update customer",
    responses=errors(400, 404, 409),
    openapi_extra=documented_body("CustomerUpdateRequest"),
)
async def update_customer(
    request: Request,
    principal: CustomersWrite,
    db: DatabaseDep,
    version: RequestVersion,
    id_or_alias: str,
) -> Response:
    """Replace a customer's fields; optional fields left out are cleared."""
    body = await versioned_body(request, version, _UPDATE)
    if isinstance(body, v2026_10.CustomerUpdateRequest):
        changes = _replaced(principal, body)
    else:
        changes = _changes(principal, body, _FIELDS)
    customer = await customers.update(
        db, principal=principal, reference=id_or_alias, changes=changes
    )
    return JsonResponse(_RENDER[version](customer))


@router.patch(
    "/{id_or_alias}",
    operation_id="patch_customer",
    response_model=documents.Customer,
    summary="Patch customer",
    responses=errors(400, 404, 409),
    openapi_extra=documented_body("CustomerPatchRequest"),
)
async def patch_customer(
    request: Request,
    principal: CustomersWrite,
    db: DatabaseDep,
    version: RequestVersion,
    id_or_alias: str,
) -> Response:
    """Partially update a customer. Only provided fields will be updated."""
    body = await versioned_body(request, version, _PATCH)
    merged: Mapping[str, object] | None = None
    if isinstance(body, v2026_10.CustomerPatchRequest):
        changes = _patched(principal, body)
        merged = body.custom_properties
    else:
        changes = _changes(principal, body, body.model_fields_set & _FIELDS)
    customer = await customers.update(
        db, principal=principal, reference=id_or_alias, changes=changes, custom_properties=merged
    )
    return JsonResponse(_RENDER[version](customer))


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


@router.get(
    "/{id_or_alias}/entitlements",
    operation_id="list_customer_entitlements",
    response_model=v2026_10.EffectiveEntitlementListResponse,
    summary="List customer entitlements",
    responses=errors(404),
)
async def list_entitlements(
    principal: CustomersRead, db: DatabaseDep, id_or_alias: str
) -> Response:
    """A customer's entitlements: always none, for Invoicery has no plans or features."""
    await customers.get_or_raise(db, principal=principal, reference=id_or_alias)
    return JsonResponse({"data": []})
