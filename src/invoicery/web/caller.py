"""The caller behind a request's bearer token, looked up at most once per request.

Whatever acts per caller before the route runs (idempotency keys, rate limits) and the
routes' own `authenticated_principal` share one lookup: the first to ask keeps the
answer in the ASGI scope's state.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import Scope

from invoicery.auth.principals import PrincipalCache
from invoicery.auth.tokens import Principal, authenticate
from invoicery.store.database import Database

__all__ = ["bearer_token", "caller_of", "known_caller"]

_STATE_KEY = "invoicery.principal"


def bearer_token(authorization: str | None) -> str | None:
    """The token of a ``Bearer <token>`` Authorization header; None if absent or malformed."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


async def caller_of(
    scope: Scope, db: Database, cache: PrincipalCache | None = None
) -> Principal | None:
    """The live principal behind the request's bearer token, or None; looked up once
    (in `cache` first, when given: see `auth.principals`)."""
    state = scope.setdefault("state", {})
    if _STATE_KEY not in state:
        token = bearer_token(Headers(scope=scope).get("authorization"))
        state[_STATE_KEY] = await authenticate(db, token, cache) if token is not None else None
    found: Principal | None = state[_STATE_KEY]
    return found


def known_caller(scope: Scope) -> Principal | None:
    """The principal `caller_of` found for this request, without looking it up."""
    found: Principal | None = scope.get("state", {}).get(_STATE_KEY)
    return found
