"""Rendered PDFs are cached by content version, in memory and in the shared table."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from sqlalchemy import delete, func, select

from invoicery.domain import ids
from invoicery.pdf.view import InvoiceDocument
from invoicery.service import accounts as account_service
from invoicery.store.database import Database
from invoicery.store.tables import document_cache
from tests.integration.documents.conftest import Host, pdf_link, pdf_text
from tests.support.tenant import Tenant


async def _cached_versions(db: Database, invoice_id: str) -> int:
    query = select(func.count()).where(
        document_cache.c.invoice_id == ids.decode(ids.INVOICE, invoice_id)
    )
    async with db.read() as conn:
        return int((await conn.execute(query)).scalar_one())


async def test_a_second_download_does_not_render_again(
    tenant: Tenant, http: httpx.AsyncClient, renders: list[InvoiceDocument]
) -> None:
    created = await tenant.invoice()
    url = await pdf_link(tenant, created["id"])
    first = await http.get(url)
    second = await http.get(await pdf_link(tenant, created["id"]))  # a new link, same version
    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert second.headers["etag"] == first.headers["etag"]
    assert len(renders) == 1


async def test_repeats_are_served_from_this_hosts_memory(
    tenant: Tenant, http: httpx.AsyncClient, db: Database, renders: list[InvoiceDocument]
) -> None:
    created = await tenant.invoice()
    url = await pdf_link(tenant, created["id"])
    first = await http.get(url)
    async with db.write() as conn:  # take the shared copy away: only memory can answer now
        await conn.execute(
            delete(document_cache).where(
                document_cache.c.invoice_id == ids.decode(ids.INVOICE, created["id"])
            )
        )
    again = await http.get(url)
    assert again.content == first.content
    assert len(renders) == 1


async def test_every_host_shares_the_rendered_pdf(
    tenant: Tenant,
    http: httpx.AsyncClient,
    host: Host,
    db: Database,
    renders: list[InvoiceDocument],
) -> None:
    created = await tenant.invoice()
    url = await pdf_link(tenant, created["id"])
    first = await http.get(url)
    async with host() as other:  # another process: empty memory cache, same database
        again = await other.get(url)
    assert again.status_code == 200
    assert again.content == first.content
    assert len(renders) == 1
    assert await _cached_versions(db, created["id"]) == 1


async def test_concurrent_first_downloads_render_once(
    tenant: Tenant, http: httpx.AsyncClient, renders: list[InvoiceDocument]
) -> None:
    created = await tenant.invoice()
    url = await pdf_link(tenant, created["id"])
    responses = await asyncio.gather(*(http.get(url) for _ in range(6)))
    assert [r.status_code for r in responses] == [200] * 6
    assert len({r.content for r in responses}) == 1
    assert len(renders) == 1


async def test_archiving_changes_the_version_and_stamps_the_pdf(
    tenant: Tenant,
    http: httpx.AsyncClient,
    db: Database,
    renders: list[InvoiceDocument],
    tmp_path: Path,
) -> None:
    created = await tenant.invoice()
    url = await pdf_link(tenant, created["id"])
    before = await http.get(url)
    assert "ARCHIVED" not in pdf_text(before.content, tmp_path)

    archived = await tenant.request("DELETE", f"/invoices/{created['id']}")
    assert archived.status_code == 200
    after = await http.get(url, headers={"If-None-Match": before.headers["etag"]})

    assert after.status_code == 200  # the old version no longer matches
    assert after.headers["etag"] != before.headers["etag"]
    assert "ARCHIVED" in pdf_text(after.content, tmp_path)
    assert [doc.status_stamp for doc in renders] == [None, "ARCHIVED"]
    assert await _cached_versions(db, created["id"]) == 1  # the old version was dropped

    restored = await tenant.request("POST", f"/invoices/{created['id']}/restore")
    assert restored.status_code == 200
    back = await http.get(url)
    assert back.headers["etag"] == before.headers["etag"]
    assert back.content == before.content


async def test_account_settings_are_part_of_the_version(
    tenant: Tenant,
    http: httpx.AsyncClient,
    db: Database,
    renders: list[InvoiceDocument],
    tmp_path: Path,
) -> None:
    created = await tenant.invoice()
    url = await pdf_link(tenant, created["id"])
    before = await http.get(url)
    await account_service.update_settings(
        db,
        name=tenant.account_name,
        settings={"display_name": "Renamed Widgets GmbH", "tax_id": "DE999999999"},
    )
    after = await http.get(url)
    assert after.headers["etag"] != before.headers["etag"]
    text = pdf_text(after.content, tmp_path)
    assert "Renamed Widgets GmbH" in text
    assert "DE999999999" in text
    assert len(renders) == 2


async def test_an_issued_payment_link_is_printed(
    tenant: Tenant, http: httpx.AsyncClient, renders: list[InvoiceDocument], tmp_path: Path
) -> None:
    created = await tenant.invoice()
    url = await pdf_link(tenant, created["id"])
    without = await http.get(url)
    assert renders[-1].payment_url is None  # no page token issued yet: no link invented

    page = await tenant.request("GET", f"/invoices/{created['id']}/payment-link")
    assert page.status_code == 200
    with_link = await http.get(url)

    assert with_link.headers["etag"] != without.headers["etag"]
    assert renders[-1].payment_url == page.json()["url"]
    assert "HOW TO PAY" in pdf_text(with_link.content, tmp_path)
