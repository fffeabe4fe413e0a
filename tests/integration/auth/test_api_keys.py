"""API keys: bearer credentials of their own on both faces, stored hashed, revocable at once."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import select

from invoicery.auth.credentials import API_KEY_PREFIX, hash_secret
from invoicery.auth.tokens import authenticate
from invoicery.domain import ids
from invoicery.domain.api_versions import ApiVersion
from invoicery.domain.errors import NotFound
from invoicery.service import clients as client_service
from invoicery.store.database import Database
from invoicery.store.tables import api_clients, metadata
from tests.integration.api.billing.v1 import API, assert_rest_error
from tests.support.builders import customer_body
from tests.support.tenant import Tenant, basic_auth, new_tenant

READ_ONLY = ("invoices:read",)


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_a_key_authenticates_on_both_faces(db: Database, http: httpx.AsyncClient) -> None:
    tenant = await new_tenant(db, http, api_key=True)
    assert tenant.api_key is not None
    headers = _bearer(tenant.api_key.api_key)
    for path in ("/invoices", f"{API}/invoices", "/customers", f"{API}/customers"):
        response = await http.get(path, headers=headers)
        assert response.status_code == 200, (path, response.text)
    created = await tenant.customer(name="Keyed Ltd")  # the key, not a token, is sent
    listed = await http.get("/customers", headers=headers)
    assert created["id"] in listed.text


async def test_a_key_is_prefixed_and_stored_only_as_its_hash(db: Database) -> None:
    created = await client_service.create_api_key(
        db, name="ci", scopes=list(READ_ONLY), account_name="keys-stored"
    )
    assert re.fullmatch(rf"{API_KEY_PREFIX}[A-Za-z0-9_-]{{43}}", created.api_key)
    assert created.id.startswith("key_")
    key_uuid = ids.decode(ids.API_KEY, created.id)
    async with db.read() as conn:
        stored = (
            await conn.execute(
                select(api_clients.c.secret_hash, api_clients.c.kind).where(
                    api_clients.c.id == key_uuid
                )
            )
        ).one()
        assert tuple(stored) == (hash_secret(created.api_key), "api_key")
        for table in metadata.sorted_tables:
            for row in (await conn.execute(select(table))).all():
                assert created.api_key not in repr(tuple(row)), table.name


async def test_the_principal_of_a_key_is_its_own_until_it_is_revoked(db: Database) -> None:
    created = await client_service.create_api_key(
        db,
        name="ci",
        scopes=["invoices:read", "customers:read"],
        account_name="keys-principal",
        api_version=ApiVersion.V2026_03,
    )
    principal = await authenticate(db, created.api_key)
    assert principal is not None
    assert principal.client_id == ids.decode(ids.API_KEY, created.id)
    assert principal.account_id == ids.decode(ids.ACCOUNT, created.account_id)
    assert principal.scopes == {"invoices:read", "customers:read"}
    assert principal.api_version is ApiVersion.V2026_03
    assert await authenticate(db, created.api_key + "x") is None
    assert await authenticate(db, API_KEY_PREFIX) is None

    await client_service.revoke_api_key(db, key_id=created.id)
    assert await authenticate(db, created.api_key) is None


async def test_a_revoked_key_is_refused_at_once(db: Database, http: httpx.AsyncClient) -> None:
    tenant = await new_tenant(db, http, api_key=True)
    assert tenant.api_key is not None
    headers = _bearer(tenant.api_key.api_key)
    assert (await http.get("/invoices", headers=headers)).status_code == 200

    await client_service.revoke_api_key(db, key_id=tenant.api_key.id)  # as the CLI does

    response = await http.get("/invoices", headers=headers)
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert_rest_error(await http.get(f"{API}/invoices", headers=headers), 401, "UNAUTHORIZED")
    # The account's client is another credential: it still works.
    assert (await tenant.http.get("/invoices", headers=await _client_headers(tenant))).is_success


async def _client_headers(tenant: Tenant) -> dict[str, str]:
    """A token of the tenant's client (its requests send its key)."""
    response = await tenant.http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": basic_auth(tenant.client.client_id, tenant.client.client_secret)},
    )
    assert response.status_code == 200, response.text
    return _bearer(response.json()["access_token"])


async def test_a_keys_scopes_restrict_it(db: Database, http: httpx.AsyncClient) -> None:
    tenant = await new_tenant(db, http, scopes=READ_ONLY, api_key=True)
    assert tenant.api_key is not None
    headers = _bearer(tenant.api_key.api_key)
    assert (await http.get("/invoices", headers=headers)).status_code == 200
    assert (await http.get("/customers", headers=headers)).status_code == 403
    refused = await http.post("/customers", json=customer_body(), headers=headers)
    assert refused.status_code == 403
    assert_rest_error(await http.get(f"{API}/customers", headers=headers), 403, "FORBIDDEN")


@pytest.mark.parametrize("as_client", ["key id", "client id"])
async def test_a_key_cannot_ask_for_tokens(
    db: Database, http: httpx.AsyncClient, as_client: str
) -> None:
    created = await client_service.create_api_key(
        db, name="ci", scopes=list(READ_ONLY), account_name="keys-no-tokens"
    )
    key_uuid = ids.decode(ids.API_KEY, created.id)
    # The key's own row, named as a client, with the key as its secret: still no client.
    client_id = created.id if as_client == "key id" else ids.encode(ids.CLIENT, key_uuid)
    response = await http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": basic_auth(client_id, created.api_key)},
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


async def test_a_key_has_its_own_idempotency_keys(db: Database, http: httpx.AsyncClient) -> None:
    tenant = await new_tenant(db, http, api_key=True)
    assert tenant.api_key is not None
    headers = {**_bearer(tenant.api_key.api_key), "Idempotency-Key": "key-order-1"}
    body = customer_body(name="Once Ltd")
    first = await http.post("/customers", json=body, headers=headers)
    again = await http.post("/customers", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()


async def test_keys_and_clients_are_listed_apart(db: Database) -> None:
    account = "keys-listed"
    client = await client_service.create(
        db, name="client", scopes=list(READ_ONLY), account_name=account
    )
    key = await client_service.create_api_key(
        db, name="key", scopes=list(READ_ONLY), account_name=account
    )
    keys = await client_service.list_api_keys(db, account_name=account)
    clients = await client_service.list_clients(db, account_name=account)
    assert [client_service.api_key_id_text(record) for record in keys] == [key.id]
    assert [client_service.client_id_text(record) for record in clients] == [client.client_id]
    with pytest.raises(NotFound, match="no live client"):
        await client_service.revoke(db, client_id=ids.encode(ids.CLIENT, keys[0].id))
