"""Webhook endpoints of both faces and the deliveries of events to them.

An `Endpoint` is where an account wants its events POSTed: an AP *subscription* (one
topic, an optional Bearer secret sent as is) or a billing-v1 *endpoint* (event types,
extra headers, Standard Webhooks signing secrets; after a rotation the previous secret
keeps signing for `PREVIOUS_SECRET_GRACE`). A `Delivery` is one event for one endpoint;
`after_attempt` decides, from an attempt's `Outcome`, what becomes of both: delivered,
retried on the `RetrySchedule`, failed for good, or the endpoint disabled (410 Gone at
once; `DISABLE_AFTER` of failures straight).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from invoicery.domain import ids
from invoicery.domain.events import Event, EventType
from invoicery.domain.status import Lifecycle

__all__ = [
    "AP_TOPICS",
    "DEFAULT_SCHEDULE",
    "DELIVERY_PREFIX",
    "DISABLE_AFTER",
    "ENDPOINT_PREFIX",
    "PREVIOUS_SECRET_GRACE",
    "SNIPPET_BYTES",
    "Delivery",
    "DeliveryStatus",
    "Endpoint",
    "Face",
    "Outcome",
    "RetrySchedule",
    "after_attempt",
    "ap_topic",
    "shown_on",
]

ENDPOINT_PREFIX = "whe"
DELIVERY_PREFIX = "whd"
PREVIOUS_SECRET_GRACE = timedelta(hours=24)
DISABLE_AFTER = timedelta(days=5)
SNIPPET_BYTES = 1024

# The AP face's topic for each event type it announces; other types never reach it.
# Changes the AP face has no topic for (finalize, void, …) are invoice updates there.
AP_TOPICS: Mapping[EventType, str] = {
    EventType.INVOICE_CREATED: "invoice_created",
    EventType.INVOICE_UPDATED: "invoice_updated",
    EventType.INVOICE_FINALIZED: "invoice_updated",
    EventType.INVOICE_VOIDED: "invoice_updated",
    EventType.INVOICE_MARKED_UNCOLLECTIBLE: "invoice_updated",
    EventType.INVOICE_RESTORED: "invoice_updated",
    EventType.INVOICE_SENT: "invoice_updated",
    EventType.INVOICE_PAID: "invoice_paid",
    EventType.INVOICE_ARCHIVED: "invoice_archived",
    EventType.CUSTOMER_CREATED: "customer_created",
    EventType.CUSTOMER_UPDATED: "customer_updated",
    EventType.CUSTOMER_ARCHIVED: "customer_archived",
    EventType.PAYMENT_SUCCEEDED: "payment_succeeded",
    EventType.PAYMENT_FAILED: "payment_failed",
}


def shown_on(face: Face, event: Event) -> bool:
    """Whether `face` shows the subject of `event`: the AP face never shows a draft invoice."""
    if face is Face.AP and event.type.subject == "invoice":
        state = event.snapshot.get("state") or {}
        return bool(state.get("lifecycle") != Lifecycle.DRAFT.value)
    return True


def ap_topic(event_type: EventType) -> str | None:
    """The AP topic `event_type` is delivered under, or None when the AP face has none."""
    return AP_TOPICS.get(event_type)


class Face(StrEnum):
    """Which wire format an endpoint was registered through, and is delivered in."""

    AP = "ap"
    V1 = "v1"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where an account's events are POSTed, and how that has been going."""

    id: UUID
    account_id: UUID
    face: Face
    url: str
    created_at: datetime
    updated_at: datetime
    topic: str | None = None
    description: str | None = None
    event_types: tuple[EventType, ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    secret: str | None = field(default=None, repr=False)
    previous_secret: str | None = field(default=None, repr=False)
    previous_secret_expires_at: datetime | None = None
    disabled: bool = False
    disabled_reason: str | None = None
    consecutive_failures: int = 0
    failing_since: datetime | None = None
    last_success_at: datetime | None = None
    last_failure_at: datetime | None = None
    rate_limit_per_sec: int | None = None  # deliveries per second at most, if limited

    @property
    def public_id(self) -> str:
        """The id clients see (``whe_…``)."""
        return ids.encode(ENDPOINT_PREFIX, self.id)

    @property
    def secret_last_4(self) -> str | None:
        """The last four characters of the secret: all of it anyone is ever shown again."""
        return self.secret[-4:] if self.secret else None

    def wants(self, event_type: EventType) -> bool:
        """Whether events of `event_type` are delivered here."""
        if self.face is Face.AP:
            return self.topic is not None and ap_topic(event_type) == self.topic
        return not self.event_types or event_type in self.event_types

    def subscribed_types(self) -> tuple[EventType, ...] | None:
        """The event types delivered here; None for every type."""
        if self.face is Face.V1 and not self.event_types:
            return None
        return tuple(kind for kind in EventType if self.wants(kind))

    def signing_secrets(self, now: datetime) -> tuple[str, ...]:
        """The v1 secrets that sign at `now`: the current one, and the previous in its grace."""
        if self.secret is None:
            return ()
        expires = self.previous_secret_expires_at
        if self.previous_secret and expires is not None and now < expires:
            return (self.secret, self.previous_secret)
        return (self.secret,)

    def rotated(self, new_secret: str, *, now: datetime) -> Endpoint:
        """The endpoint signing with `new_secret`, the old one still signing for a day."""
        return replace(
            self,
            secret=new_secret,
            previous_secret=self.secret,
            previous_secret_expires_at=now + PREVIOUS_SECRET_GRACE,
            updated_at=now,
        )

    def succeeded(self, *, now: datetime) -> Endpoint:
        """The endpoint after a delivery it accepted."""
        return replace(self, consecutive_failures=0, failing_since=None, last_success_at=now)

    def failed(self, *, now: datetime, gone: bool, error: str) -> Endpoint:
        """The endpoint after a failed attempt; disabled on 410 or `DISABLE_AFTER` of failing."""
        since = self.failing_since or now
        failing = replace(
            self,
            consecutive_failures=self.consecutive_failures + 1,
            failing_since=since,
            last_failure_at=now,
        )
        if gone:
            return failing.disable("the endpoint answered 410 Gone", now=now)
        if now - since >= DISABLE_AFTER:
            days = (now - since).days
            return failing.disable(f"every delivery failed for {days} days: {error}", now=now)
        return failing

    def disable(self, reason: str, *, now: datetime) -> Endpoint:
        """The endpoint no longer delivered to, with why."""
        return replace(self, disabled=True, disabled_reason=reason, updated_at=now)


class DeliveryStatus(StrEnum):
    """Where a delivery stands."""

    PENDING = "pending"  # due at next_attempt_at
    SENDING = "sending"  # leased to a worker until next_attempt_at
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt got back: a status code, or an error before any answer."""

    status_code: int | None
    duration_ms: int
    response: str = ""
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        """A 2xx answer (the sender already counts one later than its timeout as an error)."""
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def gone(self) -> bool:
        """The endpoint said it is gone for good (410)."""
        return self.status_code == 410

    def describe(self) -> str:
        """The outcome in a few words, for reasons and logs."""
        if self.error is not None:
            return self.error
        return f"HTTP {self.status_code}"


@dataclass(frozen=True, slots=True)
class Delivery:
    """One event for one endpoint: its body and how its attempts went."""

    id: UUID
    account_id: UUID
    endpoint_id: UUID
    event_id: UUID
    event_type: EventType
    payload: str = field(repr=False)
    created_at: datetime
    next_attempt_at: datetime | None
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: int = 0
    last_attempt_at: datetime | None = None
    last_status_code: int | None = None
    last_duration_ms: int | None = None
    last_response: str | None = None
    last_error: str | None = None
    delivered_at: datetime | None = None
    failed_reason: str | None = None

    @property
    def public_id(self) -> str:
        """The id clients see (``whd_…``)."""
        return ids.encode(DELIVERY_PREFIX, self.id)

    @property
    def webhook_id(self) -> str:
        """The receiver's dedup key, the same on every attempt: the event's public id."""
        return ids.encode("evt", self.event_id)


@dataclass(frozen=True, slots=True)
class RetrySchedule:
    """How long to wait after each failed attempt; after the last wait's attempt, give up."""

    delays: tuple[timedelta, ...]
    jitter: float = 0.1

    def next_attempt(self, attempts: int, *, now: datetime, rng: random.Random) -> datetime | None:
        """When to try again after `attempts` failed attempts, or None to give up."""
        if attempts > len(self.delays):
            return None
        delay = self.delays[attempts - 1]
        spread = delay * self.jitter
        return now + delay + spread * rng.uniform(-1.0, 1.0)

    @property
    def span(self) -> timedelta:
        """The time from the first attempt to the last, without jitter."""
        return sum(self.delays, timedelta())


_H = timedelta(hours=1)
DEFAULT_SCHEDULE = RetrySchedule(
    delays=(
        timedelta(seconds=5),
        timedelta(minutes=5),
        timedelta(minutes=30),
        2 * _H,
        5 * _H,
        *(10 * _H,) * 6,
    )
)


def after_attempt(
    delivery: Delivery,
    endpoint: Endpoint,
    outcome: Outcome,
    *,
    now: datetime,
    schedule: RetrySchedule = DEFAULT_SCHEDULE,
    rng: random.Random,
) -> tuple[Delivery, Endpoint]:
    """The delivery and its endpoint after an attempt at `now` came out as `outcome`."""
    attempts = delivery.attempts + 1
    tried = replace(
        delivery,
        attempts=attempts,
        last_attempt_at=now,
        last_status_code=outcome.status_code,
        last_duration_ms=outcome.duration_ms,
        last_response=outcome.response,
        last_error=outcome.error,
    )
    if outcome.succeeded:
        delivered = replace(
            tried, status=DeliveryStatus.SUCCEEDED, delivered_at=now, next_attempt_at=None
        )
        return delivered, endpoint.succeeded(now=now)
    endpoint = endpoint.failed(now=now, gone=outcome.gone, error=outcome.describe())
    retry_at = None if endpoint.disabled else schedule.next_attempt(attempts, now=now, rng=rng)
    if retry_at is None:
        reason = endpoint.disabled_reason if endpoint.disabled else None
        reason = reason or f"gave up after {attempts} attempts: {outcome.describe()}"
        failed = replace(
            tried, status=DeliveryStatus.FAILED, failed_reason=reason, next_attempt_at=None
        )
        return failed, endpoint
    return replace(tried, status=DeliveryStatus.PENDING, next_attempt_at=retry_at), endpoint
