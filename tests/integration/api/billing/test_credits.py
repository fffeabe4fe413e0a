"""Billing-v1 customer credit: grants, the ledger at finalization and void, and limits."""

from __future__ import annotations

import asyncio
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
