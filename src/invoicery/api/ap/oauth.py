"""`POST /oauth/token`: the OAuth2 client credentials grant (RFC 6749 §4.4, errors §5.2)."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any
from urllib.parse import unquote_plus

from fastapi import APIRouter, Request
from starlette.responses import Response

from invoicery.api.hot import HotRoute, hot
from invoicery.api.json import JsonResponse
from invoicery.auth.tokens import OAuthError, OAuthErrorCode, issue_token
from invoicery.store.database import Database
from invoicery.web.deps import DatabaseDep, get_db
from invoicery.web.errors import ApiError
from invoicery.web.rate_limit import TokenGuard

__all__ = ["render_token_error", "router"]

# A hot route (`api.hot`) whose fast path answers every request: FastAPI's handler
# would only solve the database dependency (0.02 ms of CPU per request).
router = APIRouter(tags=["OAuth"], route_class=HotRoute)

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_FORM = "application/x-www-form-urlencoded"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# A body of plain `name=value` pairs, as every client sends: split here, as Starlette's
# parser would split it (0.02 ms of CPU less); anything else goes through that parser.
_PAIR = rb"[A-Za-z0-9_.~%+*-]+=[A-Za-z0-9_.~%+*-]*"
_PLAIN_FORM = re.compile(rb"%s(?:&%s)*" % (_PAIR, _PAIR))
_MAX_PLAIN_FIELDS = 1000  # Starlette's limit: more go to its parser, which refuses them


def _error(error: OAuthError) -> Response:
    headers = dict(_NO_STORE)
    status = 400
    if error.code is OAuthErrorCode.INVALID_CLIENT:
        status = 401
        headers["WWW-Authenticate"] = 'Basic realm="invoicery"'
    body = {
        "error": error.code.value,
        "error_description": error.description,
        "code": error.code.value,
        "message": error.description,
    }
    return JsonResponse(body, status_code=status, headers=headers)


def render_token_error(error: ApiError) -> Response:
    """A failure outside the grant's own checks (text policy, body limits, an outage).

    The body has RFC 6749 §5.2's `error` and `error_description` beside the AP face's
    `code` and `message`, like the grant's own errors. A malformed body is a 400
    `invalid_request`, as §5.2 wants; other statuses (404, 405, 408, 413, 503) keep
    their meaning and headers.
    """
    status = 400 if error.status == 422 else error.status
    rfc_code = "invalid_request"
    if status == 503:
        rfc_code = "temporarily_unavailable"
    elif status >= 500:
        rfc_code = "server_error"
    body = {
        "error": rfc_code,
        "error_description": error.message,
        "code": rfc_code if status == 400 else error.code,
        "message": error.message,
    }
    return JsonResponse(body, status_code=status, headers={**_NO_STORE, **error.headers})


def _basic_credentials(header: str) -> tuple[str, str]:
    """Client id and secret from an HTTP Basic header (each form-urlencoded, §2.3.1).

    Neither may hold a control character (RFC 7617 §2), encoded or not: no client has
    one, and a NUL is text PostgreSQL cannot even compare.
    """
    malformed = OAuthError(OAuthErrorCode.INVALID_CLIENT, "malformed HTTP Basic credentials")
    try:
        decoded = base64.b64decode(header.split(" ", 1)[1].strip(), validate=True).decode()
    except (IndexError, binascii.Error, UnicodeDecodeError):
        raise malformed from None
    client_id, sep, secret = decoded.partition(":")
    client_id, secret = unquote_plus(client_id), unquote_plus(secret)
    if not sep or _CONTROL.search(client_id) or _CONTROL.search(secret):
        raise malformed
    return client_id, secret


async def _form(request: Request) -> dict[str, Any]:
    """The urlencoded body's fields, the last value of each, as `request.form()` gives them."""
    body = await request.body()
    if _PLAIN_FORM.fullmatch(body) and body.count(b"&") < _MAX_PLAIN_FIELDS:
        pairs = (pair.partition(b"=") for pair in body.split(b"&"))
        return {
            unquote_plus(name.decode("latin-1")): unquote_plus(value.decode("latin-1"))
            for name, _, value in pairs
        }
    return dict(await request.form())


def _credentials(request: Request, form: dict[str, Any]) -> tuple[str, str]:
    header = request.headers.get("authorization", "")
    in_body = "client_id" in form or "client_secret" in form
    if header.lower().startswith("basic "):
        if in_body:
            raise OAuthError(
                OAuthErrorCode.INVALID_REQUEST, "use only one client authentication method"
            )
        return _basic_credentials(header)
    if in_body:
        return str(form.get("client_id", "")), str(form.get("client_secret", ""))
    raise OAuthError(OAuthErrorCode.INVALID_CLIENT, "client authentication is required")


async def _token_fast(request: Request) -> Response:
    """The endpoint, with its one dependency got as FastAPI would get it."""
    return await _token(request, await get_db(request))


@router.post(
    "/oauth/token",
    operation_id="createToken",
    summary="Get an access token (client credentials)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                _FORM: {
                    "schema": {
                        "type": "object",
                        "required": ["grant_type"],
                        "properties": {
                            "grant_type": {"type": "string", "enum": ["client_credentials"]},
                            "scope": {"type": "string"},
                            "client_id": {"type": "string"},
                            "client_secret": {"type": "string"},
                        },
                    }
                }
            },
        }
    },
)
@hot(_token_fast)
async def token(request: Request, db: DatabaseDep) -> Response:
    """Exchange client credentials for a bearer token valid for one hour."""
    return await _token(request, db)


async def _token(request: Request, db: Database) -> Response:
    guard: TokenGuard = request.app.state.token_guard
    address = request.client.host if request.client else "unknown"
    # The address is counted first and the client id it names next, in one round trip:
    # whatever fails before a client id is read is counted against the address alone,
    # and a refusal for the address comes before any other answer.
    try:
        if request.headers.get("content-type", "").split(";")[0].strip() != _FORM:
            raise OAuthError(OAuthErrorCode.INVALID_REQUEST, f"the request body must be {_FORM}")
        form = await _form(request)
        grant_type = form.get("grant_type")
        client_id, client_secret = _credentials(request, form)
    except OAuthError as error:
        await guard.check(address, None)
        return _error(error)
    except Exception:  # the body could not be read: too large, too slow, unstorable text
        await guard.check(address, None)
        raise
    await guard.check(address, client_id)
    try:
        if not grant_type:
            raise OAuthError(OAuthErrorCode.INVALID_REQUEST, "grant_type is required")
        if grant_type != "client_credentials":
            raise OAuthError(
                OAuthErrorCode.UNSUPPORTED_GRANT_TYPE, "only client_credentials is supported"
            )
        scope = form.get("scope")
        grant = await issue_token(
            db,
            client_id=client_id,
            client_secret=client_secret,
            requested_scope=str(scope) if scope is not None else None,
            ttl_seconds=request.app.state.settings.token_ttl_seconds,
        )
    except OAuthError as error:
        return _error(error)
    body: dict[str, Any] = {
        "access_token": grant.access_token,
        "token_type": "Bearer",
        "expires_in": grant.expires_in,
    }
    if grant.scope is not None:
        body["scope"] = grant.scope
    return JsonResponse(body, headers=_NO_STORE)
