"""Webhook endpoints of both faces: one row each, always read within one account."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from invoicery.domain.events import EventType
from invoicery.domain.webhooks import Endpoint, Face
from invoicery.store.pagination import PageRequest, RowPage, fetch_page
from invoicery.store.rows import ColumnValues
from invoicery.store.tables import webhook_endpoints

__all__ = [
    "delete_endpoint",
    "enabled_keys",
    "fanout_state",
    "get",
    "insert",
    "list_for_account",
    "list_page",
    "save",
    "save_health",
    "set_fanout_mark",
    "to_endpoint",
]

_t = webhook_endpoints.c


def to_endpoint(row: ColumnValues) -> Endpoint:
    """The endpoint a row of `webhook_endpoints` holds."""
    return Endpoint(
        id=row["id"],
        account_id=row["account_id"],
        face=Face(row["face"]),
        url=row["url"],
        topic=row["topic"],
        description=row["description"],
        event_types=tuple(EventType(kind) for kind in row["event_types"]),
        headers=dict(row["headers"]),
        secret=row["secret"],
        previous_secret=row["previous_secret"],
        previous_secret_expires_at=row["previous_secret_expires_at"],
        disabled=row["disabled"],
        disabled_reason=row["disabled_reason"],
        consecutive_failures=row["consecutive_failures"],
        failing_since=row["failing_since"],
        last_success_at=row["last_success_at"],
        last_failure_at=row["last_failure_at"],
        rate_limit_per_sec=row["rate_limit_per_sec"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _values(endpoint: Endpoint) -> dict[str, Any]:
    return {
        "url": endpoint.url,
        "topic": endpoint.topic,
        "description": endpoint.description,
        "event_types": [kind.value for kind in endpoint.event_types],
        "headers": dict(endpoint.headers),
        "secret": endpoint.secret,
        "previous_secret": endpoint.previous_secret,
        "previous_secret_expires_at": endpoint.previous_secret_expires_at,
        "disabled": endpoint.disabled,
        "disabled_reason": endpoint.disabled_reason,
        "consecutive_failures": endpoint.consecutive_failures,
        "failing_since": endpoint.failing_since,
        "last_success_at": endpoint.last_success_at,
        "last_failure_at": endpoint.last_failure_at,
        "rate_limit_per_sec": endpoint.rate_limit_per_sec,
        "updated_at": endpoint.updated_at,
    }


async def insert(conn: AsyncConnection, endpoint: Endpoint, *, fanout_mark: UUID) -> None:
    """Add `endpoint`; it gets the events with ids above `fanout_mark`."""
    await conn.execute(
        webhook_endpoints.insert().values(
            id=endpoint.id,
            account_id=endpoint.account_id,
            face=endpoint.face.value,
            created_at=endpoint.created_at,
            fanout_mark=fanout_mark,
            **_values(endpoint),
        )
    )


async def get(
    conn: AsyncConnection, *, account_id: UUID, endpoint_id: UUID, for_update: bool = False
) -> Endpoint | None:
    """The account's endpoint `endpoint_id`, locked for the transaction if `for_update`."""
    query = select(webhook_endpoints).where(_t.account_id == account_id, _t.id == endpoint_id)
    if for_update:
        query = query.with_for_update()
    row = (await conn.execute(query)).mappings().first()
    return to_endpoint(row) if row else None


async def list_for_account(
    conn: AsyncConnection, *, account_id: UUID, face: Face, limit: int = 100
) -> list[Endpoint]:
    """The account's endpoints of `face`, oldest first."""
    query = (
        select(webhook_endpoints)
        .where(_t.account_id == account_id, _t.face == face.value)
        .order_by(_t.id)
        .limit(limit)
    )
    return [to_endpoint(row) for row in (await conn.execute(query)).mappings()]


async def list_page(
    conn: AsyncConnection,
    *,
    account_id: UUID,
    face: Face,
    page: PageRequest,
    topic: str | None = None,
    active: bool | None = None,
) -> RowPage:
    """One keyset page of the account's endpoints of `face`, newest first, filtered."""
    conditions = [_t.account_id == account_id, _t.face == face.value]
    if topic is not None:
        conditions.append(_t.topic == topic)
    if active is not None:
        conditions.append(_t.disabled.is_(not active))
    return await fetch_page(conn, webhook_endpoints, conditions=conditions, page=page)


async def save(conn: AsyncConnection, endpoint: Endpoint) -> None:
    """Store `endpoint`'s settings, secrets and health."""
    await conn.execute(
        update(webhook_endpoints)
        .where(_t.account_id == endpoint.account_id, _t.id == endpoint.id)
        .values(**_values(endpoint))
    )


async def save_health(conn: AsyncConnection, endpoint: Endpoint) -> None:
    """Store how deliveries to `endpoint` have been going, and whether it is disabled.

    The worker's write: it carries no secret, so no error message can show one.
    """
    await conn.execute(
        update(webhook_endpoints)
        .where(_t.account_id == endpoint.account_id, _t.id == endpoint.id)
        .values(
            disabled=endpoint.disabled,
            disabled_reason=endpoint.disabled_reason,
            consecutive_failures=endpoint.consecutive_failures,
            failing_since=endpoint.failing_since,
            last_success_at=endpoint.last_success_at,
            last_failure_at=endpoint.last_failure_at,
            updated_at=endpoint.updated_at,
        )
    )


async def delete_endpoint(conn: AsyncConnection, *, account_id: UUID, endpoint_id: UUID) -> bool:
    """Delete the endpoint with its deliveries; whether it existed."""
    result = await conn.execute(
        delete(webhook_endpoints).where(_t.account_id == account_id, _t.id == endpoint_id)
    )
    return bool(result.rowcount)


async def enabled_keys(conn: AsyncConnection) -> Sequence[tuple[UUID, UUID]]:
    """(account id, endpoint id) of every enabled endpoint of every account."""
    query = select(_t.account_id, _t.id).where(_t.disabled.is_(False)).order_by(_t.id)
    return [(row.account_id, row.id) for row in await conn.execute(query)]


async def fanout_state(
    conn: AsyncConnection, *, account_id: UUID, endpoint_id: UUID, for_update: bool = False
) -> tuple[Endpoint, UUID] | None:
    """The enabled endpoint and its fan-out mark (locked if `for_update`); None if gone or off."""
    query = select(webhook_endpoints).where(
        _t.account_id == account_id, _t.id == endpoint_id, _t.disabled.is_(False)
    )
    if for_update:
        query = query.with_for_update()
    row = (await conn.execute(query)).mappings().first()
    return (to_endpoint(row), row["fanout_mark"]) if row else None


async def set_fanout_mark(
    conn: AsyncConnection, *, account_id: UUID, endpoint_id: UUID, mark: UUID
) -> None:
    """Record that every matching event up to `mark` has its delivery."""
    await conn.execute(
        update(webhook_endpoints)
        .where(_t.account_id == account_id, _t.id == endpoint_id)
        .values(fanout_mark=mark)
    )
