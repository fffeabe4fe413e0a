"""Billing-v1 credit note endpoints: list, get, custom properties, the PDF and the
e-invoice XML; create, finalize and void.

Meteroid creates credit notes outside its REST API; Invoicery adds `POST` for a draft
of a finalized invoice, `…/finalize` (numbered; the credit goes where `credit_type`
says) and `…/void`. Each answers in the request's version: 2026-03
(`credit_note_documents`) or 2026-10 (`v2026_10.credit_notes`, SCREAMING enums).
Crediting more than an invoice's total is a 422.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from starlette.responses import Response

from invoicery.api.billing import credit_note_documents as v2026_03
from invoicery.api.billing.credit_note_documents import CREDIT_TYPES, CreditNoteCreateRequest
from invoicery.api.billing.fields import CustomPropertyChanges
from invoicery.api.billing.params import Page, PerPage, errors, order_by_pattern, sort_order
from invoicery.api.billing.render import page_document
from invoicery.api.billing.v2026_10 import credit_notes as v2026_10
from invoicery.api.billing.versions import RequestVersion
from invoicery.api.downloads import content_disposition, etag_matches, xml_response
from invoicery.api.json import DecimalJsonRoute, JsonResponse, plain_json
from invoicery.config import Settings
from invoicery.domain.api_versions import ApiVersion
from invoicery.domain.credit_notes import CreditNote, CreditNoteStatus, CreditRequest
from invoicery.domain.errors import BadRequest
from invoicery.payments.processor import PaymentProcessor
from invoicery.service import credit_notes, einvoicing
from invoicery.service.credit_notes import ListOrder, NewCreditNote, OrderColumn
from invoicery.web.deps import DatabaseDep, InvoicesRead, InvoicesWrite

__all__ = ["router"]

router = APIRouter(
    prefix="/api/v1/credit-notes", tags=["Credit notes"], route_class=DecimalJsonRoute
)

_DOCUMENT: dict[ApiVersion, Callable[[CreditNote], dict[str, Any]]] = {
    ApiVersion.V2026_03: v2026_03.credit_note_document,
    ApiVersion.V2026_10: v2026_10.credit_note_document,
}
_STATUSES = {
    **{status.value: status for status in CreditNoteStatus},
    **{status.value.upper(): status for status in CreditNoteStatus},
}
_PDF: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Credit note PDF",
        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
    },
    **errors(404),
}
_XML: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Credit note e-invoice XML (EN 16931: CII or UBL)",
        "content": {"application/xml": {"schema": {"type": "string", "format": "binary"}}},
    },
    **errors(404),
}
_XML[404] = {
    **_XML[404],
    "description": "Credit note not found, or it has no e-invoice (a draft, not issued, failed)",
}


class CreditNoteCustomPropertiesRequest(BaseModel):
    """Custom property values to merge onto a credit note (a key with `null` removes it)."""

    custom_properties: CustomPropertyChanges


def _order(order_by: str | None) -> ListOrder:
    """The list order `order_by` names (``column.asc|desc``); newest first by default."""
    if order_by is None:
        return credit_notes.DEFAULT_ORDER
    column, descending = sort_order(order_by, [column.value for column in OrderColumn])
    return ListOrder(OrderColumn(column), descending)


def _rendered(note: CreditNote, version: ApiVersion, status_code: int = 200) -> Response:
    return JsonResponse(_DOCUMENT[version](note), status_code=status_code)


def _processor(request: Request) -> PaymentProcessor:
    processor: PaymentProcessor = request.app.state.processor
    return processor


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@router.get(
    "",
    operation_id="list_credit_notes",
    response_model=v2026_03.CreditNoteListResponse,
    summary="List credit notes",
    responses=errors(400),
)
async def list_credit_notes(
    principal: InvoicesRead,
    db: DatabaseDep,
    version: RequestVersion,
    customer_id: Annotated[
        str | None, Query(description="Filter by customer ID or alias", max_length=200)
    ] = None,
    invoice_id: Annotated[
        str | None, Query(description="Filter by invoice ID", max_length=64)
    ] = None,
    status: Annotated[
        str | None,
        Query(
            description="Filter by status (Draft, Finalized, Voided; or DRAFT…)",
            max_length=20,
            pattern=f"^(?:{'|'.join(sorted(_STATUSES))})$",
        ),
    ] = None,
    search: Annotated[
        str | None,
        Query(description="Free-text search over credit note number", max_length=100),
    ] = None,
    order_by: Annotated[
        str | None,
        Query(
            description="Sort order: `column.asc` or `column.desc`, column one of "
            "`created_at`, `credit_note_number`, `total`, `status` (then by id, the same "
            "way). Default: `created_at.desc`",
            max_length=100,
            pattern=order_by_pattern([column.value for column in OrderColumn]),
        ),
    ] = None,
    page: Page = 0,
    per_page: PerPage = 10,
) -> Response:
    """List the account's credit notes, newest first unless `order_by` says otherwise, by
    customer, invoice, status or a part of their number."""
    wanted = None
    if status is not None:
        wanted = _STATUSES.get(status)
        if wanted is None:
            raise BadRequest("invalid status", {"status": f"{status!r} is not a status"})
    found = await credit_notes.list_page(
        db,
        principal=principal,
        customer=customer_id or None,
        invoice_id=invoice_id or None,
        status=wanted,
        search=search or None,
        order=_order(order_by),
        page=page,
        per_page=per_page,
    )
    return JsonResponse(page_document(found, _DOCUMENT[version]))


@router.post(
    "",
    operation_id="create_credit_note",
    response_model=v2026_03.CreditNote,
    summary="Create a draft credit note",
    status_code=201,
    responses=errors(400, 404, 409, 422),
)
async def create_credit_note(
    principal: InvoicesWrite,
    db: DatabaseDep,
    version: RequestVersion,
    body: CreditNoteCreateRequest,
) -> Response:
    """A draft crediting parts of a finalized invoice's lines (a quantity or an amount of
    each) and their tax at the line's rate; 422 if the invoice's credit notes would credit
    more than its total."""
    new = NewCreditNote(
        invoice_id=body.invoice_id,
        lines=tuple(
            CreditRequest(line.line_index, line.quantity, line.amount) for line in body.line_items
        ),
        credit_to=CREDIT_TYPES[body.credit_type],
        reason=body.reason,
        memo=body.memo,
    )
    note = await credit_notes.create(db, principal=principal, new=new)
    return _rendered(note, version, status_code=201)


@router.get(
    "/{credit_note_id}",
    operation_id="get_credit_note",
    response_model=v2026_03.CreditNote,
    summary="Get credit note",
    responses=errors(404),
)
async def get_credit_note(
    principal: InvoicesRead, db: DatabaseDep, version: RequestVersion, credit_note_id: str
) -> Response:
    """Retrieve a single credit note by ID."""
    note = await credit_notes.get(db, principal=principal, credit_note_id=credit_note_id)
    return _rendered(note, version)


@router.post(
    "/{credit_note_id}/finalize",
    operation_id="finalize_credit_note",
    response_model=v2026_03.CreditNote,
    summary="Finalize a credit note",
    responses=errors(404, 409, 422),
)
async def finalize_credit_note(
    request: Request,
    principal: InvoicesWrite,
    db: DatabaseDep,
    version: RequestVersion,
    credit_note_id: str,
) -> Response:
    """Number the credit note and apply its credit: the invoice's amount due falls, the
    customer's balance grows, or the card payment is refunded."""
    note = await credit_notes.finalize(
        db,
        _processor(request),
        principal=principal,
        credit_note_id=credit_note_id,
        processor_timeout=_settings(request).processor_timeout_seconds,
    )
    return _rendered(note, version)


@router.post(
    "/{credit_note_id}/void",
    operation_id="void_credit_note",
    response_model=v2026_03.CreditNote,
    summary="Void a credit note",
    responses=errors(404, 409),
)
async def void_credit_note(
    principal: InvoicesWrite, db: DatabaseDep, version: RequestVersion, credit_note_id: str
) -> Response:
    """Void a draft, or undo a finalized note's credit (not a refund; not credit used)."""
    note = await credit_notes.void(db, principal=principal, credit_note_id=credit_note_id)
    return _rendered(note, version)


@router.patch(
    "/{credit_note_id}/custom-properties",
    operation_id="update_credit_note_custom_properties",
    response_model=v2026_03.CreditNote,
    summary="Update credit note custom properties",
    responses=errors(400, 404),
)
async def update_custom_properties(
    principal: InvoicesWrite,
    db: DatabaseDep,
    version: RequestVersion,
    credit_note_id: str,
    body: CreditNoteCustomPropertiesRequest,
) -> Response:
    """Merge custom property values onto a credit note (a key with `null` removes it), at
    any status; at most 50 keys of 1 to 100 characters, 16 KiB of JSON in all."""
    note = await credit_notes.update_custom_properties(
        db,
        principal=principal,
        credit_note_id=credit_note_id,
        changes={key: plain_json(value) for key, value in body.custom_properties.items()},
    )
    return _rendered(note, version)


@router.get(
    "/{credit_note_id}/download",
    operation_id="download_credit_note_pdf",
    summary="Download credit note PDF",
    response_class=Response,
    responses=_PDF,
)
async def download_credit_note_pdf(
    request: Request, principal: InvoicesRead, db: DatabaseDep, credit_note_id: str
) -> Response:
    """The credit note's PDF (finalized or voided notes); revalidate with its ETag."""
    found = await credit_notes.pdf(db, principal=principal, credit_note_id=credit_note_id)
    headers = {"ETag": f'"{found.etag}"', "Cache-Control": "private, no-cache"}
    if etag_matches(request.headers.get("if-none-match"), found.etag):
        return Response(status_code=304, headers=headers)
    headers["Content-Disposition"] = content_disposition(found.filename)
    return Response(found.content, media_type="application/pdf", headers=headers)


@router.get(
    "/{credit_note_id}/xml",
    operation_id="download_credit_note_xml",
    summary="Download credit note e-invoice XML",
    description=(
        "Download the structured e-invoice (EN 16931 XML, a credit note of type 381 naming "
        "the invoice it corrects) issued when the credit note was finalized."
    ),
    response_class=Response,
    responses=_XML,
)
async def download_credit_note_xml(
    principal: InvoicesRead, db: DatabaseDep, credit_note_id: str
) -> Response:
    """The caller's credit note's e-invoice XML; 404 if it has none."""
    found = await einvoicing.credit_note_xml(db, principal=principal, credit_note_id=credit_note_id)
    return xml_response(found, cache_control="private, no-cache")
