"""Billing-v1 versions: which one answers, and the document each is published in."""

from __future__ import annotations

import httpx

from tests.integration.api.billing.v1 import API
from tests.support.tenant import Tenant


async def test_a_request_names_its_version_and_the_response_says_which_answered(
    tenant: Tenant,
) -> None:
    for version in ("2026-03", "2026-10"):
        response = await tenant.request(
            "GET", f"{API}/invoices", headers={"Invoicery-Version": version}
        )
        assert response.status_code == 200, response.text
        assert response.headers["invoicery-version"] == version


async def test_an_unknown_version_is_refused_in_the_faces_error_format(tenant: Tenant) -> None:
    response = await tenant.request(
        "GET", f"{API}/invoices", headers={"Invoicery-Version": "2025-01"}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "BAD_REQUEST"
    assert "2025-01" in body["message"]


async def test_errors_name_the_version_too(http: httpx.AsyncClient) -> None:
    response = await http.get(f"{API}/invoices", headers={"Invoicery-Version": "2026-03"})
    assert response.status_code == 401
    assert response.headers["invoicery-version"] == "2026-03"


async def test_the_ap_face_is_not_versioned(tenant: Tenant) -> None:
    response = await tenant.request("GET", "/invoices", headers={"Invoicery-Version": "2026-03"})
    assert response.status_code == 200
    assert "invoicery-version" not in response.headers


async def test_each_version_has_its_document_and_the_newest_is_the_default(
    http: httpx.AsyncClient,
) -> None:
    default = (await http.get(f"{API}/openapi.json")).json()
    assert default["info"]["x-api-version"] == "2026-10"
    for version in ("2026-03", "2026-10"):
        document = (await http.get(f"{API}/openapi.json?version={version}")).json()
        assert document["info"]["x-api-version"] == version
        assert document["paths"]
    unknown = await http.get(f"{API}/openapi.json?version=1999-01")
    assert unknown.status_code == 400
