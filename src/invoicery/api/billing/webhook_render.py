"""Webhook endpoints, deliveries and event bodies as billing-v1 (Meteroid) JSON documents."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from invoicery.api.billing import credit_note_documents
from invoicery.api.billing.render import (
    coupon_document,
    customer_document,
    status_text,
    transaction_document,
)
from invoicery.api.json import timestamp_text
from invoicery.domain import ids
from invoicery.domain.coupons import Coupon
from invoicery.domain.credit_notes import CreditNote
from invoicery.domain.customer import Customer
from invoicery.domain.events import Event, EventType
from invoicery.domain.invoice import Invoice
from invoicery.domain.webhooks import ENDPOINT_PREFIX, Delivery, DeliveryStatus, Endpoint
from invoicery.payments.transaction import Transaction
from invoicery.service.webhooks import MANUALLY_DISABLED
from invoicery.store.snapshots import restore
from invoicery.webhooks.bodies import snapshot_as_fields

__all__ = [
    "DELIVERY_STATUSES",
    "MAX_IN_FLIGHT",
    "created_document",
    "delivery_document",
    "endpoint_document",
    "event_fields",
]

# What the worker sends to one endpoint at most at once (its whole concurrency).
MAX_IN_FLIGHT = 20

# Meteroid's delivery status of each of ours (CANCELLED has none: it is never shown).
DELIVERY_STATUSES: Mapping[DeliveryStatus, str] = {
    DeliveryStatus.PENDING: "PENDING",
    DeliveryStatus.SENDING: "IN_FLIGHT",
    DeliveryStatus.SUCCEEDED: "SUCCEEDED",
    DeliveryStatus.FAILED: "FAILED",
}

_CUSTOMER_FIELDS = ("name", "alias", "billing_email", "invoicing_emails", "phone", "currency")
_COUPON_FIELDS = ("code", "description", "discount", "expires_at", "redemption_limit")
# Meteroid's `CreditNoteEventData`: these fields of the credit note document
_CREDIT_NOTE_FIELDS = (
    "credit_note_id",
    "credit_note_number",
    "status",
    "invoice_id",
    "invoice_number",
    "customer_id",
    "currency",
    "line_items",
    "subtotal",
    "tax_amount",
    "tax_breakdown",
    "total",
    "credited_amount_cents",
    "refunded_amount_cents",
    "custom_properties",
    "reason",
    "memo",
    "created_at",
)


def _time(moment: Any) -> str | None:
    return timestamp_text(moment) if moment is not None else None


def _disabled_reason(endpoint: Endpoint) -> str | None:
    if not endpoint.disabled:
        return None
    reason = endpoint.disabled_reason or ""
    if reason == MANUALLY_DISABLED:
        return "MANUAL"
    return "GONE" if "410" in reason else "AUTO_FAILURES"


def endpoint_document(endpoint: Endpoint) -> dict[str, Any]:
    """Meteroid's `WebhookEndpoint`; the secret is never part of it."""
    return {
        "id": endpoint.public_id,
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": [kind.value for kind in endpoint.event_types],
        "headers": [
            {"name": name, "sensitive": False, "set": True, "value": value}
            for name, value in endpoint.headers.items()
        ],
        "disabled": endpoint.disabled,
        "disabled_reason": _disabled_reason(endpoint),
        "consecutive_failures": endpoint.consecutive_failures,
        "max_in_flight": MAX_IN_FLIGHT,
        "needs_setup": False,
        "rate_limit_per_sec": endpoint.rate_limit_per_sec,
        "last_success_at": _time(endpoint.last_success_at),
        "last_failure_at": _time(endpoint.last_failure_at),
        "created_at": timestamp_text(endpoint.created_at),
        "updated_at": timestamp_text(endpoint.updated_at),
    }


def created_document(endpoint: Endpoint) -> dict[str, Any]:
    """Meteroid's `CreatedWebhookEndpoint`: the endpoint's fields and its secret, flattened."""
    return {**endpoint_document(endpoint), "secret": endpoint.secret}


def delivery_document(delivery: Delivery) -> dict[str, Any]:
    """Meteroid's `WebhookDelivery`."""
    completed = delivery.delivered_at
    if delivery.status is DeliveryStatus.FAILED:
        completed = delivery.last_attempt_at
    return {
        "id": delivery.public_id,
        "endpoint_id": ids.encode(ENDPOINT_PREFIX, delivery.endpoint_id),
        "event_type": delivery.event_type.value,
        "message_id": delivery.webhook_id,
        "status": DELIVERY_STATUSES[delivery.status],
        "attempt_count": delivery.attempts,
        "manual": False,
        "created_at": timestamp_text(delivery.created_at),
        "completed_at": _time(completed),
        "next_attempt_at": _time(delivery.next_attempt_at),
        "last_error": delivery.last_error,
        "last_response_status": delivery.last_status_code,
    }


def _present(document: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {name: document[name] for name in names if document.get(name) not in (None, "")}


def event_fields(event: Event, timezone: str) -> Mapping[str, Any]:
    """A v1 delivery's subject fields, flattened beside the envelope; absent values left out.

    Customers and coupons are rendered by their endpoints' own renderers, invoices as
    Meteroid's invoice events carry them, payments as the invoice's `transactions` show
    them, with the invoice's id.
    """
    if event.type.subject == "customer":
        customer = customer_document(restore(Customer, event.snapshot))
        return {"customer_id": customer["id"], **_present(customer, _CUSTOMER_FIELDS)}
    if event.type.subject == "coupon":
        restored = restore(Coupon, event.snapshot)
        coupon = coupon_document(restored)
        return {
            "coupon_id": coupon["id"],
            **_present(coupon, _COUPON_FIELDS),
            "reusable": restored.reusable,
            # An archived coupon can't be redeemed: disabled, as far as a receiver can tell
            # (snapshots recorded before coupons had states don't say they were archived).
            "disabled": restored.disabled or event.type is EventType.COUPON_ARCHIVED,
        }
    if event.type.subject == "invoice":
        invoice = restore(Invoice, event.snapshot)
        return {
            "invoice_id": event.subject_id,
            "customer_id": ids.encode(ids.CUSTOMER, invoice.customer_id),
            "status": status_text(invoice.state.lifecycle),
            "currency": invoice.currency,
            "total": invoice.total,
            "tax_amount": invoice.tax_amount,
            "created_at": timestamp_text(invoice.created_at),
        }
    if event.type.subject == "payment":
        transaction = restore(Transaction, event.snapshot)
        document = transaction_document(transaction)
        return {
            "payment_id": document.pop("id"),
            "invoice_id": ids.encode(ids.INVOICE, transaction.invoice_id),
            **{name: value for name, value in document.items() if value is not None},
        }
    if event.type.subject == "credit_note":
        note = credit_note_documents.credit_note_document(restore(CreditNote, event.snapshot))
        note["credit_note_id"] = note.pop("id")
        shown = {name: note[name] for name in _CREDIT_NOTE_FIELDS}
        return {name: value for name, value in shown.items() if value not in (None, "")}
    return snapshot_as_fields(event, timezone)
