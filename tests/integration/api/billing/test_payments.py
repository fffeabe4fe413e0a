"""Billing-v1 `POST /invoices/{id}/payments`: payments received outside the hosted page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from invoicery.domain import ids
from invoicery.domain.events import EventType
from invoicery.service import events
from invoicery.store.database import Database
from tests.integration.api.billing import v1
from tests.integration.api.billing.v1 import API, assert_rest_error
from tests.integration.pages.hosted import GOOD_CARD, open_page, transactions_of
from tests.support.tenant import Tenant

MISSING = "inv_01jm0000000000000000000000"


def _path(invoice_id: str) -> str:
    return f"{API}/invoices/{invoice_id}/payments"


async def _finalized(tenant: Tenant, unit_price: str = "100.00") -> dict[str, Any]:
    draft = await v1.draft(tenant, None, v1.line(unit_price=unit_price))
    return await v1.act(tenant, draft["id"], "finalize")


async def _pay(tenant: Tenant, invoice_id: str, **body: Any) -> dict[str, Any]:
    response = await tenant.request("POST", _path(invoice_id), json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_a_partial_then_the_rest_offline_makes_it_paid(tenant: Tenant) -> None:
    final = await _finalized(tenant)
    first = await _pay(tenant, final["id"], amount=4_000, method="BANK_TRANSFER", reference="W-1")
    v1.validate_component("Invoice", first["invoice"])
    v1.validate_component("Transaction", first["transaction"])
    partly = first["invoice"]
    assert (partly["payment_status"], partly["amount_due"], partly["paid_at"]) == (
        "PartiallyPaid",
        6_000,
        None,
    )
    assert (partly["total"], partly["subtotal"]) == (10_000, 10_000)
    wire = first["transaction"]
    assert (wire["amount"], wire["status"], wire["payment_type"]) == (4_000, "Settled", "Payment")
    assert wire["payment_method_info"]["payment_method_type"] == "BankTransfer"
    assert wire["provider_transaction_id"] == "W-1"
    assert [t["id"] for t in partly["transactions"]] == [wire["id"]]
    second = await _pay(tenant, final["id"], amount=6_000, method="OTHER")
    paid = (await tenant.request("GET", f"{API}/invoices/{final['id']}")).json()
    assert paid == second["invoice"]
    assert (paid["status"], paid["payment_status"], paid["amount_due"]) == ("Finalized", "Paid", 0)
    assert paid["paid_at"] is not None
    methods = [t["payment_method_info"]["payment_method_type"] for t in paid["transactions"]]
    assert methods == ["BankTransfer", "Other"]
    listed = (await tenant.request("GET", f"{API}/invoices")).json()["data"]
    assert listed == [paid]
    ap = (await tenant.request("GET", f"/invoices/{final['id']}")).json()
    assert (ap["status"], ap["total"], ap["sub_total"]) == ("PAID", 100, 100)


async def test_overpaying_is_a_422_and_records_nothing(db: Database, tenant: Tenant) -> None:
    final = await _finalized(tenant)
    await _pay(tenant, final["id"], amount=9_000, method="CARD")
    over = await tenant.request(
        "POST", _path(final["id"]), json={"amount": 1_001, "method": "CARD"}
    )
    assert_rest_error(over, 422, "BAD_REQUEST")
    assert "amount due" in over.json()["message"]
    assert [t.amount for t in await transactions_of(db, tenant, final["id"])] == [9_000]


@pytest.mark.parametrize(
    "body",
    [
        {"amount": 0, "method": "CARD"},
        {"amount": -5, "method": "CARD"},
        {"amount": 10.5, "method": "CARD"},
        {"amount": "100", "method": "CARD"},
        {"amount": 100, "method": "CASH"},
        {"amount": 100},
        {"amount": 100, "method": "CARD", "reference": "x" * 101},
        {"amount": 100, "method": "CARD", "paid_at": "yesterday"},
    ],
)
async def test_a_bad_body_is_a_400(tenant: Tenant, body: dict[str, Any]) -> None:
    final = await _finalized(tenant)
    assert_rest_error(
        await tenant.request("POST", _path(final["id"]), json=body), 400, "BAD_REQUEST"
    )


async def test_paid_at_is_when_the_money_arrived_and_never_in_the_future(tenant: Tenant) -> None:
    final = await _finalized(tenant)
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    future = await tenant.request(
        "POST", _path(final["id"]), json={"amount": 100, "method": "CARD", "paid_at": later}
    )
    assert_rest_error(future, 400, "BAD_REQUEST")
    assert "paid_at" in future.json()["message"]
    arrived = "2026-01-02T03:04:05Z"
    paid = await _pay(tenant, final["id"], amount=10_000, method="CARD", paid_at=arrived)
    assert paid["transaction"]["processed_at"] == arrived
    assert paid["invoice"]["paid_at"] == arrived


@pytest.mark.parametrize("state", ["draft", "void", "archived", "paid"])
async def test_only_a_payable_invoice_takes_a_payment(tenant: Tenant, state: str) -> None:
    invoice = await v1.draft(tenant)
    if state != "draft":
        await v1.act(tenant, invoice["id"], "finalize")
    if state == "void":
        await v1.act(tenant, invoice["id"], "void")
    elif state == "archived":
        assert (await tenant.request("DELETE", f"/invoices/{invoice['id']}")).status_code == 200
    elif state == "paid":
        await _pay(tenant, invoice["id"], amount=10_000, method="CARD")
    refused = await tenant.request(
        "POST", _path(invoice["id"]), json={"amount": 100, "method": "CARD"}
    )
    assert_rest_error(refused, 409, "CONFLICT")


async def test_a_payment_needs_the_write_scope_and_a_visible_invoice(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    final = await _finalized(tenant)
    body = {"amount": 100, "method": "CARD"}
    assert_rest_error(await tenant.http.post(_path(final["id"]), json=body), 401, "UNAUTHORIZED")
    read_only = await tenant.headers(("invoices:read",))
    forbidden = await tenant.http.post(_path(final["id"]), json=body, headers=read_only)
    assert_rest_error(forbidden, 403, "FORBIDDEN")
    assert_rest_error(await tenant.request("POST", _path(MISSING), json=body), 404, "NOT_FOUND")
    theirs = await other_tenant.request("POST", _path(final["id"]), json=body)
    assert_rest_error(theirs, 404, "NOT_FOUND")


async def test_after_a_partial_payment_the_hosted_page_charges_only_the_rest(
    db: Database, tenant: Tenant
) -> None:
    final = await _finalized(tenant, unit_price="123.45")
    await _pay(tenant, final["id"], amount=2_345, method="BANK_TRANSFER")
    page = await open_page(tenant, final)
    assert "$100.00" in (await page.get()).text
    assert (await page.pay_card(GOOD_CARD)).status_code == 303
    paid = (await tenant.request("GET", f"{API}/invoices/{final['id']}")).json()
    assert (paid["payment_status"], paid["amount_due"]) == ("Paid", 0)
    card = paid["transactions"][-1]
    assert (card["amount"], card["payment_method_info"]["card_last4"]) == (10_000, "4242")
    assert [t.amount for t in await transactions_of(db, tenant, final["id"])] == [2_345, 10_000]
    ap = (await tenant.request("GET", f"/invoices/{final['id']}")).json()
    assert (ap["status"], ap["total"]) == ("PAID", 123.45)


async def test_each_payment_records_its_events(db: Database, tenant: Tenant) -> None:
    final = await _finalized(tenant)
    first = await _pay(tenant, final["id"], amount=1_000, method="CARD")
    second = await _pay(tenant, final["id"], amount=9_000, method="CARD")
    account_id: UUID = ids.decode(ids.ACCOUNT, tenant.client.account_id)
    recorded = (await events.recent(db, account_id=account_id))[::-1]
    assert [(event.type, event.subject_id) for event in recorded[-4:]] == [
        (EventType.PAYMENT_SUCCEEDED, first["transaction"]["id"]),
        (EventType.INVOICE_UPDATED, final["id"]),
        (EventType.PAYMENT_SUCCEEDED, second["transaction"]["id"]),
        (EventType.INVOICE_PAID, final["id"]),
    ]


async def test_2026_10_shows_partially_paid_and_the_transaction(tenant: Tenant) -> None:
    final = await _finalized(tenant)
    today = {"Invoicery-Version": "2026-10"}
    body = {"amount": 2_500, "method": "BANK_TRANSFER", "reference": "W-9"}
    response = await tenant.request("POST", _path(final["id"]), json=body, headers=today)
    assert response.status_code == 201, response.text
    recorded = response.json()
    assert recorded["transaction"]["status"] == "SETTLED"
    assert recorded["transaction"]["payment_method_info"]["payment_method_type"] == "BANK_TRANSFER"
    seen = (await tenant.request("GET", f"{API}/invoices/{final['id']}", headers=today)).json()
    assert (seen["payment_status"], seen["amount_due"]) == ("PARTIALLY_PAID", 7_500)
    assert seen == recorded["invoice"]
    [wire] = seen["transactions"]
    assert (wire["id"], wire["amount"], wire["provider_transaction_id"]) == (
        recorded["transaction"]["id"],
        2_500,
        "W-9",
    )


async def test_a_retried_keyed_payment_is_recorded_once(db: Database, tenant: Tenant) -> None:
    final = await _finalized(tenant)
    headers = {"Idempotency-Key": "wire-2026-001"}
    body = {"amount": 3_000, "method": "BANK_TRANSFER"}
    first = await tenant.request("POST", _path(final["id"]), json=body, headers=headers)
    again = await tenant.request("POST", _path(final["id"]), json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    assert [t.amount for t in await transactions_of(db, tenant, final["id"])] == [3_000]
