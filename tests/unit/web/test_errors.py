"""Every domain error maps to one HTTP status in the one place that maps them."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from starlette.responses import JSONResponse, Response

from invoicery.domain.errors import (
    BadRequest,
    Conflict,
    InvalidInput,
    InvalidState,
    InvoiceryError,
    NotFound,
    PayloadTooLarge,
    TooManyAttempts,
)
from invoicery.web.errors import ApiError, install_error_handlers


def _plain(error: ApiError) -> Response:
    body = {"code": error.code, "message": error.message, "fields": dict(error.fields)}
    return JSONResponse(body, status_code=error.status, headers=dict(error.headers))


def _app_raising(error: InvoiceryError) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app, {"/": _plain})

    @app.get("/fail")
    async def fail() -> None:
        raise error

    return app


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (NotFound("no such invoice"), 404, "not_found"),
        (BadRequest("bad cursor", {"after": "malformed"}), 400, "bad_request"),
        (InvalidInput("invalid", {"currency": "unknown"}), 422, "validation_error"),
        (InvalidState("archived"), 400, "invalid_state"),
        (Conflict("alias taken"), 409, "conflict"),
        (PayloadTooLarge("too big"), 413, "payload_too_large"),
        (TooManyAttempts("slow down", retry_after=60), 429, "too_many_requests"),
    ],
)
async def test_domain_errors_map_to_their_status(
    error: InvoiceryError, status: int, code: str
) -> None:
    transport = httpx.ASGITransport(app=_app_raising(error))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/fail")
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert response.json()["message"] == error.message
    if isinstance(error, InvalidInput):
        assert response.json()["fields"] == error.fields
    if isinstance(error, TooManyAttempts):
        assert response.headers["retry-after"] == "60"
