"""Notifications repository: queued once per (invoice, key), claimed under a lease.

`queue` inserts unless the invoice already has a notification with that key (``ON
CONFLICT DO NOTHING``), so concurrent workers and restarts never queue one twice.
Notifications are a work queue as `invoicery.store.leases` describes; a claim also
counts the attempt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from invoicery.domain.notifications import Notification, NotificationKind, NotificationStatus
from invoicery.domain.status import Lifecycle, PaymentStatus
from invoicery.store import leases
from invoicery.store.rows import ColumnValues
from invoicery.store.tables import invoices, notifications

__all__ = [
    "ReminderCandidate",
    "claim_due",
    "list_for_invoice",
    "lock_leased",
    "queue",
    "reminder_candidates",
    "reminder_offsets",
    "save",
]

_n = notifications.c
_i = invoices.c
_REMINDER_KINDS = [
    NotificationKind.REMINDER_BEFORE_DUE.value,
    NotificationKind.REMINDER_DUE_TODAY.value,
    NotificationKind.REMINDER_OVERDUE.value,
]


def _to_notification(row: ColumnValues) -> Notification:
    return Notification(
        id=row["id"],
        account_id=row["account_id"],
        invoice_id=row["invoice_id"],
        key=row["key"],
        kind=NotificationKind(row["kind"]),
        offset_days=row["offset_days"],
        status=NotificationStatus(row["status"]),
        recipients=tuple(row["recipients"]),
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"],
        last_error=row["last_error"],
        sent_at=row["sent_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def queue(conn: AsyncConnection, notification: Notification) -> bool:
    """Queue `notification` unless its invoice has one with its key; whether it was new."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(notifications)
        .values(
            id=notification.id,
            account_id=notification.account_id,
            invoice_id=notification.invoice_id,
            key=notification.key,
            kind=notification.kind.value,
            offset_days=notification.offset_days,
            status=notification.status.value,
            recipients=list(notification.recipients),
            attempts=notification.attempts,
            next_attempt_at=notification.next_attempt_at,
            created_at=notification.created_at,
            updated_at=notification.updated_at,
        )
        .on_conflict_do_nothing(index_elements=["account_id", "invoice_id", "key"])
    )
    result = await conn.execute(statement)
    return bool(result.rowcount)


async def claim_due(
    conn: AsyncConnection,
    *,
    now: datetime,
    lease: UUID,
    lease_until: datetime,
    limit: int,
    account_id: UUID | None = None,
) -> list[Notification]:
    """Lease up to `limit` notifications due at `now` until `lease_until`, counting an attempt.

    With `account_id`, only that account's.
    """
    only = (_n.account_id == account_id,) if account_id is not None else ()
    rows = await leases.claim(
        conn,
        notifications,
        now=now,
        lease=lease,
        lease_until=lease_until,
        limit=limit,
        where=only,
        values={"attempts": _n.attempts + 1},
    )
    return [_to_notification(row) for row in rows]


async def lock_leased(
    conn: AsyncConnection, *, account_id: UUID, notification_id: UUID, lease: UUID
) -> Notification | None:
    """The notification, locked, if it is still leased under `lease`; None if it was lost."""
    row = await leases.lock_leased(
        conn, notifications, account_id=account_id, row_id=notification_id, lease=lease
    )
    return _to_notification(row) if row else None


async def save(conn: AsyncConnection, notification: Notification) -> None:
    """Store how the notification stands, releasing its lease."""
    await conn.execute(
        update(notifications)
        .where(_n.account_id == notification.account_id, _n.id == notification.id)
        .values(
            status=notification.status.value,
            recipients=list(notification.recipients),
            next_attempt_at=notification.next_attempt_at,
            lease=None,
            last_error=notification.last_error,
            sent_at=notification.sent_at,
            updated_at=notification.updated_at,
        )
    )


async def list_for_invoice(
    conn: AsyncConnection, *, account_id: UUID, invoice_id: UUID
) -> list[Notification]:
    """The invoice's notifications, oldest first."""
    query = (
        select(notifications)
        .where(_n.account_id == account_id, _n.invoice_id == invoice_id)
        .order_by(_n.id)
    )
    return [_to_notification(row) for row in (await conn.execute(query)).mappings()]


@dataclass(frozen=True, slots=True)
class ReminderCandidate:
    """An invoice that may owe a reminder: when it is due and when it was issued."""

    invoice_id: UUID
    due_date: date
    issued_at: datetime


async def reminder_candidates(
    conn: AsyncConnection,
    *,
    account_id: UUID,
    due_until: date,
    last_offset: int,
    issued_since: datetime,
    after: UUID | None,
    limit: int,
) -> list[ReminderCandidate]:
    """The account's invoices with an amount due, due by `due_until`, by id after `after`.

    Only those issued (finalized) since `issued_since`; invoices already queued the
    reminder at `last_offset` (the schedule's last) are left out: nothing more can be
    owed to them.
    """
    finished = exists().where(
        _n.account_id == _i.account_id,
        _n.invoice_id == _i.id,
        _n.kind.in_(_REMINDER_KINDS),
        _n.offset_days >= last_offset,
    )
    query = (
        select(_i.id, _i.due_date, _i.finalized_at, _i.created_at)
        .where(
            _i.account_id == account_id,
            _i.lifecycle == Lifecycle.FINALIZED.value,
            _i.payment_status != PaymentStatus.PAID.value,
            _i.payment_pending.is_(False),
            _i.archived_at.is_(None),
            _i.amount_due > 0,
            _i.due_date <= due_until,
            func.coalesce(_i.finalized_at, _i.created_at) >= issued_since,
            ~finished,
        )
        .order_by(_i.id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(_i.id > after)
    rows = (await conn.execute(query)).mappings()
    return [
        ReminderCandidate(row["id"], row["due_date"], row["finalized_at"] or row["created_at"])
        for row in rows
    ]


async def reminder_offsets(
    conn: AsyncConnection, *, account_id: UUID, invoice_ids: Sequence[UUID]
) -> dict[UUID, set[int]]:
    """The offsets of the reminders already queued for each of `invoice_ids`."""
    query = select(_n.invoice_id, _n.offset_days).where(
        and_(
            _n.account_id == account_id,
            _n.invoice_id.in_(list(invoice_ids)),
            _n.kind.in_(_REMINDER_KINDS),
        )
    )
    found: dict[UUID, set[int]] = {invoice_id: set() for invoice_id in invoice_ids}
    for invoice_id, offset in await conn.execute(query):
        found[invoice_id].add(offset)
    return found
