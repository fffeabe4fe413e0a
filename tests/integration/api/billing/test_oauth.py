"""Billing-v1 OAuth: the token (RFC 6749 §4.4), introspection (RFC 7662) and revocation
(RFC 7009) endpoints, over the clients of the AP face's `/oauth/token`."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from invoicery.app import create_app
from invoicery.auth.credentials import hash_secret
from invoicery.config import Settings
from invoicery.service import clients as client_service
from invoicery.store.database import Database
from invoicery.store.tables import access_tokens
from tests.conftest import PUBLIC_URL
from tests.support.rate_limits import freeze_time, production_limits
from tests.support.tenant import Tenant, basic_auth, new_tenant

OAUTH = "/api/v1/oauth"
GRANT = {"grant_type": "client_credentials"}


def _basic(tenant: Tenant) -> dict[str, str]:
    return {"Authorization": basic_auth(tenant.client.client_id, tenant.client.client_secret)}


def _in_form(tenant: Tenant) -> dict[str, str]:
    return {"client_id": tenant.client.client_id, "client_secret": tenant.client.client_secret}


async def _token(tenant: Tenant, **form: str) -> str:
    response = await tenant.http.post(
        f"{OAUTH}/token", data={**GRANT, **form}, headers=_basic(tenant)
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


async def _introspect(tenant: Tenant, token: str) -> httpx.Response:
    return await tenant.http.post(
        f"{OAUTH}/introspect", data={"token": token}, headers=_basic(tenant)
    )


async def _revoke(tenant: Tenant, token: str) -> httpx.Response:
    return await tenant.http.post(f"{OAUTH}/revoke", data={"token": token}, headers=_basic(tenant))


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_basic_auth_grants_a_token_both_faces_accept(
    tenant: Tenant, http: httpx.AsyncClient
) -> None:
    response = await http.post(f"{OAUTH}/token", data=GRANT, headers=_basic(tenant))
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 3600)
    assert body["scope"] == " ".join(tenant.client.scopes)
    for url in ("/api/v1/invoices", "/invoices"):
        assert (await http.get(url, headers=_bearer(body["access_token"]))).status_code == 200


async def test_credentials_in_the_form_body_work(tenant: Tenant, http: httpx.AsyncClient) -> None:
    response = await http.post(f"{OAUTH}/token", data={**GRANT, **_in_form(tenant)})
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    assert (await http.get("/api/v1/customers", headers=_bearer(token))).status_code == 200


async def test_a_token_of_the_ap_face_is_one_of_v1_too(tenant: Tenant) -> None:
    introspected = await _introspect(tenant, await tenant.token())
    assert introspected.json()["active"] is True


@pytest.mark.parametrize(
    ("form", "auth", "status", "error"),
    [
        (GRANT, ("cli_unknown", "x"), 401, "invalid_client"),
        (GRANT, "wrong secret", 401, "invalid_client"),
        (GRANT, None, 401, "invalid_client"),
        (GRANT, "Basic not-base64!", 401, "invalid_client"),
        ({"grant_type": "password"}, "ok", 400, "unsupported_grant_type"),
        ({"grant_type": "authorization_code", "code": "x"}, "ok", 400, "unsupported_grant_type"),
        ({}, "ok", 400, "invalid_request"),
        ({**GRANT, "scope": "invoices:delete"}, "ok", 400, "invalid_scope"),
        ({**GRANT, "scope": " "}, "ok", 400, "invalid_scope"),
    ],
)
async def test_token_errors_follow_rfc_6749(
    tenant: Tenant,
    http: httpx.AsyncClient,
    form: dict[str, str],
    auth: tuple[str, str] | str | None,
    status: int,
    error: str,
) -> None:
    headers = {}
    if auth == "ok":
        headers = _basic(tenant)
    elif auth == "wrong secret":
        headers = {"Authorization": basic_auth(tenant.client.client_id, "wrong")}
    elif isinstance(auth, tuple):
        headers = {"Authorization": basic_auth(*auth)}
    elif auth is not None:
        headers = {"Authorization": auth}
    response = await http.post(f"{OAUTH}/token", data=form, headers=headers)
    assert response.status_code == status
    body = response.json()
    assert body["error"] == error
    assert body["error_description"]
    assert set(body) <= {"error", "error_description", "request_id"}
    assert response.headers["cache-control"] == "no-store"
    if status == 401:
        assert response.headers["www-authenticate"].startswith("Basic")


async def test_a_json_body_or_two_authentication_methods_are_invalid_requests(
    tenant: Tenant, http: httpx.AsyncClient
) -> None:
    as_json = await http.post(f"{OAUTH}/token", json=GRANT, headers=_basic(tenant))
    both = await http.post(
        f"{OAUTH}/token", data={**GRANT, **_in_form(tenant)}, headers=_basic(tenant)
    )
    for response in (as_json, both):
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_request"


async def test_a_narrowed_scope_is_granted_enforced_and_introspected(
    tenant: Tenant, http: httpx.AsyncClient
) -> None:
    response = await http.post(
        f"{OAUTH}/token", data={**GRANT, "scope": "invoices:read"}, headers=_basic(tenant)
    )
    assert response.status_code == 200
    assert "scope" not in response.json()  # as requested
    token = response.json()["access_token"]
    assert (await http.get("/api/v1/invoices", headers=_bearer(token))).status_code == 200
    assert (await http.get("/api/v1/customers", headers=_bearer(token))).status_code == 403
    assert (await _introspect(tenant, token)).json()["scope"] == "invoices:read"


async def test_a_scope_beyond_the_clients_grant_is_invalid(
    db: Database, http: httpx.AsyncClient
) -> None:
    reader = await new_tenant(db, http, scopes=("invoices:read",))
    response = await http.post(
        f"{OAUTH}/token", data={**GRANT, "scope": "invoices:write"}, headers=_basic(reader)
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


async def test_a_live_token_is_introspected_with_what_it_grants(
    db: Database, tenant: Tenant
) -> None:
    token = await _token(tenant, scope="customers:read invoices:read")
    response = await _introspect(tenant, token)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    async with db.read() as conn:
        row = (
            await conn.execute(
                access_tokens.select().where(access_tokens.c.token_hash == hash_secret(token))
            )
        ).one()
    assert body == {
        "active": True,
        "client_id": tenant.client.client_id,
        "sub": tenant.client.client_id,
        "scope": "customers:read invoices:read",
        "token_type": "Bearer",
        "exp": int(row.expires_at.timestamp()),
    }
    assert abs(body["exp"] - (time.time() + 3600)) < 60


async def test_credentials_in_the_form_body_introspect_too(tenant: Tenant) -> None:
    token = await _token(tenant)
    response = await tenant.http.post(
        f"{OAUTH}/introspect", data={"token": token, **_in_form(tenant)}
    )
    assert response.json()["active"] is True


async def test_unknown_and_expired_tokens_are_inactive(db: Database, tenant: Tenant) -> None:
    expired = await _token(tenant)
    async with db.write() as conn:
        await conn.execute(
            access_tokens.update()
            .where(access_tokens.c.token_hash == hash_secret(expired))
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    for token in ("not-a-token", expired, "inv_sk_not-a-key"):
        response = await _introspect(tenant, token)
        assert response.status_code == 200
        assert response.json() == {"active": False}


async def test_another_accounts_token_is_inactive_to_a_client(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    token = await _token(tenant)
    assert (await _introspect(other_tenant, token)).json() == {"active": False}
    assert (await _introspect(tenant, token)).json()["active"] is True


async def test_a_token_of_a_revoked_client_is_inactive(
    db: Database, http: httpx.AsyncClient, tenant: Tenant
) -> None:
    sibling = await client_service.create(
        db, name="sibling", scopes=list(tenant.client.scopes), account_name=tenant.account_name
    )
    response = await http.post(
        f"{OAUTH}/token",
        data=GRANT,
        headers={"Authorization": basic_auth(sibling.client_id, sibling.client_secret)},
    )
    token = response.json()["access_token"]
    assert (await _introspect(tenant, token)).json()["client_id"] == sibling.client_id
    await client_service.revoke(db, client_id=sibling.client_id)
    assert (await _introspect(tenant, token)).json() == {"active": False}


@pytest.mark.parametrize("endpoint", ["introspect", "revoke"])
async def test_introspection_and_revocation_need_a_client(
    tenant: Tenant, http: httpx.AsyncClient, endpoint: str
) -> None:
    token = await _token(tenant)
    url = f"{OAUTH}/{endpoint}"
    wrong = {"Authorization": basic_auth(tenant.client.client_id, "wrong")}
    for headers in ({}, wrong, _bearer(token)):
        response = await http.post(url, data={"token": token}, headers=headers)
        assert response.status_code == 401, headers
        assert response.json()["error"] == "invalid_client"
        assert response.headers["www-authenticate"].startswith("Basic")
    missing = await http.post(url, data={}, headers=_basic(tenant))
    assert missing.status_code == 400
    assert missing.json()["error"] == "invalid_request"
    assert (await _introspect(tenant, token)).json()["active"] is True  # nothing revoked


async def test_a_revoked_token_stops_working_at_once(
    db: Database, tenant: Tenant, http: httpx.AsyncClient
) -> None:
    token = await _token(tenant)
    kept = await _token(tenant)
    assert (await http.get("/api/v1/invoices", headers=_bearer(token))).status_code == 200
    response = await _revoke(tenant, token)
    assert response.status_code == 200
    assert response.content == b""
    for url in ("/api/v1/invoices", "/invoices"):
        refused = await http.get(url, headers=_bearer(token))
        assert refused.status_code == 401
        assert 'error="invalid_token"' in refused.headers["www-authenticate"]
    assert (await _introspect(tenant, token)).json() == {"active": False}
    assert (await _revoke(tenant, token)).status_code == 200  # again: still 200
    assert (await http.get("/api/v1/invoices", headers=_bearer(kept))).status_code == 200
    async with db.read() as conn:
        stored = (
            await conn.execute(
                access_tokens.select().where(access_tokens.c.token_hash == hash_secret(token))
            )
        ).all()
    assert stored == []


async def test_revoking_an_unknown_or_foreign_token_is_200_and_changes_nothing(
    tenant: Tenant, other_tenant: Tenant, http: httpx.AsyncClient
) -> None:
    theirs = await _token(other_tenant)
    for token in ("not-a-token", theirs):
        response = await _revoke(tenant, token)
        assert response.status_code == 200
    assert (await http.get("/api/v1/invoices", headers=_bearer(theirs))).status_code == 200


async def test_the_token_type_hint_is_ignored(tenant: Tenant) -> None:
    token = await _token(tenant)
    response = await tenant.http.post(
        f"{OAUTH}/revoke",
        data={"token": token, "token_type_hint": "refresh_token"},
        headers=_basic(tenant),
    )
    assert response.status_code == 200
    assert (await _introspect(tenant, token)).json() == {"active": False}


async def test_other_failures_are_the_faces_rest_errors(http: httpx.AsyncClient) -> None:
    response = await http.get(f"{OAUTH}/token")
    assert response.status_code == 405
    assert response.json()["code"] == "METHOD_NOT_ALLOWED"
    assert response.headers["cache-control"] == "no-store"


async def test_secret_guesses_share_the_token_endpoints_budget(
    database_url: str, tmp_path: Path, db: Database, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    freeze_time(monkeypatch)
    settings = production_limits(database_url, tmp_path, public_url=PUBLIC_URL)  # 10/min
    transport = httpx.ASGITransport(app=create_app(settings, database=db))
    wrong = {"Authorization": basic_auth(tenant.client.client_id, "wrong")}
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as http:
        for endpoint in ("introspect", "revoke") * 5:
            response = await http.post(f"{OAUTH}/{endpoint}", data={"token": "x"}, headers=wrong)
            assert response.status_code == 401
        refused = await http.post(f"{OAUTH}/token", data=GRANT, headers=_basic(tenant))
    assert refused.status_code == 429
    assert refused.json()["code"] == "TOO_MANY_REQUESTS"
    assert refused.json()["message"].startswith("too many requests for a token for this client")
    assert refused.headers["retry-after"] == "60"
    assert refused.headers["cache-control"] == "no-store"


async def test_the_endpoints_are_documented(http: httpx.AsyncClient) -> None:
    document = (await http.get("/api/v1/openapi.json")).json()
    for name, schema in (
        ("token", "TokenResponse"),
        ("introspect", "TokenIntrospectionResponse"),
        ("revoke", None),
    ):
        operation = document["paths"][f"{OAUTH}/{name}"]["post"]
        assert operation["operationId"] == name
        assert "security" not in operation
        body = operation["requestBody"]["content"]["application/x-www-form-urlencoded"]
        assert body["schema"]["type"] == "object"
        ok = operation["responses"]["200"]
        if schema is not None:
            assert ok["content"]["application/json"]["schema"]["$ref"].endswith(f"/{schema}")
        errors = {status: operation["responses"][status] for status in ("400", "401")}
        for error in errors.values():
            ref = error["content"]["application/json"]["schema"]["$ref"]
            assert ref.endswith("/OAuthErrorResponse")


ServerFactory = Callable[[], Awaitable[tuple[FastAPI, httpx.AsyncClient]]]


async def _until(condition: Callable[[], bool]) -> None:
    """Wait (10 s at most) for something another connection makes happen."""
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("it did not happen")


@pytest.fixture
async def servers(database_url: str, tmp_path: Path) -> AsyncIterator[ServerFactory]:
    """Start servers over one database, each running its lifespan (and principal cache)."""
    async with contextlib.AsyncExitStack() as stack:

        async def start() -> tuple[FastAPI, httpx.AsyncClient]:
            database = Database(database_url, pool_size=2)
            stack.push_async_callback(database.dispose)
            settings = Settings(database_url=database_url, public_url=PUBLIC_URL, data_dir=tmp_path)
            app = create_app(settings, database=database)
            await stack.enter_async_context(app.router.lifespan_context(app))
            if not database.is_sqlite:  # until it listens for revocations
                await _until(lambda: bool(app.state.principals.on))
            http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PUBLIC_URL)
            stack.push_async_callback(http.aclose)
            return app, http

        yield start


async def test_a_revocation_through_one_server_is_seen_by_every_server(
    db: Database, servers: ServerFactory
) -> None:
    (first, one), (second, two) = await servers(), await servers()
    tenant = await new_tenant(db, one)
    token = await _token(tenant)
    for http in (one, two, one, two):  # on PostgreSQL, the second of each from its cache
        assert (await http.get("/api/v1/invoices", headers=_bearer(token))).status_code == 200
    before = [app.state.principals.generation for app in (first, second)]
    assert (await _revoke(tenant, token)).status_code == 200
    if not db.is_sqlite:  # once each server has heard the revocation's NOTIFY
        await _until(
            lambda: all(
                app.state.principals.generation != was
                for app, was in zip((first, second), before, strict=True)
            )
        )
    for http in (one, two):
        assert (await http.get("/api/v1/invoices", headers=_bearer(token))).status_code == 401
