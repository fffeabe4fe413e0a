"""Authentication is on by default: every route the app serves needs a bearer token.

The walk covers every route of both faces and every method it serves, so a route added
without a scope alias is caught here as surely as one added to a public router.
"""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI
from fastapi.routing import RouteContext, iter_route_contexts

# The whole list of what answers without a bearer token, each on its own authority.
PUBLIC_PATHS = {
    "/oauth/token",  # client credentials
    "/api/v1/oauth/token",
    "/api/v1/oauth/introspect",
    "/api/v1/oauth/revoke",
    "/downloads/{account_id}/{invoice_id}.pdf",  # a signed link
    "/downloads/{account_id}/{invoice_id}.xml",  # a signed link (e-invoice)
    "/pay/{token}",  # an unguessable page token
    "/pay/{token}/card",
    "/pay/{token}/bank",
    "/portal/{token}",  # a signed, expiring portal token
    "/portal/{token}/pay/{invoice_id}",
    "/openapi.json",  # the published documents and their docs pages
    "/docs",
    "/docs/oauth2-redirect",
    "/redoc",
    "/api/v1/openapi.json",
    "/api/v1/docs",
    "/health",  # the operator's probes and metrics scraper (no tenant data)
    "/ready",
    "/metrics",
}


def _routes(app: FastAPI) -> list[RouteContext]:
    """Every route served, those of included routers too, with its full path."""
    return [route for route in iter_route_contexts(app.routes) if route.path is not None]


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x", path)


async def test_every_route_but_the_public_ones_is_401_without_a_token(
    app: FastAPI, http: httpx.AsyncClient
) -> None:
    checked, failures = 0, []
    for route in _routes(app):
        assert route.path is not None
        if route.path in PUBLIC_PATHS:
            continue
        for method in sorted(route.methods or ()):
            response = await http.request(method, _concrete(route.path))
            checked += 1
            v1 = route.path.startswith("/api/v1/")
            body = response.json()
            if (
                response.status_code != 401
                or body.get("code") != ("UNAUTHORIZED" if v1 else "unauthorized")
                or not body.get("message")
                or response.headers.get("www-authenticate") != 'Bearer realm="invoicery"'
            ):
                failures.append(f"{method} {route.path}: {response.status_code} {body}")
    assert failures == []
    assert checked >= 30  # both faces: every invoice, customer, coupon and credit route


async def test_the_public_routes_are_served_and_ask_no_token(
    app: FastAPI, http: httpx.AsyncClient
) -> None:
    served = {route.path: route for route in _routes(app)}
    assert set(served) >= PUBLIC_PATHS
    for path in sorted(PUBLIC_PATHS):
        for method in sorted((served[path].methods or set()) - {"HEAD"}):
            response = await http.request(method, _concrete(path))
            assert response.status_code != 401, (method, path)
            assert "www-authenticate" not in response.headers, (method, path)
