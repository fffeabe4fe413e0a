"""Billing-v1 `GET /api/v1/invoices/{invoice_id}/download`: the invoice PDF itself, and
`GET /api/v1/invoices/{invoice_id}/xml`: the e-invoice (EN 16931 XML) issued with it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from invoicery.api.billing.params import errors
from invoicery.api.downloads import DocumentsDep, get_documents, pdf_response, xml_response
from invoicery.api.hot import HotRoute, hot, hot_principal
from invoicery.auth.scopes import Scope
from invoicery.auth.tokens import Principal
from invoicery.service import documents, einvoicing
from invoicery.service.documents import Documents
from invoicery.store.database import Database
from invoicery.web.deps import DatabaseDep, InvoicesRead, get_db

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/invoices", tags=["Invoices"], route_class=HotRoute)

_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Invoice PDF",
        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
    },
    **errors(404),
}
_RESPONSES[404] = {**_RESPONSES[404], "description": "Invoice not found or PDF not available"}


async def _download_fast(request: Request) -> Response:
    """`download_invoice_pdf` without FastAPI's per-request work (see `api.hot`)."""
    principal = await hot_principal(request, Scope.INVOICES_READ)
    db, docs = await get_db(request), await get_documents(request)
    return await _download(request, principal, db, docs, request.path_params["invoice_id"])


@router.get(
    "/{invoice_id}/download",
    operation_id="download_invoice_pdf",
    summary="Download invoice PDF",
    description="Download the PDF document for an invoice.",
    response_class=Response,
    responses=_RESPONSES,
)
@hot(_download_fast)
async def download_invoice_pdf(
    request: Request,
    principal: InvoicesRead,
    db: DatabaseDep,
    docs: DocumentsDep,
    invoice_id: str,
) -> Response:
    """The caller's invoice PDF (finalized invoices only); revalidate with its ETag."""
    return await _download(request, principal, db, docs, invoice_id)


async def _download(
    request: Request, principal: Principal, db: Database, docs: Documents, invoice_id: str
) -> Response:
    opened = await documents.open_by_id(db, docs, principal=principal, invoice_id=invoice_id)
    return await pdf_response(request, docs, opened, cache_control="private, no-cache")


_XML_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Invoice e-invoice XML (EN 16931: CII or UBL)",
        "content": {"application/xml": {"schema": {"type": "string", "format": "binary"}}},
    },
    **errors(404),
}
_XML_RESPONSES[404] = {
    **_XML_RESPONSES[404],
    "description": "Invoice not found, or it has no e-invoice (not issued, or failed)",
}


@router.get(
    "/{invoice_id}/xml",
    operation_id="download_invoice_xml",
    summary="Download invoice e-invoice XML",
    description=(
        "Download the structured e-invoice (EN 16931 XML) issued with an invoice. For "
        "Factur-X the same XML is also embedded in the PDF."
    ),
    response_class=Response,
    responses=_XML_RESPONSES,
)
async def download_invoice_xml(
    principal: InvoicesRead, db: DatabaseDep, invoice_id: str
) -> Response:
    """The caller's invoice's e-invoice XML; 404 if it has none."""
    found = await einvoicing.xml(db, principal=principal, invoice_id=invoice_id)
    return xml_response(found, cache_control="private, no-cache")
