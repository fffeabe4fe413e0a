"""An invoice's notifications as both faces show them (an Invoicery extension)."""

from __future__ import annotations

from typing import Any

from invoicery.api.json import timestamp_text
from invoicery.domain import ids
from invoicery.domain.notifications import Notification

__all__ = ["notification_document", "notifications_document"]


def notification_document(notification: Notification) -> dict[str, Any]:
    """One e-mail about an invoice: what it is, to whom, and how sending it went."""
    moments = {
        "sent_at": notification.sent_at,
        "next_attempt_at": notification.next_attempt_at,
    }
    return {
        "id": notification.public_id,
        "invoice_id": ids.encode(ids.INVOICE, notification.invoice_id),
        "kind": notification.kind.value,
        "offset_days": notification.offset_days,
        "status": notification.status.value,
        "recipients": list(notification.recipients),
        "attempts": notification.attempts,
        "last_error": notification.last_error,
        **{name: timestamp_text(at) if at else None for name, at in moments.items()},
        "created_at": timestamp_text(notification.created_at),
    }


def notifications_document(found: list[Notification]) -> dict[str, Any]:
    """An invoice's notifications, oldest first."""
    return {"data": [notification_document(notification) for notification in found]}
