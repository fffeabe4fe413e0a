"""Registering webhook endpoints on either face, listing and changing them, removing them.

An endpoint gets only the events recorded after it was registered. Both faces' routes
call these (the AP face: subscriptions; billing v1: endpoints) and only translate. An
endpoint is found only through the face it was registered with: another face's, like
another account's, is `NotFound`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from invoicery.domain import ids
from invoicery.domain.errors import BadRequest, InvalidInput, NotFound
from invoicery.domain.events import EventType
from invoicery.domain.webhooks import AP_TOPICS, ENDPOINT_PREFIX, Endpoint, Face
from invoicery.service.paging import CursorPage
from invoicery.store import webhooks
from invoicery.store.database import Database
from invoicery.store.pagination import PageRequest
from invoicery.webhooks import signing
from invoicery.webhooks.targets import TargetRefused, check_url

__all__ = [
    "AP_TOPIC_NAMES",
    "MANUALLY_DISABLED",
    "QUIET_AP_TOPICS",
    "EndpointChanges",
    "create_endpoint",
    "create_subscription",
    "delete",
    "get_or_raise",
    "list_endpoints",
    "list_subscriptions",
    "parse_endpoint_id",
    "rotate_secret",
    "update_endpoint",
]

# The vendor's topics Invoicery has no events for: a subscription to one is accepted
# and kept, and simply never fires.
QUIET_AP_TOPICS = (
    "payout_paid",
    "payout_failed",
    "payout_processing",
    "payout_scheduled",
    "payment_chargeback",
    "payment_refunded",
    "payment_method_added",
    "payment_method_deleted",
    "default_payment_method_changed",
)
AP_TOPIC_NAMES: tuple[str, ...] = (*dict.fromkeys(AP_TOPICS.values()), *QUIET_AP_TOPICS)
MANUALLY_DISABLED = "disabled through the API"
_NOT_FOUND = "webhook endpoint not found"


@dataclass(frozen=True, slots=True)
class EndpointChanges:
    """What a billing-v1 update changes; None leaves a setting as it is."""

    url: str | None = None
    description: str | None = None
    clear_description: bool = False
    event_types: Sequence[EventType] | None = None
    headers: Mapping[str, str] | None = None
    disabled: bool | None = None
    rate_limit_per_sec: int | None = None
    clear_rate_limit: bool = False


def parse_endpoint_id(text: str) -> UUID:
    """The UUID of an endpoint id text (``whe_…``); `NotFound` if it cannot be one."""
    try:
        return ids.decode(ENDPOINT_PREFIX, text)
    except ids.InvalidId:
        raise NotFound(_NOT_FOUND) from None


def _checked_url(url: str, field: str) -> str:
    try:
        check_url(url)
    except TargetRefused as error:
        raise InvalidInput("invalid webhook URL", {field: str(error)}) from error
    return url


async def _insert(db: Database, endpoint: Endpoint) -> Endpoint:
    async with db.write() as conn:
        # The mark is taken now: events recorded before the endpoint existed are not its.
        await webhooks.insert(conn, endpoint, fanout_mark=ids.new_uuid7())
    return endpoint


async def create_subscription(
    db: Database,
    *,
    account_id: UUID,
    endpoint_url: str,
    topic: str,
    secret_key: str | None,
    now: datetime,
) -> Endpoint:
    """An AP subscription to `topic`, sent `Authorization: Bearer <secret_key>` if given."""
    if topic not in AP_TOPIC_NAMES:
        raise InvalidInput("invalid webhook topic", {"topic": "not a webhook topic"})
    endpoint = Endpoint(
        id=ids.new_uuid7(),
        account_id=account_id,
        face=Face.AP,
        url=_checked_url(endpoint_url, "endpoint_url"),
        topic=topic,
        secret=secret_key or None,
        created_at=now,
        updated_at=now,
    )
    return await _insert(db, endpoint)


async def create_endpoint(
    db: Database,
    *,
    account_id: UUID,
    url: str,
    now: datetime,
    description: str | None = None,
    event_types: Sequence[EventType] = (),
    headers: Mapping[str, str] | None = None,
    rate_limit_per_sec: int | None = None,
) -> Endpoint:
    """A billing-v1 endpoint for `event_types` (none: all), with a fresh signing secret."""
    endpoint = Endpoint(
        id=ids.new_uuid7(),
        account_id=account_id,
        face=Face.V1,
        url=_checked_url(url, "url"),
        description=description,
        event_types=tuple(dict.fromkeys(event_types)),
        headers=dict(headers or {}),
        secret=signing.new_secret(),
        rate_limit_per_sec=rate_limit_per_sec,
        created_at=now,
        updated_at=now,
    )
    return await _insert(db, endpoint)


def _of_face(endpoint: Endpoint | None, face: Face | None) -> Endpoint:
    if endpoint is None or (face is not None and endpoint.face is not face):
        raise NotFound(_NOT_FOUND)
    return endpoint


async def get_or_raise(
    db: Database, *, account_id: UUID, endpoint_id: UUID, face: Face | None = None
) -> Endpoint:
    """The account's endpoint (of `face`, if given), or `NotFound` (also for another account's)."""
    async with db.read() as conn:
        endpoint = await webhooks.get(conn, account_id=account_id, endpoint_id=endpoint_id)
    return _of_face(endpoint, face)


async def list_subscriptions(
    db: Database,
    *,
    account_id: UUID,
    page: PageRequest,
    topic: str | None = None,
    active: bool | None = None,
) -> CursorPage[Endpoint]:
    """One keyset page of the account's AP subscriptions, newest first."""
    if topic is not None and topic not in AP_TOPIC_NAMES:
        raise BadRequest("invalid query parameters", {"topic": "not a webhook topic"})
    async with db.read() as conn:
        found = await webhooks.list_page(
            conn, account_id=account_id, face=Face.AP, page=page, topic=topic, active=active
        )
    return CursorPage(
        items=[webhooks.to_endpoint(row) for row in found.rows],
        has_next=found.has_next,
        has_previous=found.has_previous,
    )


async def list_endpoints(db: Database, *, account_id: UUID) -> list[Endpoint]:
    """The account's billing-v1 endpoints, oldest first."""
    async with db.read() as conn:
        return await webhooks.list_for_account(conn, account_id=account_id, face=Face.V1)


def _changed(endpoint: Endpoint, changes: EndpointChanges, now: datetime) -> Endpoint:
    changed = replace(endpoint, updated_at=now)
    if changes.url is not None:
        changed = replace(changed, url=_checked_url(changes.url, "url"))
    if changes.clear_description or changes.description is not None:
        changed = replace(changed, description=changes.description or None)
    if changes.event_types is not None:
        changed = replace(changed, event_types=tuple(dict.fromkeys(changes.event_types)))
    if changes.headers is not None:
        changed = replace(changed, headers=dict(changes.headers))
    if changes.clear_rate_limit or changes.rate_limit_per_sec is not None:
        changed = replace(changed, rate_limit_per_sec=changes.rate_limit_per_sec)
    if changes.disabled is True and not endpoint.disabled:
        changed = changed.disable(MANUALLY_DISABLED, now=now)
    elif changes.disabled is False and endpoint.disabled:
        # Re-enabled: its failure count starts again from nothing.
        changed = replace(
            changed,
            disabled=False,
            disabled_reason=None,
            consecutive_failures=0,
            failing_since=None,
        )
    return changed


async def update_endpoint(
    db: Database, *, account_id: UUID, endpoint_id: UUID, changes: EndpointChanges, now: datetime
) -> Endpoint:
    """Change a billing-v1 endpoint's settings, or disable or re-enable it."""
    async with db.write() as conn:
        found = await webhooks.get(
            conn, account_id=account_id, endpoint_id=endpoint_id, for_update=True
        )
        changed = _changed(_of_face(found, Face.V1), changes, now)
        await webhooks.save(conn, changed)
    return changed


async def rotate_secret(
    db: Database, *, account_id: UUID, endpoint_id: UUID, now: datetime
) -> Endpoint:
    """A new signing secret for a v1 endpoint; the old one keeps signing for 24 hours."""
    async with db.write() as conn:
        endpoint = await webhooks.get(
            conn, account_id=account_id, endpoint_id=endpoint_id, for_update=True
        )
        rotated = _of_face(endpoint, Face.V1).rotated(signing.new_secret(), now=now)
        await webhooks.save(conn, rotated)
    return rotated


async def delete(
    db: Database, *, account_id: UUID, endpoint_id: UUID, face: Face | None = None
) -> Endpoint:
    """Remove the endpoint (of `face`, if given) and its deliveries; what it was."""
    async with db.write() as conn:
        endpoint = await webhooks.get(
            conn, account_id=account_id, endpoint_id=endpoint_id, for_update=True
        )
        removed = _of_face(endpoint, face)
        await webhooks.delete_endpoint(conn, account_id=account_id, endpoint_id=endpoint_id)
    return removed
