"""Invoice numbers stay gap-free and unique under concurrent creation; credit is never overspent."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from invoicery.domain import ids
from invoicery.domain.events import EventType
from invoicery.domain.invoice import Invoice
from invoicery.service import accounts, events
from invoicery.store.database import Database
from invoicery.store.snapshots import restore
from tests.integration.api.billing import v1
from tests.integration.api.billing.v1 import API
from tests.support.builders import invoice_body, line
from tests.support.tenant import Tenant


async def test_fifty_concurrent_creates_get_fifty_consecutive_numbers(tenant: Tenant) -> None:
    customer = await tenant.customer()
    headers = await tenant.headers()
    responses = await asyncio.gather(
        *(
            tenant.http.post("/invoices", json=invoice_body(customer["id"]), headers=headers)
            for _ in range(50)
        )
    )
    assert [response.status_code for response in responses] == [201] * 50
    numbers = sorted(response.json()["invoice_number"] for response in responses)
    assert numbers == [f"INV-{n:06d}" for n in range(1, 51)]


async def test_a_failed_create_does_not_use_up_a_number(tenant: Tenant) -> None:
    await tenant.invoice()
    bad = await tenant.request(
        "POST", "/invoices", json=invoice_body("cus_00000000000000000000000000")
    )
    assert bad.status_code == 422
    assert (await tenant.invoice())["invoice_number"] == "INV-000002"


async def _grant(tenant: Tenant, customer_id: str, amount: int) -> None:
    body = {"amount": amount, "currency": "USD", "description": "goodwill"}
    response = await tenant.request("POST", f"{API}/customers/{customer_id}/credits", json=body)
    assert response.status_code == 201, response.text


async def _ledger(tenant: Tenant, customer_id: str) -> Any:
    response = await tenant.request("GET", f"{API}/customers/{customer_id}/credits")
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_create_consumes_credit_and_records_its_one_event(
    db: Database, tenant: Tenant
) -> None:
    customer = await tenant.customer()
    await _grant(tenant, customer["id"], 15_000)
    first = await tenant.invoice(line(100), customer_id=customer["id"])
    second = await tenant.invoice(line(100), customer_id=customer["id"])
    applied = []
    for created in (first, second):
        response = await tenant.request("GET", f"{API}/invoices/{created['id']}")
        applied.append((response.json()["applied_credits"], response.json()["amount_due"]))
    assert applied == [(10_000, 0), (5_000, 5_000)]
    book = await _ledger(tenant, customer["id"])
    entries = [(e["kind"], e["amount"], e["balance_after"]) for e in book["entries"]]
    assert entries == [
        ("Grant", 15_000, 15_000),
        ("Applied", -10_000, 5_000),
        ("Applied", -5_000, 0),
    ]
    account_id = ids.decode(ids.ACCOUNT, tenant.client.account_id)
    recorded = await events.recent(db, account_id=account_id, types=[EventType.INVOICE_CREATED])
    assert [event.subject_id for event in recorded] == [second["id"], first["id"]]
    snapshot = restore(Invoice, recorded[1].snapshot)
    assert (snapshot.invoice_number, snapshot.applied_credits) == ("INV-000001", 10_000)


async def test_concurrent_creates_never_overspend_credit(tenant: Tenant) -> None:
    customer = await tenant.customer()
    await _grant(tenant, customer["id"], 25_000)  # two and a half invoices of 100.00
    headers = await tenant.headers()
    body = invoice_body(customer["id"], line(100))
    responses = await asyncio.gather(
        *(tenant.http.post("/invoices", json=body, headers=headers) for _ in range(5))
    )
    assert [response.status_code for response in responses] == [201] * 5
    book = await _ledger(tenant, customer["id"])
    assert book["balances"] == [{"currency": "USD", "balance": 0}]
    balance = 0
    for entry in book["entries"]:  # each entry follows from the one before
        balance += entry["amount"]
        assert entry["balance_after"] == balance
    assert sorted(-e["amount"] for e in book["entries"] if e["kind"] == "Applied") == [
        5_000,
        10_000,
        10_000,
    ]


@pytest.mark.parametrize(("merchant", "taxed"), [("DE", 0), ("FR", 1_900)])
async def test_a_create_reads_the_accounts_country_for_reverse_charge(
    db: Database, tenant: Tenant, merchant: str, taxed: int
) -> None:
    await accounts.update_settings(db, name=tenant.account_name, settings={"country": merchant})
    vat = [{"tax_code": "VAT", "name": "VAT", "rate": "0.19"}]
    customer = await v1.customer(tenant, vat_number="FR40303265045", custom_taxes=vat)
    created = await tenant.invoice(line(100), customer_id=customer["id"])
    shown = (await tenant.request("GET", f"{API}/invoices/{created['id']}")).json()
    assert shown["tax_amount"] == taxed
    exemption = "ReverseCharge" if merchant == "DE" else None
    assert {tax["exemption_type"] for tax in shown["tax_breakdown"]} == {exemption}
