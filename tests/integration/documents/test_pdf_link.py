"""AP `GET /invoices/{id}/pdf-link`: who may ask, for which invoices."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from invoicery.auth.scopes import Scope
from tests.integration.documents.conftest import pdf_link
from tests.support.tenant import Tenant


async def test_any_visible_invoice_has_a_link_archived_and_restored_too(
    tenant: Tenant, http: httpx.AsyncClient
) -> None:
    created = await tenant.invoice()
    first = await pdf_link(tenant, created["id"])
    assert (await tenant.request("DELETE", f"/invoices/{created['id']}")).status_code == 200
    archived = await pdf_link(tenant, created["id"])
    assert (await http.get(archived)).status_code == 200
    assert (await http.get(first)).status_code == 200  # the link outlives the status change
    restored = await tenant.request("POST", f"/invoices/{created['id']}/restore")
    assert restored.status_code == 200
    assert (await http.get(await pdf_link(tenant, created["id"]))).status_code == 200


async def test_read_scope_is_enough(tenant: Tenant, http: httpx.AsyncClient) -> None:
    created = await tenant.invoice()
    headers = await tenant.headers((Scope.INVOICES_READ.value,))
    response = await http.get(f"/invoices/{created['id']}/pdf-link", headers=headers)
    assert response.status_code == 200
    assert response.json()["url"].startswith("http://testserver/downloads/")


async def test_without_a_token_401(tenant: Tenant, http: httpx.AsyncClient) -> None:
    created = await tenant.invoice()
    response = await http.get(f"/invoices/{created['id']}/pdf-link")
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["code"] == "unauthorized"


async def test_an_invalid_token_401(tenant: Tenant, http: httpx.AsyncClient) -> None:
    created = await tenant.invoice()
    response = await http.get(
        f"/invoices/{created['id']}/pdf-link", headers={"Authorization": "Bearer not-a-token"}
    )
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


@pytest.mark.parametrize(
    "scopes", [(Scope.INVOICES_WRITE.value,), (Scope.CUSTOMERS_READ.value,)], ids=str
)
async def test_without_the_read_scope_403(
    tenant: Tenant, http: httpx.AsyncClient, scopes: tuple[str, ...]
) -> None:
    created = await tenant.invoice()
    response = await http.get(
        f"/invoices/{created['id']}/pdf-link", headers=await tenant.headers(scopes)
    )
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]
    assert response.json()["code"] == "forbidden"


@pytest.mark.parametrize(
    "invoice_id",
    ["inv_00000000000000000000000000", "inv_nope", "cus_01m80scp0yeg38006mvw9y81e0", "%20"],
)
async def test_an_unknown_invoice_404(
    tenant: Tenant, http: httpx.AsyncClient, invoice_id: str
) -> None:
    response = await tenant.request("GET", f"/invoices/{invoice_id}/pdf-link")
    assert response.status_code == 404
    body: dict[str, Any] = response.json()
    assert body["code"] == "not_found"


async def test_another_tenants_invoice_404(tenant: Tenant, other_tenant: Tenant) -> None:
    foreign = await other_tenant.invoice()
    response = await tenant.request("GET", f"/invoices/{foreign['id']}/pdf-link")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


async def test_the_operation_is_documented_like_the_vendors(http: httpx.AsyncClient) -> None:
    document: dict[str, Any] = (await http.get("/openapi.json")).json()
    operation = document["paths"]["/invoices/{id}/pdf-link"]["get"]
    assert operation["operationId"] == "getInvoicePdfLink"
    assert operation["summary"] == "Get invoice PDF link"
    assert operation["description"] == "Get a signed PDF URL for the specified invoice"
    assert operation["security"] == [{"OAuth2ClientCredentials": ["invoices:read"]}]
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/GetPdfLinkData"}
    for status in ("400", "404"):
        error = operation["responses"][status]["content"]["application/json"]["schema"]
        assert error == {"$ref": "#/components/schemas/HttpError"}
    schema = document["components"]["schemas"]["GetPdfLinkData"]
    assert schema["properties"]["url"]["type"] == "string"
    assert not any(path.startswith("/downloads") for path in document["paths"])
