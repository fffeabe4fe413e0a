"""The billing-v1 face publishes its own OpenAPI document, true to the seed and to itself."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator

from tests.integration.api.billing import v1
from tests.integration.api.billing.v1 import API
from tests.integration.pages.hosted import DECLINED_CARD, open_page
from tests.support import spec
from tests.support.tenant import Tenant

SEED = spec.load(spec.BILLING_SPEC)
needs_seed = pytest.mark.skipif(SEED is None, reason="../shared/spec is absent")
# Every seed operation and schema is served.
NOT_SERVED: set[str] = set()
NOT_SERVED_SCHEMAS: set[str] = set()


@pytest.fixture
async def served(http: httpx.AsyncClient) -> dict[str, Any]:
    response = await http.get(f"{API}/openapi.json?version=2026-03")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


@needs_seed
async def test_every_seed_operation_is_served_with_its_parameters_and_responses(
    served: dict[str, Any],
) -> None:
    assert SEED is not None
    ours = spec.operations(served)
    for key, seed_operation in spec.operations(SEED).items():
        if seed_operation["operationId"] in NOT_SERVED:
            assert key not in ours
            continue
        assert key in ours, f"{key} is not served"
        operation = ours[key]
        assert operation["operationId"] == seed_operation["operationId"]
        seed_params = {(p["name"], p["in"]) for p in seed_operation.get("parameters", [])}
        our_params = {(p["name"], p["in"]) for p in operation.get("parameters", [])}
        assert seed_params <= our_params, key
        assert set(seed_operation["responses"]) <= set(operation["responses"]), key


@needs_seed
async def test_seed_schemas_exist_with_their_properties(served: dict[str, Any]) -> None:
    assert SEED is not None
    ours = served["components"]["schemas"]
    for name, seed_schema in SEED["components"]["schemas"].items():
        if "properties" not in seed_schema or name in NOT_SERVED_SCHEMAS:
            continue
        assert name in ours, name
        assert set(seed_schema["properties"]) <= set(ours[name]["properties"]), name


async def test_each_face_has_its_own_document(http: httpx.AsyncClient) -> None:
    root = (await http.get("/openapi.json")).json()
    face = (await http.get(f"{API}/openapi.json")).json()
    assert root["paths"]
    assert not [path for path in root["paths"] if path.startswith(API)]
    assert face["paths"]
    assert all(path.startswith(API) for path in face["paths"])
    docs = await http.get(f"{API}/docs")
    assert docs.status_code == 200
    assert f"{API}/openapi.json" in docs.text


def _validator(document: dict[str, Any], method: str, url: str, status: int) -> Any:
    for template, item in document["paths"].items():
        pattern = re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, url) and method.lower() in item:
            response = item[method.lower()]["responses"][str(status)]
            schema = response["content"]["application/json"]["schema"]
            return Draft202012Validator({**schema, "components": document["components"]})
    raise AssertionError(f"{method} {url} is not documented")


async def test_real_responses_match_the_published_schemas(
    tenant: Tenant, served: dict[str, Any]
) -> None:
    customer = await v1.customer(
        tenant,
        alias="acme",
        billing_address={"line1": "1 Main St", "city": "Springfield", "country": "US"},
        shipping_address={"same_as_billing": True},
        custom_taxes=[{"tax_code": "ST", "name": "State tax", "rate": "0.05"}],
    )
    coupon = await v1.coupon(tenant, "TEN", type="Percentage", percentage="10")
    granted = await tenant.request(
        "POST", f"{API}/customers/acme/credits", json={"amount": 500, "currency": "USD"}
    )
    assert granted.status_code == 201, granted.text
    draft = await v1.draft(
        tenant,
        customer["id"],
        *v1.taxed_and_tiered_lines(),
        coupon_ids=[coupon["id"]],
        memo="Thanks",
    )
    await v1.act(tenant, draft["id"], "finalize")
    page = await open_page(tenant, {"id": draft["id"]})
    assert (await page.pay_card(DECLINED_CARD)).status_code == 402
    _validator(served, "POST", f"{API}/coupons", 201).validate(coupon)
    _validator(served, "POST", f"{API}/customers/acme/credits", 201).validate(granted.json())
    checks = [
        ("GET", f"{API}/invoices/{draft['id']}"),
        ("GET", f"{API}/invoices?per_page=5"),
        ("GET", f"{API}/customers/acme"),
        ("GET", f"{API}/customers?per_page=5"),
        ("GET", f"{API}/customers/acme/credits"),
        ("GET", f"{API}/coupons?per_page=5"),
    ]
    for method, url in checks:
        response = await tenant.request(method, url)
        assert response.status_code == 200, response.text
        _validator(served, method, url.partition("?")[0], 200).validate(response.json())
    invoice = (await tenant.request("GET", f"{API}/invoices/{draft['id']}")).json()
    assert invoice["transactions"]
    assert invoice["coupons"]
    assert invoice["tax_breakdown"]
    assert invoice["applied_credits"] == 500
    assert any(line["sub_line_items"] for line in invoice["line_items"])
