"""Billing-v1 coupons: creation, validation, listing, and their limits at finalization."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.integration.api.billing import v1
from tests.integration.api.billing.v1 import API, assert_rest_error
from tests.support.tenant import Tenant


async def test_coupons_are_created_and_listed(tenant: Tenant, other_tenant: Tenant) -> None:
    percent = await v1.coupon(tenant, "TEN", type="Percentage", percentage="10")
    fixed = await v1.coupon(tenant, "FIVE", type="Fixed", amount=500, currency="USD")
    await v1.coupon(other_tenant, "THEIRS", type="Percentage", percentage="1")
    assert percent["discount"] == {"type": "Percentage", "percentage": "10"}
    assert fixed["discount"] == {"type": "Fixed", "amount": 500, "currency": "USD"}
    assert percent["id"].startswith("cpn_")
    response = await tenant.request("GET", f"{API}/coupons?per_page=1")
    assert response.status_code == 200
    body = response.json()
    assert [item["code"] for item in body["data"]] == ["FIVE"]
    assert body["pagination_meta"]["total_items"] == 2
    again = await tenant.request(
        "POST", f"{API}/coupons", json={"code": "TEN", "discount": percent["discount"]}
    )
    assert_rest_error(again, 409, "CONFLICT")


@pytest.mark.parametrize(
    "body",
    [
        {"code": "X", "discount": {"type": "Percentage", "percentage": "0"}},
        {"code": "X", "discount": {"type": "Percentage", "percentage": "100.5"}},
        {"code": "X", "discount": {"type": "Percentage"}},
        {"code": "X", "discount": {"type": "Fixed", "amount": 0, "currency": "USD"}},
        {"code": "X", "discount": {"type": "Fixed", "amount": 5}},
        {"code": "X", "discount": {"type": "Fixed", "amount": 5.5, "currency": "USD"}},
        {"code": "X", "discount": {"type": "Bogus"}},
        {"code": "", "discount": {"type": "Percentage", "percentage": "5"}},
        {
            "code": "X",
            "discount": {"type": "Percentage", "percentage": "5"},
            "redemption_limit": 0,
        },
        {
            "code": "X",
            "discount": {"type": "Percentage", "percentage": "5"},
            "expires_at": "2030-01-01T00:00:00",
        },
    ],
)
async def test_invalid_coupons_are_bad_requests(tenant: Tenant, body: dict[str, Any]) -> None:
    response = await tenant.request("POST", f"{API}/coupons", json=body)
    assert_rest_error(response, 400, "BAD_REQUEST")


async def test_a_redemption_limit_is_enforced_at_finalization(tenant: Tenant) -> None:
    once = await tenant.request(
        "POST",
        f"{API}/coupons",
        json={
            "code": "ONCE",
            "discount": {"type": "Percentage", "percentage": "50"},
            "redemption_limit": 1,
        },
    )
    coupon_id = once.json()["id"]
    customer = await v1.customer(tenant)
    first = await v1.draft(tenant, customer["id"], coupon_ids=[coupon_id])
    second = await v1.draft(tenant, customer["id"], coupon_ids=[coupon_id])
    assert second["coupons"] == [{"coupon_id": coupon_id, "name": "ONCE", "total": 5000}]
    await v1.act(tenant, first["id"], "finalize")
    response = await tenant.request("POST", f"{API}/invoices/{second['id']}/finalize")
    assert_rest_error(response, 409, "CONFLICT")
    listed = (await tenant.request("GET", f"{API}/coupons")).json()["data"]
    assert listed[0]["redemptions"] == 1
    third = await tenant.request(
        "POST",
        f"{API}/invoices",
        json={"customer_id": customer["id"], "line_items": [v1.line()], "coupon_ids": [coupon_id]},
    )
    assert_rest_error(third, 400, "BAD_REQUEST")


async def test_expired_and_foreign_currency_coupons_are_refused(tenant: Tenant) -> None:
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    expired = await tenant.request(
        "POST",
        f"{API}/coupons",
        json={
            "code": "OLD",
            "discount": {"type": "Percentage", "percentage": "5"},
            "expires_at": past,
        },
    )
    euros = await v1.coupon(tenant, "EUR5", type="Fixed", amount=500, currency="EUR")
    customer = await v1.customer(tenant)
    for coupon_id in (expired.json()["id"], euros["id"]):
        response = await tenant.request(
            "POST",
            f"{API}/invoices",
            json={
                "customer_id": customer["id"],
                "line_items": [v1.line()],
                "coupon_ids": [coupon_id],
            },
        )
        assert_rest_error(response, 400, "BAD_REQUEST")
