"""Billing-v1 credit notes: create, finalize (each destination), void, limits and the PDF."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from invoicery.domain import ids
from invoicery.domain.events import EventType
from invoicery.payments.transaction import PaymentType, TransactionStatus
from invoicery.service import accounts, events
from invoicery.store.database import Database
from tests.integration.api.billing import v1
from tests.integration.api.billing.v1 import API, assert_rest_error
from tests.integration.documents.conftest import pdf_text
from tests.integration.pages.hosted import open_page, transactions_of
from tests.support.tenant import Tenant

NOTES = f"{API}/credit-notes"
MISSING = "crn_00000000000000000000000000"


async def final_invoice(tenant: Tenant, *lines: dict[str, Any], customer: str = "ada") -> Any:
    """A finalized billing-v1 invoice of customer `customer` (created if need be)."""
    found = await tenant.request("GET", f"{API}/customers/{customer}")
    if found.status_code == 404:
        await v1.customer(tenant, alias=customer)
    draft = await v1.draft(tenant, customer, *lines)
    return await v1.act(tenant, draft["id"], "finalize")


async def create(
    tenant: Tenant, invoice_id: str, *lines: dict[str, Any], credit_type: str = "DebtCancellation"
) -> Any:
    """A draft credit note; it must be created."""
    body = {
        "invoice_id": invoice_id,
        "credit_type": credit_type,
        "line_items": list(lines),
        "reason": "damaged",
    }
    response = await tenant.request("POST", NOTES, json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def act(tenant: Tenant, note_id: str, action: str) -> Any:
    """Finalize or void a credit note; it must succeed."""
    response = await tenant.request("POST", f"{NOTES}/{note_id}/{action}")
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_credit_note_credits_lines_and_their_tax(tenant: Tenant) -> None:
    invoice = await final_invoice(
        tenant,
        v1.line("Support", quantity="3", unit_price="100.00", tax_rate="0.20"),
        v1.line("Book", quantity="1", unit_price="50.00", tax_rate="0.07"),
    )
    note = await create(
        tenant, invoice["id"], {"line_index": 0, "quantity": "1"}, {"line_index": 1, "amount": 2500}
    )
    assert (note["status"], note["credit_note_number"]) == ("Draft", "")
    assert (note["subtotal"], note["tax_amount"], note["total"]) == (12_500, 2_175, 14_675)
    assert [line["amount_total"] for line in note["line_items"]] == [-10_000, -2_500]
    assert [(tax["tax_rate"], tax["tax_amount"]) for tax in note["tax_breakdown"]] == [
        ("0.2", 2_000),
        ("0.07", 175),
    ]
    assert (note["invoice_id"], note["invoice_number"]) == (
        invoice["id"],
        invoice["invoice_number"],
    )
    got = await tenant.request("GET", f"{NOTES}/{note['id']}")
    assert got.json() == note


async def test_credit_to_the_amount_due_pays_the_invoice_on_both_faces(
    db: Database, tenant: Tenant
) -> None:
    invoice = await final_invoice(tenant, v1.line(unit_price="100.00"))
    first = await create(tenant, invoice["id"], {"line_index": 0, "amount": 4_000})
    first = await act(tenant, first["id"], "finalize")
    assert (first["status"], first["credit_note_number"]) == ("Finalized", "CN-000001")
    assert first["credited_amount_cents"] == 4_000
    seen = (await tenant.request("GET", f"{API}/invoices/{invoice['id']}")).json()
    assert (seen["amount_due"], seen["total"]) == (6_000, 10_000)
    second = await act(
        tenant,
        (await create(tenant, invoice["id"], {"line_index": 0, "amount": 6_000}))["id"],
        "finalize",
    )
    assert second["credit_note_number"] == "CN-000002"
    seen = (await tenant.request("GET", f"{API}/invoices/{invoice['id']}")).json()
    assert (seen["amount_due"], seen["payment_status"]) == (0, "Paid")
    ap = (await tenant.request("GET", f"/invoices/{invoice['id']}")).json()
    assert ap["status"] == "PAID"
    account_id = ids.decode(ids.ACCOUNT, tenant.client.account_id)
    types = [event.type for event in await events.recent(db, account_id=account_id)]
    assert types.count(EventType.CREDIT_NOTE_CREATED) == 2
    assert types.count(EventType.CREDIT_NOTE_FINALIZED) == 2
    assert EventType.INVOICE_PAID in types


async def test_crediting_more_than_the_invoice_total_is_422(tenant: Tenant) -> None:
    invoice = await final_invoice(tenant, v1.line(unit_price="100.00", tax_rate="0.10"))
    await create(tenant, invoice["id"], {"line_index": 0, "amount": 6_000})  # 6,600 with tax
    body = {
        "invoice_id": invoice["id"],
        "credit_type": "CreditToBalance",
        "line_items": [{"line_index": 0, "amount": 4_001}],  # 4,401: 11,001 of 11,000
    }
    response = await tenant.request("POST", NOTES, json=body)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "BAD_REQUEST"
    body["line_items"] = [{"line_index": 0, "amount": 4_000}]
    assert (await tenant.request("POST", NOTES, json=body)).status_code == 201


async def test_a_voided_note_no_longer_counts_and_gives_its_credit_back(tenant: Tenant) -> None:
    invoice = await final_invoice(tenant, v1.line(unit_price="100.00"))
    note = await create(tenant, invoice["id"], {"line_index": 0, "amount": 10_000})
    note = await act(tenant, note["id"], "finalize")
    voided = await act(tenant, note["id"], "void")
    assert voided["status"] == "Voided"
    seen = (await tenant.request("GET", f"{API}/invoices/{invoice['id']}")).json()
    assert (seen["amount_due"], seen["payment_status"]) == (10_000, "Unpaid")
    again = await create(tenant, invoice["id"], {"line_index": 0, "amount": 10_000})
    assert (await act(tenant, again["id"], "void"))["status"] == "Voided"
    response = await tenant.request("POST", f"{NOTES}/{again['id']}/finalize")
    assert_rest_error(response, 409, "CONFLICT")


async def test_credit_to_the_customer_balance(tenant: Tenant) -> None:
    invoice = await final_invoice(tenant, v1.line(unit_price="100.00"))
    note = await create(
        tenant, invoice["id"], {"line_index": 0, "amount": 2_500}, credit_type="CreditToBalance"
    )
    await act(tenant, note["id"], "finalize")
    book = (await tenant.request("GET", f"{API}/customers/ada/credits")).json()
    assert book["balances"] == [{"currency": "USD", "balance": 2_500}]
    assert [entry["kind"] for entry in book["entries"]] == ["CreditNote"]
    seen = (await tenant.request("GET", f"{API}/invoices/{invoice['id']}")).json()
    assert seen["amount_due"] == 10_000  # the invoice itself is unchanged
    await act(tenant, note["id"], "void")
    book = (await tenant.request("GET", f"{API}/customers/ada/credits")).json()
    assert book["balances"] == [{"currency": "USD", "balance": 0}]


async def test_a_refund_goes_back_to_the_card_through_the_sandbox(
    db: Database, tenant: Tenant
) -> None:
    invoice = await tenant.invoice({"description": "Work", "amount": 80, "quantity": 1})
    page = await open_page(tenant, invoice)
    paid = await page.pay_card()
    assert paid.status_code in (200, 303), paid.text
    note = await create(
        tenant, invoice["id"], {"line_index": 0, "amount": 3_000}, credit_type="Refund"
    )
    note = await act(tenant, note["id"], "finalize")
    assert (note["refunded_amount_cents"], note["credited_amount_cents"]) == (3_000, 0)
    found = await transactions_of(db, tenant, invoice["id"])
    refunds = [txn for txn in found if txn.payment_type is PaymentType.REFUND]
    assert [(txn.amount, txn.status, txn.provider) for txn in refunds] == [
        (3_000, TransactionStatus.SETTLED, "sandbox")
    ]
    assert refunds[0].provider_transaction_id is not None
    assert refunds[0].provider_transaction_id.startswith("sbx_re_")
    response = await tenant.request("POST", f"{NOTES}/{note['id']}/void")
    assert_rest_error(response, 409, "CONFLICT")  # money given back stays given back
    more = await create(
        tenant, invoice["id"], {"line_index": 0, "amount": 5_000}, credit_type="Refund"
    )
    await act(tenant, more["id"], "finalize")
    over = {
        "invoice_id": invoice["id"],
        "credit_type": "Refund",
        "line_items": [{"line_index": 0, "amount": 1}],
    }
    assert (await tenant.request("POST", NOTES, json=over)).status_code == 422


async def test_a_refund_needs_a_card_payment(tenant: Tenant) -> None:
    invoice = await final_invoice(tenant, v1.line(unit_price="100.00"))
    note = await create(
        tenant, invoice["id"], {"line_index": 0, "amount": 100}, credit_type="Refund"
    )
    response = await tenant.request("POST", f"{NOTES}/{note['id']}/finalize")
    assert_rest_error(response, 409, "CONFLICT")


async def test_a_reverse_charged_invoice_is_credited_without_tax(
    db: Database, tenant: Tenant
) -> None:
    await accounts.update_settings(db, name=tenant.account_name, settings={"country": "DE"})
    await v1.customer(tenant, alias="abroad", vat_number="FR40303265045")
    invoice = await final_invoice(
        tenant, v1.line(unit_price="200", tax_rate="0.19"), customer="abroad"
    )
    assert invoice["tax_amount"] == 0
    note = await create(tenant, invoice["id"], {"line_index": 0, "quantity": "1"})
    assert (note["tax_amount"], note["total"]) == (0, 20_000)
    assert note["tax_breakdown"] == [
        {
            "name": "Reverse charge",
            "tax_rate": "0",
            "taxable_amount": 20_000,
            "tax_amount": 0,
            "exemption_type": "ReverseCharge",
        }
    ]


async def test_a_draft_or_void_invoice_cannot_be_credited(tenant: Tenant) -> None:
    await v1.customer(tenant, alias="ada")
    draft = await v1.draft(tenant, "ada")
    body = {
        "invoice_id": draft["id"],
        "credit_type": "Refund",
        "line_items": [{"line_index": 0, "amount": 1}],
    }
    assert_rest_error(await tenant.request("POST", NOTES, json=body), 409, "CONFLICT")
    body["line_items"] = [{"line_index": 3, "amount": 1}]
    final = await v1.act(tenant, draft["id"], "finalize")
    body["invoice_id"] = final["id"]
    assert_rest_error(await tenant.request("POST", NOTES, json=body), 400, "BAD_REQUEST")


async def test_lists_filter_by_customer_invoice_and_status(tenant: Tenant) -> None:
    first = await final_invoice(tenant, v1.line())
    second = await final_invoice(tenant, v1.line(), customer="bob")
    a = await create(tenant, first["id"], {"line_index": 0, "amount": 100})
    b = await create(tenant, second["id"], {"line_index": 0, "amount": 100})
    await act(tenant, b["id"], "finalize")
    listed = (await tenant.request("GET", NOTES)).json()
    assert [note["id"] for note in listed["data"]] == [b["id"], a["id"]]
    assert listed["pagination_meta"]["total_items"] == 2
    by_customer = (await tenant.request("GET", NOTES, params={"customer_id": "ada"})).json()
    assert [note["id"] for note in by_customer["data"]] == [a["id"]]
    by_invoice = (await tenant.request("GET", NOTES, params={"invoice_id": second["id"]})).json()
    assert [note["id"] for note in by_invoice["data"]] == [b["id"]]
    drafts = (await tenant.request("GET", NOTES, params={"status": "DRAFT"})).json()
    assert [note["id"] for note in drafts["data"]] == [a["id"]]
    paged = (await tenant.request("GET", NOTES, params={"per_page": 1, "page": 1})).json()
    assert [note["id"] for note in paged["data"]] == [a["id"]]
    bad = await tenant.request("GET", NOTES, params={"status": "Nope"})
    assert_rest_error(bad, 400, "BAD_REQUEST")


async def test_numbers_stay_gap_free_under_concurrent_finalization(tenant: Tenant) -> None:
    invoice = await final_invoice(tenant, v1.line(unit_price="100.00"))
    notes = [
        await create(
            tenant, invoice["id"], {"line_index": 0, "amount": 100}, credit_type="CreditToBalance"
        )
        for _ in range(5)
    ]
    done = await asyncio.gather(*(act(tenant, note["id"], "finalize") for note in notes))
    numbers = sorted(note["credit_note_number"] for note in done)
    assert numbers == [f"CN-00000{n}" for n in range(1, 6)]


async def test_the_pdf_says_credit_note_with_negative_amounts(
    tenant: Tenant, tmp_path: Path
) -> None:
    invoice = await final_invoice(
        tenant, v1.line("Support", quantity="2", unit_price="100.00", tax_rate="0.20")
    )
    note = await create(tenant, invoice["id"], {"line_index": 0, "quantity": "1"})
    draft_pdf = await tenant.request("GET", f"{NOTES}/{note['id']}/download")
    assert_rest_error(draft_pdf, 404, "NOT_FOUND")
    note = await act(tenant, note["id"], "finalize")
    response = await tenant.request("GET", f"{NOTES}/{note['id']}/download")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    text = pdf_text(response.content, tmp_path)
    assert "CREDIT NOTE" in text
    assert "CN-000001" in text
    assert invoice["invoice_number"] in text
    assert "-$100.00" in text  # the line
    assert "-$20.00" in text  # its tax at 20 %
    assert "-$120.00" in text  # the total
    etag = response.headers["etag"]
    again = await tenant.request(
        "GET", f"{NOTES}/{note['id']}/download", headers={"If-None-Match": etag}
    )
    assert again.status_code == 304


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("GET", "", "invoices:read"),
        ("GET", f"/{MISSING}", "invoices:read"),
        ("GET", f"/{MISSING}/download", "invoices:read"),
        ("POST", "", "invoices:write"),
        ("POST", f"/{MISSING}/finalize", "invoices:write"),
        ("POST", f"/{MISSING}/void", "invoices:write"),
    ],
)
async def test_credit_note_endpoints_need_a_token_with_their_scope(
    tenant: Tenant, method: str, path: str, scope: str
) -> None:
    body = {"invoice_id": "inv_x", "credit_type": "Refund", "line_items": []}
    json = body if method == "POST" and not path else None
    anonymous = await tenant.http.request(method, NOTES + path, json=json)
    assert_rest_error(anonymous, 401, "UNAUTHORIZED")
    everything = ("invoices:read", "invoices:write", "customers:read", "customers:write")
    headers = await tenant.headers(tuple(s for s in everything if s != scope))
    response = await tenant.http.request(method, NOTES + path, json=json, headers=headers)
    assert_rest_error(response, 403, "FORBIDDEN")


async def test_another_accounts_credit_note_is_not_found(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    invoice = await final_invoice(tenant, v1.line())
    note = await create(tenant, invoice["id"], {"line_index": 0, "amount": 100})
    for path in ("", "/download"):
        response = await other_tenant.request("GET", f"{NOTES}/{note['id']}{path}")
        assert_rest_error(response, 404, "NOT_FOUND")
    for action in ("finalize", "void"):
        response = await other_tenant.request("POST", f"{NOTES}/{note['id']}/{action}")
        assert_rest_error(response, 404, "NOT_FOUND")
    body = {
        "invoice_id": invoice["id"],
        "credit_type": "Refund",
        "line_items": [{"line_index": 0, "amount": 1}],
    }
    assert_rest_error(await other_tenant.request("POST", NOTES, json=body), 404, "NOT_FOUND")
    assert (await other_tenant.request("GET", NOTES)).json()["data"] == []
    missing = await tenant.request("GET", f"{NOTES}/{MISSING}")
    assert_rest_error(missing, 404, "NOT_FOUND")
