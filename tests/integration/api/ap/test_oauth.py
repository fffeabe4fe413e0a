"""POST /oauth/token (RFC 6749 §4.4, errors §5.2) and bearer checks (RFC 6750)."""

from __future__ import annotations

import asyncio
import base64
from urllib.parse import quote_plus

import httpx
import pytest

from invoicery.app import create_app
from invoicery.auth.credentials import hash_secret
from invoicery.config import Settings
from invoicery.service import clients as client_service
from invoicery.store.database import Database
from tests.support.tenant import Tenant, basic_auth

GRANT = {"grant_type": "client_credentials"}


async def test_basic_auth_grants_a_bearer_token(tenant: Tenant, http: httpx.AsyncClient) -> None:
    client = tenant.client
    response = await http.post(
        "/oauth/token",
        data=GRANT,
        headers={"Authorization": basic_auth(client.client_id, client.client_secret)},
    )
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert "refresh_token" not in body
    assert body["scope"] == " ".join(client.scopes)
    listing = await http.get(
        "/invoices", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert listing.status_code == 200


async def test_credentials_in_the_form_body_work(tenant: Tenant, http: httpx.AsyncClient) -> None:
    client = tenant.client
    response = await http.post(
        "/oauth/token",
        data={**GRANT, "client_id": client.client_id, "client_secret": client.client_secret},
    )
    assert response.status_code == 200


async def test_basic_credentials_are_form_urlencoded_first(
    db: Database, tenant: Tenant, http: httpx.AsyncClient
) -> None:
    """A secret with ':' and '%' works when encoded as RFC 6749 §2.3.1 asks."""
    awkward = "se:cr%et+/x"
    async with db.write() as conn:
        from invoicery.domain import ids
        from invoicery.store.tables import api_clients

        await conn.execute(
            api_clients.update()
            .where(api_clients.c.id == ids.decode(ids.CLIENT, tenant.client.client_id))
            .values(secret_hash=hash_secret(awkward))
        )
    raw = f"{quote_plus(tenant.client.client_id)}:{quote_plus(awkward)}"
    header = "Basic " + base64.b64encode(raw.encode()).decode()
    response = await http.post("/oauth/token", data=GRANT, headers={"Authorization": header})
    assert response.status_code == 200, response.text


async def test_narrowed_scope_is_granted_and_enforced(
    tenant: Tenant, http: httpx.AsyncClient
) -> None:
    client = tenant.client
    response = await http.post(
        "/oauth/token",
        data={**GRANT, "scope": "invoices:read"},
        headers={"Authorization": basic_auth(client.client_id, client.client_secret)},
    )
    assert response.status_code == 200
    assert "scope" not in response.json()  # same as requested: not echoed
    headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
    assert (await http.get("/invoices", headers=headers)).status_code == 200
    denied = await http.post("/invoices", json={}, headers=headers)
    assert denied.status_code == 403
    assert 'error="insufficient_scope"' in denied.headers["www-authenticate"]


@pytest.mark.parametrize(
    ("data", "auth", "status", "error"),
    [
        (GRANT, ("id", "wrong"), 401, "invalid_client"),
        (GRANT, ("cli_00000000000000000000000000", "x"), 401, "invalid_client"),
        (GRANT, None, 401, "invalid_client"),
        ({"grant_type": "password"}, "ok", 400, "unsupported_grant_type"),
        ({}, "ok", 400, "invalid_request"),
        ({**GRANT, "scope": "invoices:delete"}, "ok", 400, "invalid_scope"),
        ({**GRANT, "scope": "   "}, "ok", 400, "invalid_scope"),
    ],
)
async def test_token_errors_follow_rfc_6749(
    tenant: Tenant,
    http: httpx.AsyncClient,
    data: dict[str, str],
    auth: tuple[str, str] | str | None,
    status: int,
    error: str,
) -> None:
    headers = {}
    if auth == "ok":
        headers["Authorization"] = basic_auth(tenant.client.client_id, tenant.client.client_secret)
    elif isinstance(auth, tuple):
        headers["Authorization"] = basic_auth(*auth)
    response = await http.post("/oauth/token", data=data, headers=headers)
    assert response.status_code == status
    assert response.json()["error"] == error
    assert response.headers["cache-control"] == "no-store"
    if status == 401:
        assert response.headers["www-authenticate"].startswith("Basic")


async def test_a_scope_beyond_the_clients_grant_is_invalid(
    db: Database, http: httpx.AsyncClient
) -> None:
    client = await client_service.create(
        db, name="ro", scopes=["invoices:read"], account_name="scoped-acct"
    )
    response = await http.post(
        "/oauth/token",
        data={**GRANT, "scope": "invoices:write"},
        headers={"Authorization": basic_auth(client.client_id, client.client_secret)},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


async def test_json_body_is_an_invalid_request(tenant: Tenant, http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/oauth/token",
        json=GRANT,
        headers={"Authorization": basic_auth(tenant.client.client_id, tenant.client.client_secret)},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


async def test_two_client_authentication_methods_are_refused(
    tenant: Tenant, http: httpx.AsyncClient
) -> None:
    client = tenant.client
    response = await http.post(
        "/oauth/token",
        data={**GRANT, "client_id": client.client_id, "client_secret": client.client_secret},
        headers={"Authorization": basic_auth(client.client_id, client.client_secret)},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


async def test_revoking_a_client_stops_its_tokens_at_once(
    db: Database, tenant: Tenant, http: httpx.AsyncClient
) -> None:
    headers = await tenant.headers()
    assert (await http.get("/invoices", headers=headers)).status_code == 200
    await client_service.revoke(db, client_id=tenant.client.client_id)
    response = await http.get("/invoices", headers=headers)
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    again = await http.post(
        "/oauth/token",
        data=GRANT,
        headers={"Authorization": basic_auth(tenant.client.client_id, tenant.client.client_secret)},
    )
    assert again.status_code == 401


async def test_expired_tokens_are_refused(
    db: Database, tenant: Tenant, http: httpx.AsyncClient
) -> None:
    from datetime import UTC, datetime, timedelta

    from invoicery.store.tables import access_tokens

    token = await tenant.token()
    async with db.write() as conn:
        await conn.execute(
            access_tokens.update()
            .where(access_tokens.c.token_hash == hash_secret(token))
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    response = await http.get("/invoices", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


@pytest.mark.parametrize("header", [None, "Bearer", "Token abc", "Bearer not-a-token"])
async def test_missing_or_bad_bearer_is_401_with_a_challenge(
    http: httpx.AsyncClient, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    response = await http.get("/invoices", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert set(response.json()) >= {"code", "message"}


async def test_secrets_are_stored_hashed(db: Database, tenant: Tenant) -> None:
    from sqlalchemy import select

    from invoicery.store.tables import access_tokens, api_clients

    token = await tenant.token()
    async with db.read() as conn:
        secrets = (await conn.execute(select(api_clients.c.secret_hash))).scalars().all()
        tokens = (await conn.execute(select(access_tokens.c.token_hash))).scalars().all()
    assert tenant.client.client_secret not in secrets
    assert hash_secret(tenant.client.client_secret) in secrets
    assert token not in tokens
    assert hash_secret(token) in tokens


async def test_tokens_live_for_the_configured_ttl(
    tenant: Tenant, settings: Settings, db: Database
) -> None:
    app = create_app(settings.model_copy(update={"token_ttl_seconds": 1}), database=db)
    transport = httpx.ASGITransport(app=app)
    client = tenant.client
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        granted = await http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": basic_auth(client.client_id, client.client_secret)},
        )
        assert granted.status_code == 200, granted.text
        assert granted.json()["expires_in"] == 1
        bearer = {"Authorization": f"Bearer {granted.json()['access_token']}"}
        assert (await http.get("/invoices", headers=bearer)).status_code == 200
        await asyncio.sleep(1.1)
        assert (await http.get("/invoices", headers=bearer)).status_code == 401
