"""`GET /api/v1/invoices`: numbered pages with exact counts, filters, and bad parameters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import func, select

from invoicery.domain import ids
from invoicery.domain.invoice import Invoice, LineItem
from invoicery.domain.status import InvoiceState, Lifecycle, PaymentStatus
from invoicery.store import invoices as invoices_store
from invoicery.store.database import Database
from invoicery.store.tables import account_invoice_counts, customer_invoice_counts, invoices
from tests.integration.api.billing import v1
from tests.integration.api.billing.v1 import API, assert_rest_error
from tests.support.builders import line
from tests.support.tenant import Tenant


async def listing(tenant: Tenant, query: str = "") -> dict[str, Any]:
    """The list response for `query`, which must succeed."""
    response = await tenant.request("GET", f"{API}/invoices?{query}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def id_list(body: dict[str, Any]) -> list[str]:
    """The invoice ids of a list response, in order."""
    return [item["id"] for item in body["data"]]


async def test_pages_from_either_end_concatenate_to_the_whole_list(tenant: Tenant) -> None:
    customer = await v1.customer(tenant)
    made = []
    for n in range(7):
        if n % 2:
            made.append((await tenant.invoice(line(10 + n), customer_id=customer["id"]))["id"])
        else:
            made.append((await v1.draft(tenant, customer["id"]))["id"])
    newest_first = list(reversed(made))
    assert id_list(await listing(tenant, "per_page=100")) == newest_first
    seen = []
    for page in range(4):
        body = await listing(tenant, f"page={page}&per_page=2")
        assert body["pagination_meta"] == {
            "page": page,
            "per_page": 2,
            "total_items": 7,
            "total_pages": 4,
        }
        seen += id_list(body)
    assert seen == newest_first
    beyond = await listing(tenant, "page=9&per_page=2")
    assert (beyond["data"], beyond["pagination_meta"]["total_items"]) == ([], 7)


async def test_default_page_is_the_first_ten(tenant: Tenant) -> None:
    customer = await v1.customer(tenant)
    for _ in range(11):
        await v1.draft(tenant, customer["id"])
    body = await listing(tenant)
    assert len(body["data"]) == 10
    assert body["pagination_meta"] == {
        "page": 0,
        "per_page": 10,
        "total_items": 11,
        "total_pages": 2,
    }


async def test_filters(tenant: Tenant) -> None:
    ada = await v1.customer(tenant, alias="ada")
    bob = await v1.customer(tenant, alias="bob")
    draft = await v1.draft(tenant, ada["id"])
    final = await v1.act(tenant, (await v1.draft(tenant, ada["id"]))["id"], "finalize")
    voided = await v1.act(
        tenant,
        (await v1.act(tenant, (await v1.draft(tenant, bob["id"]))["id"], "finalize"))["id"],
        "void",
    )
    assert id_list(await listing(tenant, "customer_id=ada")) == [final["id"], draft["id"]]
    assert id_list(await listing(tenant, f"customer_id={bob['id']}")) == [voided["id"]]
    assert id_list(await listing(tenant, "status=Draft")) == [draft["id"]]
    assert id_list(await listing(tenant, "statuses=Draft&statuses=Void")) == [
        voided["id"],
        draft["id"],
    ]
    assert id_list(await listing(tenant, "statuses=Finalized,Void")) == [voided["id"], final["id"]]
    both = await listing(tenant, "customer_id=ada&status=Finalized")
    assert (id_list(both), both["pagination_meta"]["total_items"]) == ([final["id"]], 1)
    for nothing in ("customer_id=nobody", "subscription_id=sub_7n42DGM5Tflk9n8mt7Fhc7"):
        empty = await listing(tenant, nothing)
        assert (empty["data"], empty["pagination_meta"]["total_items"]) == ([], 0)


async def test_another_accounts_invoices_and_customers_are_invisible(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = await v1.draft(other_tenant, None)
    mine = await v1.draft(tenant, None)
    assert id_list(await listing(tenant)) == [mine["id"]]
    empty = await listing(tenant, f"customer_id={theirs['customer_id']}")
    assert empty["pagination_meta"]["total_items"] == 0


async def test_ap_archived_invoices_are_hidden_but_readable(tenant: Tenant) -> None:
    kept = await tenant.invoice()
    archived = await tenant.invoice()
    assert (await tenant.request("DELETE", f"/invoices/{archived['id']}")).status_code == 200
    body = await listing(tenant)
    assert (id_list(body), body["pagination_meta"]["total_items"]) == ([kept["id"]], 1)
    fetched = await tenant.request("GET", f"{API}/invoices/{archived['id']}")
    assert fetched.status_code == 200
    assert fetched.json()["status"] == "Finalized"
    assert (await tenant.request("POST", f"/invoices/{archived['id']}/restore")).status_code == 200
    assert (await listing(tenant))["pagination_meta"]["total_items"] == 2


@pytest.mark.parametrize(
    "query",
    [
        "page=-1",
        "page=abc",
        "page=2147483648",
        "per_page=0",
        "per_page=101",
        "status=Paid",
        "status=draft",
        "statuses=Draft&statuses=Nope",
        "statuses=DRAFT",  # 2026-10's spelling
        "order_by=amount",
        "order_by=total.desc",
        "order_by=amount.down",
        "einvoicing_status=PENDING",
    ],
)
async def test_bad_parameters_are_bad_requests(tenant: Tenant, query: str) -> None:
    response = await tenant.request("GET", f"{API}/invoices?{query}")
    assert_rest_error(response, 400, "BAD_REQUEST")


async def test_counts_kept_by_the_database_match_the_rows(db: Database, tenant: Tenant) -> None:
    customer = await v1.customer(tenant)
    drafts = [await v1.draft(tenant, customer["id"]) for _ in range(3)]
    await v1.act(tenant, drafts[0]["id"], "finalize")
    await v1.act(tenant, drafts[0]["id"], "mark-uncollectible")
    await v1.act(tenant, drafts[1]["id"], "finalize")
    await v1.act(tenant, drafts[1]["id"], "void")
    ap = await tenant.invoice(customer_id=customer["id"])
    await tenant.request("DELETE", f"/invoices/{ap['id']}")
    other = await v1.customer(tenant)
    moved = await tenant.request(
        "PATCH", f"{API}/invoices/{drafts[2]['id']}", json={"customer_id": other["id"]}
    )
    assert moved.status_code == 200, moved.text
    assert (await listing(tenant, f"customer_id={other['id']}"))["pagination_meta"][
        "total_items"
    ] == 1
    assert (await listing(tenant, f"customer_id={customer['id']}"))["pagination_meta"][
        "total_items"
    ] == 2
    account_id = UUID(str(ids.decode(ids.ACCOUNT, tenant.client.account_id)))
    async with db.read() as conn:
        rows = await conn.execute(
            select(invoices.c.lifecycle, func.count())
            .where(invoices.c.account_id == account_id, invoices.c.archived_at.is_(None))
            .group_by(invoices.c.lifecycle)
        )
        actual: dict[str, int] = dict(rows.all())
        counts = account_invoice_counts.c
        kept_rows = await conn.execute(
            select(*(func.sum(counts[f"n_{lifecycle.value}"]) for lifecycle in Lifecycle)).where(
                counts.account_id == account_id
            )
        )
        sums = kept_rows.one()
        kept = {lifecycle.value: n for lifecycle, n in zip(Lifecycle, sums, strict=True) if n}
        by_customer = customer_invoice_counts.c
        per_customer = await conn.execute(
            select(by_customer.lifecycle, func.sum(by_customer.n))
            .where(by_customer.account_id == account_id, by_customer.n != 0)
            .group_by(by_customer.lifecycle)
        )
        assert kept == actual
        assert dict(per_customer.all()) == actual
    assert actual == {"draft": 1, "uncollectible": 1, "void": 1}


async def test_pages_across_many_id_buckets(db: Database, tenant: Tenant) -> None:
    customer = await v1.customer(tenant)
    account_id = ids.decode(ids.ACCOUNT, tenant.client.account_id)
    now = datetime.now(UTC)
    kinds = [Lifecycle.FINALIZED, Lifecycle.VOID, Lifecycle.UNCOLLECTIBLE, Lifecycle.DRAFT]
    async with db.write() as conn:
        for n in range(40):  # ids two days apart: a bucket holds about three days of ids
            invoice_id = ids.uuid7_at(now - timedelta(days=2 * n, minutes=n))
            await invoices_store.insert(
                conn,
                backdated(
                    invoice_id, account_id, customer["id"], kinds[n % 4], archived=n % 7 == 3
                ),
            )
    every = id_list(await listing(tenant, "per_page=100"))
    assert len(every) == 40 - 6  # n = 3, 10, 17, 24, 31, 38 are archived
    assert every == sorted(every, key=lambda text: ids.decode(ids.INVOICE, text), reverse=True)
    for per_page in (1, 3, 7):
        pages = -(-len(every) // per_page)
        seen: list[str] = []
        for page in range(pages):
            seen += id_list(await listing(tenant, f"page={page}&per_page={per_page}"))
        assert seen == every
    voids = await listing(tenant, "status=Void&per_page=4&page=1")
    assert voids["pagination_meta"]["total_items"] == 9
    all_voids = id_list(await listing(tenant, "status=Void&per_page=100"))
    assert id_list(voids) == all_voids[4:8]


def backdated(
    invoice_id: UUID, account_id: UUID, customer_id: str, lifecycle: Lifecycle, *, archived: bool
) -> Invoice:
    """A stored invoice with a given id, as a bulk loader would write it."""
    created_at = ids.timestamp_of(invoice_id)
    return Invoice(
        id=invoice_id,
        account_id=account_id,
        customer_id=ids.decode(ids.CUSTOMER, customer_id),
        invoice_number=None if lifecycle is Lifecycle.DRAFT else f"OLD-{invoice_id.hex[:12]}",
        currency="USD",
        state=InvoiceState(lifecycle, PaymentStatus.UNPAID, False, archived, created_at.date()),
        invoice_date=created_at.date(),
        memo=None,
        exclude_from_autopay=False,
        line_items=(LineItem("Old work", 1, 100),),
        subtotal=100,
        total=100,
        amount_due=100,
        created_at=created_at,
        updated_at=created_at,
        last_notification_at=None,
    )


V2026_10 = {"Invoicery-Version": "2026-10"}


async def test_each_version_spells_statuses_its_own_way(tenant: Tenant) -> None:
    draft = await v1.draft(tenant, None)
    for query in ("statuses=DRAFT", "status=DRAFT", "statuses=FINALIZED,DRAFT"):
        response = await tenant.request("GET", f"{API}/invoices?{query}", headers=V2026_10)
        assert response.status_code == 200, response.text
        assert id_list(response.json()) == [draft["id"]]
    for query in ("statuses=Draft", "status=Draft", "statuses=DRAFT,Void"):
        response = await tenant.request("GET", f"{API}/invoices?{query}", headers=V2026_10)
        assert_rest_error(response, 400, "BAD_REQUEST")
    closed = await tenant.request("GET", f"{API}/invoices?statuses=CLOSED", headers=V2026_10)
    assert closed.json()["pagination_meta"]["total_items"] == 0


async def test_order_by_sorts_2026_03_lists_too_with_exact_counts(tenant: Tenant) -> None:
    ada = await v1.customer(tenant, alias="ada")
    amounts = {}
    for price in ("3.00", "1.00", "2.00"):
        made = await v1.draft(tenant, ada["id"], v1.line(unit_price=price))
        amounts[made["id"]] = made["total"]
    other = await v1.draft(tenant, None, v1.line(unit_price="9.00"))
    cheapest_first = sorted(amounts, key=amounts.__getitem__)
    body = await listing(tenant, "customer_id=ada&order_by=amount.asc&per_page=2")
    assert id_list(body) == cheapest_first[:2]
    assert body["pagination_meta"]["total_items"] == 3
    body = await listing(tenant, "customer_id=ada&order_by=amount.asc&per_page=2&page=1")
    assert id_list(body) == cheapest_first[2:]
    every = await listing(tenant, "order_by=amount.desc&statuses=Draft")
    assert id_list(every) == [other["id"], *reversed(cheapest_first)]
    assert every["pagination_meta"]["total_items"] == 4
    beyond = await listing(tenant, "order_by=amount.desc&page=5")
    assert (beyond["data"], beyond["pagination_meta"]["total_items"]) == ([], 4)
    newest_first = [other["id"], *reversed(list(amounts))]
    assert id_list(await listing(tenant)) == newest_first  # 2026-03's default is unchanged


async def test_a_page_far_beyond_the_last_is_empty_in_every_order_and_filter(
    tenant: Tenant,
) -> None:
    for query in ("einvoicing_status=FAILED", "order_by=amount.desc"):
        url = f"{API}/invoices?page=2147483647&per_page=35&{query}"
        response = await tenant.request("GET", url)
        assert response.status_code == 200, response.text
        assert response.json()["data"] == []
