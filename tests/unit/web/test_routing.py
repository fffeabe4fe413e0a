"""A route whose author forgot the scope alias still needs a token; public routers opt out."""

from __future__ import annotations

import httpx
import pytest
from fastapi import APIRouter, FastAPI

from invoicery.api.ap.errors import render_http_error
from invoicery.web.errors import install_error_handlers
from invoicery.web.routing import include_routers


def _router() -> APIRouter:
    router = APIRouter()

    @router.get("/forgotten")
    async def forgotten() -> dict[str, str]:
        return {"served": "yes"}

    return router


async def _get(app: FastAPI) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get("/forgotten")


def _app(router: APIRouter, *, public: bool) -> FastAPI:
    app = FastAPI()
    app.state.db = None  # a request without a token is refused before any lookup
    install_error_handlers(app, {"/": render_http_error})
    include_routers(app, [router], public=[router] if public else [])
    return app


async def test_a_route_without_a_scope_alias_needs_a_token() -> None:
    response = await _get(_app(_router(), public=False))
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert response.headers["www-authenticate"] == 'Bearer realm="invoicery"'


async def test_a_public_router_is_served_without_a_token() -> None:
    response = await _get(_app(_router(), public=True))
    assert response.status_code == 200
    assert response.json() == {"served": "yes"}


def test_a_public_router_must_be_one_that_is_served() -> None:
    with pytest.raises(ValueError, match="not among those served"):
        include_routers(FastAPI(), [_router()], public=[_router()])
