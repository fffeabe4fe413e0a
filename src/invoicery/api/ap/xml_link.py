"""AP `GET /invoices/{id}/xml-link`: a signed, expiring URL of the invoice's e-invoice XML.

An extension of the AP face (its seed spec has no e-invoices), shaped like `pdf-link`.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from starlette.responses import Response

from invoicery.api.ap.schemas import error_responses
from invoicery.api.downloads import DocumentsDep
from invoicery.api.json import JsonResponse
from invoicery.service import einvoicing
from invoicery.web.deps import DatabaseDep, InvoicesRead

__all__ = ["GetXmlLinkData", "router"]

router = APIRouter(prefix="/invoices", tags=["Invoices"])


class GetXmlLinkData(BaseModel):
    """The signed download URL of the invoice's e-invoice XML."""

    url: str


@router.get(
    "/{id}/xml-link",
    operation_id="getInvoiceXmlLink",
    summary="Get invoice e-invoice XML link",
    description=(
        "Get a signed URL of the EN 16931 XML issued with the specified invoice; 404 if it "
        "has none (its account had e-invoicing off, or the e-invoice failed)"
    ),
    response_model=GetXmlLinkData,
    responses=error_responses(400, 404),
)
async def get_xml_link(
    principal: InvoicesRead, db: DatabaseDep, docs: DocumentsDep, id: str
) -> Response:
    """A URL anyone holding it can download the XML from until it expires."""
    url = await einvoicing.xml_link(db, docs, principal=principal, invoice_id=id)
    return JsonResponse({"url": url})
