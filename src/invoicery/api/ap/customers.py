"""AP customer endpoints: create, list, get, archive."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from invoicery.api.ap import query as q
from invoicery.api.ap.render import customer_document, page_document
from invoicery.api.ap.schemas import (
    CreateCustomerInput,
    Customer,
    PaginatedResponseCustomer,
    error_responses,
)
from invoicery.api.json import JsonResponse
from invoicery.service import customers
from invoicery.service.customers import CustomerQuery, NewCustomer
from invoicery.web.deps import CustomersRead, CustomersWrite, DatabaseDep

__all__ = ["router"]

router = APIRouter(prefix="/customers", tags=["Customers"])


@router.post(
    "",
    operation_id="createCustomer",
    summary="Create a customer",
    status_code=201,
    response_model=Customer,
    responses=error_responses(400, 409, 422),
)
async def create_customer(
    principal: CustomersWrite, db: DatabaseDep, body: CreateCustomerInput
) -> Response:
    """Create a customer; `external_id` is unique within the account."""
    new = NewCustomer(
        name=body.name,
        email=body.email,
        company_name=body.company_name,
        external_id=body.external_id,
        preferred_locales=(body.locale,) if body.locale else (),
    )
    customer = await customers.create(db, principal=principal, new=new)
    return JsonResponse(customer_document(customer), status_code=201)


@router.get(
    "",
    operation_id="listCustomers",
    summary="List customers",
    response_model=PaginatedResponseCustomer,
    responses=error_responses(400),
)
async def list_customers(
    principal: CustomersRead,
    db: DatabaseDep,
    limit: q.Limit = 100,
    after: q.After = None,
    before: q.Before = None,
    company_name: Annotated[str | None, Query(description="Filter by company name")] = None,
    created_at_start: q.CreatedAtStart = None,
    created_at_end: q.CreatedAtEnd = None,
) -> Response:
    """List the caller's customers, newest first, with cursor pagination."""
    errors: dict[str, str] = {}
    page = q.page_request(limit, after, before, errors)
    query = CustomerQuery(
        company_name=company_name or None,
        created_from=q.parse_instant("created_at_start", created_at_start, errors),
        created_to=q.parse_instant("created_at_end", created_at_end, errors),
    )
    q.raise_if(errors)
    found = await customers.list_page(db, principal=principal, query=query, page=page)
    return JsonResponse(page_document(found, customer_document))


@router.get(
    "/{id}",
    operation_id="getCustomer",
    summary="Get a customer",
    response_model=Customer,
    responses=error_responses(404),
)
async def get_customer(principal: CustomersRead, db: DatabaseDep, id: str) -> Response:
    """One customer of the caller's account."""
    customer = await customers.get_or_raise(db, principal=principal, reference=id, by_alias=False)
    return JsonResponse(customer_document(customer))


@router.delete(
    "/{id}",
    operation_id="archiveCustomer",
    summary="Archive a customer",
    response_model=Customer,
    responses=error_responses(400, 404),
)
async def archive_customer(principal: CustomersWrite, db: DatabaseDep, id: str) -> Response:
    """Archive a customer: it disappears from lists and takes no new invoices."""
    customer = await customers.archive(db, principal=principal, reference=id, by_alias=False)
    return JsonResponse(customer_document(customer))
