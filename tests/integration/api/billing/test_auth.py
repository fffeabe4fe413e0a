"""Every billing-v1 endpoint needs a bearer token with its scope; errors are RestErrorResponse."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.api.billing.v1 import API, assert_rest_error
from tests.support.tenant import Tenant

INV = "inv_01jm0000000000000000000000"
CUS = "cus_01jm0000000000000000000000"
CPN = "cpn_01jm0000000000000000000000"
CRN = "crn_01jm0000000000000000000000"
TXN = "txn_01jm0000000000000000000000"

# (method, path, body, the scope it needs)
ENDPOINTS: list[tuple[str, str, Any, str]] = [
    ("GET", "/invoices", None, "invoices:read"),
    ("POST", "/invoices", {"customer_id": CUS}, "invoices:write"),
    ("GET", f"/invoices/{INV}", None, "invoices:read"),
    ("PATCH", f"/invoices/{INV}", {"memo": "x"}, "invoices:write"),
    ("POST", f"/invoices/{INV}/finalize", None, "invoices:write"),
    ("POST", f"/invoices/{INV}/void", None, "invoices:write"),
    ("POST", f"/invoices/{INV}/mark-uncollectible", None, "invoices:write"),
    ("POST", f"/invoices/{INV}/refresh", None, "invoices:write"),
    ("GET", f"/invoices/{INV}/payments/{TXN}/receipt", None, "invoices:read"),
    ("GET", "/coupons", None, "invoices:read"),
    ("POST", "/coupons", {"code": "X"}, "invoices:write"),
    ("GET", f"/coupons/{CPN}", None, "invoices:read"),
    ("PATCH", f"/coupons/{CPN}", {"description": "x"}, "invoices:write"),
    ("POST", f"/coupons/{CPN}/archive", None, "invoices:write"),
    ("POST", f"/coupons/{CPN}/unarchive", None, "invoices:write"),
    ("POST", f"/coupons/{CPN}/disable", None, "invoices:write"),
    ("POST", f"/coupons/{CPN}/enable", None, "invoices:write"),
    ("PATCH", f"/invoices/{INV}/custom-properties", {"custom_properties": {}}, "invoices:write"),
    ("GET", "/credit-notes?search=CN&order_by=total.asc", None, "invoices:read"),
    (
        "PATCH",
        f"/credit-notes/{CRN}/custom-properties",
        {"custom_properties": {}},
        "invoices:write",
    ),
    ("GET", f"/credit-notes/{CRN}/xml", None, "invoices:read"),
    ("GET", "/customers", None, "customers:read"),
    ("POST", "/customers", {"name": "X"}, "customers:write"),
    ("GET", f"/customers/{CUS}", None, "customers:read"),
    ("PUT", f"/customers/{CUS}", {"name": "X"}, "customers:write"),
    ("PATCH", f"/customers/{CUS}", {"name": "X"}, "customers:write"),
    ("DELETE", f"/customers/{CUS}", None, "customers:write"),
    ("POST", f"/customers/{CUS}/unarchive", None, "customers:write"),
    ("GET", f"/customers/{CUS}/credits", None, "customers:read"),
    ("POST", f"/customers/{CUS}/credits", {"amount": 1}, "customers:write"),
]
ALL = ("invoices:read", "invoices:write", "customers:read", "customers:write")


@pytest.mark.parametrize(("method", "path", "body", "scope"), ENDPOINTS)
async def test_no_or_bad_token_is_401(
    tenant: Tenant, method: str, path: str, body: Any, scope: str
) -> None:
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic x"}):
        response = await tenant.http.request(method, API + path, json=body, headers=headers)
        assert_rest_error(response, 401, "UNAUTHORIZED")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("method", "path", "body", "scope"), ENDPOINTS)
async def test_a_token_without_the_scope_is_403(
    tenant: Tenant, method: str, path: str, body: Any, scope: str
) -> None:
    others = tuple(s for s in ALL if s != scope)
    headers = await tenant.headers(others)
    response = await tenant.http.request(method, API + path, json=body, headers=headers)
    assert_rest_error(response, 403, "FORBIDDEN")
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]


async def test_an_unknown_path_under_v1_is_a_rest_error(tenant: Tenant) -> None:
    response = await tenant.request("GET", f"{API}/nothing-here")
    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"
