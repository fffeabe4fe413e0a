"""Webhook endpoints and deliveries: subscriptions, secrets, retries, disabling."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from invoicery.domain import ids
from invoicery.domain.events import EventType
from invoicery.domain.webhooks import (
    DEFAULT_SCHEDULE,
    Delivery,
    DeliveryStatus,
    Endpoint,
    Face,
    Outcome,
    RetrySchedule,
    after_attempt,
)

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
NO_JITTER = RetrySchedule(DEFAULT_SCHEDULE.delays, jitter=0.0)
OK = Outcome(status_code=204, duration_ms=12)
DOWN = Outcome(status_code=503, duration_ms=40, response="busy")


def _endpoint(face: Face = Face.V1, **fields: object) -> Endpoint:
    values: dict[str, object] = {
        "id": uuid4(),
        "account_id": uuid4(),
        "face": face,
        "url": "https://example.com/hooks",
        "created_at": T0,
        "updated_at": T0,
        **fields,
    }
    return Endpoint(**values)  # type: ignore[arg-type]


def _delivery(endpoint: Endpoint) -> Delivery:
    return Delivery(
        id=ids.new_uuid7(),
        account_id=endpoint.account_id,
        endpoint_id=endpoint.id,
        event_id=ids.new_uuid7(),
        event_type=EventType.INVOICE_PAID,
        payload="{}",
        created_at=T0,
        next_attempt_at=T0,
    )


def test_an_ap_subscription_gets_the_event_types_of_its_topic() -> None:
    updated = _endpoint(Face.AP, topic="invoice_updated")
    assert updated.wants(EventType.INVOICE_UPDATED)
    assert updated.wants(EventType.INVOICE_VOIDED)
    assert not updated.wants(EventType.INVOICE_PAID)
    assert not updated.wants(EventType.COUPON_CREATED)
    assert _endpoint(Face.AP, topic="invoice_sent").subscribed_types() == ()


def test_a_v1_endpoint_gets_its_event_types_or_all() -> None:
    some = _endpoint(event_types=(EventType.COUPON_CREATED,))
    assert some.wants(EventType.COUPON_CREATED)
    assert not some.wants(EventType.INVOICE_PAID)
    assert some.subscribed_types() == (EventType.COUPON_CREATED,)
    every = _endpoint()
    assert every.subscribed_types() is None
    assert all(every.wants(kind) for kind in EventType)


def test_an_ap_secret_shows_only_its_last_4_characters() -> None:
    endpoint = _endpoint(Face.AP, topic="invoice_paid", secret="sk_live_abcd1234")
    assert endpoint.secret_last_4 == "1234"
    assert "abcd1234" not in repr(endpoint)


def test_after_a_rotation_both_secrets_sign_for_24_hours() -> None:
    rotated = _endpoint(secret="whsec_old").rotated("whsec_new", now=T0)
    assert rotated.signing_secrets(T0 + timedelta(hours=23)) == ("whsec_new", "whsec_old")
    assert rotated.signing_secrets(T0 + timedelta(hours=24)) == ("whsec_new",)


def test_a_2xx_delivers_and_resets_the_endpoints_failures() -> None:
    endpoint = _endpoint(consecutive_failures=3, failing_since=T0 - timedelta(hours=1))
    delivered, healthy = after_attempt(
        _delivery(endpoint), endpoint, OK, now=T0, rng=random.Random(0)
    )
    assert delivered.status is DeliveryStatus.SUCCEEDED
    assert delivered.delivered_at == T0
    assert delivered.attempts == 1
    assert (healthy.consecutive_failures, healthy.failing_since) == (0, None)
    assert healthy.last_success_at == T0


def test_failures_are_retried_on_the_schedule_for_about_3_days_then_given_up() -> None:
    endpoint = _endpoint()
    delivery = _delivery(endpoint)
    now = T0
    waits: list[timedelta] = []
    while delivery.status is DeliveryStatus.PENDING:
        delivery, endpoint = after_attempt(
            delivery, endpoint, DOWN, now=now, schedule=NO_JITTER, rng=random.Random(0)
        )
        if delivery.next_attempt_at is not None:
            waits.append(delivery.next_attempt_at - now)
            now = delivery.next_attempt_at
    assert waits[:6] == [
        timedelta(seconds=5),
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
        timedelta(hours=5),
        timedelta(hours=10),
    ]
    assert timedelta(days=2.5) < now - T0 < timedelta(days=3.5)
    assert delivery.status is DeliveryStatus.FAILED
    assert delivery.attempts == len(waits) + 1
    assert delivery.failed_reason == f"gave up after {delivery.attempts} attempts: HTTP 503"
    assert delivery.last_response == "busy"
    assert not endpoint.disabled


def test_jitter_spreads_each_wait_by_at_most_a_tenth() -> None:
    rng = random.Random(7)
    waits = {DEFAULT_SCHEDULE.next_attempt(2, now=T0, rng=rng) for _ in range(50)}
    assert len(waits) > 1
    assert all(
        T0 + timedelta(minutes=4.5) <= wait <= T0 + timedelta(minutes=5.5)
        for wait in waits
        if wait is not None
    )


def test_410_gone_disables_the_endpoint_at_once() -> None:
    endpoint = _endpoint()
    gone = Outcome(status_code=410, duration_ms=5)
    failed, disabled = after_attempt(
        _delivery(endpoint), endpoint, gone, now=T0, rng=random.Random(0)
    )
    assert disabled.disabled
    assert disabled.disabled_reason == "the endpoint answered 410 Gone"
    assert failed.status is DeliveryStatus.FAILED
    assert failed.failed_reason == "the endpoint answered 410 Gone"


def test_an_endpoint_failing_for_5_days_straight_is_disabled_with_the_reason() -> None:
    endpoint = _endpoint()
    _, endpoint = after_attempt(_delivery(endpoint), endpoint, DOWN, now=T0, rng=random.Random(0))
    almost = T0 + timedelta(days=5) - timedelta(seconds=1)
    _, endpoint = after_attempt(
        _delivery(endpoint), endpoint, DOWN, now=almost, rng=random.Random(0)
    )
    assert not endpoint.disabled
    _, endpoint = after_attempt(
        _delivery(endpoint), endpoint, DOWN, now=T0 + timedelta(days=5), rng=random.Random(0)
    )
    assert endpoint.disabled
    assert endpoint.disabled_reason == "every delivery failed for 5 days: HTTP 503"
    assert endpoint.consecutive_failures == 3


def test_a_success_in_between_restarts_the_5_days() -> None:
    endpoint = _endpoint()
    _, endpoint = after_attempt(_delivery(endpoint), endpoint, DOWN, now=T0, rng=random.Random(0))
    _, endpoint = after_attempt(
        _delivery(endpoint), endpoint, OK, now=T0 + timedelta(days=3), rng=random.Random(0)
    )
    _, endpoint = after_attempt(
        _delivery(endpoint), endpoint, DOWN, now=T0 + timedelta(days=6), rng=random.Random(0)
    )
    assert not endpoint.disabled
    assert endpoint.failing_since == T0 + timedelta(days=6)
