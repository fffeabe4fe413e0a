"""AP `GET /invoices/{id}/pdf-link`: a signed, expiring URL of the invoice PDF."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from starlette.responses import Response

from invoicery.api.ap.schemas import error_responses
from invoicery.api.downloads import DocumentsDep
from invoicery.api.json import JsonResponse
from invoicery.service import documents
from invoicery.web.deps import DatabaseDep, InvoicesRead

__all__ = ["GetPdfLinkData", "router"]

router = APIRouter(prefix="/invoices", tags=["Invoices"])


class GetPdfLinkData(BaseModel):
    """The signed download URL of the invoice PDF."""

    url: str


@router.get(
    "/{id}/pdf-link",
    operation_id="getInvoicePdfLink",
    summary="Get invoice PDF link",
    description="Get a signed PDF URL for the specified invoice",
    response_model=GetPdfLinkData,
    responses=error_responses(400, 404),
)
async def get_pdf_link(
    principal: InvoicesRead, db: DatabaseDep, docs: DocumentsDep, id: str
) -> Response:
    """A URL anyone holding it can download the PDF from until it expires; any invoice."""
    url = await documents.pdf_link(db, docs, principal=principal, invoice_id=id)
    return JsonResponse({"url": url})
