"""Webhook delivery on both databases, to a real HTTP receiver on loopback."""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import orjson
import pytest
from sqlalchemy import delete
from standardwebhooks.webhooks import Webhook

from invoicery.config import Settings
from invoicery.domain.events import Event, EventType
from invoicery.domain.webhooks import (
    DEFAULT_SCHEDULE,
    Delivery,
    DeliveryStatus,
    Endpoint,
    RetrySchedule,
)
from invoicery.service import accounts, events, webhook_delivery, webhooks
from invoicery.service._time import utc_now
from invoicery.service.webhook_delivery import LEASE, Deliverer
from invoicery.store import webhook_deliveries
from invoicery.store.database import Database
from invoicery.store.tables import webhook_endpoints
from invoicery.webhooks import sender
from invoicery.webhooks.bodies import Renderers, snapshot_as_fields
from tests.support.receiver import Received, Receiver, receiver

NO_JITTER = RetrySchedule(DEFAULT_SCHEDULE.delays, jitter=0.0)
ALLOW_PRIVATE = Settings(webhook_allow_private=True)


async def _without_endpoints(db: Database) -> Database:
    async with db.write() as conn:
        await conn.execute(delete(webhook_endpoints))
    return db


@pytest.fixture
async def db(db: Database) -> Database:
    """The test database without the endpoints of earlier tests: every attempt is this test's."""
    return await _without_endpoints(db)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    """A delivery client as the worker builds it, with the loopback receiver allowed."""
    async with sender.new_client(allow_private=ALLOW_PRIVATE.webhook_allow_private) as http:
        yield http


@pytest.fixture
def hooks() -> Any:
    """A receiver on loopback."""
    with receiver() as running:
        yield running


async def _account(db: Database) -> UUID:
    account = await accounts.get_or_create(db, name=f"acct-{time.time_ns()}")
    return account.id


async def _record(
    db: Database, account_id: UUID, kind: EventType = EventType.INVOICE_PAID, n: int = 1
) -> list[Event]:
    async with db.write() as conn:
        return [
            await events.record(
                conn,
                account_id=account_id,
                type=kind,
                subject_id=f"inv_{i}",
                snapshot={"id": f"inv_{i}", "status": "paid", "total": 1200 + i},
            )
            for i in range(n)
        ]


async def _v1(db: Database, account_id: UUID, url: str, **fields: Any) -> Endpoint:
    return await webhooks.create_endpoint(
        db, account_id=account_id, url=url, now=utc_now(), **fields
    )


async def _ap(db: Database, account_id: UUID, url: str, secret: str | None = None) -> Endpoint:
    return await webhooks.create_subscription(
        db,
        account_id=account_id,
        endpoint_url=url,
        topic="invoice_paid",
        secret_key=secret,
        now=utc_now(),
    )


def _deliverer(db: Database, client: httpx.AsyncClient, **fields: Any) -> Deliverer:
    return Deliverer(db, client, rng=random.Random(0), **fields)


async def _deliveries(db: Database, endpoint: Endpoint) -> list[Delivery]:
    async with db.read() as conn:
        return await webhook_deliveries.list_for_endpoint(
            conn, account_id=endpoint.account_id, endpoint_id=endpoint.id
        )


async def test_an_ap_subscription_gets_its_topic_once_with_the_bearer_secret(
    db: Database, client: httpx.AsyncClient, hooks: Receiver
) -> None:
    account_id = await _account(db)
    subscription = await _ap(db, account_id, hooks.url, secret="sk_test_0123456789")
    [paid] = await _record(db, account_id)
    await _record(db, account_id, EventType.INVOICE_CREATED)
    deliverer = _deliverer(db, client)

    assert await deliverer.run_once(now=utc_now()) == 1
    assert await deliverer.run_once(now=utc_now() + timedelta(days=1)) == 0

    [request] = hooks.requests()
    assert request.path == "/hooks"
    assert request.headers["authorization"] == "Bearer sk_test_0123456789"
    assert request.headers["content-type"] == "application/json"
    assert orjson.loads(request.body) == {
        "id": paid.public_id,
        "topic": "invoice_paid",
        "created_at": paid.created_at.isoformat().replace("+00:00", "Z"),
        "data": {"id": "inv_0", "status": "paid", "total": 1200},
    }
    [delivery] = await _deliveries(db, subscription)
    assert delivery.status is DeliveryStatus.SUCCEEDED
    assert (delivery.attempts, delivery.last_status_code) == (1, 204)


async def test_a_v1_delivery_verifies_with_the_standardwebhooks_package(
    db: Database, client: httpx.AsyncClient, hooks: Receiver
) -> None:
    account_id = await _account(db)
    endpoint = await _v1(db, account_id, hooks.url, headers={"x-team": "billing"})
    [paid] = await _record(db, account_id)
    await _deliverer(db, client).run_once(now=utc_now())

    [request] = hooks.requests()
    assert endpoint.secret is not None
    verified = Webhook(endpoint.secret).verify(request.body, request.headers)
    assert verified == {
        "id": paid.public_id,
        "type": "invoice.paid",
        "timestamp": paid.created_at.isoformat().replace("+00:00", "Z"),
        "invoice_id": "inv_0",
        "status": "paid",
        "total": 1200,
    }
    assert request.headers["webhook-id"] == paid.public_id
    assert request.headers["x-team"] == "billing"
    assert "authorization" not in request.headers


async def test_after_a_rotation_receivers_with_either_secret_verify(
    db: Database, client: httpx.AsyncClient, hooks: Receiver
) -> None:
    account_id = await _account(db)
    endpoint = await _v1(db, account_id, hooks.url)
    rotated = await webhooks.rotate_secret(
        db, account_id=account_id, endpoint_id=endpoint.id, now=utc_now()
    )
    await _record(db, account_id)
    await _deliverer(db, client).run_once(now=utc_now())

    [request] = hooks.requests()
    assert endpoint.secret is not None
    assert rotated.secret is not None
    Webhook(endpoint.secret).verify(request.body, request.headers)
    Webhook(rotated.secret).verify(request.body, request.headers)


async def test_an_endpoint_gets_only_events_after_it_was_registered_of_its_types(
    db: Database, client: httpx.AsyncClient, hooks: Receiver
) -> None:
    account_id = await _account(db)
    await _record(db, account_id, EventType.COUPON_CREATED)
    await _v1(db, account_id, hooks.url, event_types=[EventType.COUPON_CREATED])
    [later] = await _record(db, account_id, EventType.COUPON_CREATED)
    await _record(db, account_id, EventType.INVOICE_PAID)
    await _deliverer(db, client).run_once(now=utc_now())

    assert [request.headers["webhook-id"] for request in hooks.requests()] == [later.public_id]


async def test_another_accounts_endpoints_never_get_an_accounts_events(
    db: Database, client: httpx.AsyncClient
) -> None:
    ours, theirs = await _account(db), await _account(db)
    with receiver() as our_hooks, receiver() as their_hooks:
        await _v1(db, ours, our_hooks.url)
        await _ap(db, ours, our_hooks.url)
        await _v1(db, theirs, their_hooks.url)
        await _ap(db, theirs, their_hooks.url)
        await _record(db, ours, n=3)
        await _deliverer(db, client).run_once(now=utc_now())
        assert len(our_hooks.requests()) == 6
        assert their_hooks.requests() == []


async def test_failures_are_retried_on_the_schedule_then_given_up(
    db: Database, client: httpx.AsyncClient, hooks: Receiver
) -> None:
    hooks.answer = lambda _request: 503
    account_id = await _account(db)
    endpoint = await _v1(db, account_id, hooks.url)
    await _record(db, account_id)
    deliverer = _deliverer(db, client, schedule=NO_JITTER)
    start = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)

    assert await deliverer.run_once(now=start) == 1
    now = start
    for delay in NO_JITTER.delays:
        assert await deliverer.run_once(now=now + delay - timedelta(seconds=1)) == 0
        now += delay
        assert await deliverer.run_once(now=now) == 1

    assert await deliverer.run_once(now=now + timedelta(days=30)) == 0
    [delivery] = await _deliveries(db, endpoint)
    assert delivery.status is DeliveryStatus.FAILED
    assert delivery.attempts == len(NO_JITTER.delays) + 1 == 12
    assert delivery.failed_reason == "gave up after 12 attempts: HTTP 503"
    assert timedelta(days=2.5) < now - start < timedelta(days=3.5)
    requests = hooks.requests()
    assert len(requests) == 12
    assert len({request.headers["webhook-id"] for request in requests}) == 1
    async with db.read() as conn:
        attempts = await webhook_deliveries.attempts_of(
            conn, account_id=account_id, delivery_id=delivery.id
        )
    assert [attempt.outcome.status_code for attempt in attempts] == [503] * 12
    assert attempts[0].outcome.response == "answered 503"
    assert attempts[0].next_attempt_at == start + timedelta(seconds=5)
    assert attempts[1].next_attempt_at == start + timedelta(seconds=5, minutes=5)
    assert attempts[-1].next_attempt_at is None


async def test_410_gone_disables_the_endpoint_and_gives_up_its_deliveries(
    db: Database, client: httpx.AsyncClient, hooks: Receiver
) -> None:
    hooks.answer = lambda _request: 410
    account_id = await _account(db)
    endpoint = await _v1(db, account_id, hooks.url)
    await _record(db, account_id, n=3)
    deliverer = _deliverer(db, client, concurrency=1, batch=1)

    await deliverer.fan_out(now=utc_now())
    assert await deliverer.deliver_due(now=utc_now()) == 1
    assert await deliverer.run_once(now=utc_now() + timedelta(hours=1)) == 0

    disabled = await webhooks.get_or_raise(db, account_id=account_id, endpoint_id=endpoint.id)
    assert disabled.disabled
    assert disabled.disabled_reason == "the endpoint answered 410 Gone"
    assert len(hooks.requests()) == 1
    reasons = {delivery.failed_reason for delivery in await _deliveries(db, endpoint)}
    assert reasons == {
        "the endpoint answered 410 Gone",
        "endpoint disabled: the endpoint answered 410 Gone",
    }


async def test_an_endpoint_failing_for_5_days_is_disabled_with_the_reason(
    db: Database, client: httpx.AsyncClient, hooks: Receiver
) -> None:
    hooks.answer = lambda _request: 500
    account_id = await _account(db)
    endpoint = await _v1(db, account_id, hooks.url)
    deliverer = _deliverer(db, client, schedule=NO_JITTER)
    start = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
    for day in range(6):
        await _record(db, account_id)
        await deliverer.run_once(now=start + timedelta(days=day))

    found = await webhooks.get_or_raise(db, account_id=account_id, endpoint_id=endpoint.id)
    assert found.disabled
    assert found.disabled_reason == "every delivery failed for 5 days: HTTP 500"
    assert found.failing_since == start
    count = len(hooks.requests())
    await _record(db, account_id)
    await deliverer.run_once(now=start + timedelta(days=7))
    assert len(hooks.requests()) == count


async def test_a_worker_killed_mid_delivery_redelivers_after_its_lease_with_the_same_id(
    db: Database, client: httpx.AsyncClient, hooks: Receiver
) -> None:
    release = threading.Event()

    def hang_the_first(request: Received) -> int:
        if len(hooks.requests()) == 1:
            release.wait(timeout=30)
        return 200

    hooks.answer = hang_the_first
    account_id = await _account(db)
    endpoint = await _v1(db, account_id, hooks.url)
    await _record(db, account_id)
    start = utc_now()
    killed = asyncio.create_task(_deliverer(db, client).run_once(now=start))
    await asyncio.to_thread(hooks.wait_for, 1)
    killed.cancel()
    with pytest.raises(asyncio.CancelledError):
        await killed
    release.set()

    restarted = _deliverer(db, client)
    assert await restarted.run_once(now=start + LEASE - timedelta(seconds=1)) == 0
    assert await restarted.run_once(now=start + LEASE) == 1

    first, again = hooks.requests()
    assert first.headers["webhook-id"] == again.headers["webhook-id"]
    assert first.body == again.body
    [delivery] = await _deliveries(db, endpoint)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SUCCEEDED, 1)


async def test_with_private_targets_refused_nothing_reaches_loopback(
    db: Database, hooks: Receiver
) -> None:
    account_id = await _account(db)
    endpoint = await _v1(db, account_id, hooks.url.replace("127.0.0.1", "localhost"))
    await _record(db, account_id)
    async with sender.new_client(allow_private=Settings().webhook_allow_private) as guarded:
        await _deliverer(db, guarded).run_once(now=utc_now())

    assert hooks.requests() == []
    [delivery] = await _deliveries(db, endpoint)
    assert delivery.status is DeliveryStatus.PENDING
    assert delivery.last_error is not None
    assert delivery.last_error.startswith("refused localhost: ")
    assert "loopback" in delivery.last_error


async def test_finished_deliveries_are_pruned_with_the_events(
    db: Database, client: httpx.AsyncClient, hooks: Receiver
) -> None:
    account_id = await _account(db)
    endpoint = await _v1(db, account_id, hooks.url)
    await _record(db, account_id)
    start = utc_now()
    await _deliverer(db, client).run_once(now=start)
    retention = timedelta(days=30)
    await webhook_delivery.prune(db, now=start + retention, retention=retention)
    assert len(await _deliveries(db, endpoint)) == 1
    await webhook_delivery.prune(
        db, now=start + retention + timedelta(seconds=1), retention=retention
    )
    assert await _deliveries(db, endpoint) == []


@pytest.mark.postgres_only
async def test_two_workers_deliver_1000_events_exactly_once_each(
    postgresql_url: str, hooks: Receiver
) -> None:
    first, second = Database(postgresql_url, pool_size=5), Database(postgresql_url, pool_size=5)
    try:
        account_id = await _account(await _without_endpoints(first))
        endpoint = await _v1(first, account_id, hooks.url)
        recorded = await _record(first, account_id, n=1000)
        async with (
            sender.new_client(allow_private=True) as one,
            sender.new_client(allow_private=True) as two,
        ):
            workers = [_deliverer(first, one), _deliverer(second, two)]

            async def work(deliverer: Deliverer) -> int:
                attempted = 0
                while len(hooks.requests()) < 1000:
                    attempted += await deliverer.run_once(now=utc_now())
                return attempted

            attempted = await asyncio.wait_for(asyncio.gather(*map(work, workers)), 120)
        ids = [request.headers["webhook-id"] for request in hooks.requests()]
        assert sorted(ids) == sorted(event.public_id for event in recorded)
        assert sum(attempted) == 1000
        async with first.read() as conn:
            delivered = await webhook_deliveries.list_for_endpoint(
                conn, account_id=account_id, endpoint_id=endpoint.id, limit=2000
            )
        assert len(delivered) == 1000
        assert {(delivery.status, delivery.attempts) for delivery in delivered} == {
            (DeliveryStatus.SUCCEEDED, 1)
        }
    finally:
        await first.dispose()
        await second.dispose()


@pytest.mark.postgres_only
async def test_an_event_committed_long_after_it_was_made_is_still_delivered(
    postgresql_url: str, client: httpx.AsyncClient, hooks: Receiver
) -> None:
    db = Database(postgresql_url, pool_size=5)
    try:
        account_id = await _account(await _without_endpoints(db))
        endpoint = await _v1(db, account_id, hooks.url)
        # Fan-out runs as if five minutes had passed since the slow transaction made its event.
        deliverer = _deliverer(db, client, clock=lambda: utc_now() + timedelta(minutes=5))
        async with db.write() as slow:
            slow_event = await events.record(
                slow,
                account_id=account_id,
                type=EventType.INVOICE_PAID,
                subject_id="inv_slow",
                snapshot={"id": "inv_slow"},
            )
            [quick] = await _record(db, account_id)
            assert await deliverer.fan_out(now=utc_now()) == 1
        assert await deliverer.fan_out(now=utc_now()) == 1

        delivered = {delivery.event_id for delivery in await _deliveries(db, endpoint)}
        assert delivered == {quick.id, slow_event.id}
    finally:
        await db.dispose()


async def test_a_rate_limited_endpoint_gets_its_deliveries_paced_and_the_rest_later(
    db: Database, client: httpx.AsyncClient, hooks: Receiver
) -> None:
    account_id = await _account(db)
    await _v1(db, account_id, hooks.url, rate_limit_per_sec=2)
    recorded = await _record(db, account_id, n=5)
    pauses: list[float] = []

    async def pause(seconds: float) -> None:
        pauses.append(seconds)

    # A 2 s lease fits two deliveries at 2 per second in its first half.
    deliverer = _deliverer(db, client, pause=pause, lease=timedelta(seconds=2))
    assert await deliverer.run_once(now=utc_now()) == 2
    assert pauses == [0.5]
    assert await deliverer.run_once(now=utc_now()) == 2
    assert await deliverer.run_once(now=utc_now()) == 1
    assert await deliverer.run_once(now=utc_now()) == 0
    assert pauses == [0.5, 0.5]
    delivered = [request.headers["webhook-id"] for request in hooks.requests()]
    assert sorted(delivered) == sorted(event.public_id for event in recorded)


class _HeldRenderer:
    """A v1 renderer that holds its first body until released (it runs in a thread)."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self, event: Event, timezone: str) -> Mapping[str, Any]:
        self.started.set()
        assert self.release.wait(10), "never released"
        return snapshot_as_fields(event, timezone)

    async def wait_started(self) -> None:
        assert await asyncio.to_thread(self.started.wait, 10), "rendering never started"


async def _fan_out_held(
    db: Database, client: httpx.AsyncClient
) -> tuple[_HeldRenderer, asyncio.Task[int]]:
    """A fan-out running in a task, held in the middle of rendering its first body."""
    held = _HeldRenderer()
    deliverer = _deliverer(db, client, renderers=Renderers(v1_fields=held))
    fanning = asyncio.create_task(deliverer.fan_out(now=utc_now()))
    await held.wait_started()
    return held, fanning


async def test_an_endpoint_can_be_changed_while_its_bodies_render(
    db: Database, client: httpx.AsyncClient, hooks: Receiver
) -> None:
    account_id = await _account(db)
    endpoint = await _v1(db, account_id, hooks.url)
    await _record(db, account_id)
    held, fanning = await _fan_out_held(db, client)

    # Rendering holds no lock: on SQLite it used to hold the only write lock for seconds.
    changes = webhooks.EndpointChanges(description="changed while rendering")
    changed = await asyncio.wait_for(
        webhooks.update_endpoint(
            db, account_id=account_id, endpoint_id=endpoint.id, changes=changes, now=utc_now()
        ),
        2,
    )
    held.release.set()

    assert await fanning == 1
    assert changed.description == "changed while rendering"
    assert len(await _deliveries(db, endpoint)) == 1


async def test_an_event_fanned_out_by_another_worker_meanwhile_is_delivered_once(
    db: Database, client: httpx.AsyncClient, hooks: Receiver
) -> None:
    account_id = await _account(db)
    endpoint = await _v1(db, account_id, hooks.url)
    [event] = await _record(db, account_id)
    held, fanning = await _fan_out_held(db, client)

    assert await _deliverer(db, client).fan_out(now=utc_now()) == 1
    held.release.set()
    await fanning

    assert [delivery.event_id for delivery in await _deliveries(db, endpoint)] == [event.id]
    await _deliverer(db, client).run_once(now=utc_now())
    assert [request.headers["webhook-id"] for request in hooks.requests()] == [event.public_id]


async def test_an_endpoint_resubscribed_while_rendering_gets_its_new_types_only(
    db: Database, client: httpx.AsyncClient, hooks: Receiver
) -> None:
    account_id = await _account(db)
    endpoint = await _v1(db, account_id, hooks.url, event_types=[EventType.INVOICE_PAID])
    await _record(db, account_id, EventType.INVOICE_PAID)
    [coupon] = await _record(db, account_id, EventType.COUPON_CREATED)
    held, fanning = await _fan_out_held(db, client)

    changes = webhooks.EndpointChanges(event_types=[EventType.COUPON_CREATED])
    await webhooks.update_endpoint(
        db, account_id=account_id, endpoint_id=endpoint.id, changes=changes, now=utc_now()
    )
    held.release.set()
    await fanning

    assert [delivery.event_id for delivery in await _deliveries(db, endpoint)] == [coupon.id]
