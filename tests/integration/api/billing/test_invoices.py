"""Billing-v1 invoice writes: drafts, edits, finalization, void, uncollectible."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tests.integration.api.billing import v1
from tests.integration.api.billing.v1 import API, assert_rest_error
from tests.support.tenant import Tenant

TODAY = datetime.now(UTC).date().isoformat()


async def test_a_draft_takes_its_defaults_from_the_customer_and_today(tenant: Tenant) -> None:
    customer = await v1.customer(tenant, alias="ada", currency="EUR")
    created = await v1.draft(tenant, "ada", v1.line(quantity="2", unit_price="9.995"))
    assert created["status"] == "Draft"
    assert created["payment_status"] == "Unpaid"
    assert created["invoice_type"] == "OneOff"
    assert created["invoice_number"] == ""
    assert created["customer_id"] == customer["id"]
    assert (created["currency"], created["invoice_date"], created["net_terms"]) == (
        "EUR",
        TODAY,
        0,
    )
    assert created["due_date"] == TODAY
    assert created["finalized_at"] is None
    [item] = created["line_items"]
    assert (item["quantity"], item["unit_price"], item["amount_total"]) == ("2", "9.995", 1999)
    assert created["subtotal"] == created["total"] == created["amount_due"] == 1999
    assert created["customer_details"]["alias"] == "ada"


async def test_every_field_round_trips(tenant: Tenant) -> None:
    customer = await v1.customer(tenant)
    created = await v1.draft(
        tenant,
        customer["id"],
        v1.line(
            "Support",
            description="March",
            start_date="2026-03-01",
            end_date="2026-03-31",
            tax_rate="0.20",
        ),
        {
            "name": "Usage",
            "sub_line_items": [
                {"name": "First 1000 calls", "quantity": "1000", "unit_price": "0"},
                {"name": "Next calls", "quantity": "250", "unit_price": "0.002"},
            ],
        },
        currency="USD",
        invoice_date="2026-03-31",
        net_terms=30,
        memo="Thanks",
        purchase_order="PO-7",
        reference="REF-9",
    )
    assert (created["invoice_date"], created["due_date"], created["net_terms"]) == (
        "2026-03-31",
        "2026-04-30",
        30,
    )
    assert (created["memo"], created["purchase_order"], created["reference"]) == (
        "Thanks",
        "PO-7",
        "REF-9",
    )
    support, usage = created["line_items"]
    assert (support["description"], support["start_date"], support["end_date"]) == (
        "March",
        "2026-03-01",
        "2026-03-31",
    )
    assert support["tax_rate"] == "0.20"
    assert [sub["total"] for sub in usage["sub_line_items"]] == [0, 50]
    assert usage["amount_total"] == 50
    assert "quantity" not in usage
    assert created["subtotal"] == 10_050
    assert created["tax_amount"] == 2_000
    assert created["total"] == 12_050


@pytest.mark.parametrize(
    "changes",
    [
        {"customer_id": "nobody"},
        {"currency": "XXX"},
        {"net_terms": 10, "due_date": "2030-01-01"},
        {"invoice_date": "2026-03-10", "due_date": "2026-03-09"},
        {"net_terms": -1},
        {"invoice_date": "2026-02-30"},
        {"line_items": [v1.line(quantity="abc")]},
        {"line_items": [v1.line(quantity=True)]},
        {"line_items": [v1.line(quantity="0")]},
        {"line_items": [v1.line(quantity="1.123456789")]},
        {"line_items": [v1.line(unit_price="-1")]},
        {"line_items": [v1.line(tax_rate="2")]},
        {"line_items": [v1.line(start_date="2026-03-02", end_date="2026-03-01")]},
        {"line_items": [{"name": "No price"}]},
        {
            "line_items": [
                v1.line(sub_line_items=[{"name": "x", "quantity": "1", "unit_price": "1"}])
            ]
        },
        {"line_items": [v1.line(name="")]},
        {"coupon_ids": ["cpn_nope"]},
    ],
)
async def test_invalid_drafts_are_bad_requests(tenant: Tenant, changes: dict[str, Any]) -> None:
    customer = await v1.customer(tenant)
    body = {"customer_id": customer["id"], "line_items": [v1.line()], **changes}
    response = await tenant.request("POST", f"{API}/invoices", json=body)
    assert_rest_error(response, 400, "BAD_REQUEST")


async def test_archived_or_foreign_customers_cannot_be_invoiced(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    archived = await v1.customer(tenant, alias="gone")
    await tenant.request("DELETE", f"{API}/customers/gone")
    theirs = await v1.customer(other_tenant)
    for customer_id in (archived["id"], "gone", theirs["id"]):
        body = {"customer_id": customer_id, "line_items": [v1.line()]}
        response = await tenant.request("POST", f"{API}/invoices", json=body)
        assert_rest_error(response, 400, "BAD_REQUEST")


async def test_patch_edits_a_draft(tenant: Tenant) -> None:
    created = await v1.draft(tenant, None, v1.line(quantity="1", unit_price="10"))
    path = f"{API}/invoices/{created['id']}"
    memo = (await tenant.request("PATCH", path, json={"memo": "hi", "net_terms": 14})).json()
    assert (memo["memo"], memo["net_terms"], memo["subtotal"]) == ("hi", 14, 1000)
    assert memo["line_items"] == created["line_items"]
    moved = (await tenant.request("PATCH", path, json={"invoice_date": "2026-05-01"})).json()
    assert (moved["due_date"], moved["net_terms"]) == ("2026-05-15", 14)
    due = (await tenant.request("PATCH", path, json={"due_date": "2026-06-01"})).json()
    assert due["net_terms"] == 31
    lines = [v1.line(quantity="3", unit_price="5")]
    relined = (await tenant.request("PATCH", path, json={"line_items": lines, "memo": None})).json()
    assert (relined["subtotal"], relined["memo"]) == (1500, None)
    yen = (await tenant.request("PATCH", path, json={"currency": "JPY"})).json()
    assert (yen["currency"], yen["subtotal"]) == ("JPY", 15)
    v1.validate_component("Invoice", yen)
    for bad in ({"customer_id": None}, {"line_items": [v1.line(quantity="x")]}):
        assert_rest_error(await tenant.request("PATCH", path, json=bad), 400, "BAD_REQUEST")


async def test_in_2026_10_a_patch_leaves_fields_sent_as_null_unchanged(tenant: Tenant) -> None:
    created = await v1.draft(tenant, None, v1.line(quantity="1", unit_price="10"))
    path = f"{API}/invoices/{created['id']}"
    today = {"Invoicery-Version": "2026-10"}
    noted = await tenant.request("PATCH", path, json={"memo": "kept"}, headers=today)
    assert noted.json()["memo"] == "kept"
    body = {"memo": None, "customer_id": None, "line_items": None, "net_terms": 7}
    patched = await tenant.request("PATCH", path, json=body, headers=today)
    assert patched.status_code == 200, patched.text
    assert (patched.json()["memo"], patched.json()["net_terms"]) == ("kept", 7)
    assert patched.json()["line_items"] == created["line_items"]
    cleared = await tenant.request("PATCH", path, json={"memo": None})  # 2026-03 clears
    assert cleared.json()["memo"] is None


async def test_finalize_numbers_prices_and_freezes(tenant: Tenant) -> None:
    first = await tenant.invoice()  # an AP invoice takes the first number
    customer = await v1.customer(tenant, alias="ada", name="Ada")
    created = await v1.draft(tenant, "ada")
    final = await v1.act(tenant, created["id"], "finalize")
    assert final["status"] == "Finalized"
    assert final["invoice_number"] == "INV-000002" != first["invoice_number"]
    assert final["finalized_at"] is not None
    details = final["customer_details"]
    assert (details["id"], details["name"], details["alias"]) == (customer["id"], "Ada", "ada")
    await tenant.request("PATCH", f"{API}/customers/ada", json={"name": "Countess Ada"})
    again = (await tenant.request("GET", f"{API}/invoices/{created['id']}")).json()
    assert again["customer_details"] == details
    other = await v1.draft(tenant, "ada")
    assert other["customer_details"]["name"] == "Countess Ada"


async def test_illegal_transitions_are_conflicts(tenant: Tenant) -> None:
    draft = await v1.draft(tenant, None)
    path = f"{API}/invoices/{draft['id']}"
    for action in ("void", "mark-uncollectible"):
        assert_rest_error(await tenant.request("POST", f"{path}/{action}"), 409, "CONFLICT")
    await v1.act(tenant, draft["id"], "finalize")
    assert_rest_error(await tenant.request("POST", f"{path}/finalize"), 409, "CONFLICT")
    assert_rest_error(await tenant.request("PATCH", path, json={"memo": "x"}), 409, "CONFLICT")
    await v1.act(tenant, draft["id"], "void")
    for action in ("void", "mark-uncollectible", "finalize"):
        assert_rest_error(await tenant.request("POST", f"{path}/{action}"), 409, "CONFLICT")
    empty = await tenant.request(
        "POST", f"{API}/invoices", json={"customer_id": draft["customer_id"]}
    )
    assert empty.status_code == 201
    no_lines = await tenant.request("POST", f"{API}/invoices/{empty.json()['id']}/finalize")
    assert_rest_error(no_lines, 409, "CONFLICT")


async def test_draft_finalize_void(tenant: Tenant) -> None:
    created = await v1.draft(tenant, None)
    final = await v1.act(tenant, created["id"], "finalize")
    voided = await v1.act(tenant, created["id"], "void")
    assert voided["status"] == "Void"
    assert voided["voided_at"] is not None
    unchanged = ("invoice_number", "total", "amount_due", "line_items", "customer_details")
    assert {key: voided[key] for key in unchanged} == {key: final[key] for key in unchanged}


async def test_finalize_then_uncollectible_then_void(tenant: Tenant) -> None:
    created = await v1.draft(tenant, None)
    await v1.act(tenant, created["id"], "finalize")
    lost = await v1.act(tenant, created["id"], "mark-uncollectible")
    assert (lost["status"], lost["payment_status"]) == ("Uncollectible", "Unpaid")
    assert lost["marked_as_uncollectible_at"] is not None
    path = f"{API}/invoices/{created['id']}/mark-uncollectible"
    assert_rest_error(await tenant.request("POST", path), 409, "CONFLICT")
    assert (await v1.act(tenant, created["id"], "void"))["status"] == "Void"


async def test_unknown_and_foreign_invoices_are_not_found(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = await v1.draft(other_tenant, None)
    for invoice_id in ("inv_123", "nonsense", theirs["id"]):
        path = f"{API}/invoices/{invoice_id}"
        assert_rest_error(await tenant.request("GET", path), 404, "NOT_FOUND")
        response = await tenant.request("PATCH", path, json={"memo": "x"})
        assert_rest_error(response, 404, "NOT_FOUND")
        for action in ("finalize", "void", "mark-uncollectible"):
            response = await tenant.request("POST", f"{path}/{action}")
            assert_rest_error(response, 404, "NOT_FOUND")


async def test_invoice_numbers_stay_gap_free_across_both_faces(tenant: Tenant) -> None:
    customer = await v1.customer(tenant)
    numbers = []
    for n in range(4):
        if n % 2:
            numbers.append((await tenant.invoice(customer_id=customer["id"]))["invoice_number"])
        else:
            draft = await v1.draft(tenant, customer["id"])
            numbers.append((await v1.act(tenant, draft["id"], "finalize"))["invoice_number"])
    assert numbers == [f"INV-{n:06d}" for n in range(1, 5)]


async def test_due_dates_follow_net_terms(tenant: Tenant) -> None:
    start = date(2026, 1, 31)
    created = await v1.draft(tenant, None, invoice_date=start.isoformat(), net_terms=45)
    assert created["due_date"] == (start + timedelta(days=45)).isoformat()


async def test_custom_properties_are_merged_in_2026_03_too(tenant: Tenant) -> None:
    draft = await v1.draft(tenant)
    url = f"{API}/invoices/{draft['id']}/custom-properties"
    response = await tenant.request("PATCH", url, json={"custom_properties": {"a": 1, "b": 0.25}})
    assert response.status_code == 200, response.text
    assert response.json()["id"] == draft["id"]
    assert "custom_properties" not in response.json()  # 2026-03 has no such field
    again = await tenant.request("PATCH", url, json={"custom_properties": {"a": None}})
    assert again.status_code == 200, again.text
    shown = await tenant.request(
        "GET", f"{API}/invoices/{draft['id']}", headers={"Invoicery-Version": "2026-10"}
    )
    assert shown.json()["custom_properties"] == {"b": 0.25}


@pytest.mark.parametrize(
    "body", [None, {}, {"custom_properties": [1]}, {"custom_properties": "x"}, [1]]
)
async def test_custom_properties_must_be_an_object(tenant: Tenant, body: Any) -> None:
    draft = await v1.draft(tenant)
    url = f"{API}/invoices/{draft['id']}/custom-properties"
    assert_rest_error(await tenant.request("PATCH", url, json=body), 400, "BAD_REQUEST")


async def test_custom_properties_need_a_token_with_the_write_scope(tenant: Tenant) -> None:
    draft = await v1.draft(tenant)
    url = f"{API}/invoices/{draft['id']}/custom-properties"
    body = {"custom_properties": {"a": 1}}
    no_token = await tenant.http.patch(url, json=body)
    assert_rest_error(no_token, 401, "UNAUTHORIZED")
    read_only = await tenant.headers(("invoices:read",))
    forbidden = await tenant.http.patch(url, json=body, headers=read_only)
    assert_rest_error(forbidden, 403, "FORBIDDEN")
    missing = await tenant.request(
        "PATCH", f"{API}/invoices/inv_01jm0000000000000000000000/custom-properties", json=body
    )
    assert_rest_error(missing, 404, "NOT_FOUND")
