"""Registering webhook endpoints on either face, rotating their secrets, removing them.

An endpoint gets only the events recorded after it was registered. Both faces' routes
call these (the AP face: subscriptions; billing v1: endpoints) and only translate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from uuid import UUID

from invoicery.domain import ids
from invoicery.domain.errors import InvalidInput, NotFound
from invoicery.domain.events import EventType
from invoicery.domain.webhooks import Endpoint, Face
from invoicery.store import webhooks
from invoicery.store.database import Database
from invoicery.webhooks import signing
from invoicery.webhooks.targets import TargetRefused, check_url

__all__ = ["create_endpoint", "create_subscription", "delete", "get_or_raise", "rotate_secret"]


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
        created_at=now,
        updated_at=now,
    )
    return await _insert(db, endpoint)


async def get_or_raise(db: Database, *, account_id: UUID, endpoint_id: UUID) -> Endpoint:
    """The account's endpoint, or `NotFound` (also for another account's)."""
    async with db.read() as conn:
        endpoint = await webhooks.get(conn, account_id=account_id, endpoint_id=endpoint_id)
    if endpoint is None:
        raise NotFound("webhook endpoint not found")
    return endpoint


async def rotate_secret(
    db: Database, *, account_id: UUID, endpoint_id: UUID, now: datetime
) -> Endpoint:
    """A new signing secret for a v1 endpoint; the old one keeps signing for 24 hours."""
    async with db.write() as conn:
        endpoint = await webhooks.get(
            conn, account_id=account_id, endpoint_id=endpoint_id, for_update=True
        )
        if endpoint is None or endpoint.face is not Face.V1:
            raise NotFound("webhook endpoint not found")
        rotated = endpoint.rotated(signing.new_secret(), now=now)
        await webhooks.save(conn, rotated)
    return rotated


async def delete(db: Database, *, account_id: UUID, endpoint_id: UUID) -> None:
    """Remove the endpoint and its deliveries, or `NotFound`."""
    async with db.write() as conn:
        found = await webhooks.delete_endpoint(conn, account_id=account_id, endpoint_id=endpoint_id)
    if not found:
        raise NotFound("webhook endpoint not found")
