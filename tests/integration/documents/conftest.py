"""Fixtures for PDF link tests: counting renders, extra hosts, reading PDF text."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from pydantic import SecretStr

from invoicery.app import create_app
from invoicery.config import Settings
from invoicery.documents import cache, render
from invoicery.pdf.view import InvoiceDocument
from invoicery.store.database import Database
from tests.conftest import PUBLIC_URL, conformance_check
from tests.support.tenant import Tenant

REQUIRE_PDF_TOOLS = os.environ.get("INVOICERY_TEST_REQUIRE_PDF_TOOLS") == "1"

Host = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[InvoiceDocument]:
    """Every document rendered from now on (the real renderer still runs, in its process)."""
    rendered: list[InvoiceDocument] = []
    real = render.render  # what `cache` calls

    async def counting(doc: InvoiceDocument) -> bytes:
        rendered.append(doc)
        return await real(doc)

    monkeypatch.setattr(cache, "render", counting)
    return rendered


@pytest.fixture
def host(settings: Settings, db: Database) -> Host:
    """Another server process over the same database: `async with host(**settings) as http`.

    `signing_keys` may be given as text; each host has its own in-process caches.
    """

    @asynccontextmanager
    async def start(**changes: Any) -> AsyncIterator[httpx.AsyncClient]:
        if isinstance(changes.get("signing_keys"), str):
            changes["signing_keys"] = SecretStr(changes["signing_keys"])
        app = create_app(settings.model_copy(update=changes), database=db)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport,
            base_url=PUBLIC_URL,
            event_hooks={"response": [conformance_check(transport)]},
        ) as client:
            yield client

    return start


async def pdf_link(tenant: Tenant, invoice_id: str, http: httpx.AsyncClient | None = None) -> str:
    """A signed link of the tenant's invoice, asked of `http` (default: the tenant's app)."""
    client = http or tenant.http
    response = await client.get(f"/invoices/{invoice_id}/pdf-link", headers=await tenant.headers())
    assert response.status_code == 200, response.text
    url: str = response.json()["url"]
    return url


def link_fields(url: str) -> dict[str, str]:
    """The query fields of a link."""
    return dict(parse_qsl(urlsplit(url).query))


def pdf_text(content: bytes, tmp_path: Path) -> str:
    """The text of a PDF, by poppler's pdftotext (skips if missing, unless required)."""
    tool = shutil.which("pdftotext")
    if tool is None:
        reason = "pdftotext not found: install the Debian package poppler-utils"
        if REQUIRE_PDF_TOOLS:
            pytest.fail(reason)
        pytest.skip(reason)
    source = tmp_path / "download.pdf"
    source.write_bytes(content)
    done = subprocess.run(
        [tool, "-enc", "UTF-8", str(source), "-"], check=True, capture_output=True, timeout=60
    )
    return done.stdout.decode("utf-8")
