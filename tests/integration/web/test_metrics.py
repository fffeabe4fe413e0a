"""GET /metrics: off unless configured; route templates, queues, and no tenant data."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from invoicery.app import create_app
from invoicery.config import Settings
from invoicery.store.database import Database
from tests.conftest import PUBLIC_URL
from tests.support.tenant import Tenant, new_tenant


@pytest.fixture
async def metered(settings: Settings, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app with INVOICERY_METRICS=true."""
    app: FastAPI = create_app(settings.model_copy(update={"metrics": True}), database=db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as client:
        yield client


def _sample(text: str, name: str, **labels: str) -> float | None:
    """The value of the sample `name` whose labels include `labels`, if there is one."""
    for line in text.splitlines():
        match = re.fullmatch(rf"{name}(?:\{{(.*)\}})? (\S+)", line)
        found = match.group(1) or "" if match else ""
        if match and all(f'{key}="{value}"' in found for key, value in labels.items()):
            return float(match.group(2))
    return None


async def test_metrics_are_off_by_default(http: httpx.AsyncClient) -> None:
    response = await http.get("/metrics")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


async def test_requests_are_counted_by_route_template_with_no_ids(
    db: Database, metered: httpx.AsyncClient
) -> None:
    tenant: Tenant = await new_tenant(db, metered)
    invoice = await tenant.invoice()
    route = {"method": "GET", "route": "/invoices/{id}", "status": "200"}
    before = _sample((await metered.get("/metrics")).text, "invoicery_http_requests_total", **route)
    for _ in range(3):
        assert (await tenant.request("GET", f"/invoices/{invoice['id']}")).status_code == 200
    assert (await metered.get(f"/invoices/{invoice['id']}")).status_code == 401

    response = await metered.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    after = _sample(text, "invoicery_http_requests_total", **route)
    assert after == (before or 0) + 3
    assert _sample(text, "invoicery_http_requests_total", route="/invoices/{id}", status="401")
    assert _sample(text, "invoicery_http_request_duration_seconds_count", route="/invoices/{id}")
    assert _sample(text, "invoicery_http_requests_total", route="/oauth/token", status="200")
    for private in (
        invoice["id"],
        invoice["customer_id"],
        tenant.client.client_id,
        tenant.client.account_id,
        tenant.account_name,
    ):
        assert private not in text


async def test_queue_depths_and_the_pool_are_reported(metered: httpx.AsyncClient) -> None:
    text = (await metered.get("/metrics")).text
    assert _sample(text, "invoicery_db_pool_connections_in_use") is not None
    assert "invoicery_database_up 1.0" in text
    for queue in ("webhook_deliveries", "notifications", "ach_settlements"):
        pending = _sample(text, "invoicery_queue_pending_items", queue=queue)
        overdue = _sample(text, "invoicery_queue_oldest_due_age_seconds", queue=queue)
        assert pending is not None, queue
        assert pending >= 0, queue
        assert overdue is not None, queue
        assert overdue >= 0, queue
