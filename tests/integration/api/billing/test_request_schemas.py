"""The v1 document's request schemas say what the server enforces, at the boundaries.

Each body below is checked twice: against the published request schema, and by the
server. The two must agree, and both must match the expected verdict.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator

from tests.integration.api.billing import v1
from tests.integration.api.billing.v1 import API
from tests.support.tenant import Tenant

LINE = {"name": "Seats", "quantity": "1", "unit_price": "1.00"}


@pytest.fixture
async def document(http: httpx.AsyncClient) -> dict[str, Any]:
    published: dict[str, Any] = (await http.get(f"{API}/openapi.json?version=2026-03")).json()
    return published


def request_schema(document: dict[str, Any], method: str, template: str) -> Draft202012Validator:
    operation = document["paths"][f"{API}{template}"][method.lower()]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    return Draft202012Validator(
        {**schema, "components": document["components"]},
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def line(**fields: Any) -> dict[str, Any]:
    return {**LINE, **fields}


def discount(**terms: Any) -> dict[str, Any]:
    return {"code": "C", "discount": terms}


# (body, valid): a draft for the tenant's customer, with these fields.
INVOICES = [
    ({"line_items": [line(quantity="1000000000", unit_price="0.000001")]}, True),
    ({"line_items": [line(quantity="1000000000.00000001")]}, False),
    ({"line_items": [line(quantity="0.00000001")]}, True),
    ({"line_items": [line(quantity="0.000000001")]}, False),
    ({"line_items": [line(quantity="0")]}, False),
    ({"line_items": [line(quantity="0.000")]}, False),
    ({"line_items": [line(quantity=5)]}, True),
    ({"line_items": [line(quantity=1.5)]}, False),
    ({"line_items": [line(quantity="1e3")]}, False),
    ({"line_items": [line(quantity=" 1")]}, False),
    ({"line_items": [line(quantity="-1")]}, False),
    ({"line_items": [line(quantity="0.001", unit_price="1000000000000")]}, True),
    ({"line_items": [line(unit_price="1000000000000.1")]}, False),
    ({"line_items": [line(unit_price="0.000000000001")]}, True),
    ({"line_items": [line(unit_price="0.0000000000001")]}, False),
    ({"line_items": [line(tax_rate="1")]}, True),
    ({"line_items": [line(tax_rate="1.00000001")]}, False),
    ({"line_items": [line(tax_rate="0.12345678")]}, True),
    ({"line_items": [line(tax_rate="0.123456789")]}, False),
    ({"line_items": [line(quantity=None, unit_price=None, sub_line_items=[LINE])]}, True),
    ({"line_items": [line(sub_line_items=[LINE])]}, False),
    ({"line_items": [line(quantity=None)]}, False),
    ({"line_items": [line(name="")]}, False),
    ({"net_terms": 3650}, True),
    ({"net_terms": 3651}, False),
    ({"net_terms": 10, "due_date": "2030-01-01"}, False),
    ({"invoice_date": "1900-01-01"}, True),
    ({"invoice_date": "1899-12-31"}, False),
    ({"invoice_date": "2030-02-30"}, False),
    ({"currency": ""}, False),
    ({"currency": "HRK"}, False),
    ({"currency": None}, True),
    ({"coupon_ids": ["a", "a"]}, False),
]

COUPONS = [
    (discount(type="Fixed", currency="USD"), False),
    (discount(type="Fixed", amount=100), False),
    (discount(type="Fixed", amount=0, currency="USD"), False),
    (discount(type="Fixed", amount=10**15, currency="USD"), True),
    (discount(type="Fixed", amount=10**15 + 1, currency="USD"), False),
    (discount(type="Fixed", amount=5.0, currency="USD"), True),
    (discount(type="Fixed", amount="5", currency="USD"), False),
    (discount(type="Percentage"), False),
    (discount(type="Percentage", percentage=None), False),
    (discount(type="Percentage", percentage="100"), True),
    (discount(type="Percentage", percentage="100.0001"), False),
    (discount(type="Percentage", percentage="0.0001"), True),
    (discount(type="Percentage", percentage="0.00001"), False),
    (discount(type="Other", percentage="10"), False),
    ({**discount(type="Percentage", percentage="5"), "redemption_limit": 0}, False),
    ({**discount(type="Percentage", percentage="5"), "redemption_limit": 2**31 - 1}, True),
    ({**discount(type="Percentage", percentage="5"), "redemption_limit": 2**31}, False),
    ({**discount(type="Percentage", percentage="5"), "expires_at": "2030-01-01T00:00:00Z"}, True),
    ({**discount(type="Percentage", percentage="5"), "expires_at": 0}, False),
    ({**discount(type="Percentage", percentage="5"), "expires_at": "2030-01-01"}, False),
]

CREDITS = [
    ({"amount": 1, "currency": "USD"}, True),
    ({"amount": 0, "currency": "USD"}, False),
    ({"amount": 10**15, "currency": "USD"}, True),
    ({"amount": 10**15 + 1, "currency": "USD"}, False),
    ({"amount": 1, "currency": ""}, False),
    ({"amount": True, "currency": "USD"}, False),
]

CUSTOMER_PATCHES = [
    ({"name": "Renamed"}, True),
    ({"name": None}, False),
    ({"currency": None}, False),
    ({"invoicing_emails": None}, False),
    ({"custom_taxes": None}, False),
    ({"alias": None, "phone": None, "billing_address": None}, True),
    ({"billing_email": "a\u0085b@example.com"}, False),
    ({"invoicing_emails": ["ap@example.com", "no-at-sign"]}, False),
    ({"custom_taxes": [{"tax_code": "T", "name": "T", "rate": "0.2"}]}, True),
    ({"custom_taxes": [{"tax_code": "T", "name": "T", "rate": "1.5"}]}, False),
    ({"billing_address": {"country": "us"}}, False),
]


async def agree(
    tenant: Tenant,
    document: dict[str, Any],
    method: str,
    template: str,
    url: str,
    body: dict[str, Any],
    valid: bool,
) -> None:
    published = request_schema(document, method, template).is_valid(body)
    response = await tenant.request(method, url, json=body)
    accepted = response.status_code < 300
    assert (published, accepted) == (valid, valid), (body, response.text)
    if not valid:
        assert response.status_code == 400, response.text


@pytest.mark.parametrize(("fields", "valid"), INVOICES)
async def test_invoice_bodies(
    tenant: Tenant, document: dict[str, Any], fields: dict[str, Any], valid: bool
) -> None:
    customer = await v1.customer(tenant)
    body = {"customer_id": customer["id"], "line_items": [LINE], **fields}
    await agree(tenant, document, "POST", "/invoices", f"{API}/invoices", body, valid)


@pytest.mark.parametrize(("body", "valid"), COUPONS)
async def test_coupon_bodies(
    tenant: Tenant, document: dict[str, Any], body: dict[str, Any], valid: bool
) -> None:
    await agree(tenant, document, "POST", "/coupons", f"{API}/coupons", body, valid)


@pytest.mark.parametrize(("body", "valid"), CREDITS)
async def test_credit_grants(
    tenant: Tenant, document: dict[str, Any], body: dict[str, Any], valid: bool
) -> None:
    customer = await v1.customer(tenant)
    url = f"{API}/customers/{customer['id']}/credits"
    template = "/customers/{id_or_alias}/credits"
    await agree(tenant, document, "POST", template, url, body, valid)


@pytest.mark.parametrize(("body", "valid"), CUSTOMER_PATCHES)
async def test_customer_patches(
    tenant: Tenant, document: dict[str, Any], body: dict[str, Any], valid: bool
) -> None:
    customer = await v1.customer(tenant)
    url = f"{API}/customers/{customer['id']}"
    await agree(tenant, document, "PATCH", "/customers/{id_or_alias}", url, body, valid)


@pytest.mark.parametrize(
    ("query", "valid"),
    [
        ("status=Draft", True),
        ("status=Paid", False),
        ("status=", False),
        ("statuses=Draft&statuses=Void", True),
        ("statuses=Finalized,Void", True),
        ("statuses=Finalized,,Void", False),
        ("statuses=Finalized, Void", False),
    ],
)
async def test_status_filters(
    tenant: Tenant, document: dict[str, Any], query: str, valid: bool
) -> None:
    parameters = document["paths"][f"{API}/invoices"]["get"]["parameters"]
    schemas = {parameter["name"]: parameter["schema"] for parameter in parameters}
    name, _, value = query.partition("&")[0].partition("=")
    schema = schemas[name]["anyOf"][0]
    item = schema["items"] if schema["type"] == "array" else schema
    values = [value] if name == "status" else [part.partition("=")[2] for part in query.split("&")]
    published = all(Draft202012Validator(item).is_valid(v) for v in values)
    response = await tenant.request("GET", f"{API}/invoices?{query}")
    assert (published, response.status_code == 200) == (valid, valid), response.text


async def test_a_draft_keeps_due_dates_within_net_terms_bound(tenant: Tenant) -> None:
    customer = await v1.customer(tenant)
    far = {"invoice_date": "2030-01-01", "due_date": "2040-01-01"}
    refused = await tenant.request(
        "POST", f"{API}/invoices", json={"customer_id": customer["id"], **far}
    )
    v1.assert_rest_error(refused, 400, "BAD_REQUEST")
    assert "due_date: must be at most 3650 days after invoice_date" in refused.json()["message"]
    latest = {"invoice_date": "2030-01-01", "due_date": "2039-12-30"}  # 3650 days
    draft = await v1.draft(tenant, customer["id"], LINE, **latest)
    assert draft["net_terms"] == 3650
    path = f"{API}/invoices/{draft['id']}"
    memo = await tenant.request("PATCH", path, json={"memo": "dates untouched"})
    assert memo.status_code == 200, memo.text
    assert memo.json()["due_date"] == "2039-12-30"


async def test_error_codes_are_published_with_invoicery_extensions(
    document: dict[str, Any],
) -> None:
    codes = document["components"]["schemas"]["ErrorCode"]
    extensions = {
        "METHOD_NOT_ALLOWED",
        "REQUEST_TIMEOUT",
        "PAYLOAD_TOO_LARGE",
        "UNSUPPORTED_MEDIA_TYPE",
        "TOO_MANY_REQUESTS",
        "SERVICE_UNAVAILABLE",
    }
    assert extensions <= set(codes["enum"])
    assert "Invoicery extensions" in codes["description"]
    error = document["components"]["schemas"]["RestErrorResponse"]["properties"]["code"]
    assert error == {"$ref": "#/components/schemas/ErrorCode"}
