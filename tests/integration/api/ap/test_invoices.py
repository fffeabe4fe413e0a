"""AP invoices: create, get, archive, restore — success, 400/422, 401, 403, 404, tenancy."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from invoicery.store.database import Database
from tests.support.builders import invoice_body, line
from tests.support.tenant import Tenant

READ_ONLY = ("invoices:read", "customers:read", "customers:write")
WRITE_ONLY = ("invoices:write", "customers:read", "customers:write")


async def count_invoices(db: Database) -> int:
    from invoicery.store.tables import invoices

    async with db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(invoices))).scalar_one())


async def test_create_returns_a_complete_finalized_invoice(tenant: Tenant) -> None:
    customer = await tenant.customer()
    due = (date.today() + timedelta(days=30)).isoformat()
    created = await tenant.invoice(
        line(1234.5, description="Consulting", quantity=2),
        line(0.1, description="Rounding check", quantity=3),
        customer_id=customer["id"],
        due_date=due,
        memo="Thanks!",
        exclude_from_autopay=True,
    )
    assert created["id"].startswith("inv_")
    assert created["invoice_number"] == "INV-000001"
    assert created["customer_id"] == customer["id"]
    assert created["currency"] == "USD"
    assert created["status"] == "UPCOMING"
    assert created["due_date"] == due
    assert created["memo"] == "Thanks!"
    assert created["exclude_from_autopay"] is True
    assert created["line_items"] == [
        {"description": "Consulting", "quantity": 2, "amount": 1234.5},
        {"description": "Rounding check", "quantity": 3, "amount": 0.1},
    ]
    assert created["sub_total"] == created["total"] == 2469.3
    created_at = datetime.fromisoformat(created["created_at"])
    assert abs(created_at - datetime.now(UTC)) < timedelta(seconds=30)


async def test_amounts_are_printed_exactly(tenant: Tenant) -> None:
    response = await tenant.request(
        "POST",
        "/invoices",
        json=invoice_body((await tenant.customer())["id"], line(0.1, quantity=3)),
    )
    assert b'"sub_total":0.3,' in response.content
    assert b'"amount":0.1}' in response.content


@pytest.mark.parametrize(
    ("currency", "amount", "total"),
    [("JPY", 1200, 3600), ("KWD", 1.25, 3.75), ("EUR", 19.99, 59.97)],
)
async def test_currencies_use_their_own_exponent(
    tenant: Tenant, currency: str, amount: Any, total: Any
) -> None:
    created = await tenant.invoice(line(amount, quantity=3), currency=currency)
    assert created["currency"] == currency
    assert created["total"] == total


async def test_due_date_defaults_to_today(tenant: Tenant) -> None:
    created = await tenant.invoice()
    assert created["due_date"] == datetime.now(UTC).date().isoformat()
    assert created["status"] == "UPCOMING"


async def test_invoice_numbers_are_consecutive_per_account(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    first = await tenant.invoice()
    elsewhere = await other_tenant.invoice()
    second = await tenant.invoice()
    assert [first["invoice_number"], second["invoice_number"]] == ["INV-000001", "INV-000002"]
    assert elsewhere["invoice_number"] == "INV-000001"


async def test_server_computed_fields_are_not_taken_from_the_request(tenant: Tenant) -> None:
    customer = await tenant.customer()
    body = invoice_body(
        customer["id"],
        line(10),
        id="inv_01m80r3jfbed8r0038yqm7phc2",
        invoice_number="HACKED",
        status="PAID",
        sub_total=1,
        total=1,
        created_at="2000-01-01T00:00:00Z",
    )
    response = await tenant.request("POST", "/invoices", json=body)
    created = response.json()
    assert response.status_code == 201
    assert created["id"] != "inv_01m80r3jfbed8r0038yqm7phc2"
    assert created["invoice_number"] == "INV-000001"
    assert created["status"] == "UPCOMING"
    assert created["total"] == 10
    assert not created["created_at"].startswith("2000")


def _past() -> str:
    return (date.today() - timedelta(days=2)).isoformat()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"line_items": [line("19.99")]}, "line_items[0].amount"),
        ({"line_items": [line(19.999)]}, "line_items[0].amount"),
        ({"line_items": [line(1), line(0)]}, "line_items[1].amount"),
        ({"line_items": [line(-5)]}, "line_items[0].amount"),
        ({"line_items": [line(5, quantity=0)]}, "line_items[0].quantity"),
        ({"line_items": [line(5, quantity=1.5)]}, "line_items[0].quantity"),  # type: ignore[arg-type]
        ({"line_items": [line(5, quantity="2")]}, "line_items[0].quantity"),  # type: ignore[arg-type]
        ({"line_items": []}, "line_items"),
        ({"line_items": [line(1)] * 1001}, "line_items"),
        ({"due_date": "not-a-date"}, "due_date"),
        ({"due_date": "2025-02-30"}, "due_date"),
        ({"due_date": "2030-01-01T00:00:00Z"}, "due_date"),
        ({"due_date": _past()}, "due_date"),
        ({"customer_id": "cus_00000000000000000000000000"}, "customer_id"),
        ({"customer_id": "nonsense"}, "customer_id"),
        ({"currency": "XYZ"}, "currency"),
        ({"currency": "usd"}, "currency"),
        ({"line_items": [line(1.5)], "currency": "JPY"}, "line_items[0].amount"),
        ({"exclude_from_autopay": "yes"}, "exclude_from_autopay"),
    ],
)
async def test_invalid_bodies_are_422_naming_the_field(
    tenant: Tenant, db: Database, change: dict[str, Any], field: str
) -> None:
    customer = await tenant.customer()
    before = await count_invoices(db)
    response = await tenant.request(
        "POST", "/invoices", json={**invoice_body(customer["id"]), **change}
    )
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "validation_error"
    assert field in body["validation_errors"], body
    assert await count_invoices(db) == before


async def test_missing_required_fields_are_422(tenant: Tenant) -> None:
    response = await tenant.request("POST", "/invoices", json={})
    assert response.status_code == 422
    assert {"customer_id", "line_items"} <= set(response.json()["validation_errors"])


async def test_an_archived_customer_takes_no_new_invoices(tenant: Tenant) -> None:
    customer = await tenant.customer()
    assert (await tenant.request("DELETE", f"/customers/{customer['id']}")).status_code == 200
    response = await tenant.request("POST", "/invoices", json=invoice_body(customer["id"]))
    assert response.status_code == 422
    assert "customer_id" in response.json()["validation_errors"]


@pytest.mark.parametrize("body", [b"{bad json", b"[1, 2", b"\xff\xfe", b'"a string"', b"[]"])
async def test_malformed_json_is_400(tenant: Tenant, body: bytes) -> None:
    response = await tenant.request(
        "POST", "/invoices", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "bad_request"


async def test_bodies_over_one_mebibyte_are_413(tenant: Tenant, db: Database) -> None:
    customer = await tenant.customer()
    body = invoice_body(customer["id"], line(1, description="x" * 900), memo="y" * (1024 * 1024))
    before = await count_invoices(db)
    response = await tenant.request(
        "POST",
        "/invoices",
        content=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert await count_invoices(db) == before


async def test_a_thousand_lines_are_accepted(tenant: Tenant) -> None:
    created = await tenant.invoice(*[line(1.01, description=f"item {i}") for i in range(1000)])
    assert len(created["line_items"]) == 1000
    assert created["total"] == 1010


async def test_get_returns_the_invoice(tenant: Tenant) -> None:
    created = await tenant.invoice()
    response = await tenant.request("GET", f"/invoices/{created['id']}")
    assert response.status_code == 200
    assert response.json() == created


@pytest.mark.parametrize(
    "invoice_id", ["inv_00000000000000000000000000", "garbage", "cus_01m80r3jc1fnvr0057c9bebehk"]
)
async def test_get_unknown_is_404(tenant: Tenant, invoice_id: str) -> None:
    response = await tenant.request("GET", f"/invoices/{invoice_id}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


async def test_archive_and_restore(tenant: Tenant) -> None:
    created = await tenant.invoice()
    archived = await tenant.request("DELETE", f"/invoices/{created['id']}")
    assert archived.status_code == 200
    assert archived.json()["status"] == "ARCHIVED"
    assert (await tenant.request("GET", f"/invoices/{created['id']}")).json()[
        "status"
    ] == "ARCHIVED"
    again = await tenant.request("DELETE", f"/invoices/{created['id']}")
    assert again.status_code == 400
    restored = await tenant.request("POST", f"/invoices/{created['id']}/restore")
    assert restored.status_code == 200
    assert restored.json() == {**created, "status": "UPCOMING"}
    twice = await tenant.request("POST", f"/invoices/{created['id']}/restore")
    assert twice.status_code == 400
    assert twice.json()["code"] == "invalid_state"


async def test_an_invoice_with_a_payment_in_flight_cannot_be_archived(
    tenant: Tenant, db: Database
) -> None:
    from invoicery.domain import ids
    from invoicery.store.tables import invoices

    created = await tenant.invoice()
    async with db.write() as conn:
        await conn.execute(
            invoices.update()
            .where(invoices.c.id == ids.decode(ids.INVOICE, created["id"]))
            .values(payment_pending=True)
        )
    assert (await tenant.request("GET", f"/invoices/{created['id']}")).json()[
        "status"
    ] == "RECEIVED"
    response = await tenant.request("DELETE", f"/invoices/{created['id']}")
    assert response.status_code == 400
    assert (await tenant.request("GET", f"/invoices/{created['id']}")).json()[
        "status"
    ] == "RECEIVED"


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/invoices/{id}"), ("DELETE", "/invoices/{id}"), ("POST", "/invoices/{id}/restore")],
)
async def test_another_tenants_invoice_is_404(
    tenant: Tenant, other_tenant: Tenant, method: str, path: str
) -> None:
    theirs = await other_tenant.invoice()
    if method == "POST":
        await other_tenant.request("DELETE", f"/invoices/{theirs['id']}")
    same_id = {"X-Request-Id": "compare-404s"}  # the bodies echo it: only it may differ
    response = await tenant.request(method, path.format(id=theirs["id"]), headers=same_id)
    assert response.status_code == 404
    unknown_id = path.format(id="inv_00000000000000000000000000")
    unknown = await tenant.request(method, unknown_id, headers=same_id)
    assert response.json() == unknown.json()


ENDPOINTS = [
    ("GET", "/invoices", "invoices:read"),
    ("POST", "/invoices", "invoices:write"),
    ("GET", "/invoices/{id}", "invoices:read"),
    ("DELETE", "/invoices/{id}", "invoices:write"),
    ("POST", "/invoices/{id}/restore", "invoices:write"),
]


@pytest.mark.parametrize(("method", "path", "scope"), ENDPOINTS)
async def test_every_endpoint_requires_a_token(
    http: httpx.AsyncClient, method: str, path: str, scope: str
) -> None:
    response = await http.request(method, path.format(id="inv_00000000000000000000000000"))
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("method", "path", "scope"), ENDPOINTS)
async def test_every_endpoint_requires_its_scope(
    tenant: Tenant, http: httpx.AsyncClient, method: str, path: str, scope: str
) -> None:
    created = await tenant.invoice()
    others = READ_ONLY if scope == "invoices:write" else WRITE_ONLY
    headers = await tenant.headers(others)
    kwargs: dict[str, Any] = {"json": invoice_body("cus_x")} if method == "POST" else {}
    response = await http.request(method, path.format(id=created["id"]), headers=headers, **kwargs)
    assert response.status_code == 403
    challenge = response.headers["www-authenticate"]
    assert 'error="insufficient_scope"' in challenge
    assert f'scope="{scope}"' in challenge
    assert response.json()["code"] == "forbidden"
