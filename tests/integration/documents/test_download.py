"""Downloading an invoice PDF through its signed link: content, headers, revalidation."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx

from invoicery.pdf.view import InvoiceDocument
from tests.integration.documents.conftest import Host, link_fields, pdf_link, pdf_text
from tests.support.builders import line
from tests.support.tenant import Tenant

NAME = "Zürich Tōkyō 東京"


async def test_the_pdf_of_an_api_invoice_holds_its_facts(
    tenant: Tenant, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    customer = await tenant.customer(name=NAME)
    created = await tenant.invoice(
        line(1250.5, description="Design workshop", quantity=2),
        line(99.99, description="Hosting März"),
        line(0.01, description="Rounding test"),
        customer_id=customer["id"],
    )
    url = await pdf_link(tenant, created["id"])

    response = await http.get(url)  # no bearer token: the signature is the authority

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    number = created["invoice_number"]
    assert response.headers["content-disposition"] == f'attachment; filename="{number}.pdf"'
    assert response.content.startswith(b"%PDF-")
    text = pdf_text(response.content, tmp_path)
    for expected in (
        number,
        NAME,
        "Design workshop",
        "$1,250.50",
        "$2,501.00",
        "Hosting März",
        "$99.99",
        "Rounding test",
        "$0.01",
        "$2,601.00",  # the total
    ):
        assert expected in text, expected


async def test_caching_headers_follow_the_link_lifetime(
    tenant: Tenant, http: httpx.AsyncClient
) -> None:
    created = await tenant.invoice()
    url = await pdf_link(tenant, created["id"])
    response = await http.get(url)
    assert response.status_code == 200
    assert re.fullmatch(r'"[0-9a-f]{32}"', response.headers["etag"])
    cache_control = response.headers["cache-control"]
    assert cache_control.startswith("private, max-age=")
    max_age = int(cache_control.removeprefix("private, max-age="))
    left = int(link_fields(url)["expires"]) - time.time()
    assert 0 < max_age <= left + 1
    assert max_age <= 900


async def test_if_none_match_gets_304_without_a_body(
    tenant: Tenant, http: httpx.AsyncClient, renders: list[InvoiceDocument]
) -> None:
    created = await tenant.invoice()
    url = await pdf_link(tenant, created["id"])
    first = await http.get(url)
    etag = first.headers["etag"]

    for header in (etag, f"W/{etag}", f'"nope", {etag}', "*"):
        again = await http.get(url, headers={"If-None-Match": header})
        assert again.status_code == 304, header
        assert again.content == b""
        assert again.headers["etag"] == etag
        assert again.headers["cache-control"].startswith("private, max-age=")

    other = await http.get(url, headers={"If-None-Match": '"0000"'})
    assert other.status_code == 200
    assert other.content == first.content
    assert len(renders) == 1


async def test_a_conditional_request_never_renders(
    tenant: Tenant, http: httpx.AsyncClient, host: Host, renders: list[InvoiceDocument]
) -> None:
    created = await tenant.invoice()
    url = await pdf_link(tenant, created["id"])
    etag = (await http.get(url)).headers["etag"]
    assert len(renders) == 1
    async with host() as fresh:  # has neither rendered nor kept this version in memory
        again = await fresh.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert len(renders) == 1
