"""Webhook subscriptions, their deliveries and event bodies as AP JSON documents."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from invoicery.api.ap.render import customer_document, invoice_document, payment_document
from invoicery.api.json import timestamp_text
from invoicery.domain import ids
from invoicery.domain.account import today_in
from invoicery.domain.customer import Customer
from invoicery.domain.events import Event
from invoicery.domain.invoice import Invoice
from invoicery.domain.status import ap_status
from invoicery.domain.webhooks import AP_TOPICS, ENDPOINT_PREFIX, Delivery, Endpoint
from invoicery.payments.transaction import Transaction
from invoicery.service.invoices.views import summary_of
from invoicery.store.snapshots import restore
from invoicery.webhooks.bodies import snapshot_as_data

__all__ = ["event_data", "event_document", "subscription_document"]


def subscription_document(endpoint: Endpoint) -> dict[str, Any]:
    """The AP `WebhookSubscription` object; the secret shows only its last four characters."""
    document: dict[str, Any] = {
        "id": endpoint.public_id,
        "endpoint_url": endpoint.url,
        "topic": endpoint.topic,
        "is_active": not endpoint.disabled,
        "partner_id": ids.encode(ids.ACCOUNT, endpoint.account_id),
        "created_at": timestamp_text(endpoint.created_at),
        "updated_at": timestamp_text(endpoint.updated_at),
    }
    if endpoint.secret_last_4 is not None:
        document["secret_last_4_digits"] = endpoint.secret_last_4
    return document


def event_document(delivery: Delivery) -> dict[str, Any]:
    """One delivery to a subscription: what was sent, and how its attempts went."""
    document: dict[str, Any] = {
        "id": delivery.public_id,
        "event_id": delivery.webhook_id,
        "subscription_id": ids.encode(ENDPOINT_PREFIX, delivery.endpoint_id),
        "topic": AP_TOPICS.get(delivery.event_type),
        "status": delivery.status.value,
        "attempts": delivery.attempts,
        "created_at": timestamp_text(delivery.created_at),
        "payload": orjson.Fragment(delivery.payload.encode()),
    }
    optional = {
        "last_attempt_at": delivery.last_attempt_at,
        "next_attempt_at": delivery.next_attempt_at,
        "delivered_at": delivery.delivered_at,
    }
    for name, moment in optional.items():
        if moment is not None:
            document[name] = timestamp_text(moment)
    if delivery.last_status_code is not None:
        document["last_response_status"] = delivery.last_status_code
    if delivery.last_error is not None:
        document["last_error"] = delivery.last_error
    if delivery.failed_reason is not None:
        document["failed_reason"] = delivery.failed_reason
    return document


def event_data(event: Event, timezone: str) -> Mapping[str, Any]:
    """An AP delivery's `data`: the subject exactly as the AP face's GET returns it.

    Customers and invoices are rendered by their endpoints' own renderers; an invoice's
    status is the one it had on the event's day in the account's time zone. A payment,
    which the AP face has no GET for, is rendered as `payment_document` documents it.
    """
    if event.type.subject == "customer":
        return customer_document(restore(Customer, event.snapshot))
    if event.type.subject == "payment":
        return payment_document(restore(Transaction, event.snapshot))
    if event.type.subject == "invoice":
        invoice = restore(Invoice, event.snapshot)
        status = ap_status(invoice.state, today_in(timezone, event.created_at))
        if status is not None:  # drafts never reach the AP face (`shown_on`)
            return invoice_document(summary_of(invoice, status))
    return snapshot_as_data(event, timezone)
