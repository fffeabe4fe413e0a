"""AP customers: create, list, get, archive — success, 409/422/400, 401, 403, 404, tenancy."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.builders import customer_body
from tests.support.tenant import Tenant


async def test_create_and_get(tenant: Tenant) -> None:
    created = await tenant.customer(name="Zoë Ünal", company_name="Acme GmbH", external_id="crm-1")
    assert created["id"].startswith("cus_")
    assert (created["name"], created["email"]) == ("Zoë Ünal", "ada@example.com")
    assert (created["company_name"], created["external_id"]) == ("Acme GmbH", "crm-1")
    fetched = await tenant.request("GET", f"/customers/{created['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == created


async def test_external_id_is_unique_per_account(tenant: Tenant, other_tenant: Tenant) -> None:
    await tenant.customer(external_id="crm-7")
    duplicate = await tenant.request("POST", "/customers", json=customer_body(external_id="crm-7"))
    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "conflict"
    assert (await other_tenant.customer(external_id="crm-7"))["external_id"] == "crm-7"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "a@b.c"}, "name"),
        ({"name": "Ada"}, "email"),
        ({"name": "", "email": "a@b.c"}, "name"),
        ({"name": "Ada", "email": "not-an-email"}, "email"),
        ({"name": "Ada", "email": "a@b.c", "external_id": ""}, "external_id"),
    ],
)
async def test_invalid_customers_are_422(tenant: Tenant, body: dict[str, Any], field: str) -> None:
    response = await tenant.request("POST", "/customers", json=body)
    assert response.status_code == 422
    assert field in response.json()["validation_errors"]


async def test_list_pages_and_filters(tenant: Tenant) -> None:
    names = [f"C{i}" for i in range(5)]
    for index, name in enumerate(names):
        await tenant.customer(name=name, company_name="Acme" if index % 2 else "Other")
    page = (await tenant.request("GET", "/customers", params={"limit": 2})).json()
    assert [c["name"] for c in page["data"]] == ["C4", "C3"]
    assert page["has_next_page"] is True
    rest = (await tenant.request("GET", "/customers", params={"after": page["end_cursor"]})).json()
    assert [c["name"] for c in rest["data"]] == ["C2", "C1", "C0"]
    assert (rest["has_next_page"], rest["has_previous_page"]) == (False, True)
    acme = (await tenant.request("GET", "/customers", params={"company_name": "Acme"})).json()
    assert [c["name"] for c in acme["data"]] == ["C3", "C1"]
    start = page["data"][1]["created_at"]
    since = (await tenant.request("GET", "/customers", params={"created_at_start": start})).json()
    assert [c["name"] for c in since["data"]] == ["C4", "C3"]


@pytest.mark.parametrize("params", [{"limit": 0}, {"after": "zz"}, {"created_at_end": "soon"}])
async def test_bad_list_queries_are_400(tenant: Tenant, params: dict[str, Any]) -> None:
    response = await tenant.request("GET", "/customers", params=params)
    assert response.status_code == 400
    assert response.json()["validation_errors"]


async def test_archive_hides_the_customer_from_lists(tenant: Tenant) -> None:
    customer = await tenant.customer()
    archived = await tenant.request("DELETE", f"/customers/{customer['id']}")
    assert archived.status_code == 200
    listed = (await tenant.request("GET", "/customers")).json()["data"]
    assert customer["id"] not in [c["id"] for c in listed]
    assert (await tenant.request("GET", f"/customers/{customer['id']}")).status_code == 200
    assert (await tenant.request("DELETE", f"/customers/{customer['id']}")).status_code == 400


@pytest.mark.parametrize("method", ["GET", "DELETE"])
async def test_another_tenants_customer_is_404(
    tenant: Tenant, other_tenant: Tenant, method: str
) -> None:
    theirs = await other_tenant.customer()
    response = await tenant.request(method, f"/customers/{theirs['id']}")
    assert response.status_code == 404
    assert (await tenant.request(method, "/customers/garbage")).status_code == 404


ENDPOINTS = [
    ("GET", "/customers", "customers:read"),
    ("POST", "/customers", "customers:write"),
    ("GET", "/customers/{id}", "customers:read"),
    ("DELETE", "/customers/{id}", "customers:write"),
]


@pytest.mark.parametrize(("method", "path", "scope"), ENDPOINTS)
async def test_auth_is_required_and_scoped(
    tenant: Tenant, http: httpx.AsyncClient, method: str, path: str, scope: str
) -> None:
    customer = await tenant.customer()
    url = path.format(id=customer["id"])
    assert (await http.request(method, url)).status_code == 401
    other = "customers:write" if scope == "customers:read" else "customers:read"
    kwargs: dict[str, Any] = {"json": customer_body()} if method == "POST" else {}
    response = await http.request(
        method, url, headers=await tenant.headers(("invoices:read", other)), **kwargs
    )
    assert response.status_code == 403
    assert f'scope="{scope}"' in response.headers["www-authenticate"]
