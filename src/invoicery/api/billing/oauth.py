"""Billing-v1 OAuth: `POST /api/v1/oauth/token`, `/introspect` (RFC 7662), `/revoke` (RFC 7009).

The clients are those of the AP face's `POST /oauth/token`, and so are the grant and its
rules (`api.oauth_form`). Each endpoint authenticates its client by HTTP Basic or by
`client_id` and `client_secret` in the form; a refusal of the request itself is an
RFC 6749 §5.2 error (400, or 401 `invalid_client`), any other failure (429, 503…) the
face's `RestErrorResponse`: the error bodies the Meteroid SDK decodes for each status.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request
from starlette.responses import Response

from invoicery.api.billing.errors import render_rest_error
from invoicery.api.billing.oauth_schemas import (
    IntrospectionRequest,
    OAuthErrorCode,
    OAuthErrorResponse,
    RevocationRequest,
    TokenIntrospectionResponse,
    TokenRequest,
    TokenResponse,
    form_body,
)
from invoicery.api.json import DecimalJsonRoute, JsonResponse
from invoicery.api.oauth_form import client_credentials_grant, client_request
from invoicery.auth import introspection, tokens
from invoicery.auth.tokens import OAuthError
from invoicery.auth.tokens import OAuthErrorCode as GrantError
from invoicery.domain import ids
from invoicery.store.clients import ClientRecord
from invoicery.store.database import Database
from invoicery.web import request_id
from invoicery.web.deps import DatabaseDep
from invoicery.web.errors import ApiError

__all__ = ["render_oauth_error", "router"]

router = APIRouter(prefix="/api/v1/oauth", tags=["OAuth"], route_class=DecimalJsonRoute)

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_CHALLENGE = {"WWW-Authenticate": 'Basic realm="invoicery"'}
_BEARER = "Bearer"
_OAUTH_CODES = frozenset(code.value for code in OAuthErrorCode)
_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": OAuthErrorResponse, "description": "Invalid request (RFC 6749 §5.2)"},
    401: {"model": OAuthErrorResponse, "description": "Client authentication failed"},
}


def render_oauth_error(error: ApiError) -> Response:
    """An `OAuthErrorResponse` for a 400 or 401 (a 422 is a 400), a `RestErrorResponse`
    for any other status; never cached."""
    status = 400 if error.status == 422 else error.status
    headers = {**error.headers, **_NO_STORE}
    if status not in (400, 401):
        rest = render_rest_error(error)
        return JsonResponse(orjson.loads(rest.body), status_code=rest.status_code, headers=headers)
    code = error.code if error.code in _OAUTH_CODES else OAuthErrorCode.INVALID_REQUEST.value
    body = {"error": code, "error_description": error.message}
    if error.request_id is not None:
        body["request_id"] = error.request_id
    return JsonResponse(body, status_code=status, headers=headers)


def _refusal(request: Request, error: OAuthError) -> Response:
    invalid_client = error.code is GrantError.INVALID_CLIENT
    status, headers = (401, _CHALLENGE) if invalid_client else (400, {})
    rid = request_id.of_scope(request.scope)
    return render_oauth_error(
        ApiError(status, error.code.value, error.description, headers=headers, request_id=rid)
    )


async def _client(request: Request, db: Database) -> tuple[ClientRecord, str]:
    """The authenticated client of an introspection or revocation, and the token it names."""
    asked = await client_request(request)
    client = await tokens.authenticate_client(
        db, client_id=asked.client_id, client_secret=asked.client_secret
    )
    token = asked.form.get("token")
    if not token:
        raise OAuthError(GrantError.INVALID_REQUEST, "token is required")
    return client, str(token)


@router.post(
    "/token",
    operation_id="token",
    summary="Exchange tokens",
    description=(
        "OAuth 2.0 token endpoint: the client credentials grant (RFC 6749 §4.4).\n\n"
        "Authenticate via HTTP Basic auth (`client_id:client_secret`) or body parameters."
    ),
    response_model=TokenResponse,
    responses=_ERRORS,
    openapi_extra=form_body(TokenRequest),
)
async def token(request: Request, db: DatabaseDep) -> Response:
    """An access token for the client's credentials, with the scopes it asks for."""
    try:
        grant = await client_credentials_grant(request, db)
    except OAuthError as error:
        return _refusal(request, error)
    body = TokenResponse(
        access_token=grant.access_token,
        token_type=_BEARER,
        expires_in=grant.expires_in,
        scope=grant.scope,
    )
    return JsonResponse(body.model_dump(exclude_none=True), headers=_NO_STORE)


@router.post(
    "/introspect",
    operation_id="introspect",
    summary="Introspect token",
    description=(
        "Token introspection endpoint (RFC 7662). Requires client credentials via HTTP Basic "
        "auth (or body parameters). A token that is unknown, expired, revoked or of another "
        'account is `{"active": false}`.'
    ),
    response_model=TokenIntrospectionResponse,
    response_model_exclude_none=True,
    responses=_ERRORS,
    openapi_extra=form_body(IntrospectionRequest),
)
async def introspect(request: Request, db: DatabaseDep) -> Response:
    """Whether a token is live and, if it is one of the account's, what it grants."""
    try:
        client, token = await _client(request, db)
    except OAuthError as error:
        return _refusal(request, error)
    info = await introspection.introspect(db, client=client, token=token)
    body = TokenIntrospectionResponse(active=False)
    if info is not None:
        client_id = ids.encode(ids.CLIENT, info.client_id)
        body = TokenIntrospectionResponse(
            active=True,
            client_id=client_id,
            exp=int(info.expires_at.timestamp()) if info.expires_at is not None else None,
            scope=" ".join(info.scopes),
            sub=client_id,
            token_type=_BEARER,
        )
    return JsonResponse(body.model_dump(exclude_none=True), headers=_NO_STORE)


@router.post(
    "/revoke",
    operation_id="revoke",
    summary="Revoke token",
    description=(
        "Token revocation endpoint (RFC 7009). Always returns 200 per spec, whether or not "
        "the token was one of the client's own. Requires client credentials via HTTP Basic "
        "auth (or body parameters)."
    ),
    response_class=Response,
    responses={
        200: {"description": "Revoked, or not a live token of this client"},
        **_ERRORS,
    },
    openapi_extra=form_body(RevocationRequest),
)
async def revoke(request: Request, db: DatabaseDep) -> Response:
    """Revoke one of the client's own tokens: it stops working at once on every server."""
    try:
        client, token = await _client(request, db)
    except OAuthError as error:
        return _refusal(request, error)
    await introspection.revoke(db, client=client, token=token)
    return Response(status_code=200, headers=_NO_STORE)
