"""AP invoice endpoints: list, create, get, archive, restore."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from invoicery.api.ap import query as q
from invoicery.api.ap.render import invoice_document, page_document
from invoicery.api.ap.schemas import (
    CreateInvoiceInput,
    Invoice,
    PaginatedResponseInvoice,
    error_responses,
)
from invoicery.api.json import DecimalJsonRoute, JsonResponse, json_response_of
from invoicery.domain.status import ApStatus
from invoicery.service import invoices
from invoicery.service.invoices import CursorQuery, NewInvoice, NewLine
from invoicery.web.deps import DatabaseDep, InvoicesRead, InvoicesWrite

__all__ = ["router"]

router = APIRouter(prefix="/invoices", tags=["Invoices"], route_class=DecimalJsonRoute)


@router.get(
    "",
    operation_id="listInvoices",
    summary="List invoices",
    description="Get a paginated list of invoices with optional filtering",
    response_model=PaginatedResponseInvoice,
    responses=error_responses(400),
)
async def list_invoices(
    principal: InvoicesRead,
    db: DatabaseDep,
    limit: q.Limit = 100,
    after: q.After = None,
    before: q.Before = None,
    created_at_start: q.CreatedAtStart = None,
    created_at_end: q.CreatedAtEnd = None,
    due_date_start: Annotated[
        str | None, Query(description="Filter by due date start (RFC3339 format)")
    ] = None,
    due_date_end: Annotated[
        str | None, Query(description="Filter by due date end (RFC3339 format)")
    ] = None,
    customer_id: Annotated[str | None, Query(description="Filter by customer ID")] = None,
    invoice_number: Annotated[str | None, Query(description="Filter by invoice number")] = None,
    status: Annotated[ApStatus | None, Query(description="Filter by invoice status")] = None,
) -> Response:
    """List the caller's invoices, newest first, with cursor pagination."""
    errors: dict[str, str] = {}
    page = q.page_request(limit, after, before, errors)
    query = CursorQuery(
        status=status,
        customer_id=customer_id or None,
        invoice_number=invoice_number or None,
        created_from=q.parse_instant("created_at_start", created_at_start, errors),
        created_to=q.parse_instant("created_at_end", created_at_end, errors),
        due_from=q.parse_day("due_date_start", due_date_start, errors),
        due_to=q.parse_day("due_date_end", due_date_end, errors),
    )
    q.raise_if(errors)
    found = await invoices.list_page(db, principal=principal, query=query, page=page)
    lines = sum(len(view.line_items) for view in found.items)
    return await json_response_of(lambda: page_document(found, invoice_document), lines=lines)


@router.post(
    "",
    operation_id="createInvoice",
    summary="Create an invoice",
    description="Create a new invoice with line items",
    status_code=201,
    response_model=Invoice,
    responses=error_responses(400, 422),
)
async def create_invoice(
    principal: InvoicesWrite, db: DatabaseDep, body: CreateInvoiceInput
) -> Response:
    """Create a finalized invoice with the next invoice number."""
    new = NewInvoice(
        customer_id=body.customer_id,
        currency=body.currency,
        due_date=body.due_date,
        memo=body.memo,
        exclude_from_autopay=body.exclude_from_autopay,
        line_items=tuple(
            NewLine(line.description, quantity=Decimal(line.quantity), unit_price=line.amount)
            for line in body.line_items
        ),
    )
    view = await invoices.create_finalized(db, principal=principal, new=new)
    return JsonResponse(invoice_document(view.summary()), status_code=201)


@router.get(
    "/{id}",
    operation_id="getInvoice",
    summary="Get an invoice",
    description="Get invoice details by ID",
    response_model=Invoice,
    responses=error_responses(404),
)
async def get_invoice(principal: InvoicesRead, db: DatabaseDep, id: str) -> Response:
    """One invoice of the caller's account."""
    summary = await invoices.get_summary(db, principal=principal, invoice_id=id)
    return JsonResponse(invoice_document(summary))


@router.delete(
    "/{id}",
    operation_id="archiveInvoice",
    summary="Archive an invoice",
    description="Archive an invoice",
    response_model=Invoice,
    responses=error_responses(400, 404, 500),
)
async def archive_invoice(principal: InvoicesWrite, db: DatabaseDep, id: str) -> Response:
    """Archive an invoice; refused while a payment is in flight."""
    view = await invoices.archive(db, principal=principal, invoice_id=id)
    return JsonResponse(invoice_document(view.summary()))


@router.post(
    "/{id}/restore",
    operation_id="restoreInvoice",
    summary="Restore an invoice",
    description="Restore an invoice",
    response_model=Invoice,
    responses=error_responses(400, 404, 500),
)
async def restore_invoice(principal: InvoicesWrite, db: DatabaseDep, id: str) -> Response:
    """Take an invoice out of the archive."""
    view = await invoices.restore(db, principal=principal, invoice_id=id)
    return JsonResponse(invoice_document(view.summary()))
