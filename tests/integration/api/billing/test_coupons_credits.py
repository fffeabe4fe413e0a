"""Coupons and customer credit: creation, limits, and the ledger at finalization and void."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.integration.api.billing import v1
from tests.integration.api.billing.v1 import API, assert_rest_error
from tests.support.tenant import Tenant


async def grant(tenant: Tenant, customer: str, amount: int, currency: str = "USD") -> Any:
    """Grant credit to a customer (id or alias); return the ledger entry."""
    body = {"amount": amount, "currency": currency, "description": "goodwill"}
    response = await tenant.request("POST", f"{API}/customers/{customer}/credits", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def ledger(tenant: Tenant, customer: str) -> Any:
    """A customer's credit ledger."""
    response = await tenant.request("GET", f"{API}/customers/{customer}/credits")
    assert response.status_code == 200, response.text
    return response.json()


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


async def test_credit_is_consumed_at_finalization_and_restored_by_void(tenant: Tenant) -> None:
    customer = await v1.customer(tenant, alias="ada")
    await grant(tenant, "ada", 15_000)
    first = await v1.draft(tenant, "ada", v1.line(unit_price="100.00"))
    assert first["applied_credits"] == 0  # a draft only previews
    first = await v1.act(tenant, first["id"], "finalize")
    assert (first["applied_credits"], first["amount_due"]) == (10_000, 0)
    second = await v1.act(tenant, (await v1.draft(tenant, "ada"))["id"], "finalize")
    assert (second["applied_credits"], second["amount_due"]) == (5_000, 5_000)
    third = await v1.act(tenant, (await v1.draft(tenant, "ada"))["id"], "finalize")
    assert third["applied_credits"] == 0
    assert (await ledger(tenant, "ada"))["balances"] == [{"currency": "USD", "balance": 0}]
    await v1.act(tenant, second["id"], "void")
    book = await ledger(tenant, customer["id"])
    assert book["balances"] == [{"currency": "USD", "balance": 5_000}]
    kinds = [(entry["kind"], entry["amount"], entry["balance_after"]) for entry in book["entries"]]
    assert kinds == [
        ("Grant", 15_000, 15_000),
        ("Applied", -10_000, 5_000),
        ("Applied", -5_000, 0),
        ("Restored", 5_000, 5_000),
    ]
    assert sum(entry["amount"] for entry in book["entries"]) == 5_000


async def test_credit_in_another_currency_is_not_used(tenant: Tenant) -> None:
    await v1.customer(tenant, alias="ada")
    await grant(tenant, "ada", 1_000, "EUR")
    final = await v1.act(tenant, (await v1.draft(tenant, "ada"))["id"], "finalize")
    assert final["applied_credits"] == 0


@pytest.mark.parametrize(
    "body",
    [
        {"amount": 0, "currency": "USD"},
        {"amount": -5, "currency": "USD"},
        {"amount": 1.5, "currency": "USD"},
        {"amount": 100, "currency": "XXX"},
        {"amount": 100},
    ],
)
async def test_invalid_grants_are_bad_requests(tenant: Tenant, body: dict[str, Any]) -> None:
    await v1.customer(tenant, alias="ada")
    response = await tenant.request("POST", f"{API}/customers/ada/credits", json=body)
    assert_rest_error(response, 400, "BAD_REQUEST")


async def test_credits_of_unknown_or_foreign_customers_are_not_found(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = await v1.customer(other_tenant, alias="theirs")
    for reference in ("nobody", "theirs", theirs["id"]):
        path = f"{API}/customers/{reference}/credits"
        assert_rest_error(await tenant.request("GET", path), 404, "NOT_FOUND")
        response = await tenant.request("POST", path, json={"amount": 1, "currency": "USD"})
        assert_rest_error(response, 404, "NOT_FOUND")


async def test_concurrent_finalizations_never_overspend_credit_or_a_coupon(
    tenant: Tenant,
) -> None:
    await v1.customer(tenant, alias="ada")
    await grant(tenant, "ada", 25_000)  # two and a half invoices of 100.00
    limited = await tenant.request(
        "POST",
        f"{API}/coupons",
        json={
            "code": "TWICE",
            "discount": {"type": "Fixed", "amount": 1, "currency": "USD"},
            "redemption_limit": 2,
        },
    )
    coupon_id = limited.json()["id"]
    drafts = [(await v1.draft(tenant, "ada", coupon_ids=[coupon_id]))["id"] for _ in range(5)]
    responses = await asyncio.gather(
        *(tenant.request("POST", f"{API}/invoices/{draft}/finalize") for draft in drafts)
    )
    finalized = [response.json() for response in responses if response.status_code == 200]
    assert sorted(response.status_code for response in responses) == [200, 200, 409, 409, 409]
    assert sorted(invoice["applied_credits"] for invoice in finalized) == [9_999, 9_999]
    book = await ledger(tenant, "ada")
    assert book["balances"] == [{"currency": "USD", "balance": 25_000 - 2 * 9_999}]
    assert sum(entry["amount"] for entry in book["entries"]) == 25_000 - 2 * 9_999
    numbers = sorted(invoice["invoice_number"] for invoice in finalized)
    assert numbers == ["INV-000001", "INV-000002"]
