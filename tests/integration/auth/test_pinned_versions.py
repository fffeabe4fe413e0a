"""Clients and keys are pinned to a billing-v1 version; a request's header overrides it."""

from __future__ import annotations

import httpx
import pytest

from invoicery.auth.tokens import authenticate
from invoicery.domain.api_versions import NEWEST, OLDEST
from invoicery.service import clients as client_service
from invoicery.store.database import Database
from tests.integration.api.billing.v1 import API, assert_rest_error
from tests.support.tenant import Tenant, new_tenant

OTHER = {"2026-03": "2026-10", "2026-10": "2026-03"}


async def _answered_in(tenant: Tenant, headers: dict[str, str] | None = None) -> str:
    response = await tenant.request("GET", f"{API}/invoices", headers=headers or {})
    assert response.status_code == 200, response.text
    return response.headers["invoicery-version"]


async def test_a_client_created_without_a_version_is_pinned_to_the_newest(
    db: Database, http: httpx.AsyncClient
) -> None:
    account = "pinned-default"
    client = await client_service.create(
        db, name="ci", scopes=["invoices:read"], account_name=account
    )
    assert client.api_version == NEWEST
    tenant = Tenant(http=http, client=client, account_name=account)
    token = await tenant.token(("invoices:read",))
    principal = await authenticate(db, token)
    assert principal is not None
    assert principal.api_version == NEWEST
    headers = {"Authorization": f"Bearer {token}"}
    response = await http.get(f"{API}/invoices", headers=headers)
    assert response.headers["invoicery-version"] == "2026-10"
    asked = await http.get(f"{API}/invoices", headers={**headers, "Invoicery-Version": "2026-03"})
    assert asked.headers["invoicery-version"] == "2026-03"


async def test_a_key_created_without_a_version_is_pinned_to_the_newest(db: Database) -> None:
    key = await client_service.create_api_key(
        db, name="ci", scopes=["invoices:read"], account_name="pinned-key-default"
    )
    assert key.api_version == NEWEST
    principal = await authenticate(db, key.api_key)
    assert principal is not None
    assert principal.api_version == NEWEST


async def test_the_test_tenants_keep_the_seed_version(tenant: Tenant) -> None:
    assert tenant.client.api_version == OLDEST
    assert await _answered_in(tenant) == "2026-03"


@pytest.mark.parametrize("api_key", [False, True], ids=["client", "key"])
@pytest.mark.parametrize("pinned", ["2026-03", "2026-10"])
async def test_a_request_is_answered_in_the_pinned_version_unless_it_asks(
    db: Database, http: httpx.AsyncClient, pinned: str, api_key: bool
) -> None:
    tenant = await new_tenant(db, http, api_version=pinned, api_key=api_key)
    assert await _answered_in(tenant) == pinned
    asked = OTHER[pinned]
    assert await _answered_in(tenant, {"Invoicery-Version": asked}) == asked


@pytest.mark.parametrize("api_key", [False, True], ids=["client", "key"])
async def test_an_unknown_version_is_a_bad_request(
    db: Database, http: httpx.AsyncClient, api_key: bool
) -> None:
    tenant = await new_tenant(db, http, api_version="2026-10", api_key=api_key)
    response = await tenant.request(
        "GET", f"{API}/invoices", headers={"Invoicery-Version": "2025-01"}
    )
    assert_rest_error(response, 400, "BAD_REQUEST")
    assert "2025-01" in response.json()["message"]
