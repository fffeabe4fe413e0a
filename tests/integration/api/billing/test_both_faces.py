"""One invoice, two views: what each face shows as the invoice moves through its life."""

from __future__ import annotations

from typing import Any

from tests.integration.api.billing import v1
from tests.integration.api.billing.v1 import API
from tests.integration.pages.hosted import DECLINED_CARD, GOOD_CARD, open_page
from tests.support.builders import line
from tests.support.tenant import Tenant


async def v1_view(tenant: Tenant, invoice_id: str) -> dict[str, Any]:
    """The invoice as the billing-v1 face shows it."""
    response = await tenant.request("GET", f"{API}/invoices/{invoice_id}")
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_an_ap_invoice_is_a_finalized_one_off_on_v1(tenant: Tenant) -> None:
    customer = await tenant.customer(name="Grace", email="grace@example.com", external_id="g")
    created = await tenant.invoice(
        line(0.1, quantity=3), line(19.99), customer_id=customer["id"], memo="hello"
    )
    seen = await v1_view(tenant, created["id"])
    assert (seen["status"], seen["invoice_type"], seen["payment_status"]) == (
        "Finalized",
        "OneOff",
        "Unpaid",
    )
    assert seen["invoice_number"] == created["invoice_number"]
    assert seen["due_date"] == created["due_date"]
    assert (seen["subtotal"], seen["total"], seen["amount_due"]) == (2029, 2029, 2029)
    assert [(i["name"], i["quantity"], i["unit_price"]) for i in seen["line_items"]] == [
        ("Consulting", "3", "0.10"),
        ("Consulting", "1", "19.99"),
    ]
    details = seen["customer_details"]
    assert (details["name"], details["email"], details["alias"]) == (
        "Grace",
        "grace@example.com",
        "g",
    )
    assert seen["finalized_at"] is not None
    listed = (await tenant.request("GET", f"{API}/invoices")).json()["data"]
    assert listed == [seen]


async def test_a_draft_is_invisible_on_the_ap_face_until_finalized(tenant: Tenant) -> None:
    draft = await v1.draft(tenant, None, v1.line(quantity="1.5", unit_price="10"))
    assert (await tenant.request("GET", f"/invoices/{draft['id']}")).status_code == 404
    assert (await tenant.request("GET", "/invoices")).json()["data"] == []
    assert (await tenant.request("DELETE", f"/invoices/{draft['id']}")).status_code == 404
    final = await v1.act(tenant, draft["id"], "finalize")
    ap = (await tenant.request("GET", f"/invoices/{draft['id']}")).json()
    assert ap["status"] == "UPCOMING"
    assert (ap["sub_total"], ap["total"]) == (15, 15)
    assert ap["line_items"] == [{"description": "Consulting", "quantity": 1, "amount": 15}]
    assert ap["invoice_number"] == final["invoice_number"]


async def test_void_is_archived_and_uncollectible_is_overdue_on_the_ap_face(
    tenant: Tenant,
) -> None:
    lost = await tenant.invoice()
    voided = await tenant.invoice()
    await v1.act(tenant, lost["id"], "mark-uncollectible")
    await v1.act(tenant, voided["id"], "void")
    statuses = {
        invoice_id: (await tenant.request("GET", f"/invoices/{invoice_id}")).json()["status"]
        for invoice_id in (lost["id"], voided["id"])
    }
    assert statuses == {lost["id"]: "OVERDUE", voided["id"]: "ARCHIVED"}
    archived = (await tenant.request("GET", "/invoices?status=ARCHIVED")).json()["data"]
    assert [item["id"] for item in archived] == [voided["id"]]


async def test_draft_finalize_pay(tenant: Tenant) -> None:
    draft = await v1.draft(tenant, None, v1.line(unit_price="12.34"))
    final = await v1.act(tenant, draft["id"], "finalize")
    page = await open_page(tenant, final)
    assert (await page.pay_card(DECLINED_CARD)).status_code == 402
    failed = await v1_view(tenant, draft["id"])
    assert failed["payment_status"] == "Unpaid"
    assert [t["status"] for t in failed["transactions"]] == ["Failed"]
    assert (await page.pay_card(GOOD_CARD)).status_code == 303
    paid = await v1_view(tenant, draft["id"])
    assert (paid["status"], paid["payment_status"]) == ("Finalized", "Paid")
    assert paid["paid_at"] is not None
    settled = paid["transactions"][-1]
    assert (settled["status"], settled["amount"], settled["currency"]) == ("Settled", 1234, "USD")
    assert settled["payment_type"] == "Payment"
    assert settled["payment_method_info"]["card_last4"] == "4242"
    ap = (await tenant.request("GET", f"/invoices/{draft['id']}")).json()
    assert ap["status"] == "PAID"
    for action in ("void", "mark-uncollectible"):
        response = await tenant.request("POST", f"{API}/invoices/{draft['id']}/{action}")
        assert response.status_code == 409


async def test_a_payment_charges_the_amount_due_after_credit(tenant: Tenant) -> None:
    await v1.customer(tenant, alias="ada")
    grant = {"amount": 1_000, "currency": "USD"}
    assert (
        await tenant.request("POST", f"{API}/customers/ada/credits", json=grant)
    ).status_code == 201
    final = await v1.act(tenant, (await v1.draft(tenant, "ada"))["id"], "finalize")
    assert final["amount_due"] == 9_000
    page = await open_page(tenant, final)
    assert (await page.pay_card(GOOD_CARD)).status_code == 303
    paid = await v1_view(tenant, final["id"])
    assert paid["transactions"][-1]["amount"] == 9_000
