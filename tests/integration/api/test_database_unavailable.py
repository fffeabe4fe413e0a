"""A database that cannot serve answers 503 with Retry-After in each face's format, never 500.

The app runs in-process: once against a PostgreSQL URL whose port nobody listens on (every
request that touches the database fails to connect), once on SQLite with another
connection holding the write lock past a short busy timeout.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from invoicery.app import create_app
from invoicery.config import Settings
from invoicery.domain import ids
from invoicery.store.database import Database
from tests.support.builders import customer_body
from tests.support.server import free_port
from tests.support.tenant import basic_auth, new_tenant

PUBLIC_URL = "http://testserver"
PAGE_TOKEN = "A" * 43  # well formed, so the page looks it up
CLIENT_ID = ids.encode(ids.CLIENT, ids.new_uuid7())  # well formed, so the token endpoint too


def _assert_unavailable(response: httpx.Response) -> None:
    where = f"{response.request.method} {response.request.url.path}: {response.text[:200]}"
    assert response.status_code == 503, where
    assert response.headers["Retry-After"] == "1", where


def _assert_ap_body(response: httpx.Response) -> None:
    _assert_unavailable(response)
    assert response.json() == {
        "code": "service_unavailable",
        "message": "the database is unavailable; try again shortly",
        "request_id": response.headers["X-Request-Id"],
    }


def _assert_v1_body(response: httpx.Response) -> None:
    _assert_unavailable(response)
    assert response.json() == {
        "code": "SERVICE_UNAVAILABLE",
        "message": "the database is unavailable; try again shortly",
        "request_id": response.headers["X-Request-Id"],
    }


@pytest.fixture
async def closed_port_http(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The app over a PostgreSQL URL whose port is closed."""
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/invoicery"
    settings = Settings(database_url=url, public_url=PUBLIC_URL, data_dir=tmp_path)
    db = Database(url, pool_size=1)
    app = create_app(settings, database=db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as http:
        yield http
    await db.dispose()


async def test_a_refused_database_connection_is_503_on_the_ap_face(
    closed_port_http: httpx.AsyncClient,
) -> None:
    bearer = {"Authorization": "Bearer " + "t" * 40}
    _assert_ap_body(await closed_port_http.get("/invoices", headers=bearer))
    _assert_ap_body(
        await closed_port_http.get("/invoices/inv_01m8n3txypex5r00308g07sbyb", headers=bearer)
    )
    _assert_ap_body(await closed_port_http.post("/customers", json=customer_body(), headers=bearer))
    token = await closed_port_http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": basic_auth(CLIENT_ID, "secret")},
    )
    _assert_unavailable(token)
    assert token.json()["error"] == "temporarily_unavailable"  # RFC 6749's name for it
    assert token.json()["code"] == "service_unavailable"


async def test_a_refused_database_connection_is_503_on_the_v1_face(
    closed_port_http: httpx.AsyncClient,
) -> None:
    bearer = {"Authorization": "Bearer " + "t" * 40}
    _assert_v1_body(await closed_port_http.get("/api/v1/invoices", headers=bearer))
    _assert_v1_body(await closed_port_http.get("/api/v1/customers/acme", headers=bearer))


async def test_a_refused_database_connection_is_503_on_the_hosted_page(
    closed_port_http: httpx.AsyncClient,
) -> None:
    response = await closed_port_http.get(f"/pay/{PAGE_TOKEN}")
    _assert_unavailable(response)
    assert response.headers["content-type"].startswith("text/html")
    assert "Temporarily unavailable" in response.text
    assert "Content-Security-Policy" in response.headers


async def test_a_sqlite_write_lock_held_past_the_busy_timeout_is_503(
    sqlite_url: str, tmp_path: Path
) -> None:
    settings = Settings(database_url=sqlite_url, public_url=PUBLIC_URL, data_dir=tmp_path)
    db = Database(sqlite_url, busy_timeout=0.05)
    transport = httpx.ASGITransport(app=create_app(settings, database=db))
    holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as http:
            tenant = await new_tenant(db, http)
            headers = await tenant.headers()
            holder.execute("BEGIN IMMEDIATE")
            _assert_ap_body(await http.post("/customers", json=customer_body(), headers=headers))
            v1_customer = {
                "name": "Acme GmbH",
                "currency": "EUR",
                "invoicing_emails": [],
                "custom_taxes": [],
            }
            _assert_v1_body(await http.post("/api/v1/customers", json=v1_customer, headers=headers))
            assert (await http.get("/invoices", headers=headers)).status_code == 200  # reads go on
            holder.execute("ROLLBACK")
            created = await http.post("/customers", json=customer_body(), headers=headers)
            assert created.status_code == 201, created.text
    finally:
        holder.close()
        await db.dispose()
