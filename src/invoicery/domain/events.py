"""Events: one record of every state change, written in the change's own transaction.

An event names what happened (`EventType`), to which subject (its prefixed id) and the
subject's state right after the change (`snapshot`, plain JSON). It is the outbox every
side effect is derived from: webhook deliveries on both faces, notifications. Event
types use Meteroid's dotted names; the AP face maps them to its topics.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from invoicery.domain import ids

__all__ = ["EVENT_PREFIX", "Event", "EventType", "new_event"]

EVENT_PREFIX = "evt"


class EventType(StrEnum):
    """What changed."""

    INVOICE_CREATED = "invoice.created"
    INVOICE_UPDATED = "invoice.updated"
    INVOICE_FINALIZED = "invoice.finalized"
    INVOICE_PAID = "invoice.paid"
    INVOICE_VOIDED = "invoice.voided"
    INVOICE_MARKED_UNCOLLECTIBLE = "invoice.marked_uncollectible"
    INVOICE_ARCHIVED = "invoice.archived"
    INVOICE_RESTORED = "invoice.restored"
    INVOICE_SENT = "invoice.sent"
    CUSTOMER_CREATED = "customer.created"
    CUSTOMER_UPDATED = "customer.updated"
    CUSTOMER_ARCHIVED = "customer.archived"
    PAYMENT_SUCCEEDED = "payment.succeeded"
    PAYMENT_FAILED = "payment.failed"
    COUPON_CREATED = "coupon.created"
    COUPON_UPDATED = "coupon.updated"
    COUPON_ARCHIVED = "coupon.archived"
    CREDIT_CREATED = "credit.created"
    CREDIT_NOTE_CREATED = "credit_note.created"
    CREDIT_NOTE_FINALIZED = "credit_note.finalized"
    CREDIT_NOTE_VOIDED = "credit_note.voided"

    @property
    def subject(self) -> str:
        """The kind of subject: the type's first part ("invoice", "credit_note", …)."""
        return self.value.partition(".")[0]


@dataclass(frozen=True, slots=True)
class Event:
    """A state change of one subject of an account, with the subject as it became."""

    id: UUID
    account_id: UUID
    type: EventType
    subject_id: str
    snapshot: Mapping[str, Any]
    created_at: datetime

    @property
    def public_id(self) -> str:
        """The id clients see (``evt_…``), time-ordered like every Invoicery id."""
        return ids.encode(EVENT_PREFIX, self.id)


def new_event(
    *, account_id: UUID, type: EventType, subject_id: str, snapshot: Mapping[str, Any]
) -> Event:
    """A new event happening now, with a fresh time-ordered id."""
    event_id = ids.new_uuid7()
    return Event(
        id=event_id,
        account_id=account_id,
        type=type,
        subject_id=subject_id,
        snapshot=snapshot,
        created_at=ids.timestamp_of(event_id),
    )
