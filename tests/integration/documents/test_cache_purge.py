"""Cached PDFs past their retention are deleted, and render again when next downloaded."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import func, select, update

from invoicery.config import Settings
from invoicery.domain import ids
from invoicery.payments.sandbox import SandboxProcessor
from invoicery.pdf.view import InvoiceDocument
from invoicery.service import documents
from invoicery.store.database import Database
from invoicery.store.tables import document_cache
from invoicery.worker import in_background, run
from tests.integration.documents.conftest import Host, pdf_link
from tests.support.tenant import Tenant


async def _stored(db: Database, invoice_id: str) -> int:
    query = select(func.count()).where(
        document_cache.c.invoice_id == ids.decode(ids.INVOICE, invoice_id)
    )
    async with db.read() as conn:
        return int((await conn.execute(query)).scalar_one())


async def _age(db: Database, invoice_id: str, days: int) -> None:
    async with db.write() as conn:
        await conn.execute(
            update(document_cache)
            .where(document_cache.c.invoice_id == ids.decode(ids.INVOICE, invoice_id))
            .values(created_at=datetime.now(UTC) - timedelta(days=days))
        )


async def _download(tenant: Tenant, http: httpx.AsyncClient, invoice_id: str) -> bytes:
    response = await http.get(await pdf_link(tenant, invoice_id))
    assert response.status_code == 200
    return response.content


async def test_only_pdfs_older_than_the_retention_are_deleted(
    tenant: Tenant, http: httpx.AsyncClient, db: Database
) -> None:
    old, fresh = await tenant.invoice(), await tenant.invoice()
    for invoice in (old, fresh):
        await _download(tenant, http, invoice["id"])
    await _age(db, old["id"], days=31)
    await _age(db, fresh["id"], days=29)
    deleted = await documents.purge_cached(db, now=datetime.now(UTC), retention=timedelta(days=30))
    assert deleted >= 1
    assert (await _stored(db, old["id"]), await _stored(db, fresh["id"])) == (0, 1)


async def test_a_purged_pdf_renders_again_on_its_next_download(
    tenant: Tenant, host: Host, db: Database, renders: list[InvoiceDocument]
) -> None:
    created = await tenant.invoice()
    async with host() as first_host:
        before = await _download(tenant, first_host, created["id"])
    await _age(db, created["id"], days=400)
    await documents.purge_cached(db, now=datetime.now(UTC), retention=timedelta(days=30))
    assert await _stored(db, created["id"]) == 0
    async with host() as second_host:  # a process without the PDF in its memory
        after = await _download(tenant, second_host, created["id"])
    assert len(renders) == 2
    assert after[:5] == before[:5] == b"%PDF-"
    assert await _stored(db, created["id"]) == 1


async def test_the_worker_purges_old_pdfs_on_its_first_pass(
    tenant: Tenant, http: httpx.AsyncClient, db: Database
) -> None:
    created = await tenant.invoice()
    await _download(tenant, http, created["id"])
    await _age(db, created["id"], days=3)
    stop = asyncio.Event()
    task = asyncio.create_task(
        run(
            db,
            SandboxProcessor(),
            poll_seconds=0.05,
            processor_timeout=1.0,
            stop=stop,
            pdf_retention=timedelta(days=2),
        )
    )
    for _ in range(100):
        if await _stored(db, created["id"]) == 0:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await task
    assert await _stored(db, created["id"]) == 0


async def test_the_server_worker_keeps_pdfs_for_the_configured_days(
    tenant: Tenant, http: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    old, recent = await tenant.invoice(), await tenant.invoice()
    for invoice in (old, recent):
        await _download(tenant, http, invoice["id"])
    await _age(db, old["id"], days=3)
    await _age(db, recent["id"], days=1)
    configured = settings.model_copy(update={"pdf_cache_days": 2, "worker_poll_seconds": 0.05})
    async with in_background(db, SandboxProcessor(), configured):
        for _ in range(100):
            if await _stored(db, old["id"]) == 0:
                break
            await asyncio.sleep(0.05)
    assert (await _stored(db, old["id"]), await _stored(db, recent["id"])) == (0, 1)
