"""GET /invoices: newest first, exact cursors both ways, inclusive filters, 400 on bad input."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import msgpack
import pytest
from sqlalchemy import update

from invoicery.domain import ids
from invoicery.domain.status import ApStatus, InvoiceState, Lifecycle, PaymentStatus, ap_status
from invoicery.store.database import Database
from invoicery.store.tables import invoices
from tests.support.tenant import Tenant


async def listing(tenant: Tenant, **params: Any) -> dict[str, Any]:
    response = await tenant.request("GET", "/invoices", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def numbers(page: dict[str, Any]) -> list[str]:
    return [item["invoice_number"] for item in page["data"]]


async def test_an_empty_account_lists_nothing(tenant: Tenant) -> None:
    page = await listing(tenant)
    assert page == {
        "data": [],
        "start_cursor": "",
        "end_cursor": "",
        "has_next_page": False,
        "has_previous_page": False,
    }


async def test_pages_forward_and_back_exactly(tenant: Tenant) -> None:
    customer = await tenant.customer()
    for _ in range(7):
        await tenant.invoice(customer_id=customer["id"])
    expected = [f"INV-{n:06d}" for n in range(7, 0, -1)]

    first = await listing(tenant, limit=3)
    assert numbers(first) == expected[:3]
    assert (first["has_next_page"], first["has_previous_page"]) == (True, False)
    second = await listing(tenant, limit=3, after=first["end_cursor"])
    assert numbers(second) == expected[3:6]
    assert (second["has_next_page"], second["has_previous_page"]) == (True, True)
    third = await listing(tenant, limit=3, after=second["end_cursor"])
    assert numbers(third) == expected[6:]
    assert (third["has_next_page"], third["has_previous_page"]) == (False, True)

    back = await listing(tenant, limit=3, before=third["start_cursor"])
    assert numbers(back) == expected[3:6]
    assert (back["has_next_page"], back["has_previous_page"]) == (True, True)
    front = await listing(tenant, limit=3, before=back["start_cursor"])
    assert numbers(front) == expected[:3]
    assert (front["has_next_page"], front["has_previous_page"]) == (True, False)


async def test_a_full_last_page_says_there_is_no_next(tenant: Tenant) -> None:
    for _ in range(4):
        await tenant.invoice()
    first = await listing(tenant, limit=2)
    last = await listing(tenant, limit=2, after=first["end_cursor"])
    assert len(last["data"]) == 2
    assert last["has_next_page"] is False
    beyond = await listing(tenant, limit=2, after=last["end_cursor"])
    assert beyond["data"] == []
    assert (beyond["has_next_page"], beyond["has_previous_page"]) == (False, True)
    ahead = await listing(tenant, limit=2, before=first["start_cursor"])
    assert ahead["data"] == []
    assert (ahead["has_next_page"], ahead["has_previous_page"]) == (True, False)


async def test_the_other_side_of_a_cursor_is_judged_with_the_filters(tenant: Tenant) -> None:
    first, second = await tenant.customer(), await tenant.customer()
    made = {}
    for name, customer in (("A1", first), ("B1", second), ("A2", first), ("B2", second)):
        made[name] = await tenant.invoice(customer_id=customer["id"])
    by_b = await listing(tenant, limit=1, customer_id=second["id"])
    assert [item["id"] for item in by_b["data"]] == [made["B2"]["id"]]
    # A's invoices older than B2: A2 then A1; none of A's is newer, so no previous page.
    older_a = await listing(tenant, limit=1, customer_id=first["id"], after=by_b["end_cursor"])
    assert [item["id"] for item in older_a["data"]] == [made["A2"]["id"]]
    assert (older_a["has_next_page"], older_a["has_previous_page"]) == (True, False)
    # B's invoices older than A2: B1; B2 is newer, so there is a previous page.
    older_b = await listing(tenant, limit=1, customer_id=second["id"], after=older_a["end_cursor"])
    assert [item["id"] for item in older_b["data"]] == [made["B1"]["id"]]
    assert (older_b["has_next_page"], older_b["has_previous_page"]) == (False, True)
    # A's invoices newer than B1: A2; A1 is older, so there is a next page.
    newer_a = await listing(tenant, limit=5, customer_id=first["id"], before=older_b["end_cursor"])
    assert [item["id"] for item in newer_a["data"]] == [made["A2"]["id"]]
    assert (newer_a["has_next_page"], newer_a["has_previous_page"]) == (True, False)


async def test_default_limit_is_100(tenant: Tenant, db: Database) -> None:
    customer = await tenant.customer()
    for _ in range(101):
        await tenant.invoice(customer_id=customer["id"])
    page = await listing(tenant)
    assert len(page["data"]) == 100
    assert page["has_next_page"] is True


async def test_archived_invoices_are_listed_only_on_request(tenant: Tenant) -> None:
    kept = await tenant.invoice()
    gone = await tenant.invoice()
    await tenant.request("DELETE", f"/invoices/{gone['id']}")
    assert [item["id"] for item in (await listing(tenant))["data"]] == [kept["id"]]
    assert [item["id"] for item in (await listing(tenant, status="ARCHIVED"))["data"]] == [
        gone["id"]
    ]


async def test_lists_never_show_another_tenants_invoices(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    mine = await tenant.invoice()
    await other_tenant.invoice()
    assert [item["id"] for item in (await listing(tenant))["data"]] == [mine["id"]]


async def test_filter_by_customer_and_invoice_number(tenant: Tenant) -> None:
    ada = await tenant.customer(name="Ada")
    bob = await tenant.customer(name="Bob")
    first = await tenant.invoice(customer_id=ada["id"])
    second = await tenant.invoice(customer_id=bob["id"])
    assert numbers(await listing(tenant, customer_id=ada["id"])) == [first["invoice_number"]]
    assert numbers(await listing(tenant, customer_id=bob["id"])) == [second["invoice_number"]]
    assert numbers(await listing(tenant, invoice_number="INV-000002")) == ["INV-000002"]
    assert (await listing(tenant, customer_id="cus_00000000000000000000000000"))["data"] == []


async def _set_created(db: Database, invoice_id: str, moment: datetime) -> None:
    """Move an invoice in time: a new id for the moment, and created_at from that id."""
    new_id = ids.uuid7_at(moment)
    async with db.write() as conn:
        await conn.execute(
            update(invoices)
            .where(invoices.c.id == ids.decode(ids.INVOICE, invoice_id))
            .values(id=new_id, created_at=ids.timestamp_of(new_id))
        )


async def test_created_at_filters_are_inclusive(tenant: Tenant, db: Database) -> None:
    moments = [datetime(2025, 1, day, 12, tzinfo=UTC) for day in (1, 2, 3, 4)]
    for moment in moments:
        await _set_created(db, (await tenant.invoice())["id"], moment)
    stamps = [item["created_at"] for item in (await listing(tenant))["data"]]
    assert len(stamps) == 4
    start, end = stamps[2], stamps[1]  # the 2nd and 3rd of January, exactly
    page = await listing(tenant, created_at_start=start, created_at_end=end)
    assert [item["created_at"] for item in page["data"]] == [end, start]
    by_day = await listing(tenant, created_at_start="2025-01-02", created_at_end="2025-01-03")
    assert [item["created_at"] for item in by_day["data"]] == [end, start]
    offset = await listing(tenant, created_at_start="2025-01-04T13:00:00+01:00")
    assert [item["created_at"] for item in offset["data"]] == [stamps[0]]


async def test_due_date_filters_are_inclusive_and_accept_timestamps(tenant: Tenant) -> None:
    today = date.today()
    dues = [today + timedelta(days=offset) for offset in (1, 5, 10)]
    for due in dues:
        await tenant.invoice(due_date=due.isoformat())
    page = await listing(
        tenant, due_date_start=dues[0].isoformat(), due_date_end=dues[1].isoformat()
    )
    assert sorted(item["due_date"] for item in page["data"]) == [
        dues[0].isoformat(),
        dues[1].isoformat(),
    ]
    stamped = await listing(tenant, due_date_start=f"{dues[1].isoformat()}T00:00:00Z")
    assert sorted(item["due_date"] for item in stamped["data"]) == [d.isoformat() for d in dues[1:]]


async def _states(db: Database, tenant: Tenant) -> AsyncIterator[tuple[str, InvoiceState]]:
    today = date.today()
    variants = [
        InvoiceState(Lifecycle.FINALIZED, PaymentStatus.UNPAID, False, False, today),
        InvoiceState(
            Lifecycle.FINALIZED, PaymentStatus.UNPAID, False, False, today - timedelta(days=1)
        ),
        InvoiceState(
            Lifecycle.FINALIZED, PaymentStatus.UNPAID, True, False, today - timedelta(days=1)
        ),
        InvoiceState(
            Lifecycle.FINALIZED, PaymentStatus.PAID, False, False, today - timedelta(days=1)
        ),
        InvoiceState(Lifecycle.FINALIZED, PaymentStatus.PARTIALLY_PAID, False, False, today),
        InvoiceState(
            Lifecycle.UNCOLLECTIBLE, PaymentStatus.UNPAID, False, False, today + timedelta(days=9)
        ),
        InvoiceState(Lifecycle.VOID, PaymentStatus.UNPAID, False, False, today),
        InvoiceState(Lifecycle.FINALIZED, PaymentStatus.PAID, False, True, today),
        InvoiceState(Lifecycle.DRAFT, PaymentStatus.UNPAID, False, False, today),
    ]
    for state in variants:
        created = await tenant.invoice()
        async with db.write() as conn:
            await conn.execute(
                update(invoices)
                .where(invoices.c.id == ids.decode(ids.INVOICE, created["id"]))
                .values(
                    lifecycle=state.lifecycle.value,
                    payment_status=state.payment_status.value,
                    payment_pending=state.payment_pending,
                    archived_at=datetime.now(UTC) if state.archived else None,
                    due_date=state.due_date,
                )
            )
        yield created["id"], state


async def test_status_filters_agree_with_the_domain_rule(tenant: Tenant, db: Database) -> None:
    today = date.today()
    states = [item async for item in _states(db, tenant)]
    for status in ApStatus:
        listed = {item["id"] for item in (await listing(tenant, status=status.value))["data"]}
        expected = {invoice_id for invoice_id, state in states if ap_status(state, today) is status}
        assert listed == expected, status
        assert expected, f"no fixture covers {status}"
    default = {item["id"] for item in (await listing(tenant))["data"]}
    visible = {ApStatus.UPCOMING, ApStatus.OVERDUE, ApStatus.RECEIVED, ApStatus.PAID}
    assert default == {i for i, state in states if ap_status(state, today) in visible}
    drafts = [i for i, state in states if state.lifecycle is Lifecycle.DRAFT]
    assert (await tenant.request("GET", f"/invoices/{drafts[0]}")).status_code == 404


def _cursor(payload: Any) -> str:
    return base64.b64encode(msgpack.packb(payload)).decode()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"status": "LATE"}, "status"),
        ({"after": "garbage!"}, "after"),
        ({"before": _cursor({"i": b"short"})}, "before"),
        (
            {
                "after": _cursor({"i": ids.new_uuid7().bytes}),
                "before": _cursor({"i": ids.new_uuid7().bytes}),
            },
            "before",
        ),
        ({"created_at_start": "yesterday"}, "created_at_start"),
        ({"created_at_end": "2025-01-01T00:00:00"}, "created_at_end"),
        ({"due_date_start": "2025-13-01"}, "due_date_start"),
        ({"due_date_end": "01/02/2025"}, "due_date_end"),
    ],
)
async def test_bad_query_values_are_400_naming_the_parameter(
    tenant: Tenant, params: dict[str, Any], field: str
) -> None:
    response = await tenant.request("GET", "/invoices", params=params)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == "bad_request"
    assert field in body["validation_errors"]


async def test_limit_500_is_allowed(tenant: Tenant) -> None:
    await tenant.invoice()
    assert len((await listing(tenant, limit=500))["data"]) == 1
