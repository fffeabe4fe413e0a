"""AP webhook endpoints: subscribe, list, unsubscribe, and list the events delivered."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from invoicery.api.ap import query as q
from invoicery.api.ap.render import page_document
from invoicery.api.ap.schemas import error_responses
from invoicery.api.ap.webhook_render import event_document, subscription_document
from invoicery.api.ap.webhook_schemas import (
    CreateWebhookSubscriptionInput,
    PaginatedResponseWebhookEvent,
    PaginatedResponseWebhookSubscription,
    WebhookEventStatus,
    WebhookSubscription,
    WebhookTopic,
)
from invoicery.api.json import JsonResponse
from invoicery.domain.webhooks import DeliveryStatus, Face
from invoicery.service import webhook_deliveries, webhooks
from invoicery.service._time import utc_now
from invoicery.service.webhook_deliveries import DeliveryQuery
from invoicery.web.deps import DatabaseDep, WebhooksRead, WebhooksWrite

__all__ = ["router"]

router = APIRouter(prefix="/webhooks", tags=["Webhooks"])

TopicFilter = Annotated[WebhookTopic | None, Query(description="Filter by webhook topic")]


@router.post(
    "",
    operation_id="createWebhookSubscription",
    summary="Subscribe to a webhook",
    status_code=201,
    response_model=WebhookSubscription,
    responses=error_responses(400, 422),
)
async def create_subscription(
    principal: WebhooksWrite, db: DatabaseDep, body: CreateWebhookSubscriptionInput
) -> Response:
    """Subscribe `endpoint_url` to `topic`; `secret_key` is sent back as a Bearer token."""
    endpoint = await webhooks.create_subscription(
        db,
        account_id=principal.account_id,
        endpoint_url=body.endpoint_url,
        topic=body.topic.value,
        secret_key=body.secret_key,
        now=utc_now(),
    )
    return JsonResponse(subscription_document(endpoint), status_code=201)


@router.get(
    "",
    operation_id="listWebhookSubscriptions",
    summary="List webhook subscriptions",
    response_model=PaginatedResponseWebhookSubscription,
    responses=error_responses(400),
)
async def list_subscriptions(
    principal: WebhooksRead,
    db: DatabaseDep,
    limit: q.Limit = 100,
    after: q.After = None,
    before: q.Before = None,
    topic: TopicFilter = None,
    is_active: Annotated[bool | None, Query(description="Filter by active status")] = None,
) -> Response:
    """List the caller's subscriptions, newest first, with cursor pagination."""
    errors: dict[str, str] = {}
    page = q.page_request(limit, after, before, errors)
    q.raise_if(errors)
    found = await webhooks.list_subscriptions(
        db,
        account_id=principal.account_id,
        page=page,
        topic=topic.value if topic is not None else None,
        active=is_active,
    )
    return JsonResponse(page_document(found, subscription_document))


@router.get(
    "/events",
    operation_id="listWebhookEvents",
    summary="List webhook events",
    response_model=PaginatedResponseWebhookEvent,
    responses=error_responses(400),
)
async def list_events(
    principal: WebhooksRead,
    db: DatabaseDep,
    limit: q.Limit = 100,
    after: q.After = None,
    before: q.Before = None,
    topic: TopicFilter = None,
    status: Annotated[
        WebhookEventStatus | None, Query(description="Filter by event status")
    ] = None,
    created_after: Annotated[
        str | None, Query(description="Filter events created after this date (ISO 8601)")
    ] = None,
    created_before: Annotated[
        str | None, Query(description="Filter events created before this date (ISO 8601)")
    ] = None,
) -> Response:
    """Events delivered to the caller's subscriptions, newest first, with how each went."""
    errors: dict[str, str] = {}
    page = q.page_request(limit, after, before, errors)
    query = DeliveryQuery(
        event_types=(webhook_deliveries.types_of_topic(topic.value) if topic is not None else None),
        statuses=(DeliveryStatus(status.value),) if status is not None else None,
        created_from=q.parse_instant("created_after", created_after, errors),
        created_to=q.parse_instant("created_before", created_before, errors),
    )
    q.raise_if(errors)
    found = await webhook_deliveries.list_page(db, principal=principal, query=query, page=page)
    return JsonResponse(page_document(found, event_document))


@router.delete(
    "/{subscription_id}",
    operation_id="deleteWebhookSubscription",
    summary="Unsubscribe from a webhook",
    response_model=WebhookSubscription,
    responses=error_responses(400, 404),
)
async def delete_subscription(
    principal: WebhooksWrite, db: DatabaseDep, subscription_id: str
) -> Response:
    """Remove a subscription and its pending deliveries; answers what was removed."""
    removed = await webhooks.delete(
        db,
        account_id=principal.account_id,
        endpoint_id=webhooks.parse_endpoint_id(subscription_id),
        face=Face.AP,
    )
    return JsonResponse(subscription_document(removed))
