"""Billing-v1 invoice endpoints: list, get, drafts and lifecycle transitions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import StringConstraints
from starlette.responses import Response

from invoicery.api.billing import documents
from invoicery.api.billing.listed import listed_invoice_document
from invoicery.api.billing.params import Page, PerPage, errors
from invoicery.api.billing.render import invoice_document, page_document
from invoicery.api.billing.schemas import InvoiceCreateRequest, InvoicePatchRequest, LineItemInput
from invoicery.api.json import DecimalJsonRoute, JsonResponse, json_response_of
from invoicery.domain.errors import BadRequest
from invoicery.domain.status import Lifecycle
from invoicery.service import invoices
from invoicery.service.invoices import (
    FIELD_NAMES,
    DraftFields,
    NewLine,
    NewSubLine,
    NumberedQuery,
)
from invoicery.web.deps import DatabaseDep, InvoicesRead, InvoicesWrite

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/invoices", tags=["Invoices"], route_class=DecimalJsonRoute)

_LIFECYCLES = {
    "Draft": Lifecycle.DRAFT,
    "Finalized": Lifecycle.FINALIZED,
    "Uncollectible": Lifecycle.UNCOLLECTIBLE,
    "Void": Lifecycle.VOID,
}
_STATUS = f"(?:{'|'.join(_LIFECYCLES)})"
_STATUS_LIST = f"^{_STATUS}(?:,{_STATUS})*$"
_NOT_NULL = frozenset({"customer_id", "currency", "line_items", "coupon_ids"})


def _lifecycles(status: str | None, statuses: list[str] | None) -> frozenset[Lifecycle] | None:
    """The lifecycles named by `status` and `statuses` (repeated or comma-separated)."""
    names = [status] if status else []
    for value in statuses or ():
        names += value.split(",")
    return frozenset(_LIFECYCLES[name] for name in names) or None


def _line(line: LineItemInput) -> NewLine:
    return NewLine(
        name=line.name,
        quantity=line.quantity,
        unit_price=line.unit_price,
        description=line.description,
        tax_rate=line.tax_rate,
        start_date=line.start_date,
        end_date=line.end_date,
        sub_lines=tuple(
            NewSubLine(sub.name, sub.quantity, sub.unit_price) for sub in line.sub_line_items
        ),
    )


def _changes(body: InvoiceCreateRequest | InvoicePatchRequest, names: set[str]) -> dict[str, Any]:
    """The fields `names` of `body` as `DraftFields` values."""
    changes: dict[str, Any] = {}
    for name in names & FIELD_NAMES:
        value = getattr(body, name)
        if value is None and name in _NOT_NULL:
            raise BadRequest("invalid invoice", {name: "must not be null"})
        if name == "line_items":
            value = tuple(_line(line) for line in value)
        elif name == "coupon_ids":
            value = tuple(value)
        changes[name] = value
    return changes


@router.get(
    "",
    operation_id="list_invoices",
    response_model=documents.InvoiceListResponse,
    summary="List invoices",
    responses=errors(400),
)
async def list_invoices(
    principal: InvoicesRead,
    db: DatabaseDep,
    customer_id: Annotated[
        str | None, Query(description="Filter by customer ID or alias", max_length=200)
    ] = None,
    subscription_id: Annotated[str | None, Query(max_length=200)] = None,
    statuses: Annotated[
        list[Annotated[str, StringConstraints(pattern=_STATUS_LIST)]] | None,
        Query(description="Filter by statuses: repeat the parameter, or separate them by commas"),
    ] = None,
    page: Page = 0,
    per_page: PerPage = 10,
    status: Annotated[
        documents.InvoiceStatus | None, Query(description="Filter by a single invoice status")
    ] = None,
) -> Response:
    """List invoices with optional filtering by customer, subscription, or status."""
    query = NumberedQuery(
        page=page,
        per_page=per_page,
        customer=customer_id or None,
        subscription_id=subscription_id or None,
        lifecycles=_lifecycles(status, statuses),
    )
    found = await invoices.list_numbered(db, principal=principal, query=query)
    lines = sum(len(item.row["line_items"]) for item in found.items)
    return await json_response_of(
        lambda: page_document(found, listed_invoice_document), lines=lines
    )


@router.post(
    "",
    operation_id="create_invoice",
    response_model=documents.Invoice,
    summary="Create a draft invoice",
    status_code=201,
    responses=errors(400),
)
async def create_invoice(
    principal: InvoicesWrite, db: DatabaseDep, body: InvoiceCreateRequest
) -> Response:
    """Create a Draft invoice; finalize it to number it and make it payable."""
    given = {name for name in type(body).model_fields if getattr(body, name) is not None}
    fields = DraftFields(**_changes(body, given))
    view = await invoices.create(db, principal=principal, new=fields)
    return JsonResponse(invoice_document(view), status_code=201)


@router.get(
    "/{invoice_id}",
    operation_id="get_invoice_by_id",
    response_model=documents.Invoice,
    summary="Get invoice",
    responses=errors(404),
)
async def get_invoice(principal: InvoicesRead, db: DatabaseDep, invoice_id: str) -> Response:
    """Retrieve a single invoice with its payment transactions."""
    view = await invoices.get(db, principal=principal, invoice_id=invoice_id)
    return JsonResponse(invoice_document(view))


@router.patch(
    "/{invoice_id}",
    operation_id="patch_invoice",
    response_model=documents.Invoice,
    summary="Edit a draft invoice",
    responses=errors(400, 404, 409),
)
async def patch_invoice(
    principal: InvoicesWrite, db: DatabaseDep, invoice_id: str, body: InvoicePatchRequest
) -> Response:
    """Change the given fields of a Draft; 409 once it is finalized."""
    changes = _changes(body, set(body.model_fields_set))
    view = await invoices.update(db, principal=principal, invoice_id=invoice_id, changes=changes)
    return JsonResponse(invoice_document(view))


@router.post(
    "/{invoice_id}/finalize",
    operation_id="finalize_invoice",
    response_model=documents.Invoice,
    summary="Finalize a draft invoice",
    responses=errors(404, 409),
)
async def finalize_invoice(principal: InvoicesWrite, db: DatabaseDep, invoice_id: str) -> Response:
    """Number the invoice, freeze the customer's details, apply taxes, coupons and credit."""
    view = await invoices.finalize(db, principal=principal, invoice_id=invoice_id)
    return JsonResponse(invoice_document(view))


@router.post(
    "/{invoice_id}/void",
    operation_id="void_invoice",
    response_model=documents.Invoice,
    summary="Void an invoice",
    responses=errors(404, 409),
)
async def void_invoice(principal: InvoicesWrite, db: DatabaseDep, invoice_id: str) -> Response:
    """Void a finalized or uncollectible unpaid invoice; consumed credit is restored."""
    view = await invoices.void(db, principal=principal, invoice_id=invoice_id)
    return JsonResponse(invoice_document(view))


@router.post(
    "/{invoice_id}/mark-uncollectible",
    operation_id="mark_invoice_uncollectible",
    response_model=documents.Invoice,
    summary="Mark an invoice uncollectible",
    responses=errors(404, 409),
)
async def mark_uncollectible(
    principal: InvoicesWrite, db: DatabaseDep, invoice_id: str
) -> Response:
    """Give up on collecting a finalized unpaid invoice."""
    view = await invoices.mark_uncollectible(db, principal=principal, invoice_id=invoice_id)
    return JsonResponse(invoice_document(view))
