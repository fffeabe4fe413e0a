"""What both faces' portal-token endpoints accept and answer (Meteroid's shapes).

The billing-v1 ``POST /api/v1/customers/{id_or_alias}/portal-token`` is Meteroid's; the
AP ``POST /customers/{id}/portal-link`` is an Invoicery extension answering the same
body. Only their error bodies differ, and those come from each face's error format.
Both routes use `DecimalJsonRoute`, so ``expires_in_seconds`` takes any JSON integer
(``3600.0`` too, as JSON Schema counts it) and refuses fractions and strings.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from invoicery.api.billing.fields import json_integer
from invoicery.api.json import JsonResponse, timestamp_text
from invoicery.auth.tokens import Principal
from invoicery.config import Settings
from invoicery.service import portal
from invoicery.service.portal import IssuedToken, PortalScope
from invoicery.store.database import Database
from invoicery.web.urls import portal_url

__all__ = [
    "CustomerPortalTokenRequest",
    "CustomerPortalTokenResponse",
    "issue_token_response",
    "token_document",
]

if TYPE_CHECKING:
    Lifetime = int
else:  # any JSON integer in bounds (3600.0 too), never a fraction or a string
    Lifetime = json_integer(portal.MIN_TTL_SECONDS, portal.MAX_TTL_SECONDS)


class CustomerPortalTokenRequest(BaseModel):
    """Options of a portal token; an absent body or field takes the default."""

    model_config = ConfigDict(extra="ignore")

    expires_in_seconds: (
        Annotated[
            Lifetime,
            Field(
                description=(
                    f"Token lifetime in seconds. Defaults to {portal.DEFAULT_TTL_SECONDS} "
                    f"(24 hours). Must be between {portal.MIN_TTL_SECONDS} and "
                    f"{portal.MAX_TTL_SECONDS} (30 days)."
                ),
            ),
        ]
        | None
    ) = None
    scopes: (
        Annotated[
            list[PortalScope],
            Field(
                min_length=1,
                description=(
                    'Scopes granted to the token. Defaults to ["read", "manage"]. "read" '
                    'shows the invoices and their PDFs; "manage" also lets the customer pay them.'
                ),
            ),
        ]
        | None
    ) = None


class CustomerPortalTokenResponse(BaseModel):
    """A portal token and where to use it."""

    token: str = Field(description="JWT token for portal access")
    portal_url: str = Field(description="Base URL of the customer portal")
    portal_link: str = Field(description="Hosted customer portal URL, token included")
    api_url: str = Field(description="Base URL of the public REST API")
    expires_at: datetime = Field(description="When the token expires (RFC 3339)")


def token_document(settings: Settings, issued: IssuedToken) -> dict[str, Any]:
    """The response body for an issued token."""
    return {
        "token": issued.token,
        "portal_url": portal_url(settings),
        "portal_link": portal_url(settings, issued.token),
        "api_url": settings.resolved_public_url(),
        "expires_at": timestamp_text(issued.grant.expires_at),
    }


async def issue_token_response(
    request: Request,
    db: Database,
    secret: bytes,
    *,
    principal: Principal,
    customer: str,
    by_alias: bool,
    options: CustomerPortalTokenRequest | None,
) -> Response:
    """Issue a portal token for the caller's `customer` and answer it (both faces' route)."""
    options = options or CustomerPortalTokenRequest()
    issued = await portal.issue(
        db,
        portal.derive_key(secret),
        principal=principal,
        customer=customer,
        by_alias=by_alias,
        scopes=options.scopes,
        expires_in_seconds=options.expires_in_seconds,
    )
    settings: Settings = request.app.state.settings
    return JsonResponse(token_document(settings, issued))
