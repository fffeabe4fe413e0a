"""AP `POST /invoices/{id}/send` and `GET /invoices/{id}/notifications` (extensions)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from invoicery.api.ap.schemas import error_responses
from invoicery.api.json import JsonResponse
from invoicery.api.notification_render import notification_document, notifications_document
from invoicery.service import notifications
from invoicery.web.deps import DatabaseDep, InvoicesRead, InvoicesWrite

__all__ = ["router"]

router = APIRouter(prefix="/invoices", tags=["Invoices"])


@router.post(
    "/{id}/send",
    operation_id="sendInvoice",
    summary="Send an invoice to its customer again",
    description="Queue the invoice e-mail (PDF attached, payment link) to its customer; "
    "an Invoicery extension. Answers the queued notification.",
    status_code=202,
    responses=error_responses(400, 404),
)
async def send_invoice(principal: InvoicesWrite, db: DatabaseDep, id: str) -> Response:
    """Queue the invoice to be e-mailed again; the worker sends it."""
    queued = await notifications.send_again(db, principal=principal, invoice_id=id)
    return JsonResponse(notification_document(queued), status_code=202)


@router.get(
    "/{id}/notifications",
    operation_id="listInvoiceNotifications",
    summary="List an invoice's e-mails",
    description="Every e-mail about the invoice and how sending it went; an Invoicery extension.",
    responses=error_responses(404),
)
async def list_notifications(principal: InvoicesRead, db: DatabaseDep, id: str) -> Response:
    """The invoice's notifications, oldest first."""
    found = await notifications.of_invoice(db, principal=principal, invoice_id=id)
    return JsonResponse(notifications_document(found))
