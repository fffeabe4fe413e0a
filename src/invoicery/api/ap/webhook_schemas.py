"""AP webhook request and response models, named as in the vendor's spec."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from invoicery.domain.webhooks import DeliveryStatus
from invoicery.service.webhooks import AP_TOPIC_NAMES

__all__ = [
    "CreateWebhookSubscriptionInput",
    "PaginatedResponseWebhookEvent",
    "PaginatedResponseWebhookSubscription",
    "WebhookEvent",
    "WebhookEventStatus",
    "WebhookSubscription",
    "WebhookTopic",
]

WebhookTopic = StrEnum("WebhookTopic", {name.upper(): name for name in AP_TOPIC_NAMES})  # type: ignore[misc]
WebhookTopic.__doc__ = "A webhook topic; the vendor's payout and payment-method topics never fire."

WebhookEventStatus = StrEnum(  # type: ignore[misc]
    "WebhookEventStatus", {status.name: status.value for status in DeliveryStatus}
)
WebhookEventStatus.__doc__ = "Where a delivery stands."


class CreateWebhookSubscriptionInput(BaseModel):
    """Body of `POST /webhooks`."""

    model_config = ConfigDict(extra="ignore")

    endpoint_url: str = Field(min_length=1, max_length=2000)
    secret_key: str | None = Field(default=None, max_length=500)
    topic: WebhookTopic


class WebhookSubscription(BaseModel):
    """Webhook subscription information."""

    id: str
    endpoint_url: str
    topic: WebhookTopic
    is_active: bool
    partner_id: str
    secret_last_4_digits: str | None = None
    created_at: str
    updated_at: str


class PaginatedResponseWebhookSubscription(BaseModel):
    """A page of webhook subscriptions."""

    model_config = ConfigDict(title="PaginatedResponse-WebhookSubscription")

    data: list[WebhookSubscription]
    end_cursor: str
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str


class WebhookEvent(BaseModel):
    """One event delivered (or being delivered) to one subscription, and how it went."""

    id: str
    event_id: str
    subscription_id: str
    topic: str
    status: WebhookEventStatus
    attempts: int
    created_at: str
    payload: dict[str, Any] = Field(description="The body POSTed: {id, topic, created_at, data}")
    last_attempt_at: str | None = None
    next_attempt_at: str | None = None
    delivered_at: str | None = None
    last_response_status: int | None = None
    last_error: str | None = None
    failed_reason: str | None = None


class PaginatedResponseWebhookEvent(BaseModel):
    """A page of webhook events."""

    model_config = ConfigDict(title="PaginatedResponse-WebhookEvent")

    data: list[WebhookEvent]
    end_cursor: str
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str
