"""What was delivered to which endpoint and how it went; sending one delivery again.

Both faces list deliveries: the AP face all of an account's (its "webhook events"), by
cursor; billing v1 one endpoint's, by page number. Only the face an endpoint was
registered through sees its deliveries; another face's, like another account's, are
`NotFound`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from uuid import UUID

from invoicery.auth.tokens import Principal
from invoicery.domain import ids
from invoicery.domain.errors import InvalidState, NotFound
from invoicery.domain.events import EventType
from invoicery.domain.webhooks import (
    AP_TOPICS,
    DELIVERY_PREFIX,
    Delivery,
    DeliveryStatus,
    Face,
)
from invoicery.service._time import as_lower_bound, as_upper_bound
from invoicery.service.paging import CursorPage, NumberedPage
from invoicery.store import webhook_deliveries as deliveries
from invoicery.store import webhooks as endpoints
from invoicery.store.database import Database
from invoicery.store.pagination import PageRequest
from invoicery.store.webhook_deliveries import DeliveryFilters

__all__ = [
    "DeliveryQuery",
    "list_for_endpoint",
    "list_page",
    "parse_delivery_id",
    "resend",
    "types_of_topic",
]

_NOT_FOUND = "webhook delivery not found"


@dataclass(frozen=True, slots=True)
class DeliveryQuery:
    """List filters as the caller gave them; dates are resolved in the account's zone."""

    event_types: Sequence[EventType] | None = None
    statuses: Sequence[DeliveryStatus] | None = None
    created_from: date | datetime | None = None
    created_to: date | datetime | None = None


def types_of_topic(topic: str) -> tuple[EventType, ...]:
    """The event types delivered under the AP `topic` (none for a quiet topic)."""
    return tuple(kind for kind, name in AP_TOPICS.items() if name == topic)


def parse_delivery_id(text: str) -> UUID:
    """The UUID of a delivery id text (``whd_…``); `NotFound` if it cannot be one."""
    try:
        return ids.decode(DELIVERY_PREFIX, text)
    except ids.InvalidId:
        raise NotFound(_NOT_FOUND) from None


async def list_page(
    db: Database, *, principal: Principal, query: DeliveryQuery, page: PageRequest
) -> CursorPage[Delivery]:
    """One keyset page of the deliveries to the caller's AP subscriptions, newest first."""
    filters = DeliveryFilters(
        face=Face.AP,
        event_types=query.event_types,
        statuses=query.statuses,
        created_from=as_lower_bound(query.created_from, principal.timezone),
        created_to=as_upper_bound(query.created_to, principal.timezone),
    )
    async with db.read() as conn:
        found = await deliveries.list_page(
            conn, account_id=principal.account_id, filters=filters, page=page
        )
    return CursorPage(
        items=[deliveries.to_delivery(row) for row in found.rows],
        has_next=found.has_next,
        has_previous=found.has_previous,
    )


async def list_for_endpoint(
    db: Database,
    *,
    account_id: UUID,
    endpoint_id: UUID,
    statuses: Sequence[DeliveryStatus] | None,
    page: int,
    per_page: int,
) -> NumberedPage[Delivery]:
    """Numbered page `page` of a billing-v1 endpoint's deliveries, newest first."""
    filters = DeliveryFilters(endpoint_id=endpoint_id, statuses=statuses)
    async with db.read() as conn:
        endpoint = await endpoints.get(conn, account_id=account_id, endpoint_id=endpoint_id)
        if endpoint is None or endpoint.face is not Face.V1:
            raise NotFound("webhook endpoint not found")
        items, total = await deliveries.list_numbered(
            conn, account_id=account_id, filters=filters, offset=page * per_page, limit=per_page
        )
    return NumberedPage(items=items, page=page, per_page=per_page, total_items=total)


async def resend(db: Database, *, account_id: UUID, delivery_id: UUID, now: datetime) -> Delivery:
    """Queue a billing-v1 delivery to be sent again now, with the same ``webhook-id``.

    `InvalidState` if its endpoint is disabled or an attempt is in flight.
    """
    async with db.write() as conn:
        delivery = await deliveries.get(
            conn, account_id=account_id, delivery_id=delivery_id, for_update=True
        )
        endpoint = (
            await endpoints.get(conn, account_id=account_id, endpoint_id=delivery.endpoint_id)
            if delivery is not None
            else None
        )
        if delivery is None or endpoint is None or endpoint.face is not Face.V1:
            raise NotFound(_NOT_FOUND)
        if endpoint.disabled:
            raise InvalidState("the webhook endpoint is disabled; enable it first")
        if delivery.status is DeliveryStatus.SENDING:
            raise InvalidState("the delivery is being attempted now")
        queued = replace(
            delivery, status=DeliveryStatus.PENDING, next_attempt_at=now, failed_reason=None
        )
        await deliveries.save(conn, queued)
    return queued
