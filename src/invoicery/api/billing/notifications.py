"""Billing-v1 `POST /api/v1/invoices/{id}/send` and `GET …/notifications` (extensions)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from invoicery.api.billing.params import errors
from invoicery.api.json import JsonResponse
from invoicery.api.notification_render import notification_document, notifications_document
from invoicery.service import notifications
from invoicery.web.deps import DatabaseDep, InvoicesRead, InvoicesWrite

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/invoices", tags=["Invoices"])


@router.post(
    "/{invoice_id}/send",
    operation_id="send_invoice",
    summary="Send an invoice to its customer again",
    description="Queue the invoice e-mail to its customer's billing and invoicing addresses; "
    "an Invoicery extension. Answers the queued notification.",
    status_code=202,
    responses=errors(404, 409),
)
async def send_invoice(principal: InvoicesWrite, db: DatabaseDep, invoice_id: str) -> Response:
    """Queue the invoice to be e-mailed again; the worker sends it."""
    queued = await notifications.send_again(db, principal=principal, invoice_id=invoice_id)
    return JsonResponse(notification_document(queued), status_code=202)


@router.get(
    "/{invoice_id}/notifications",
    operation_id="list_invoice_notifications",
    summary="List an invoice's e-mails",
    description="Every e-mail about the invoice and how sending it went; an Invoicery extension.",
    responses=errors(404),
)
async def list_notifications(principal: InvoicesRead, db: DatabaseDep, invoice_id: str) -> Response:
    """The invoice's notifications, oldest first."""
    found = await notifications.of_invoice(db, principal=principal, invoice_id=invoice_id)
    return JsonResponse(notifications_document(found))
