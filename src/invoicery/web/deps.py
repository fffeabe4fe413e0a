"""Dependencies every web adapter shares: the database, and the caller behind a bearer token.

A request authenticates once:

- `authenticated_principal` looks the bearer token up (401 unless it is live). Every
  router that is not public runs it for each of its routes (see `invoicery.web.routing`).
- The scope aliases (`InvoicesRead`…) run `current_principal`, which checks their scopes
  (403) on the principal already found. FastAPI caches a dependency per request by its
  callable, and by its scopes only if it uses some; `authenticated_principal` uses none
  (it reads the Authorization header itself, not through `oauth2_scheme`), so under any
  alias it is the same cached call. The aliases depend on `oauth2_scheme` only so that
  the OpenAPI documents name their scopes.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.openapi.models import OAuthFlowClientCredentials, OAuthFlows
from fastapi.params import Depends as DependsParam
from fastapi.security import OAuth2, SecurityScopes

from invoicery.auth.scopes import Scope
from invoicery.auth.tokens import Principal
from invoicery.store.database import Database
from invoicery.web.caller import bearer_token, caller_of
from invoicery.web.errors import AuthError

__all__ = [
    "AUTHENTICATED",
    "CustomersRead",
    "CustomersWrite",
    "DatabaseDep",
    "InvoicesRead",
    "InvoicesWrite",
    "WebhooksRead",
    "WebhooksWrite",
    "authenticated_principal",
    "current_principal",
    "get_db",
    "oauth2_scheme",
]

_REALM = 'Bearer realm="invoicery"'

oauth2_scheme = OAuth2(
    flows=OAuthFlows(
        clientCredentials=OAuthFlowClientCredentials(
            tokenUrl="/oauth/token",
            scopes={scope.value: scope.name.replace("_", " ").lower() for scope in Scope},
        )
    ),
    scheme_name="OAuth2ClientCredentials",
    auto_error=False,
)


async def get_db(request: Request) -> Database:
    """The application's database (async, so FastAPI does not hop to a thread for it)."""
    db: Database = request.app.state.db
    return db


DatabaseDep = Annotated[Database, Depends(get_db)]


async def authenticated_principal(request: Request, db: DatabaseDep) -> Principal:
    """The caller behind the request's bearer token; 401 unless the token is live."""
    authorization = request.headers.get("authorization")
    if not authorization:
        raise AuthError(401, "an access token is required", _REALM)
    if bearer_token(authorization) is None:
        raise AuthError(
            401,
            "the Authorization header must be 'Bearer <token>'",
            f'{_REALM}, error="invalid_request"',
        )
    principal = await caller_of(request.scope, db, getattr(request.app.state, "principals", None))
    if principal is None:
        raise AuthError(
            401,
            "the access token is invalid, expired or revoked",
            f'{_REALM}, error="invalid_token"',
        )
    return principal


AUTHENTICATED: DependsParam = Depends(authenticated_principal)
"""The router-level dependency that makes every route of a router require a bearer token."""


async def current_principal(
    security_scopes: SecurityScopes,
    principal: Annotated[Principal, Depends(authenticated_principal)],
    _documented: Annotated[str | None, Depends(oauth2_scheme)],
) -> Principal:
    """The authenticated caller, holding every scope the endpoint requires (403 if not)."""
    missing = [scope for scope in security_scopes.scopes if scope not in principal.scopes]
    if missing:
        raise AuthError(
            403,
            f"the access token lacks the scope {' '.join(missing)}",
            f'{_REALM}, error="insufficient_scope", scope="{security_scopes.scope_str}"',
        )
    return principal


InvoicesRead = Annotated[Principal, Security(current_principal, scopes=[Scope.INVOICES_READ])]
InvoicesWrite = Annotated[Principal, Security(current_principal, scopes=[Scope.INVOICES_WRITE])]
CustomersRead = Annotated[Principal, Security(current_principal, scopes=[Scope.CUSTOMERS_READ])]
CustomersWrite = Annotated[Principal, Security(current_principal, scopes=[Scope.CUSTOMERS_WRITE])]
WebhooksRead = Annotated[Principal, Security(current_principal, scopes=[Scope.WEBHOOKS_READ])]
WebhooksWrite = Annotated[Principal, Security(current_principal, scopes=[Scope.WEBHOOKS_WRITE])]
