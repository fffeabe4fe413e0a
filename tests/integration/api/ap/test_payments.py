"""AP `POST /invoices/{id}/payments` (an extension): payments received offline, in major units."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from invoicery.store.database import Database
from tests.integration.api.billing import v1
from tests.integration.pages.hosted import GOOD_CARD, open_page, status_of, transactions_of
from tests.support.builders import line
from tests.support.tenant import Tenant

MISSING = "inv_01jm0000000000000000000000"


def _path(invoice_id: str) -> str:
    return f"/invoices/{invoice_id}/payments"


async def _pay(tenant: Tenant, invoice_id: str, **body: Any) -> dict[str, Any]:
    response = await tenant.request("POST", _path(invoice_id), json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_a_partial_then_the_rest_makes_it_paid_with_its_amounts_as_issued(
    db: Database, tenant: Tenant
) -> None:
    created = await tenant.invoice(line(19.99, quantity=3))
    first = await _pay(tenant, created["id"], amount=20.5, method="BANK_TRANSFER", reference="W-1")
    payment = first["payment"]
    assert (payment["amount"], payment["status"], payment["payment_method_type"]) == (
        20.5,
        "succeeded",
        "BankTransfer",
    )
    assert first["invoice"] == {**created, "status": "UPCOMING"}
    assert await status_of(tenant, created["id"]) == "UPCOMING"
    second = await _pay(tenant, created["id"], amount=39.47, method="CARD")
    assert second["invoice"]["status"] == "PAID"
    shown = (await tenant.request("GET", f"/invoices/{created['id']}")).json()
    assert shown == {**created, "status": "PAID"}
    assert (shown["sub_total"], shown["total"]) == (59.97, 59.97)
    assert [t.amount for t in await transactions_of(db, tenant, created["id"])] == [2_050, 3_947]
    seen = (await tenant.request("GET", f"{v1.API}/invoices/{created['id']}")).json()
    assert (seen["payment_status"], seen["amount_due"]) == ("Paid", 0)


async def test_overpaying_is_a_422(db: Database, tenant: Tenant) -> None:
    created = await tenant.invoice(line(10))
    over = await tenant.request(
        "POST", _path(created["id"]), json={"amount": 10.01, "method": "CARD"}
    )
    assert over.status_code == 422, over.text
    assert over.json()["code"] == "exceeds_amount_due"
    assert "amount" in over.json()["validation_errors"]
    assert await transactions_of(db, tenant, created["id"]) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": 0, "method": "CARD"}, "amount"),
        ({"amount": -1, "method": "CARD"}, "amount"),
        ({"amount": 1.001, "method": "CARD"}, "amount"),
        ({"amount": "1", "method": "CARD"}, "amount"),
        ({"amount": 1, "method": "CHEQUE"}, "method"),
        ({"amount": 1}, "method"),
        ({"amount": 1, "method": "CARD", "paid_at": "2026-01-01"}, "paid_at"),
    ],
)
async def test_a_bad_body_is_a_422_naming_the_field(
    tenant: Tenant, body: dict[str, Any], field: str
) -> None:
    created = await tenant.invoice(line(10))
    response = await tenant.request("POST", _path(created["id"]), json=body)
    assert response.status_code == 422, response.text
    assert field in response.json()["validation_errors"]


async def test_paid_at_in_the_future_is_refused(tenant: Tenant) -> None:
    created = await tenant.invoice(line(10))
    later = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    body = {"amount": 1, "method": "OTHER", "paid_at": later}
    response = await tenant.request("POST", _path(created["id"]), json=body)
    assert response.status_code == 422, response.text
    assert "paid_at" in response.json()["validation_errors"]


@pytest.mark.parametrize("state", ["void", "archived", "paid"])
async def test_only_a_payable_invoice_takes_a_payment(tenant: Tenant, state: str) -> None:
    created = await tenant.invoice(line(10))
    if state == "void":
        await v1.act(tenant, created["id"], "void")
    elif state == "archived":
        assert (await tenant.request("DELETE", f"/invoices/{created['id']}")).status_code == 200
    else:
        await _pay(tenant, created["id"], amount=10, method="CARD")
    refused = await tenant.request(
        "POST", _path(created["id"]), json={"amount": 1, "method": "CARD"}
    )
    assert refused.status_code == 400, refused.text
    assert refused.json()["code"] == "invalid_state"


async def test_a_draft_is_refused(tenant: Tenant) -> None:
    draft = await v1.draft(tenant)
    refused = await tenant.request("POST", _path(draft["id"]), json={"amount": 1, "method": "CARD"})
    assert (refused.status_code, refused.json()["code"]) == (400, "invalid_state")


async def test_a_payment_needs_the_write_scope_and_a_visible_invoice(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    created = await tenant.invoice(line(10))
    body = {"amount": 1, "method": "CARD"}
    assert (await tenant.http.post(_path(created["id"]), json=body)).status_code == 401
    read_only = await tenant.headers(("invoices:read",))
    forbidden = await tenant.http.post(_path(created["id"]), json=body, headers=read_only)
    assert forbidden.status_code == 403
    assert (await tenant.request("POST", _path(MISSING), json=body)).status_code == 404
    assert (await other_tenant.request("POST", _path(created["id"]), json=body)).status_code == 404


async def test_after_a_partial_payment_the_page_charges_the_rest_and_the_invoice_is_paid(
    db: Database, tenant: Tenant
) -> None:
    created = await tenant.invoice(line(50))
    await _pay(tenant, created["id"], amount=12.5, method="OTHER", reference="cheque 0042")
    page = await open_page(tenant, created)
    assert "$37.50" in (await page.get()).text
    assert (await page.pay_card(GOOD_CARD)).status_code == 303
    assert await status_of(tenant, created["id"]) == "PAID"
    assert [t.amount for t in await transactions_of(db, tenant, created["id"])] == [1_250, 3_750]
    link = await tenant.request("GET", f"/invoices/{created['id']}/payment-link")
    assert link.status_code == 400
