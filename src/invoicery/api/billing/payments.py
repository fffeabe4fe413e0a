"""Billing-v1 offline payments: record a payment received outside the hosted page.

`POST /api/v1/invoices/{invoice_id}/payments` takes `amount` in integer minor units, as
everywhere on this face, and answers 201 with the recorded `transaction` and the
`invoice` after it, both in the request's version. An amount above the amount due is a
422 (`ExceedsAmountDue`); a draft, void, archived or paid invoice a 409.
`GET …/payments/{transaction_id}/receipt` is the receipt PDF of a settled payment
(hosted page or offline); 404 for any other transaction.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from invoicery.api.billing import documents, render
from invoicery.api.billing.fields import MinorAmount, Timestamp
from invoicery.api.billing.params import errors
from invoicery.api.billing.v2026_10 import invoices as v2026_10
from invoicery.api.billing.versions import RequestVersion, register_schemas
from invoicery.api.downloads import content_disposition, etag_matches
from invoicery.api.json import DecimalJsonRoute, JsonResponse
from invoicery.domain.api_versions import ApiVersion
from invoicery.service import offline_payments, receipts
from invoicery.service.offline_payments import OfflineMethod, OfflinePayment, RecordedPayment
from invoicery.web.deps import DatabaseDep, InvoicesRead, InvoicesWrite

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/invoices", tags=["Invoices"], route_class=DecimalJsonRoute)


class PaymentCreateRequest(BaseModel):
    """A payment received offline: `amount` in minor units, `paid_at` not in the future."""

    model_config = ConfigDict(extra="ignore")

    amount: MinorAmount
    method: OfflineMethod
    reference: str | None = Field(default=None, max_length=100)
    paid_at: Timestamp | None = None


class RecordedPaymentResponse(BaseModel):
    """The payment as recorded, and the invoice after it."""

    transaction: documents.Transaction
    invoice: documents.Invoice


class _RecordedPaymentResponseV2026Oct(BaseModel):
    """The payment as recorded, and the invoice after it (2026-10)."""

    transaction: v2026_10.Transaction
    invoice: v2026_10.Invoice


register_schemas(ApiVersion.V2026_10, {"RecordedPaymentResponse": _RecordedPaymentResponseV2026Oct})


def _document(recorded: RecordedPayment, version: ApiVersion) -> dict[str, Any]:
    transaction = render.transaction_document(recorded.payment)
    if version is ApiVersion.V2026_03:
        return {"transaction": transaction, "invoice": render.invoice_document(recorded.view)}
    return {
        "transaction": v2026_10.transaction_document(transaction),
        "invoice": v2026_10.invoice_document(recorded.view),
    }


@router.post(
    "/{invoice_id}/payments",
    operation_id="record_invoice_payment",
    response_model=RecordedPaymentResponse,
    summary="Record a payment received offline",
    status_code=201,
    responses=errors(400, 404, 409, 422),
)
async def record_payment(
    principal: InvoicesWrite,
    db: DatabaseDep,
    version: RequestVersion,
    invoice_id: str,
    body: PaymentCreateRequest,
) -> Response:
    """Record a wire, a cheque or another payment received outside the hosted page: the
    amount due falls, PARTIALLY_PAID or PAID; 422 if the amount is above what is due."""
    payment = OfflinePayment(
        amount=body.amount,
        method=body.method,
        reference=body.reference,
        paid_at=body.paid_at,
    )
    recorded = await offline_payments.record(
        db, principal=principal, invoice_id=invoice_id, payment=payment
    )
    return JsonResponse(_document(recorded, version), status_code=201)


_RECEIPT: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Receipt PDF",
        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
    },
    **errors(404),
}


@router.get(
    "/{invoice_id}/payments/{transaction_id}/receipt",
    operation_id="download_payment_receipt",
    summary="Download a payment's receipt PDF",
    response_class=Response,
    responses=_RECEIPT,
)
async def download_payment_receipt(
    request: Request,
    principal: InvoicesRead,
    db: DatabaseDep,
    invoice_id: str,
    transaction_id: str,
) -> Response:
    """The receipt of a settled payment of the invoice; revalidate with its ETag."""
    found = await receipts.pdf(
        db, principal=principal, invoice_id=invoice_id, transaction_id=transaction_id
    )
    headers = {"ETag": f'"{found.etag}"', "Cache-Control": "private, no-cache"}
    if etag_matches(request.headers.get("if-none-match"), found.etag):
        return Response(status_code=304, headers=headers)
    headers["Content-Disposition"] = content_disposition(found.filename)
    return Response(found.content, media_type="application/pdf", headers=headers)
