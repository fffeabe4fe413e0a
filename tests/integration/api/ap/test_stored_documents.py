"""AP documents served from stored bytes: the same as rendered, today's status, never stale."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from invoicery.api.ap.render import STORED_INVOICE_DOCUMENT
from invoicery.domain import ids
from invoicery.domain.errors import Unavailable
from invoicery.service.invoices import served
from invoicery.store import invoice_documents as invoice_documents_store
from invoicery.store.database import Database
from invoicery.store.tables import invoice_documents, invoices
from tests.support.tenant import Tenant

_d = invoice_documents.c


async def get(tenant: Tenant, invoice_id: str) -> dict[str, Any]:
    response = await tenant.request("GET", f"/invoices/{invoice_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def listing(tenant: Tenant, **params: Any) -> list[dict[str, Any]]:
    response = await tenant.request("GET", "/invoices", params=params)
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


async def stored_versions(db: Database, invoice_id: str) -> list[tuple[int, int]]:
    """(stored version, the invoice's version) of the invoice's stored AP documents."""
    uuid = ids.decode(ids.INVOICE, invoice_id)
    query = (
        select(_d.version, invoices.c.version)
        .join(invoices, invoices.c.id == _d.invoice_id)
        .where(_d.invoice_id == uuid, _d.face == STORED_INVOICE_DOCUMENT.name)
    )
    async with db.read() as conn:
        return [(stored, current) for stored, current in (await conn.execute(query)).all()]


def on(day: date, monkeypatch: pytest.MonkeyPatch) -> None:
    """Move the reads' clock to noon (UTC) of `day`."""
    moment = datetime.combine(day, time(12), UTC)
    monkeypatch.setattr(served, "utc_now", lambda: moment)


async def test_a_listed_invoice_is_stored_and_served_as_rendered(
    tenant: Tenant, db: Database
) -> None:
    created = await tenant.invoice(memo='a "quoted" memo, "status":"" included')
    rendered = await get(tenant, created["id"])
    assert rendered == created
    assert await stored_versions(db, created["id"]) == []  # a read by id stores nothing

    [listed] = await listing(tenant)
    assert await stored_versions(db, created["id"]) == [(1, 1)]
    assert listed == rendered
    assert await get(tenant, created["id"]) == rendered
    assert await listing(tenant) == [rendered]


async def test_a_stored_document_shows_overdue_the_day_after_its_due_date(
    tenant: Tenant, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    due = date.today() + timedelta(days=10)
    created = await tenant.invoice(due_date=due.isoformat())
    on(due, monkeypatch)
    [listed] = await listing(tenant)
    assert listed["status"] == "UPCOMING"
    assert await stored_versions(db, created["id"]) == [(1, 1)]

    on(due + timedelta(days=1), monkeypatch)
    assert (await get(tenant, created["id"]))["status"] == "OVERDUE"
    assert [item["status"] for item in await listing(tenant)] == ["OVERDUE"]
    assert [item["id"] for item in await listing(tenant, status="OVERDUE")] == [created["id"]]
    assert await listing(tenant, status="UPCOMING") == []
    assert await stored_versions(db, created["id"]) == [(1, 1)]  # served from the store
    assert {**(await get(tenant, created["id"])), "status": "UPCOMING"} == listed


async def test_a_write_bumps_the_version_and_the_new_document_replaces_the_old(
    tenant: Tenant, db: Database
) -> None:
    created = await tenant.invoice()
    await listing(tenant)
    assert (await tenant.request("DELETE", f"/invoices/{created['id']}")).status_code == 200

    assert (await get(tenant, created["id"]))["status"] == "ARCHIVED"
    [archived] = await listing(tenant, status="ARCHIVED")
    assert archived == {**created, "status": "ARCHIVED"}
    assert await stored_versions(db, created["id"]) == [(2, 2)]


async def test_a_document_of_an_older_version_is_never_served(tenant: Tenant, db: Database) -> None:
    created = await tenant.invoice(memo="before")
    await listing(tenant)
    uuid = ids.decode(ids.INVOICE, created["id"])
    async with db.write() as conn:
        await conn.execute(
            update(invoices)
            .where(invoices.c.id == uuid)
            .values(memo="after", version=invoices.c.version + 1)
        )

    assert (await get(tenant, created["id"]))["memo"] == "after"
    [listed] = await listing(tenant)
    assert listed["memo"] == "after"
    assert await stored_versions(db, created["id"]) == [(2, 2)]


@pytest.mark.parametrize("limit", ["007", "+7", " 7"])
async def test_a_limit_left_to_fastapi_reads_as_before(tenant: Tenant, limit: str) -> None:
    customer = await tenant.customer()
    for _ in range(8):
        await tenant.invoice(customer_id=customer["id"])
    response = await tenant.request("GET", "/invoices", params={"limit": limit})
    plain = await tenant.request("GET", "/invoices", params={"limit": "7"})
    assert (response.status_code, response.content) == (plain.status_code, plain.content)


async def test_a_list_is_served_when_its_documents_cannot_be_stored(
    tenant: Tenant, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = await tenant.invoice()

    async def unavailable(*_args: object, **_kwargs: object) -> None:
        raise Unavailable("the database is unavailable; try again shortly")

    monkeypatch.setattr(invoice_documents_store, "store", unavailable)
    assert await listing(tenant) == [created]
    assert await stored_versions(db, created["id"]) == []
