"""Recording state changes as events, and forgetting them after the retention period.

Every service that changes state calls `record` on the connection of its own write
transaction, so an event exists exactly when its change was committed: never an event
for a rolled-back change, never a committed change without its event.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from invoicery.domain import ids
from invoicery.domain.coupons import COUPON_PREFIX
from invoicery.domain.credit_notes import CREDIT_NOTE_PREFIX
from invoicery.domain.credits import CREDIT_PREFIX
from invoicery.domain.events import Event, EventType, new_event
from invoicery.store import events
from invoicery.store.database import Database
from invoicery.store.snapshots import snapshot

__all__ = [
    "DEFAULT_RETENTION",
    "SKEW",
    "Subject",
    "change",
    "complete_before",
    "prune",
    "recent",
    "record",
    "record_change",
]

DEFAULT_RETENTION = timedelta(days=30)
SKEW = timedelta(seconds=10)  # how far the servers' clocks may disagree

_ID_PREFIXES = {
    "invoice": ids.INVOICE,
    "customer": ids.CUSTOMER,
    "payment": ids.TRANSACTION,
    "coupon": COUPON_PREFIX,
    "credit": CREDIT_PREFIX,
    "credit_note": CREDIT_NOTE_PREFIX,
}


class Subject(Protocol):
    """What an event is about: an invoice, a customer, a payment, a coupon, a credit (note)."""

    @property
    def id(self) -> UUID:
        """The subject's own id."""

    @property
    def account_id(self) -> UUID:
        """The account it belongs to."""


async def record(
    conn: AsyncConnection,
    *,
    account_id: UUID,
    type: EventType,
    subject_id: str,
    snapshot: Mapping[str, Any],
) -> Event:
    """Record that `type` happened to `subject_id`, inside the caller's transaction."""
    event = new_event(account_id=account_id, type=type, subject_id=subject_id, snapshot=snapshot)
    await events.insert(conn, event)
    return event


def change(type: EventType, subject: Subject) -> Event:
    """The event that `type` happened to `subject`, as it is now; the caller records it."""
    return new_event(
        account_id=subject.account_id,
        type=type,
        subject_id=ids.encode(_ID_PREFIXES[type.subject], subject.id),
        snapshot=snapshot(subject),
    )


async def record_change(conn: AsyncConnection, type: EventType, subject: Subject) -> Event:
    """Record that `type` happened to `subject`, as it is now, inside the caller's transaction."""
    event = change(type, subject)
    await events.insert(conn, event)
    return event


async def recent(
    db: Database,
    *,
    account_id: UUID,
    types: Sequence[EventType] | None = None,
    subject_id: str | None = None,
    limit: int = 100,
) -> list[Event]:
    """The account's newest events, newest first."""
    async with db.read() as conn:
        return await events.list_recent(
            conn, account_id=account_id, types=types, subject_id=subject_id, limit=limit
        )


async def prune(db: Database, *, now: datetime, retention: timedelta = DEFAULT_RETENTION) -> int:
    """Delete events older than `retention`; how many were deleted."""
    async with db.write() as conn:
        return await events.delete_created_before(conn, before=now - retention)


async def complete_before(conn: AsyncConnection, *, now: datetime) -> UUID:
    """An event id below which the log is complete: no event before it can still appear.

    Event ids are time-ordered but commit in any order, so this never passes the start
    of the oldest transaction still open (an event not yet visible cannot be older),
    less `SKEW`. Readers of the log keep their high-water mark at or below it.
    """
    oldest = await events.oldest_open_transaction(conn)
    return ids.uuid7_lower_bound(min(now, oldest or now) - SKEW)
