"""Rate limits at the edge: per API client on both faces, per client id and address for tokens.

The apps here run with the production defaults (25/s with bursts of 50; tokens 10/min per
client id and 30/min per address) and a frozen clock, so a burst is a burst however slow
the machine.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from invoicery.app import create_app
from invoicery.domain import ids
from invoicery.service import accounts as account_service
from invoicery.store.database import Database
from tests.support.builders import customer_body
from tests.support.rate_limits import FrozenClock, empty_redis, freeze_time, production_limits
from tests.support.tenant import Tenant, basic_auth, new_tenant

PUBLIC_URL = "http://testserver"
AP_LIST = "/customers"
V1_LIST = "/api/v1/customers"
HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy")


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    return freeze_time(monkeypatch)


@pytest.fixture
def app(database_url: str, tmp_path: Path, db: Database, clock: FrozenClock) -> FastAPI:
    """The app with the production limits (overrides the suite's generous one)."""
    return create_app(production_limits(database_url, tmp_path, public_url=PUBLIC_URL), database=db)


def _client(app: FastAPI, address: str = "127.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 4321))
    return httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL)


async def _burst(tenant: Tenant, path: str, count: int) -> list[int]:
    return [(await tenant.request("GET", path)).status_code for _ in range(count)]


async def _token(http: httpx.AsyncClient, client_id: str, secret: str) -> httpx.Response:
    return await http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": basic_auth(client_id, secret)},
    )


async def test_every_authenticated_answer_carries_the_budget(tenant: Tenant) -> None:
    first = await tenant.request("GET", AP_LIST)
    assert first.status_code == 200
    assert [first.headers[name] for name in HEADERS] == ["50", "49", "2", "50;w=2"]
    second = await tenant.request("GET", V1_LIST)
    assert second.status_code == 200
    assert second.headers["RateLimit-Remaining"] == "48"  # one budget for both faces
    missing = await tenant.request("GET", "/customers/cus_nothere")
    assert missing.status_code in {400, 404}
    assert missing.headers["RateLimit-Remaining"] == "47"
    assert "Retry-After" not in second.headers


async def test_unauthenticated_requests_are_not_counted(
    tenant: Tenant, http: httpx.AsyncClient
) -> None:
    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        response = await http.get(AP_LIST, headers=headers)
        assert response.status_code == 401
        assert "RateLimit-Limit" not in response.headers
    counted = await tenant.request("GET", AP_LIST)
    assert counted.headers["RateLimit-Remaining"] == "49"


async def test_the_51st_request_of_a_burst_is_refused_in_the_ap_format(
    tenant: Tenant, clock: FrozenClock
) -> None:
    assert await _burst(tenant, AP_LIST, 50) == [200] * 50
    refused = await tenant.request("GET", AP_LIST)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "2"
    assert refused.headers["RateLimit-Remaining"] == "0"
    assert refused.json() == {
        "code": "too_many_requests",
        "message": "too many requests from this client: at most 50 in 2 s; retry in 2 s",
        "request_id": refused.headers["X-Request-Id"],
    }
    clock.advance(2.001)
    assert (await tenant.request("GET", AP_LIST)).status_code == 200


async def test_the_51st_request_of_a_burst_is_refused_in_the_v1_format(tenant: Tenant) -> None:
    assert await _burst(tenant, V1_LIST, 50) == [200] * 50
    refused = await tenant.request("GET", V1_LIST)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "2"
    assert refused.json()["code"] == "TOO_MANY_REQUESTS"
    assert "at most 50 in 2 s" in refused.json()["message"]


async def test_a_refused_request_does_not_run(tenant: Tenant, clock: FrozenClock) -> None:
    await _burst(tenant, AP_LIST, 50)
    refused = await tenant.request("POST", AP_LIST, json=customer_body(name="Never"))
    assert refused.status_code == 429
    clock.advance(2.001)
    listed = (await tenant.request("GET", AP_LIST)).json()
    assert all(customer["name"] != "Never" for customer in listed["data"])


async def test_clients_have_budgets_of_their_own(tenant: Tenant, other_tenant: Tenant) -> None:
    await _burst(tenant, AP_LIST, 50)
    assert (await tenant.request("GET", AP_LIST)).status_code == 429
    other = await other_tenant.request("GET", AP_LIST)
    assert other.status_code == 200
    assert other.headers["RateLimit-Remaining"] == "49"


async def test_an_accounts_own_limit_applies(
    db: Database, tenant: Tenant, clock: FrozenClock
) -> None:
    await account_service.update_settings(
        db, name=tenant.account_name, settings={"rate_limit": "5/s"}
    )
    assert await _burst(tenant, AP_LIST, 5) == [200] * 5
    refused = await tenant.request("GET", V1_LIST)
    assert refused.status_code == 429
    assert (refused.headers["RateLimit-Limit"], refused.headers["Retry-After"]) == ("5", "1")
    clock.advance(1.001)
    assert await _burst(tenant, AP_LIST, 5) == [200] * 5

    await account_service.update_settings(
        db, name=tenant.account_name, settings={"rate_limit": "default"}
    )
    back = await tenant.request("GET", AP_LIST)
    assert (back.status_code, back.headers["RateLimit-Limit"]) == (200, "50")


async def test_the_token_endpoint_is_limited_per_client_id(
    app: FastAPI, tenant: Tenant, other_tenant: Tenant, clock: FrozenClock
) -> None:
    async with _client(app) as http:
        client_id = tenant.client.client_id
        for _ in range(10):
            wrong = await _token(http, client_id, "wrong")
            assert wrong.status_code == 401
        right = await _token(http, client_id, tenant.client.client_secret)
        assert right.status_code == 429
        assert right.headers["Retry-After"] == "60"
        assert right.headers["Cache-Control"] == "no-store"
        body = right.json()
        assert body["error"] == "invalid_request"
        assert body["code"] == "too_many_requests"
        assert body["error_description"].startswith("too many requests for a token for this client")
        # in the form body, the same client id is the same budget
        form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": "x"}
        assert (await http.post("/oauth/token", data=form)).status_code == 429
        # another client from the same address is not affected
        other = await _token(http, other_tenant.client.client_id, other_tenant.client.client_secret)
        assert other.status_code == 200
        clock.advance(60.001)
        again = await _token(http, client_id, tenant.client.client_secret)
        assert again.status_code == 200


async def test_the_token_endpoint_is_limited_per_address(app: FastAPI) -> None:
    async with _client(app, "203.0.113.7") as guesser, _client(app, "203.0.113.8") as other:
        for _ in range(30):
            client_id = ids.encode(ids.CLIENT, ids.new_uuid7())
            response = await _token(guesser, client_id, "wrong")
            assert response.status_code == 401
        fresh_id = ids.encode(ids.CLIENT, ids.new_uuid7())
        refused = await _token(guesser, fresh_id, "wrong")
        assert refused.status_code == 429
        assert refused.json()["error_description"].startswith(
            "too many requests for a token from this address"
        )
        assert (await _token(other, fresh_id, "wrong")).status_code == 401


@pytest.fixture
async def redis_url() -> str:
    return await empty_redis()


@pytest.fixture
async def two_servers(
    database_url: str, tmp_path: Path, db: Database, redis_url: str, clock: FrozenClock
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """Two app instances (two servers) on one database, sharing limits through Redis."""
    apps = [
        create_app(
            production_limits(database_url, tmp_path, public_url=PUBLIC_URL, redis_url=redis_url),
            database=db,
        )
        for _ in range(2)
    ]
    assert [app.state.rate_limiter.describe() for app in apps] == ["redis", "redis"]
    async with _client(apps[0]) as first, _client(apps[1]) as second:
        yield first, second
    for app in apps:
        app.state.rate_limiter.close()


async def test_servers_sharing_redis_share_each_clients_budget(
    db: Database, two_servers: tuple[httpx.AsyncClient, httpx.AsyncClient]
) -> None:
    first, second = two_servers
    tenant = await new_tenant(db, first)
    headers = await tenant.headers()
    statuses = [(await first.get(AP_LIST, headers=headers)).status_code for _ in range(30)]
    statuses += [(await second.get(V1_LIST, headers=headers)).status_code for _ in range(20)]
    assert statuses == [200] * 50
    for server in (first, second):
        refused = await server.get(AP_LIST, headers=headers)
        assert refused.status_code == 429
        assert refused.headers["Retry-After"] == "2"
