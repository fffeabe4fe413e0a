"""Billing-v1 webhook endpoints (Meteroid's API): register, change, rotate, list deliveries."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from invoicery.api.billing import webhook_schemas as s
from invoicery.api.billing.params import Page, PerPage, errors
from invoicery.api.billing.render import page_document
from invoicery.api.billing.webhook_render import (
    DELIVERY_STATUSES,
    created_document,
    delivery_document,
    endpoint_document,
)
from invoicery.api.json import JsonResponse
from invoicery.auth.tokens import Principal
from invoicery.domain.errors import InvalidInput
from invoicery.domain.webhooks import Endpoint, Face
from invoicery.service import webhook_deliveries, webhooks
from invoicery.service._time import utc_now
from invoicery.service.webhooks import EndpointChanges
from invoicery.store.database import Database
from invoicery.web.deps import DatabaseDep, WebhooksRead, WebhooksWrite

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/webhooks", tags=["Webhook endpoints"])

_STATUS_OF = {wire: ours for ours, wire in DELIVERY_STATUSES.items()}


def _headers(headers: list[s.WebhookHeaderInput] | None) -> dict[str, str] | None:
    if headers is None:
        return None
    found: dict[str, str] = {}
    for index, header in enumerate(headers):
        if header.sensitive:
            raise InvalidInput(
                "invalid headers",
                {f"headers[{index}].sensitive": "sensitive headers are not supported"},
            )
        if header.value is None:
            raise InvalidInput(
                "invalid headers", {f"headers[{index}].value": "a value is required"}
            )
        found[header.name] = header.value
    return found


async def _v1_endpoint(db: Database, principal: Principal, endpoint_id: str) -> Endpoint:
    """The caller's v1 endpoint with this id, or `NotFound` (an AP subscription is not one)."""
    return await webhooks.get_or_raise(
        db,
        account_id=principal.account_id,
        endpoint_id=webhooks.parse_endpoint_id(endpoint_id),
        face=Face.V1,
    )


@router.get(
    "/endpoints",
    operation_id="list_webhook_endpoints",
    summary="List webhook endpoints",
    response_model=s.WebhookEndpointListResponse,
    responses=errors(),
)
async def list_endpoints(principal: WebhooksRead, db: DatabaseDep) -> Response:
    """Every webhook endpoint of the account, oldest first."""
    found = await webhooks.list_endpoints(db, account_id=principal.account_id)
    return JsonResponse({"data": [endpoint_document(endpoint) for endpoint in found]})


@router.post(
    "/endpoints",
    operation_id="create_webhook_endpoint",
    summary="Create a webhook endpoint",
    status_code=201,
    response_model=s.CreatedWebhookEndpoint,
    responses=errors(400),
)
async def create_endpoint(
    principal: WebhooksWrite, db: DatabaseDep, body: s.CreateWebhookEndpointRequest
) -> Response:
    """Register an endpoint; its signing secret is in this answer (and `GET …/secret`)."""
    endpoint = await webhooks.create_endpoint(
        db,
        account_id=principal.account_id,
        url=body.url,
        now=utc_now(),
        description=body.description or None,
        event_types=body.event_types or (),
        headers=_headers(body.headers),
        rate_limit_per_sec=body.rate_limit_per_sec,
    )
    return JsonResponse(created_document(endpoint), status_code=201)


@router.get(
    "/endpoints/{endpoint_id}",
    operation_id="get_webhook_endpoint",
    summary="Get a webhook endpoint",
    response_model=s.WebhookEndpoint,
    responses=errors(404),
)
async def get_endpoint(principal: WebhooksRead, db: DatabaseDep, endpoint_id: str) -> Response:
    """One webhook endpoint of the account."""
    endpoint = await _v1_endpoint(db, principal, endpoint_id)
    return JsonResponse(endpoint_document(endpoint))


@router.patch(
    "/endpoints/{endpoint_id}",
    operation_id="update_webhook_endpoint",
    summary="Update a webhook endpoint",
    response_model=s.WebhookEndpoint,
    responses=errors(400, 404),
)
async def update_endpoint(
    principal: WebhooksWrite,
    db: DatabaseDep,
    endpoint_id: str,
    body: s.UpdateWebhookEndpointRequest,
) -> Response:
    """Change what is given; re-enabling an endpoint resets its failure count."""
    given = body.model_fields_set
    changes = EndpointChanges(
        url=body.url,
        description=body.description or None,
        clear_description="description" in given and not body.description,
        event_types=(body.event_types or []) if "event_types" in given else None,
        headers=(_headers(body.headers) or {}) if "headers" in given else None,
        disabled=body.disabled,
        rate_limit_per_sec=body.rate_limit_per_sec,
        clear_rate_limit="rate_limit_per_sec" in given and body.rate_limit_per_sec is None,
    )
    endpoint = await webhooks.update_endpoint(
        db,
        account_id=principal.account_id,
        endpoint_id=webhooks.parse_endpoint_id(endpoint_id),
        changes=changes,
        now=utc_now(),
    )
    return JsonResponse(endpoint_document(endpoint))


@router.delete(
    "/endpoints/{endpoint_id}",
    operation_id="delete_webhook_endpoint",
    summary="Delete a webhook endpoint",
    status_code=204,
    responses=errors(404),
)
async def delete_endpoint(principal: WebhooksWrite, db: DatabaseDep, endpoint_id: str) -> Response:
    """Remove the endpoint; its pending deliveries go with it."""
    await webhooks.delete(
        db,
        account_id=principal.account_id,
        endpoint_id=webhooks.parse_endpoint_id(endpoint_id),
        face=Face.V1,
    )
    return Response(status_code=204)


@router.get(
    "/endpoints/{endpoint_id}/deliveries",
    operation_id="list_webhook_deliveries",
    summary="List deliveries for a webhook endpoint",
    response_model=s.WebhookDeliveryListResponse,
    responses=errors(400, 404),
)
async def list_deliveries(
    principal: WebhooksRead,
    db: DatabaseDep,
    endpoint_id: str,
    status: Annotated[
        s.WebhookDeliveryStatus | None, Query(description="Only deliveries in this state")
    ] = None,
    page: Page = 0,
    per_page: PerPage = 10,
) -> Response:
    """The endpoint's deliveries, newest first, page-numbered."""
    statuses = None
    if status is not None:
        ours = _STATUS_OF.get(status.value)
        statuses = (ours,) if ours is not None else ()
    found = await webhook_deliveries.list_for_endpoint(
        db,
        account_id=principal.account_id,
        endpoint_id=webhooks.parse_endpoint_id(endpoint_id),
        statuses=statuses,
        page=page,
        per_page=per_page,
    )
    return JsonResponse(page_document(found, delivery_document))


@router.post(
    "/endpoints/{endpoint_id}/rotate-secret",
    operation_id="rotate_webhook_endpoint_secret",
    summary="Rotate a webhook endpoint secret",
    response_model=s.WebhookEndpointSecret,
    responses=errors(404),
)
async def rotate_secret(principal: WebhooksWrite, db: DatabaseDep, endpoint_id: str) -> Response:
    """A new signing secret; the previous one keeps signing beside it for 24 hours."""
    endpoint = await webhooks.rotate_secret(
        db,
        account_id=principal.account_id,
        endpoint_id=webhooks.parse_endpoint_id(endpoint_id),
        now=utc_now(),
    )
    return JsonResponse({"secret": endpoint.secret})


@router.get(
    "/endpoints/{endpoint_id}/secret",
    operation_id="get_webhook_endpoint_secret",
    summary="Reveal a webhook endpoint secret",
    response_model=s.WebhookEndpointSecret,
    responses=errors(404),
)
async def reveal_secret(principal: WebhooksWrite, db: DatabaseDep, endpoint_id: str) -> Response:
    """The endpoint's current signing secret (a write scope: it lets one forge deliveries)."""
    endpoint = await _v1_endpoint(db, principal, endpoint_id)
    return JsonResponse({"secret": endpoint.secret})


@router.post(
    "/deliveries/{delivery_id}/resend",
    operation_id="resend_webhook_delivery",
    summary="Resend a webhook delivery",
    response_model=s.WebhookDelivery,
    responses=errors(404, 409),
)
async def resend_delivery(principal: WebhooksWrite, db: DatabaseDep, delivery_id: str) -> Response:
    """Queue the same event for the same endpoint again (409 if the endpoint is disabled)."""
    delivery = await webhook_deliveries.resend(
        db,
        account_id=principal.account_id,
        delivery_id=webhook_deliveries.parse_delivery_id(delivery_id),
        now=utc_now(),
    )
    return JsonResponse(delivery_document(delivery))
