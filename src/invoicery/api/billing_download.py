"""Billing-v1 `GET /api/v1/invoices/{invoice_id}/download`: the invoice PDF itself."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from invoicery.api.billing.params import errors
from invoicery.api.downloads import DocumentsDep, pdf_response
from invoicery.service import documents
from invoicery.web.deps import DatabaseDep, InvoicesRead

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/invoices", tags=["Invoices"])

_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Invoice PDF",
        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
    },
    **errors(404),
}
_RESPONSES[404] = {**_RESPONSES[404], "description": "Invoice not found or PDF not available"}


@router.get(
    "/{invoice_id}/download",
    operation_id="download_invoice_pdf",
    summary="Download invoice PDF",
    description="Download the PDF document for an invoice.",
    response_class=Response,
    responses=_RESPONSES,
)
async def download_invoice_pdf(
    request: Request,
    principal: InvoicesRead,
    db: DatabaseDep,
    docs: DocumentsDep,
    invoice_id: str,
) -> Response:
    """The caller's invoice PDF (finalized invoices only); revalidate with its ETag."""
    opened = await documents.open_by_id(db, docs, principal=principal, invoice_id=invoice_id)
    return await pdf_response(request, docs, opened, cache_control="private, no-cache")
