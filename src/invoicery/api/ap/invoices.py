"""AP invoice endpoints: list, create, get, archive, restore."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import Response

from invoicery.api.ap import query as q
from invoicery.api.ap.render import (
    STORED_INVOICE_DOCUMENT,
    invoice_document,
    served_page_body,
)
from invoicery.api.ap.schemas import (
    CreateInvoiceInput,
    Invoice,
    PaginatedResponseInvoice,
    error_responses,
)
from invoicery.api.hot import HotRoute, hot, hot_principal
from invoicery.api.json import JsonResponse, json_bytes_response
from invoicery.auth.scopes import Scope
from invoicery.auth.tokens import Principal
from invoicery.domain.status import ApStatus
from invoicery.service import invoices
from invoicery.service.invoices import CursorQuery, NewInvoice, NewLine, served
from invoicery.store.database import Database
from invoicery.web.deps import DatabaseDep, InvoicesRead, InvoicesWrite, get_db

__all__ = ["router"]

router = APIRouter(prefix="/invoices", tags=["Invoices"], route_class=HotRoute)


async def _list_fast(request: Request) -> Response | None:
    """`list_invoices` for plain parameters (see `api.hot`); None for any other."""
    params = request.query_params
    limit = q.plain_limit(params.get("limit"))
    status_text = params.get("status")
    status = None if status_text is None else _STATUSES.get(status_text)
    if limit is None or (status_text is not None and status is None):
        return None
    principal = await hot_principal(request, Scope.INVOICES_READ)
    texts = {name: params.get(name) for name in _LIST_TEXTS}
    return await _list(principal, await get_db(request), limit, status, **texts)


@router.get(
    "",
    operation_id="listInvoices",
    summary="List invoices",
    description="Get a paginated list of invoices with optional filtering",
    response_model=PaginatedResponseInvoice,
    responses=error_responses(400),
)
@hot(_list_fast)
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
    return await _list(
        principal,
        db,
        limit,
        status,
        after=after,
        before=before,
        created_at_start=created_at_start,
        created_at_end=created_at_end,
        due_date_start=due_date_start,
        due_date_end=due_date_end,
        customer_id=customer_id,
        invoice_number=invoice_number,
    )


_STATUSES = {status.value: status for status in ApStatus}
_LIST_TEXTS = (
    "after",
    "before",
    "created_at_start",
    "created_at_end",
    "due_date_start",
    "due_date_end",
    "customer_id",
    "invoice_number",
)


async def _list(
    principal: Principal,
    db: Database,
    limit: int,
    status: ApStatus | None,
    *,
    after: str | None,
    before: str | None,
    created_at_start: str | None,
    created_at_end: str | None,
    due_date_start: str | None,
    due_date_end: str | None,
    customer_id: str | None,
    invoice_number: str | None,
) -> Response:
    """The page `list_invoices` answers, for its parameters as FastAPI reads them."""
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
    found = await served.list_documents(
        db, principal=principal, query=query, page=page, face=STORED_INVOICE_DOCUMENT
    )
    return json_bytes_response(served_page_body(found))


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


async def _get_fast(request: Request) -> Response:
    """`get_invoice` without FastAPI's per-request work (see `api.hot`)."""
    principal = await hot_principal(request, Scope.INVOICES_READ)
    return await _get(principal, await get_db(request), request.path_params["id"])


@router.get(
    "/{id}",
    operation_id="getInvoice",
    summary="Get an invoice",
    description="Get invoice details by ID",
    response_model=Invoice,
    responses=error_responses(404),
)
@hot(_get_fast)
async def get_invoice(principal: InvoicesRead, db: DatabaseDep, id: str) -> Response:
    """One invoice of the caller's account."""
    return await _get(principal, db, id)


async def _get(principal: Principal, db: Database, invoice_id: str) -> Response:
    body = await served.get_document(
        db, principal=principal, invoice_id=invoice_id, face=STORED_INVOICE_DOCUMENT
    )
    return json_bytes_response(body)


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
