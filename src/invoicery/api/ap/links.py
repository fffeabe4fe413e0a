"""AP `GET /invoices/{id}/payment-link`: the invoice's hosted payment page URL."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel
from starlette.responses import Response

from invoicery.api.ap.schemas import error_responses
from invoicery.api.json import JsonResponse
from invoicery.config import Settings
from invoicery.service import payments
from invoicery.web.deps import DatabaseDep, InvoicesRead
from invoicery.web.urls import page_url

__all__ = ["GetPaymentLinkData", "router"]

router = APIRouter(prefix="/invoices", tags=["Invoices"])


class GetPaymentLinkData(BaseModel):
    """The hosted payment page's absolute URL."""

    url: str


@router.get(
    "/{id}/payment-link",
    operation_id="getInvoicePaymentLink",
    summary="Get hosted payment link for invoice",
    description="Get a payment link for the specified invoice",
    response_model=GetPaymentLinkData,
    responses=error_responses(400, 404),
)
async def get_payment_link(
    request: Request, principal: InvoicesRead, db: DatabaseDep, id: str
) -> Response:
    """A stable, unguessable URL of the invoice's payment page; 400 unless it is payable."""
    token = await payments.payment_link_token(db, principal=principal, invoice_id=id)
    settings: Settings = request.app.state.settings
    return JsonResponse({"url": page_url(settings, token)})
