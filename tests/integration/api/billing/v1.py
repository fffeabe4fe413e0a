"""Builders and checks for billing-v1 tests: customers, drafts, coupons, spec conformance."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

from tests.support import spec
from tests.support.tenant import Tenant

API = "/api/v1"


def validate_component(name: str, body: Any) -> None:
    """Check `body` against a component schema of the billing-v1 seed spec (if present)."""
    document = spec.load(spec.BILLING_SPEC)
    if document is None:
        return
    schema = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
    Draft202012Validator(schema).validate(body)


def line(
    name: str = "Consulting", quantity: Any = "1", unit_price: Any = "100.00", **fields: Any
) -> dict[str, Any]:
    """A billing-v1 line item body."""
    return {"name": name, "quantity": quantity, "unit_price": unit_price, **fields}


def taxed_and_tiered_lines() -> tuple[dict[str, Any], dict[str, Any]]:
    """A line with its own 20 % tax rate, and a line priced by a sub-line (a tier)."""
    tier = {"name": "Tier 1", "quantity": "2", "unit_price": "1.50"}
    return (
        line("Support", quantity="1.5", unit_price="100.00", tax_rate="0.20"),
        line("Usage", quantity=None, unit_price=None, sub_line_items=[tier]),
    )


def customer_body(name: str = "Ada Lovelace", **fields: Any) -> dict[str, Any]:
    """A billing-v1 `CustomerCreateRequest`."""
    body: dict[str, Any] = {
        "name": name,
        "invoicing_emails": [],
        "currency": "USD",
        "custom_taxes": [],
    }
    body.update(fields)
    return body


async def customer(tenant: Tenant, **fields: Any) -> dict[str, Any]:
    """Create a customer on the billing-v1 face and return its JSON."""
    response = await tenant.request("POST", f"{API}/customers", json=customer_body(**fields))
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def draft(
    tenant: Tenant, customer_id: str | None = None, *lines: dict[str, Any], **fields: Any
) -> dict[str, Any]:
    """Create a draft invoice (and a customer if none is given); return its JSON."""
    if customer_id is None:
        customer_id = (await customer(tenant))["id"]
    body = {"customer_id": customer_id, "line_items": list(lines) or [line()], **fields}
    response = await tenant.request("POST", f"{API}/invoices", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    validate_component("Invoice", result)
    return result


async def act(tenant: Tenant, invoice_id: str, action: str) -> dict[str, Any]:
    """POST a lifecycle action (finalize, void, mark-uncollectible) that must succeed."""
    response = await tenant.request("POST", f"{API}/invoices/{invoice_id}/{action}")
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    validate_component("Invoice", result)
    return result


async def coupon(tenant: Tenant, code: str, **discount: Any) -> dict[str, Any]:
    """Create a coupon with the given discount terms; return its JSON."""
    body = {"code": code, "discount": discount}
    response = await tenant.request("POST", f"{API}/coupons", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def assert_rest_error(response: Any, status: int, code: str) -> None:
    """The response is a `RestErrorResponse` with this status and code."""
    assert response.status_code == status, response.text
    body = response.json()
    validate_component("RestErrorResponse", body)
    assert body["code"] == code, body
