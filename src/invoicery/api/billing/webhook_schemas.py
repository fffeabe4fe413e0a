"""Billing-v1 webhook request and response models, as today's Meteroid API names them."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool

from invoicery.api.billing.documents import PaginationResponse
from invoicery.domain.events import EventType

__all__ = [
    "CreateWebhookEndpointRequest",
    "CreatedWebhookEndpoint",
    "UpdateWebhookEndpointRequest",
    "WebhookDelivery",
    "WebhookDeliveryListResponse",
    "WebhookDeliveryStatus",
    "WebhookEndpoint",
    "WebhookEndpointDisabledReason",
    "WebhookEndpointListResponse",
    "WebhookEndpointSecret",
    "WebhookHeader",
    "WebhookHeaderInput",
]

_HEADER_NAME = r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$"
# An absolute http(s) URL with a host and no credentials (the worker checks the address).
_URL = r"^[hH][tT][tT][pP][sS]?://[^\s/?#@:\[\]]+(:[0-9]{1,5})?([/?#][^\s]*)?$"


class WebhookDeliveryStatus(StrEnum):
    """Where a delivery stands (CANCELLED is never shown: deleting an endpoint deletes them)."""

    PENDING = "PENDING"
    IN_FLIGHT = "IN_FLIGHT"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


class WebhookEndpointDisabledReason(StrEnum):
    """Why an endpoint no longer gets deliveries."""

    MANUAL = "MANUAL"
    AUTO_FAILURES = "AUTO_FAILURES"
    GONE = "GONE"


def _false_only(value: Any) -> Any:
    """`false` or null, as JSON has them: no 0, no "false" (`Literal[False]` takes both)."""
    if value is not None and value is not False:
        raise ValueError("sensitive headers are not supported")
    return value


class WebhookHeaderInput(BaseModel):
    """A custom header sent with every delivery (sensitive, write-only headers are refused)."""

    model_config = ConfigDict(extra="ignore")

    name: str = Field(pattern=_HEADER_NAME)
    sensitive: Annotated[Literal[False] | None, BeforeValidator(_false_only)] = Field(
        default=None, description="Sensitive (write-only) headers are not supported."
    )
    value: str = Field(max_length=2000, pattern=r"^[^\r\n\x00]*$")


class CreateWebhookEndpointRequest(BaseModel):
    """Body of `POST /api/v1/webhooks/endpoints`."""

    model_config = ConfigDict(extra="ignore")

    url: str = Field(max_length=2000, pattern=_URL)
    description: str | None = Field(default=None, max_length=1000)
    event_types: list[EventType] | None = Field(
        default=None,
        max_length=100,
        description="Event types to subscribe to. Omit or leave empty to receive every type.",
    )
    headers: list[WebhookHeaderInput] | None = Field(default=None, max_length=20)
    rate_limit_per_sec: int | None = Field(
        default=None,
        ge=1,
        le=1000,
        description="Deliveries per second to this endpoint at most (each worker paces its "
        "own sends); omit for no limit.",
    )


class UpdateWebhookEndpointRequest(BaseModel):
    """Body of `PATCH /api/v1/webhooks/endpoints/{endpoint_id}`; omitted fields stay."""

    model_config = ConfigDict(extra="ignore")

    url: str | None = Field(default=None, max_length=2000, pattern=_URL)
    description: str | None = Field(default=None, max_length=1000)
    disabled: StrictBool | None = None
    event_types: list[EventType] | None = Field(default=None, max_length=100)
    headers: list[WebhookHeaderInput] | None = Field(default=None, max_length=20)
    rate_limit_per_sec: int | None = Field(default=None, ge=1, le=1000)


class WebhookHeader(BaseModel):
    """A custom header sent with every delivery."""

    name: str
    sensitive: bool
    set: bool
    value: str | None = None


class WebhookEndpoint(BaseModel):
    """A destination Invoicery POSTs signed event payloads to."""

    id: str
    url: str
    description: str | None = None
    event_types: list[EventType]
    headers: list[WebhookHeader]
    disabled: bool
    disabled_reason: WebhookEndpointDisabledReason | None = None
    consecutive_failures: int
    max_in_flight: int
    needs_setup: bool
    rate_limit_per_sec: int | None = None
    last_success_at: str | None = None
    last_failure_at: str | None = None
    created_at: str
    updated_at: str | None = None


class CreatedWebhookEndpoint(WebhookEndpoint):
    """The new endpoint's fields and its signing secret, shown in full here."""

    secret: str


class WebhookEndpointListResponse(BaseModel):
    """Every endpoint of the account."""

    data: list[WebhookEndpoint]


class WebhookEndpointSecret(BaseModel):
    """An endpoint's current signing secret (``whsec_…``)."""

    secret: str


class WebhookDelivery(BaseModel):
    """One event queued for one endpoint, with the state of its retry cycle."""

    id: str
    endpoint_id: str
    event_type: str
    message_id: str
    status: WebhookDeliveryStatus
    attempt_count: int
    manual: bool
    created_at: str
    completed_at: str | None = None
    next_attempt_at: str | None = None
    last_error: str | None = None
    last_response_status: int | None = None


class WebhookDeliveryListResponse(BaseModel):
    """A page of an endpoint's deliveries."""

    data: list[WebhookDelivery]
    pagination_meta: PaginationResponse
