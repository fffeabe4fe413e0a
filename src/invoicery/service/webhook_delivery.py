"""Delivering events to webhook endpoints: the worker's use case, at least once.

Each pass has two steps, neither on any request's path:

1. *Fan-out*: for each enabled endpoint, the events after its high-water mark that it
   subscribes to and has no delivery of become deliveries, their bodies built once by
   the faces' `Renderers`. The mark never passes `events.complete_before`, so an event
   committed late is still found; deliveries are unique per (endpoint, event), so
   looking twice never delivers twice.
2. *Delivery*: due deliveries are leased in one short transaction (see
   `store.webhook_deliveries`), POSTed with no transaction open, and each outcome is
   recorded in another: delivered, retried on the schedule, failed, or the endpoint
   disabled. An outcome the database cannot take (an outage) is retried until the lease
   ends. A worker killed mid-delivery leaves its lease to expire; the delivery is then
   sent again, with the same ``webhook-id``.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

import httpx

from invoicery.domain import ids
from invoicery.domain.webhooks import (
    DEFAULT_SCHEDULE,
    Delivery,
    Endpoint,
    Outcome,
    RetrySchedule,
    after_attempt,
    shown_on,
)
from invoicery.service import events
from invoicery.service._polling import while_unavailable
from invoicery.service._time import utc_now
from invoicery.store import accounts
from invoicery.store import webhook_deliveries as deliveries
from invoicery.store import webhooks as endpoints
from invoicery.store.database import Database
from invoicery.webhooks import bodies, sender
from invoicery.webhooks.bodies import DEFAULT_RENDERERS, Renderers

__all__ = ["LEASE", "Claimed", "Deliverer", "prune"]

logger = logging.getLogger("invoicery.webhooks")

LEASE = timedelta(seconds=60)  # well beyond the sender's 10 s deadline


@dataclass(frozen=True, slots=True)
class Claimed:
    """A delivery leased to this worker, with its endpoint as it was at the claim."""

    delivery: Delivery
    endpoint: Endpoint
    lease: UUID


@dataclass
class Deliverer:
    """Turns events into deliveries and delivers them; one per worker process."""

    db: Database
    client: httpx.AsyncClient
    renderers: Renderers = DEFAULT_RENDERERS
    schedule: RetrySchedule = DEFAULT_SCHEDULE
    rng: random.Random = field(default_factory=random.Random)
    lease: timedelta = LEASE
    batch: int = 200
    concurrency: int = 20
    only: tuple[UUID, UUID] | None = None  # (account id, endpoint id): deliver to it alone
    clock: Callable[[], datetime] = utc_now  # the clock event ids are made with
    pause: Callable[[float], Awaitable[None]] = asyncio.sleep  # between rate-limited sends

    async def fan_out(self, *, now: datetime) -> int:
        """Make the deliveries of new events for every enabled endpoint; how many were made."""
        if self.only is not None:
            keys: Sequence[tuple[UUID, UUID]] = [self.only]
        else:
            async with self.db.read() as conn:
                keys = await endpoints.enabled_keys(conn)
        made = 0
        for account_id, endpoint_id in keys:
            while True:
                count, more = await self._fan_out_one(account_id, endpoint_id, now=now)
                made += count
                if not more:
                    break
        return made

    async def _fan_out_one(
        self, account_id: UUID, endpoint_id: UUID, *, now: datetime
    ) -> tuple[int, bool]:
        """One batch for one endpoint: how many events it covered, and whether more wait.

        Events are read and their bodies rendered with no lock held (rendering a batch
        of large invoices takes seconds, and on SQLite a write transaction would hold
        the only write lock meanwhile); only the inserts and the mark take the endpoint's
        lock. A concurrent worker's deliveries of the same events are kept, not doubled.
        """
        async with self.db.read() as conn:
            # The horizon follows the clock event ids are made with, not the injected `now`.
            horizon = await events.complete_before(conn, now=self.clock())
            state = await endpoints.fanout_state(
                conn, account_id=account_id, endpoint_id=endpoint_id
            )
            if state is None:
                return 0, False
            endpoint, mark = state
            types = endpoint.subscribed_types()
            found = (
                []
                if types == ()
                else await deliveries.undelivered_events(
                    conn,
                    account_id=account_id,
                    endpoint_id=endpoint_id,
                    after=mark,
                    types=types,
                    limit=self.batch,
                )
            )
            shown = [event for event in found if shown_on(endpoint.face, event)]
            account = await accounts.get(conn, account_id) if shown else None
        zone = account.timezone if account is not None else "UTC"
        payloads = await asyncio.to_thread(
            lambda: [
                bodies.body(endpoint.face, event, self.renderers, timezone=zone) for event in shown
            ]
        )
        async with self.db.write() as conn:
            state = await endpoints.fanout_state(
                conn, account_id=account_id, endpoint_id=endpoint_id, for_update=True
            )
            if state is None:
                return 0, False
            now_endpoint, now_mark = state
            if (now_endpoint.face, now_endpoint.subscribed_types()) != (endpoint.face, types):
                return 0, True  # changed while rendering: read it again
            await deliveries.insert_new(
                conn,
                [
                    Delivery(
                        id=ids.new_uuid7(),
                        account_id=account_id,
                        endpoint_id=endpoint_id,
                        event_id=event.id,
                        event_type=event.type,
                        payload=payload,
                        created_at=now,
                        next_attempt_at=now,
                    )
                    for event, payload in zip(shown, payloads, strict=True)
                ],
            )
            full = len(found) == self.batch
            new_mark = min(found[-1].id, horizon) if full else horizon
            if new_mark > now_mark:
                await endpoints.set_fanout_mark(
                    conn, account_id=account_id, endpoint_id=endpoint_id, mark=new_mark
                )
        return len(found), full

    async def claim(self, *, now: datetime) -> list[Claimed]:
        """Lease up to `batch` due deliveries until `now + lease`."""
        lease = ids.new_uuid7()
        async with self.db.write() as conn:
            leased = await deliveries.claim_due(
                conn,
                now=now,
                lease=lease,
                lease_until=now + self.lease,
                limit=self.batch,
                endpoint=self.only,
            )
            targets: dict[tuple[UUID, UUID], Endpoint] = {}
            for delivery in leased:
                key = (delivery.account_id, delivery.endpoint_id)
                if key not in targets:
                    endpoint = await endpoints.get(
                        conn, account_id=delivery.account_id, endpoint_id=delivery.endpoint_id
                    )
                    assert endpoint is not None  # deliveries go with their endpoint
                    targets[key] = endpoint
        return [
            Claimed(delivery, targets[(delivery.account_id, delivery.endpoint_id)], lease)
            for delivery in leased
        ]

    async def send(self, claimed: Claimed, *, now: datetime) -> Outcome:
        """POST one claimed delivery (no transaction is open meanwhile)."""
        return await sender.attempt(self.client, claimed.endpoint, claimed.delivery, now=now)

    async def record(self, claimed: Claimed, outcome: Outcome, *, now: datetime) -> bool:
        """Record an attempt's outcome; False when the lease had been lost meanwhile."""
        account_id = claimed.delivery.account_id
        async with self.db.write() as conn:
            delivery = await deliveries.lock_leased(
                conn, account_id=account_id, delivery_id=claimed.delivery.id, lease=claimed.lease
            )
            endpoint = await endpoints.get(
                conn, account_id=account_id, endpoint_id=claimed.endpoint.id, for_update=True
            )
            if delivery is None or endpoint is None:
                logger.warning(
                    "webhook %s: lease lost before its outcome was recorded",
                    claimed.delivery.public_id,
                )
                return False
            done, after = after_attempt(
                delivery, endpoint, outcome, now=now, schedule=self.schedule, rng=self.rng
            )
            await deliveries.save(conn, done)
            await deliveries.insert_attempt(
                conn,
                attempt_id=ids.new_uuid7(),
                delivery=done,
                attempt=deliveries.Attempt(now, outcome, done.next_attempt_at),
            )
            if after != endpoint:
                await endpoints.save_health(conn, after)
            if after.disabled and not endpoint.disabled:
                await deliveries.fail_pending(
                    conn,
                    account_id=account_id,
                    endpoint_id=endpoint.id,
                    reason=f"endpoint disabled: {after.disabled_reason}",
                )
        _log(done, after, outcome)
        return True

    async def deliver_due(self, *, now: datetime) -> int:
        """Claim, send and record the deliveries due at `now`; how many were attempted.

        An endpoint with a `rate_limit_per_sec` gets its deliveries one after another,
        `1 / rate` seconds apart, and no more of them than fit in half a lease: the rest
        are handed back, due at once, for the next round.
        """
        claimed = await self.claim(now=now)
        until = time.monotonic() + self.lease.total_seconds()
        by_endpoint: dict[tuple[UUID, UUID], list[Claimed]] = {}
        for item in claimed:
            by_endpoint.setdefault((item.delivery.account_id, item.endpoint.id), []).append(item)
        gate = asyncio.Semaphore(self.concurrency)

        async def one(item: Claimed) -> None:
            async with gate:
                outcome = await self.send(item, now=now)
            # Sent: keep the outcome through an outage, or the receiver gets it again.
            await while_unavailable(lambda: self.record(item, outcome, now=now), until=until)

        async def paced(items: list[Claimed], rate: int) -> None:
            for index, item in enumerate(items):
                if index:
                    await self.pause(1 / rate)
                await one(item)

        work = []
        attempted = 0
        for items in by_endpoint.values():
            rate = items[0].endpoint.rate_limit_per_sec
            if rate is None:
                work += [one(item) for item in items]
                attempted += len(items)
                continue
            fits = max(1, int(rate * self.lease.total_seconds() / 2))
            kept, returned = items[:fits], items[fits:]
            if returned:
                async with self.db.write() as conn:
                    await deliveries.release(
                        conn,
                        lease=returned[0].lease,
                        delivery_ids=[item.delivery.id for item in returned],
                        due=now,
                    )
            work.append(paced(kept, rate))
            attempted += len(kept)
        await asyncio.gather(*work)
        return attempted

    async def run_once(self, *, now: datetime) -> int:
        """One pass: fan out new events, then deliver everything due; attempts made."""
        await self.fan_out(now=now)
        attempted = 0
        while (count := await self.deliver_due(now=now)) > 0:
            attempted += count
            if count < self.batch:
                break
        return attempted


def _log(delivery: Delivery, endpoint: Endpoint, outcome: Outcome) -> None:
    # Endpoint ids only: URLs may carry tokens, and secrets are never logged.
    logger.info(
        "webhook %s (%s) to %s, attempt %d: %s in %d ms; %s; next attempt %s",
        delivery.webhook_id,
        delivery.event_type,
        endpoint.public_id,
        delivery.attempts,
        outcome.describe(),
        outcome.duration_ms,
        delivery.status,
        delivery.next_attempt_at.isoformat() if delivery.next_attempt_at else "none",
    )
    if endpoint.disabled and endpoint.disabled_reason:
        logger.warning(
            "webhook endpoint %s disabled: %s", endpoint.public_id, endpoint.disabled_reason
        )


async def prune(db: Database, *, now: datetime, retention: timedelta) -> int:
    """Delete finished deliveries (and their attempts) older than `retention`; how many."""
    async with db.write() as conn:
        return await deliveries.delete_finished_before(conn, before=now - retention)
