"""AP `POST /invoices/{id}/payments` (an extension): record a payment received offline.

`amount` is a JSON number in major units, as every AP amount, exact in the invoice's
currency. The invoice shows PAID once nothing is due; its amounts stay as issued. The
answer (201) is the payment, as AP webhooks carry it, and the invoice after it.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from invoicery.api.ap.render import invoice_document, payment_document
from invoicery.api.ap.schemas import Invoice, error_responses
from invoicery.api.fields import BoundedTimestamp, JsonNumber
from invoicery.api.json import DecimalJsonRoute, JsonResponse
from invoicery.service import offline_payments
from invoicery.service.offline_payments import MajorAmount, OfflineMethod, OfflinePayment
from invoicery.web.deps import DatabaseDep, InvoicesWrite

__all__ = ["RecordPaymentInput", "RecordedPayment", "router"]

router = APIRouter(prefix="/invoices", tags=["Invoices"], route_class=DecimalJsonRoute)


class RecordPaymentInput(BaseModel):
    """Body of `POST /invoices/{id}/payments`: `amount` in major units."""

    model_config = ConfigDict(title="RecordPaymentInput", extra="ignore")

    amount: JsonNumber = Field(description="The amount received, in major units (19.99).")
    method: OfflineMethod
    reference: str | None = Field(
        default=None, max_length=100, description="The wire's reference, a cheque number…"
    )
    paid_at: BoundedTimestamp | None = Field(
        default=None, description="When the money arrived (RFC 3339); not in the future."
    )


class RecordedPayment(BaseModel):
    """The payment as recorded and the invoice after it."""

    payment: dict[str, Any]
    invoice: Invoice


@router.post(
    "/{id}/payments",
    operation_id="recordInvoicePayment",
    summary="Record a payment received offline",
    description="Record a payment received outside the hosted page (a wire, a cheque)",
    status_code=201,
    response_model=RecordedPayment,
    responses=error_responses(400, 404, 422),
)
async def record_payment(
    principal: InvoicesWrite, db: DatabaseDep, id: str, body: RecordPaymentInput
) -> Response:
    """Record a payment; 422 above the amount due, 400 unless the invoice is payable."""
    payment = OfflinePayment(
        amount=MajorAmount(body.amount),
        method=body.method,
        reference=body.reference,
        paid_at=body.paid_at,
    )
    recorded = await offline_payments.record(
        db, principal=principal, invoice_id=id, payment=payment
    )
    document = {
        "payment": payment_document(recorded.payment),
        "invoice": invoice_document(recorded.view.summary()),
    }
    return JsonResponse(document, status_code=201)
