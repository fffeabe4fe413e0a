"""Shared web dependencies: the database, bearer-token authentication and scope checks."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.openapi.models import OAuthFlowClientCredentials, OAuthFlows
from fastapi.security import OAuth2, SecurityScopes

from invoicery.auth.scopes import Scope
from invoicery.auth.tokens import Principal, authenticate
from invoicery.store.database import Database
from invoicery.web.errors import AuthError

__all__ = [
    "CustomersRead",
    "CustomersWrite",
    "DatabaseDep",
    "InvoicesRead",
    "InvoicesWrite",
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


def _bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise AuthError(401, "an access token is required", _REALM)
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise AuthError(
            401,
            "the Authorization header must be 'Bearer <token>'",
            f'{_REALM}, error="invalid_request"',
        )
    return token


async def current_principal(
    security_scopes: SecurityScopes,
    db: DatabaseDep,
    authorization: Annotated[str | None, Depends(oauth2_scheme)],
) -> Principal:
    """The caller behind the bearer token, holding every scope the endpoint requires."""
    principal = await authenticate(db, _bearer_token(authorization))
    if principal is None:
        raise AuthError(
            401,
            "the access token is invalid, expired or revoked",
            f'{_REALM}, error="invalid_token"',
        )
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
