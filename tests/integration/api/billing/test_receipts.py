"""Billing-v1 `GET /invoices/{id}/payments/{transaction_id}/receipt`: a settled payment's PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.integration.api.billing import v1
from tests.integration.api.billing.v1 import API, assert_rest_error
from tests.integration.documents.conftest import pdf_text
from tests.integration.pages.hosted import DECLINED_CARD, open_page
from tests.support.tenant import Tenant

MISSING_TXN = "txn_01jm0000000000000000000000"


def _receipt(invoice_id: str, transaction_id: str) -> str:
    return f"{API}/invoices/{invoice_id}/payments/{transaction_id}/receipt"


async def _finalized(tenant: Tenant, unit_price: str = "100.00") -> dict[str, Any]:
    draft = await v1.draft(tenant, None, v1.line(unit_price=unit_price))
    return await v1.act(tenant, draft["id"], "finalize")


async def _pay(tenant: Tenant, invoice_id: str, **body: Any) -> dict[str, Any]:
    response = await tenant.request("POST", f"{API}/invoices/{invoice_id}/payments", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def _transactions(tenant: Tenant, invoice_id: str) -> list[dict[str, Any]]:
    seen = await tenant.request("GET", f"{API}/invoices/{invoice_id}")
    found: list[dict[str, Any]] = seen.json()["transactions"]
    return found


async def test_an_offline_payment_has_a_receipt(tenant: Tenant, tmp_path: Path) -> None:
    final = await _finalized(tenant)
    paid = await _pay(
        tenant,
        final["id"],
        amount=4_000,
        method="BANK_TRANSFER",
        reference="WIRE-0815",
        paid_at="2025-03-14T10:00:00Z",
    )
    response = await tenant.request("GET", _receipt(final["id"], paid["transaction"]["id"]))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    number = final["invoice_number"]
    assert f"{number}-R1.pdf" in response.headers["content-disposition"]
    text = pdf_text(response.content, tmp_path)
    assert "RECEIPT" in text
    assert tenant.account_name in text  # the merchant
    assert "Ada Lovelace" in text  # the customer
    assert number in text
    assert f"{number}-R1" in text
    assert "$40.00" in text  # paid
    assert "Bank transfer, reference WIRE-0815" in text
    assert "March 14, 2025" in text
    assert "Still due" in text
    assert "$60.00" in text  # what the invoice still has due
    again = await tenant.request(
        "GET",
        _receipt(final["id"], paid["transaction"]["id"]),
        headers={"If-None-Match": response.headers["etag"]},
    )
    assert again.status_code == 304


async def test_a_card_payment_on_the_hosted_page_has_a_receipt(
    tenant: Tenant, tmp_path: Path
) -> None:
    invoice = await tenant.invoice({"description": "Work", "amount": 80, "quantity": 1})
    page = await open_page(tenant, invoice)
    declined = await page.pay_card(DECLINED_CARD)
    assert declined.status_code in (200, 303, 402), declined.text
    await page.get()
    assert (await page.pay_card()).status_code in (200, 303)
    failed, settled = await _transactions(tenant, invoice["id"])
    assert (failed["status"], settled["status"]) == ("Failed", "Settled")
    response = await tenant.request("GET", _receipt(invoice["id"], settled["id"]))
    assert response.status_code == 200, response.text
    text = pdf_text(response.content, tmp_path)
    assert "Visa ending 4242" in text
    assert "$80.00" in text
    assert "$0.00" in text  # nothing still due
    assert "-R2" in text  # the second attempt
    declined_receipt = await tenant.request("GET", _receipt(invoice["id"], failed["id"]))
    assert_rest_error(declined_receipt, 404, "NOT_FOUND")


async def test_a_refund_has_no_receipt(tenant: Tenant) -> None:
    invoice = await tenant.invoice({"description": "Work", "amount": 80, "quantity": 1})
    page = await open_page(tenant, invoice)
    assert (await page.pay_card()).status_code in (200, 303)
    body = {
        "invoice_id": invoice["id"],
        "credit_type": "Refund",
        "line_items": [{"line_index": 0, "amount": 1_000}],
    }
    note = await tenant.request("POST", f"{API}/credit-notes", json=body)
    assert note.status_code == 201, note.text
    done = await tenant.request("POST", f"{API}/credit-notes/{note.json()['id']}/finalize")
    assert done.status_code == 200, done.text
    [refund] = [
        t for t in await _transactions(tenant, invoice["id"]) if t["payment_type"] == "Refund"
    ]
    response = await tenant.request("GET", _receipt(invoice["id"], refund["id"]))
    assert_rest_error(response, 404, "NOT_FOUND")


async def test_unknown_and_other_accounts_payments_are_not_found(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    final = await _finalized(tenant)
    txn = (await _pay(tenant, final["id"], amount=1_000, method="OTHER"))["transaction"]
    other = await _finalized(tenant)
    for invoice_id, transaction_id in (
        (final["id"], MISSING_TXN),
        (final["id"], "not-an-id"),
        (other["id"], txn["id"]),  # a payment of another invoice
        ("inv_01jm0000000000000000000000", txn["id"]),
    ):
        response = await tenant.request("GET", _receipt(invoice_id, transaction_id))
        assert_rest_error(response, 404, "NOT_FOUND")
    foreign = await other_tenant.request("GET", _receipt(final["id"], txn["id"]))
    assert_rest_error(foreign, 404, "NOT_FOUND")
