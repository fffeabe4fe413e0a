"""The HTTP edge on both faces: no Host-built redirects, full `Allow`, slow bodies, odd auth.

A real server's share of these (a body trickled over a socket, control characters the
server refuses itself) is in tests/e2e/test_http_edge.py.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from invoicery.api.billing.errors import render_rest_error
from invoicery.app import create_app
from invoicery.config import Settings
from invoicery.store.database import Database
from invoicery.web.errors import ApiError
from tests.conftest import PUBLIC_URL, conformance_check
from tests.integration.api.billing.v1 import API, assert_rest_error
from tests.support.builders import customer_body
from tests.support.tenant import Tenant

EVIL = {"Host": "evil.example"}
INV = "inv_01jm0000000000000000000000"
CUS = "cus_01jm0000000000000000000000"


def assert_face_error(response: httpx.Response, status: int, code: str) -> None:
    """The response is an error body of its face, {code, message}, with this status and code.

    Codes the seed spec's `ErrorCode` enum lacks (405, 408, 413 on billing v1) are
    checked by shape here instead of against the enum.
    """
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["message"], str)
    assert body["message"]


# --- 1. A trailing slash is a 404, never a redirect built from the Host header ---


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/invoices/", "not_found"),
        (f"/invoices/{INV}/", "not_found"),
        ("/oauth/token/", "not_found"),
        (f"{API}/invoices/", "NOT_FOUND"),
        (f"{API}/customers/{CUS}/", "NOT_FOUND"),
    ],
)
async def test_a_trailing_slash_is_not_found_whatever_the_host(
    tenant: Tenant, path: str, code: str
) -> None:
    response = await tenant.request("GET", path, headers=EVIL)
    assert "location" not in response.headers
    assert_face_error(response, 404, code)


async def test_a_trailing_slash_on_a_payment_page_is_a_page_404(http: httpx.AsyncClient) -> None:
    response = await http.get("/pay/some-token/", headers=EVIL)
    assert response.status_code == 404
    assert "location" not in response.headers
    assert response.headers["content-type"].startswith("text/html")


async def test_a_signed_link_with_a_trailing_slash_does_not_redirect_elsewhere(
    tenant: Tenant,
) -> None:
    invoice = await tenant.invoice()
    link = await tenant.request("GET", f"/invoices/{invoice['id']}/pdf-link")
    parts = urlsplit(link.json()["url"])
    signed = f"{parts.path}?{parts.query}"
    assert (await tenant.http.get(signed)).status_code == 200

    response = await tenant.http.get(f"{parts.path}/?{parts.query}", headers=EVIL)

    assert "location" not in response.headers
    assert_face_error(response, 404, "not_found")
    assert "sig=" not in response.text


# --- 5. A 405 lists every method served at the path, across routes ---


@pytest.mark.parametrize(
    ("method", "path", "allowed", "code"),
    [
        ("OPTIONS", f"{API}/coupons", {"GET", "POST"}, "METHOD_NOT_ALLOWED"),
        ("DELETE", f"{API}/invoices", {"GET", "POST"}, "METHOD_NOT_ALLOWED"),
        ("POST", f"{API}/customers/{CUS}", {"GET", "PUT", "PATCH", "DELETE"}, "METHOD_NOT_ALLOWED"),
        ("PUT", f"{API}/invoices/{INV}", {"GET", "PATCH"}, "METHOD_NOT_ALLOWED"),
        ("OPTIONS", "/invoices", {"GET", "POST"}, "method_not_allowed"),
        ("PATCH", "/customers", {"GET", "POST"}, "method_not_allowed"),
        ("PUT", f"/invoices/{INV}", {"GET", "DELETE"}, "method_not_allowed"),
        ("GET", "/oauth/token", {"POST"}, "method_not_allowed"),
    ],
)
async def test_a_405_allows_every_method_served_at_the_path(
    http: httpx.AsyncClient, method: str, path: str, allowed: set[str], code: str
) -> None:
    response = await http.request(method, path)
    assert_face_error(response, 405, code)
    assert {m.strip() for m in response.headers["allow"].split(",")} == allowed
    for other in allowed - {"HEAD"}:
        served = await http.request(other, path)
        assert served.status_code != 405, f"{other} {path}"


# --- 4. Billing v1 names each status by its own code ---


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, "BAD_REQUEST"),
        (405, "METHOD_NOT_ALLOWED"),
        (408, "REQUEST_TIMEOUT"),
        (413, "PAYLOAD_TOO_LARGE"),
        (415, "UNSUPPORTED_MEDIA_TYPE"),
        (429, "TOO_MANY_REQUESTS"),
        (503, "SERVICE_UNAVAILABLE"),
        (418, "BAD_REQUEST"),
        (502, "INTERNAL_SERVER_ERROR"),
    ],
)
def test_billing_v1_codes_follow_the_status(status: int, code: str) -> None:
    response = render_rest_error(ApiError(status, "whatever", "it failed", {}, {"X-A": "b"}))
    assert response.status_code == status
    assert response.body == f'{{"code":"{code}","message":"it failed"}}'.encode()
    assert response.headers["x-a"] == "b"


async def test_an_unprocessable_body_is_still_a_400_bad_request_on_billing_v1(
    tenant: Tenant,
) -> None:
    response = await tenant.request("POST", f"{API}/customers", json={"name": 5})
    assert_rest_error(response, 400, "BAD_REQUEST")


async def test_a_body_over_the_limit_is_payload_too_large_on_billing_v1(tenant: Tenant) -> None:
    big = {"name": "x" * (2 * 1024 * 1024)}
    response = await tenant.request("POST", f"{API}/customers", json=big)
    assert_face_error(response, 413, "PAYLOAD_TOO_LARGE")


# --- 2. A body that does not arrive in time is a 408, and the connection is let go ---


@pytest.fixture
async def impatient(settings: Settings, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app that waits 0.2 s for a request body."""
    app = create_app(settings.model_copy(update={"body_timeout_seconds": 0.2}), database=db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport,
        base_url=PUBLIC_URL,
        event_hooks={"response": [conformance_check(transport)]},
    ) as client:
        yield client


async def _stalled_body() -> AsyncIterator[bytes]:
    yield b'{"name": "'
    await asyncio.sleep(30)
    yield b'slow"}'


@pytest.mark.parametrize(
    ("path", "code"), [("/customers", "request_timeout"), (f"{API}/customers", "REQUEST_TIMEOUT")]
)
async def test_a_stalled_body_is_a_408_that_closes_the_connection(
    impatient: httpx.AsyncClient, tenant: Tenant, path: str, code: str
) -> None:
    headers = {**await tenant.headers(), "Content-Type": "application/json"}
    started = asyncio.get_running_loop().time()
    response = await impatient.post(path, content=_stalled_body(), headers=headers)
    assert asyncio.get_running_loop().time() - started < 5
    assert_face_error(response, 408, code)
    assert response.headers["connection"] == "close"


async def test_a_body_in_time_is_served_by_the_impatient_app(
    impatient: httpx.AsyncClient, tenant: Tenant
) -> None:
    headers = await tenant.headers()
    response = await impatient.post("/customers", json=customer_body(), headers=headers)
    assert response.status_code == 201, response.text


# --- 3. Control characters in credentials are an authentication failure, never a 500 ---

_CONTROL_TOKENS = ["Bearer a\x00b", "Bearer \x01", "Bearer ok\x7f", "Basic \x00", "\x1b[0m"]


@pytest.mark.parametrize("authorization", _CONTROL_TOKENS)
@pytest.mark.parametrize(
    ("path", "code"), [("/invoices", "unauthorized"), (f"{API}/invoices", "UNAUTHORIZED")]
)
async def test_control_characters_in_authorization_are_a_401(
    http: httpx.AsyncClient, authorization: str, path: str, code: str
) -> None:
    response = await http.get(path, headers={"Authorization": authorization})
    assert_face_error(response, 401, code)
    assert response.headers["www-authenticate"].startswith('Bearer realm="invoicery"')


def _basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


@pytest.mark.parametrize(
    "credentials",
    [
        ("{id}\x00", "{secret}"),
        ("{id}", "{secret}\x00"),
        ("{id}%00", "{secret}"),
        ("{id}", "%00{secret}"),
        ("\x00", "\x00"),
        ("{id}", "{secret}\x1f"),
        ("{id}\x7f", "{secret}"),
    ],
)
async def test_control_characters_in_basic_credentials_are_invalid_client(
    tenant: Tenant, credentials: tuple[str, str]
) -> None:
    client_id, secret = (
        part.format(id=tenant.client.client_id, secret=tenant.client.client_secret)
        for part in credentials
    )
    response = await tenant.http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": _basic(client_id, secret)},
    )
    assert response.status_code == 401, response.text
    body: dict[str, Any] = response.json()
    assert body["error"] == "invalid_client"
    assert response.headers["www-authenticate"] == 'Basic realm="invoicery"'
    assert response.headers["cache-control"] == "no-store"
