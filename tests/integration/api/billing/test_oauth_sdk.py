"""The official `meteroid` SDK's OAuth calls work against Invoicery as they are."""

from __future__ import annotations

import httpx
import pytest
from meteroid import AsyncMeteroid, AuthenticationError, BadRequestError
from meteroid.models import OAuthErrorCode, OAuthErrorResponse

from invoicery.auth.credentials import hash_secret
from invoicery.store.database import Database
from invoicery.store.tables import access_tokens
from tests.conftest import PUBLIC_URL
from tests.support.tenant import Tenant, basic_auth


def _sdk(http: httpx.AsyncClient) -> AsyncMeteroid:
    return AsyncMeteroid(base_url=PUBLIC_URL, http_client=http, max_retries=0)


def _basic(tenant: Tenant) -> dict[str, str]:
    return {"Authorization": basic_auth(tenant.client.client_id, tenant.client.client_secret)}


async def _stored(db: Database, token: str) -> list[tuple[str, int]]:
    """The scopes and expiry (Unix time) stored for `token`, if it is stored."""
    async with db.read() as conn:
        rows = (
            await conn.execute(
                access_tokens.select().where(access_tokens.c.token_hash == hash_secret(token))
            )
        ).all()
    return [(row.scopes, int(row.expires_at.timestamp())) for row in rows]


async def test_the_sdk_gets_introspects_and_revokes_a_token(
    db: Database, tenant: Tenant, http: httpx.AsyncClient
) -> None:
    oauth = _sdk(http).oauth

    granted = await oauth.token(grant_type="client_credentials", extra_headers=_basic(tenant))
    assert (granted.token_type, granted.expires_in) == ("Bearer", 3600)
    assert granted.scope == " ".join(tenant.client.scopes)
    assert granted.refresh_token is None
    assert granted.extra_fields == {}
    [(scopes, expires)] = await _stored(db, granted.access_token)
    assert scopes == granted.scope

    active = await oauth.introspect(token=granted.access_token, extra_headers=_basic(tenant))
    assert active.active is True
    assert (active.client_id, active.sub) == (tenant.client.client_id, tenant.client.client_id)
    assert (active.scope, active.exp, active.token_type) == (scopes, expires, "Bearer")
    assert active.iat is None
    assert active.extra_fields == {}

    as_caller = AsyncMeteroid(
        api_key=granted.access_token, base_url=PUBLIC_URL, http_client=http, max_retries=0
    )
    assert [item async for item in as_caller.customers.list()] == []

    await oauth.revoke(token=granted.access_token, extra_headers=_basic(tenant))
    assert await _stored(db, granted.access_token) == []
    inactive = await oauth.introspect(token=granted.access_token, extra_headers=_basic(tenant))
    assert inactive.active is False
    assert (inactive.client_id, inactive.scope, inactive.exp) == (None, None, None)
    with pytest.raises(AuthenticationError):
        _ = [item async for item in as_caller.customers.list()]


async def test_the_sdk_sends_credentials_in_the_body_and_narrows_the_scope(
    db: Database, tenant: Tenant, http: httpx.AsyncClient
) -> None:
    oauth = _sdk(http).oauth
    client = tenant.client
    granted = await oauth.token(
        grant_type="client_credentials",
        client_id=client.client_id,
        client_secret=client.client_secret,
        extra_body={"scope": "invoices:read"},
    )
    assert granted.scope is None  # as requested
    assert [scopes for scopes, _ in await _stored(db, granted.access_token)] == ["invoices:read"]
    credentials = {"client_id": client.client_id, "client_secret": client.client_secret}
    active = await oauth.introspect(token=granted.access_token, extra_body=credentials)
    assert (active.active, active.scope) == (True, "invoices:read")
    await oauth.revoke(
        token=granted.access_token, token_type_hint="access_token", extra_body=credentials
    )
    assert await _stored(db, granted.access_token) == []


async def test_the_sdk_decodes_the_rfc_6749_errors(tenant: Tenant, http: httpx.AsyncClient) -> None:
    oauth = _sdk(http).oauth
    wrong = {"Authorization": basic_auth(tenant.client.client_id, "wrong")}
    with pytest.raises(AuthenticationError) as refused:
        await oauth.token(grant_type="client_credentials", extra_headers=wrong)
    assert isinstance(refused.value.body, OAuthErrorResponse)
    assert refused.value.body.error == OAuthErrorCode.INVALID_CLIENT
    with pytest.raises(BadRequestError) as unsupported:
        await oauth.token(
            grant_type="refresh_token", refresh_token="x", extra_headers=_basic(tenant)
        )
    assert isinstance(unsupported.value.body, OAuthErrorResponse)
    assert unsupported.value.body.error == OAuthErrorCode.UNSUPPORTED_GRANT_TYPE
    for call in (oauth.introspect, oauth.revoke):
        with pytest.raises(AuthenticationError) as unknown:
            await call(token="x", extra_headers=wrong)
        assert isinstance(unknown.value.body, OAuthErrorResponse)
        assert unknown.value.body.error == OAuthErrorCode.INVALID_CLIENT


async def test_the_sdk_finds_another_accounts_token_inactive(
    tenant: Tenant, other_tenant: Tenant, http: httpx.AsyncClient
) -> None:
    oauth = _sdk(http).oauth
    theirs = await other_tenant.token()
    found = await oauth.introspect(token=theirs, extra_headers=_basic(tenant))
    assert found.active is False
    assert found.client_id is None
    await oauth.revoke(token=theirs, extra_headers=_basic(tenant))
    still = await oauth.introspect(token=theirs, extra_headers=_basic(other_tenant))
    assert still.active is True
