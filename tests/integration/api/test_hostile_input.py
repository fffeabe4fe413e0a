"""Hostile input on both faces: every case answers 4xx in the face's error format, quickly.

Each case here once stalled a worker or answered 500 (the security report of 2026-11-30).
They run on SQLite and PostgreSQL; PostgreSQL is where NUL and range errors surfaced.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.integration.api.billing import v1
from tests.support.builders import line
from tests.support.tenant import Tenant

API = v1.API
JSON = {"Content-Type": "application/json"}
# Per-test ceiling: a regression to the old arithmetic would run for hours, not fail.
pytestmark = pytest.mark.timeout(60)


def assert_ap_error(response: httpx.Response, status: int, field: str | None = None) -> None:
    """An AP `HttpError` with `status`, naming `field` among its validation errors."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) <= {"code", "message", "validation_errors", "request_id"}
    assert body["code"]
    assert body["message"]
    if field is not None:
        assert field in body.get("validation_errors", {}), body


def assert_v1_error(response: httpx.Response, field: str | None = None) -> None:
    """A billing-v1 `RestErrorResponse` 400 whose message names `field`."""
    assert response.status_code == 400, response.text
    body = response.json()
    assert set(body) == {"code", "message", "request_id"}
    assert body["code"] == "BAD_REQUEST"
    if field is not None:
        assert field in body["message"], body


async def raw_post(tenant: Tenant, url: str, text: str) -> httpx.Response:
    """POST `text` verbatim as a JSON body (numbers Python's json would not write)."""
    return await tenant.request("POST", url, content=text.encode(), headers=JSON)


# --- numbers: bounded before any arithmetic ---------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("quantity", "1E+9999999999"),
        ("quantity", "1E+3000000"),
        ("quantity", "-1E+3000000"),
        ("unit_price", "1E+300000"),
        ("unit_price", "1E-9999999999"),
        ("quantity", "0E+9999999999"),
        ("quantity", "1" * 5000),
        ("unit_price", "0." + "0" * 80 + "1"),
    ],
)
async def test_v1_decimal_text_with_a_huge_exponent_is_refused_at_once(
    tenant: Tenant, field: str, value: str
) -> None:
    customer = await v1.customer(tenant)
    item = v1.line(**{field: value})
    body = {"customer_id": customer["id"], "line_items": [item]}
    response = await tenant.request("POST", f"{API}/invoices", json=body)
    assert_v1_error(response, f"line_items[0].{field}")


@pytest.mark.parametrize("number", ["1E+9999999999", "1E+300000", "-1E+300000", "1E-300000"])
async def test_v1_json_numbers_with_a_huge_exponent_are_refused(
    tenant: Tenant, number: str
) -> None:
    customer = await v1.customer(tenant)
    text = (
        f'{{"customer_id": "{customer["id"]}", "line_items": '
        f'[{{"name": "x", "quantity": {number}, "unit_price": "1"}}]}}'
    )
    assert_v1_error(await raw_post(tenant, f"{API}/invoices", text), "line_items[0].quantity")


@pytest.mark.parametrize(
    "amount", ["1E+300000", "1E+9999999999", "1e20", "92233720368547758.08", "1E-300000"]
)
async def test_ap_amounts_beyond_the_storage_range_are_refused(tenant: Tenant, amount: str) -> None:
    customer = await tenant.customer()
    text = (
        f'{{"customer_id": "{customer["id"]}", '
        f'"line_items": [{{"amount": {amount}, "description": "x", "quantity": 1}}]}}'
    )
    response = await raw_post(tenant, "/invoices", text)
    assert_ap_error(response, 422, "line_items[0].amount")


@pytest.mark.parametrize(
    ("amount", "quantity"),
    [(1, 10**19), (1, 10**30), (10_000_000_000, 1_000_000), (1, 2**63)],
)
async def test_ap_quantities_and_line_totals_beyond_the_range_are_refused(
    tenant: Tenant, amount: int, quantity: int
) -> None:
    customer = await tenant.customer()
    body = {"customer_id": customer["id"], "line_items": [line(amount, quantity=quantity)]}
    response = await tenant.request("POST", "/invoices", json=body)
    assert_ap_error(response, 422, "line_items[0].quantity")


async def test_the_largest_accepted_lines_still_total_within_the_storage_range(
    tenant: Tenant,
) -> None:
    customer = await tenant.customer()
    # 1,000 lines of the largest line total: 10**18 minor units in all, inside int64.
    lines = [line(10_000_000, quantity=1_000_000) for _ in range(1000)]
    response = await tenant.request(
        "POST", "/invoices", json={"customer_id": customer["id"], "line_items": lines}
    )
    assert response.status_code == 201, response.text
    assert response.json()["total"] == 10_000_000_000_000_000
    read = await tenant.request("GET", f"/invoices/{response.json()['id']}")
    assert read.json()["total"] == 10_000_000_000_000_000


@pytest.mark.parametrize(
    ("discount", "field"),
    [
        ({"type": "Fixed", "amount": 10**30, "currency": "USD"}, "discount.amount"),
        ({"type": "Fixed", "amount": 2**63, "currency": "USD"}, "discount.amount"),
        ({"type": "Percentage", "percentage": "1E+9999999999"}, "discount.percentage"),
    ],
)
async def test_v1_coupon_amounts_beyond_the_range_are_refused(
    tenant: Tenant, discount: dict[str, Any], field: str
) -> None:
    body = {"code": "HUGE", "discount": discount}
    assert_v1_error(await tenant.request("POST", f"{API}/coupons", json=body), field)


@pytest.mark.parametrize("limit", [10**30, 2**31, 0])
async def test_v1_coupon_redemption_limits_beyond_int32_are_refused(
    tenant: Tenant, limit: int
) -> None:
    discount = {"type": "Percentage", "percentage": "5"}
    body = {"code": "LIMIT", "discount": discount, "redemption_limit": limit}
    assert_v1_error(await tenant.request("POST", f"{API}/coupons", json=body), "redemption_limit")


# --- text PostgreSQL cannot store ---------------------------------------------------------


@pytest.mark.parametrize("text", ["a\x00b", "\x00", "lone \ud800 surrogate", "\udc00"])
async def test_unstorable_text_in_ap_bodies_is_refused(tenant: Tenant, text: str) -> None:
    customer = await tenant.customer()
    bodies = [
        ("/customers", {"name": text, "email": "ada@example.com"}),
        ("/customers", {"name": "Ada", "email": "ada@example.com", "company_name": text}),
        ("/invoices", {"customer_id": customer["id"], "line_items": [line()], "memo": text}),
        ("/invoices", {"customer_id": customer["id"], "line_items": [line(description=text)]}),
    ]
    for url, body in bodies:
        response = await raw_post(tenant, url, json.dumps(body))
        assert_ap_error(response, 422)
        assert "cannot be stored" in response.json()["message"]


@pytest.mark.parametrize("text", ["a\x00b", "lone \ud800 surrogate"])
async def test_unstorable_text_in_v1_bodies_is_refused(tenant: Tenant, text: str) -> None:
    customer = await v1.customer(tenant)
    bodies = [
        ("/customers", v1.customer_body(text)),
        ("/customers", v1.customer_body(alias=text)),
        ("/invoices", {"customer_id": customer["id"], "line_items": [v1.line()], "memo": text}),
        ("/invoices", {"customer_id": customer["id"], "line_items": [v1.line(text)]}),
    ]
    for url, body in bodies:
        assert_v1_error(await raw_post(tenant, f"{API}{url}", json.dumps(body)))
    assert (await tenant.request("GET", f"{API}/customers")).json()["pagination_meta"][
        "total_items"
    ] == 1


async def test_escaped_backslashes_and_emoji_are_stored_as_given(tenant: Tenant) -> None:
    customer = await tenant.customer()
    memo = "C:\\u0000 is text, and so is 😀"
    body = {"customer_id": customer["id"], "line_items": [line()], "memo": memo}
    response = await raw_post(tenant, "/invoices", json.dumps(body))
    assert response.status_code == 201, response.text
    assert response.json()["memo"] == memo


@pytest.mark.parametrize(
    "url",
    [
        "/invoices?invoice_number=%00",
        "/customers?company_name=a%00b",
        f"{API}/invoices?search=%00",
        f"{API}/customers?search=%00",
        f"{API}/customers/%00",
        f"{API}/customers/%00/credits",
        f"{API}/invoices/%00",
        "/invoices/inv_%00",
        "/customers/%00",
    ],
)
async def test_nul_in_queries_and_paths_is_refused_in_the_face_format(
    tenant: Tenant, url: str
) -> None:
    response = await tenant.request("GET", url)
    assert response.status_code == 400, response.text
    body = response.json()
    if url.startswith(API):
        assert body["code"] == "BAD_REQUEST"
    else:
        assert body["code"] == "bad_request"
        assert body["validation_errors"]
    assert "cannot be stored" in response.text


async def test_nul_in_a_token_request_form_is_refused_as_rfc_6749_says(tenant: Tenant) -> None:
    response = await tenant.http.post(
        "/oauth/token",
        content=b"grant_type=client_credentials&scope=%00",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_request"
    assert "cannot be stored" in response.json()["error_description"]
    assert response.headers["cache-control"] == "no-store"


# --- dates at the ends of the calendar -----------------------------------------------------


@pytest.mark.parametrize("resource", ["/invoices", "/customers"])
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("created_at_end", "9999-12-31"),
        ("created_at_start", "0001-01-01"),
        ("created_at_start", "0001-01-01T00:00:00+14:00"),
        ("created_at_end", "0001-01-01T00:00:00+14:00"),
        ("created_at_start", "9999-12-31T23:59:59-14:00"),
        ("created_at_end", "9999-12-31T23:59:59-14:00"),
    ],
)
async def test_ap_created_at_filters_at_the_calendar_ends_are_answered(
    tenant: Tenant, resource: str, name: str, value: str
) -> None:
    await tenant.invoice()
    response = await tenant.request("GET", resource, params={name: value})
    assert response.status_code == 200, response.text
    found = len(response.json()["data"])
    expected = 1 if (name == "created_at_end") == value.startswith("9999") else 0
    assert found == expected


async def test_ap_due_date_filters_at_the_calendar_ends_are_answered(tenant: Tenant) -> None:
    await tenant.invoice()
    for params in (
        {"due_date_end": "9999-12-31T23:59:59-14:00"},
        {"due_date_start": "0001-01-01T00:00:00+14:00"},
    ):
        response = await tenant.request("GET", "/invoices", params=params)
        assert response.status_code == 200, response.text
        assert len(response.json()["data"]) == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"invoice_date": "9999-12-31", "net_terms": 30}, "net_terms"),
        ({"invoice_date": "9999-12-31", "net_terms": 1}, "net_terms"),
        ({"invoice_date": "0001-01-01"}, "invoice_date"),
        ({"due_date": "0001-01-01"}, "due_date"),
    ],
)
async def test_v1_invoice_dates_beyond_the_calendar_are_refused(
    tenant: Tenant, fields: dict[str, Any], field: str
) -> None:
    customer = await v1.customer(tenant)
    body = {"customer_id": customer["id"], "line_items": [v1.line()], **fields}
    assert_v1_error(await tenant.request("POST", f"{API}/invoices", json=body), field)


async def test_v1_invoice_on_the_last_day_of_the_calendar_is_accepted(tenant: Tenant) -> None:
    customer = await v1.customer(tenant)
    body = {
        "customer_id": customer["id"],
        "line_items": [v1.line()],
        "invoice_date": "9999-12-31",
        "net_terms": 0,
    }
    response = await tenant.request("POST", f"{API}/invoices", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["due_date"] == "9999-12-31"


@pytest.mark.parametrize("expires_at", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
async def test_v1_coupon_expiry_beyond_the_calendar_is_refused(
    tenant: Tenant, expires_at: str
) -> None:
    body = {
        "code": "LATE",
        "discount": {"type": "Percentage", "percentage": "5"},
        "expires_at": expires_at,
    }
    assert_v1_error(await tenant.request("POST", f"{API}/coupons", json=body), "expires_at")


# --- work per request is bounded ---------------------------------------------------------


async def test_v1_invoices_hold_at_most_a_thousand_sub_lines(tenant: Tenant) -> None:
    customer = await v1.customer(tenant)
    sub = {"name": "tier", "quantity": "1", "unit_price": "0.01"}
    tiered = {"name": "usage", "sub_line_items": [sub] * 100}
    body = {"customer_id": customer["id"], "line_items": [tiered] * 11}
    assert_v1_error(await tenant.request("POST", f"{API}/invoices", json=body), "line_items")
    body["line_items"] = [tiered] * 10
    response = await tenant.request("POST", f"{API}/invoices", json=body)
    assert response.status_code == 201, response.text
