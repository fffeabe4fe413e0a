"""Webhook deliveries and their attempts: made from events, claimed under a lease.

Deliveries are a work queue as `invoicery.store.leases` describes: a worker that died
mid-delivery leaves nothing stuck, and an outcome is saved only by the lease holder.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import ColumnElement, delete, exists, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from invoicery.domain.events import Event, EventType
from invoicery.domain.webhooks import Delivery, DeliveryStatus, Face, Outcome
from invoicery.store import leases
from invoicery.store.pagination import PageRequest, RowPage, fetch_page
from invoicery.store.rows import ColumnValues
from invoicery.store.tables import events, webhook_attempts, webhook_deliveries, webhook_endpoints

__all__ = [
    "Attempt",
    "DeliveryFilters",
    "attempts_of",
    "claim_due",
    "delete_finished_before",
    "fail_pending",
    "get",
    "insert_attempt",
    "insert_new",
    "list_for_endpoint",
    "list_numbered",
    "list_page",
    "lock_leased",
    "release",
    "save",
    "to_delivery",
    "undelivered_events",
]

_d = webhook_deliveries.c
_e = events.c
_a = webhook_attempts.c
_DUE = (DeliveryStatus.PENDING.value, DeliveryStatus.SENDING.value)


@dataclass(frozen=True, slots=True)
class Attempt:
    """One logged attempt of a delivery."""

    attempted_at: datetime
    outcome: Outcome
    next_attempt_at: datetime | None


@dataclass(frozen=True, slots=True)
class DeliveryFilters:
    """Which of an account's deliveries a list shows; None leaves a filter out."""

    face: Face | None = None
    endpoint_id: UUID | None = None
    event_types: Sequence[EventType] | None = None
    statuses: Sequence[DeliveryStatus] | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None


def to_delivery(row: ColumnValues) -> Delivery:
    """The delivery a row of `webhook_deliveries` holds."""
    return Delivery(
        id=row["id"],
        account_id=row["account_id"],
        endpoint_id=row["endpoint_id"],
        event_id=row["event_id"],
        event_type=EventType(row["event_type"]),
        payload=row["payload"],
        created_at=row["created_at"],
        next_attempt_at=row["next_attempt_at"],
        status=DeliveryStatus(row["status"]),
        attempts=row["attempts"],
        last_attempt_at=row["last_attempt_at"],
        last_status_code=row["last_status_code"],
        last_duration_ms=row["last_duration_ms"],
        last_response=row["last_response"],
        last_error=row["last_error"],
        delivered_at=row["delivered_at"],
        failed_reason=row["failed_reason"],
    )


async def undelivered_events(
    conn: AsyncConnection,
    *,
    account_id: UUID,
    endpoint_id: UUID,
    after: UUID,
    types: Sequence[EventType] | None,
    limit: int,
) -> list[Event]:
    """The account's events after `after` of `types` (None: all) the endpoint has no delivery of."""
    delivered = exists().where(
        _d.account_id == account_id, _d.endpoint_id == endpoint_id, _d.event_id == _e.id
    )
    query = select(events).where(_e.account_id == account_id, _e.id > after, ~delivered)
    if types is not None:
        query = query.where(_e.type.in_([kind.value for kind in types]))
    rows = await conn.execute(query.order_by(_e.id).limit(limit))
    return [
        Event(
            id=row["id"],
            account_id=row["account_id"],
            type=EventType(row["type"]),
            subject_id=row["subject_id"],
            snapshot=row["snapshot"],
            created_at=row["created_at"],
        )
        for row in rows.mappings()
    ]


async def insert_new(conn: AsyncConnection, deliveries: Sequence[Delivery]) -> None:
    """Add deliveries, skipping any of an event the endpoint already has one of."""
    if not deliveries:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    await conn.execute(
        dialect.insert(webhook_deliveries).on_conflict_do_nothing(
            index_elements=["account_id", "endpoint_id", "event_id"]
        ),
        [
            {
                "id": delivery.id,
                "account_id": delivery.account_id,
                "endpoint_id": delivery.endpoint_id,
                "event_id": delivery.event_id,
                "event_type": delivery.event_type.value,
                "payload": delivery.payload,
                "status": delivery.status.value,
                "attempts": delivery.attempts,
                "next_attempt_at": delivery.next_attempt_at,
                "created_at": delivery.created_at,
            }
            for delivery in deliveries
        ],
    )


async def claim_due(
    conn: AsyncConnection,
    *,
    now: datetime,
    lease: UUID,
    lease_until: datetime,
    limit: int,
    endpoint: tuple[UUID, UUID] | None = None,
) -> list[Delivery]:
    """Lease up to `limit` deliveries due at `now`, to enabled endpoints, until `lease_until`.

    With `endpoint` (account id, endpoint id), only that endpoint's deliveries.
    """
    only = (
        (_d.account_id == endpoint[0], _d.endpoint_id == endpoint[1])
        if endpoint is not None
        else ()
    )
    enabled = exists().where(
        webhook_endpoints.c.account_id == _d.account_id,
        webhook_endpoints.c.id == _d.endpoint_id,
        webhook_endpoints.c.disabled.is_(False),
    )
    rows = await leases.claim(
        conn,
        webhook_deliveries,
        now=now,
        lease=lease,
        lease_until=lease_until,
        limit=limit,
        where=(enabled, *only),
    )
    return [to_delivery(row) for row in rows]


async def lock_leased(
    conn: AsyncConnection, *, account_id: UUID, delivery_id: UUID, lease: UUID
) -> Delivery | None:
    """The delivery, locked, if it is still leased under `lease`; None if the lease was lost."""
    row = await leases.lock_leased(
        conn, webhook_deliveries, account_id=account_id, row_id=delivery_id, lease=lease
    )
    return to_delivery(row) if row else None


async def save(conn: AsyncConnection, delivery: Delivery) -> None:
    """Store the delivery's status and last attempt, releasing its lease."""
    await conn.execute(
        update(webhook_deliveries)
        .where(_d.account_id == delivery.account_id, _d.id == delivery.id)
        .values(
            status=delivery.status.value,
            attempts=delivery.attempts,
            next_attempt_at=delivery.next_attempt_at,
            lease=None,
            last_attempt_at=delivery.last_attempt_at,
            last_status_code=delivery.last_status_code,
            last_duration_ms=delivery.last_duration_ms,
            last_response=delivery.last_response,
            last_error=delivery.last_error,
            delivered_at=delivery.delivered_at,
            failed_reason=delivery.failed_reason,
        )
    )


async def insert_attempt(
    conn: AsyncConnection, *, attempt_id: UUID, delivery: Delivery, attempt: Attempt
) -> None:
    """Log one attempt of `delivery`."""
    await conn.execute(
        webhook_attempts.insert().values(
            id=attempt_id,
            account_id=delivery.account_id,
            delivery_id=delivery.id,
            attempted_at=attempt.attempted_at,
            status_code=attempt.outcome.status_code,
            duration_ms=attempt.outcome.duration_ms,
            response=attempt.outcome.response,
            error=attempt.outcome.error,
            next_attempt_at=attempt.next_attempt_at,
        )
    )


async def attempts_of(
    conn: AsyncConnection, *, account_id: UUID, delivery_id: UUID
) -> list[Attempt]:
    """The delivery's attempts, oldest first."""
    query = (
        select(webhook_attempts)
        .where(_a.account_id == account_id, _a.delivery_id == delivery_id)
        .order_by(_a.id)
    )
    return [
        Attempt(
            attempted_at=row["attempted_at"],
            outcome=Outcome(
                status_code=row["status_code"],
                duration_ms=row["duration_ms"],
                response=row["response"] or "",
                error=row["error"],
            ),
            next_attempt_at=row["next_attempt_at"],
        )
        for row in (await conn.execute(query)).mappings()
    ]


async def list_for_endpoint(
    conn: AsyncConnection, *, account_id: UUID, endpoint_id: UUID, limit: int = 100
) -> list[Delivery]:
    """The endpoint's deliveries, newest event first."""
    query = (
        select(webhook_deliveries)
        .where(_d.account_id == account_id, _d.endpoint_id == endpoint_id)
        .order_by(_d.event_id.desc())
        .limit(limit)
    )
    return [to_delivery(row) for row in (await conn.execute(query)).mappings()]


async def release(
    conn: AsyncConnection, *, lease: UUID, delivery_ids: Sequence[UUID], due: datetime
) -> None:
    """Hand leased deliveries back unattempted, due again at `due`."""
    await conn.execute(
        update(webhook_deliveries)
        .where(_d.id.in_(list(delivery_ids)), _d.lease == lease)
        .values(status=DeliveryStatus.PENDING.value, lease=None, next_attempt_at=due)
    )


async def fail_pending(
    conn: AsyncConnection, *, account_id: UUID, endpoint_id: UUID, reason: str
) -> int:
    """Give up every delivery of the endpoint still waiting for an attempt; how many."""
    result = await conn.execute(
        update(webhook_deliveries)
        .where(
            _d.account_id == account_id,
            _d.endpoint_id == endpoint_id,
            _d.status == DeliveryStatus.PENDING.value,
        )
        .values(status=DeliveryStatus.FAILED.value, failed_reason=reason, next_attempt_at=None)
    )
    return result.rowcount or 0


async def delete_finished_before(conn: AsyncConnection, *, before: datetime) -> int:
    """Delete every account's finished deliveries made before `before`; how many."""
    result = await conn.execute(
        delete(webhook_deliveries).where(_d.created_at < before, _d.status.not_in(_DUE))
    )
    return result.rowcount or 0


async def get(
    conn: AsyncConnection, *, account_id: UUID, delivery_id: UUID, for_update: bool = False
) -> Delivery | None:
    """The account's delivery `delivery_id`, locked for the transaction if `for_update`."""
    query = select(webhook_deliveries).where(_d.account_id == account_id, _d.id == delivery_id)
    if for_update:
        query = query.with_for_update()
    row = (await conn.execute(query)).mappings().first()
    return to_delivery(row) if row else None


def _conditions(account_id: UUID, filters: DeliveryFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [_d.account_id == account_id]
    if filters.face is not None:
        conditions.append(
            _d.endpoint_id.in_(
                select(webhook_endpoints.c.id).where(
                    webhook_endpoints.c.account_id == account_id,
                    webhook_endpoints.c.face == filters.face.value,
                )
            )
        )
    if filters.endpoint_id is not None:
        conditions.append(_d.endpoint_id == filters.endpoint_id)
    if filters.event_types is not None:
        conditions.append(_d.event_type.in_([kind.value for kind in filters.event_types]))
    if filters.statuses is not None:
        conditions.append(_d.status.in_([status.value for status in filters.statuses]))
    if filters.created_from is not None:
        conditions.append(_d.created_at >= filters.created_from)
    if filters.created_to is not None:
        conditions.append(_d.created_at <= filters.created_to)
    return conditions


async def list_page(
    conn: AsyncConnection, *, account_id: UUID, filters: DeliveryFilters, page: PageRequest
) -> RowPage:
    """One keyset page of the account's deliveries matching `filters`, newest first."""
    return await fetch_page(
        conn, webhook_deliveries, conditions=_conditions(account_id, filters), page=page
    )


async def list_numbered(
    conn: AsyncConnection, *, account_id: UUID, filters: DeliveryFilters, offset: int, limit: int
) -> tuple[list[Delivery], int]:
    """One numbered page of the account's deliveries matching `filters`, and the total."""
    conditions = _conditions(account_id, filters)
    total = (await conn.execute(select(func.count()).where(*conditions))).scalar_one()
    query = (
        select(webhook_deliveries)
        .where(*conditions)
        .order_by(_d.id.desc())
        .limit(limit)
        .offset(offset)
    )
    rows = (await conn.execute(query)).mappings().all()
    return [to_delivery(row) for row in rows], int(total)
