"""Billing-v1 `GET /api/v1/invoices/{invoice_id}/download`: the PDF itself, by bearer token."""

from __future__ import annotations

from pathlib import Path

import httpx

from invoicery.auth.scopes import Scope
from invoicery.pdf.view import InvoiceDocument
from invoicery.service import accounts as account_service
from invoicery.store.database import Database
from tests.integration.documents.conftest import pdf_text
from tests.support.builders import line
from tests.support.tenant import Tenant


def _url(invoice_id: str) -> str:
    return f"/api/v1/invoices/{invoice_id}/download"


async def test_the_pdf_is_returned_directly(
    tenant: Tenant, http: httpx.AsyncClient, tmp_path: Path, renders: list[InvoiceDocument]
) -> None:
    created = await tenant.invoice(line(42, description="Annual licence"))
    headers = await tenant.headers((Scope.INVOICES_READ.value,))
    response = await http.get(_url(created["id"]), headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    number = created["invoice_number"]
    assert response.headers["content-disposition"] == f'attachment; filename="{number}.pdf"'
    assert response.headers["cache-control"] == "private, no-cache"
    text = pdf_text(response.content, tmp_path)
    assert number in text
    assert "Annual licence" in text
    assert "$42.00" in text

    # the same document as the signed link serves, from the same cache
    link = await tenant.request("GET", f"/invoices/{created['id']}/pdf-link")
    by_link = await http.get(link.json()["url"])
    assert by_link.content == response.content
    assert by_link.headers["etag"] == response.headers["etag"]
    assert len(renders) == 1

    again = await http.get(
        _url(created["id"]), headers={**headers, "If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304
    assert again.content == b""


async def test_an_archived_invoice_downloads_stamped(
    tenant: Tenant, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    created = await tenant.invoice()
    assert (await tenant.request("DELETE", f"/invoices/{created['id']}")).status_code == 200
    response = await tenant.request("GET", _url(created["id"]))
    assert response.status_code == 200
    assert "ARCHIVED" in pdf_text(response.content, tmp_path)


async def test_refusals_401_403_404_in_the_billing_error_format(
    tenant: Tenant, other_tenant: Tenant, http: httpx.AsyncClient
) -> None:
    created = await tenant.invoice()
    foreign = await other_tenant.invoice()
    unauthorized = await http.get(_url(created["id"]))
    assert unauthorized.status_code == 401
    assert unauthorized.json()["code"] == "UNAUTHORIZED"
    bad = {"Authorization": "Bearer nope"}
    assert (await http.get(_url(created["id"]), headers=bad)).status_code == 401
    write_only = await tenant.headers((Scope.INVOICES_WRITE.value,))
    assert (await http.get(_url(created["id"]), headers=write_only)).status_code == 403
    headers = await tenant.headers()
    for missing in (foreign["id"], "inv_00000000000000000000000000", "INV-000001", "nope"):
        response = await http.get(_url(missing), headers=headers)
        assert response.status_code == 404, missing
        assert response.json()["code"] == "NOT_FOUND"


async def test_a_change_serves_the_new_pdf_under_a_new_etag(
    tenant: Tenant,
    http: httpx.AsyncClient,
    db: Database,
    tmp_path: Path,
    renders: list[InvoiceDocument],
) -> None:
    created = await tenant.invoice()
    headers = await tenant.headers((Scope.INVOICES_READ.value,))
    first = await http.get(_url(created["id"]), headers=headers)
    again = await http.get(_url(created["id"]), headers=headers)  # the document kept
    assert again.headers["etag"] == first.headers["etag"]
    assert again.content == first.content
    assert len(renders) == 1

    assert (await tenant.request("DELETE", f"/invoices/{created['id']}")).status_code == 200
    stale = {**headers, "If-None-Match": first.headers["etag"]}
    archived = await http.get(_url(created["id"]), headers=stale)
    assert archived.status_code == 200  # the old version no longer matches
    assert archived.headers["etag"] != first.headers["etag"]
    assert "ARCHIVED" in pdf_text(archived.content, tmp_path)

    await account_service.update_settings(
        db, name=tenant.account_name, settings={"display_name": "Renamed Widgets GmbH"}
    )
    renamed = await http.get(_url(created["id"]), headers=headers)
    assert renamed.headers["etag"] not in (first.headers["etag"], archived.headers["etag"])
    assert "Renamed Widgets GmbH" in pdf_text(renamed.content, tmp_path)
    assert len(renders) == 3


async def test_another_accounts_downloaded_invoice_stays_404(
    tenant: Tenant, other_tenant: Tenant, http: httpx.AsyncClient
) -> None:
    created = await tenant.invoice()
    owner = await http.get(_url(created["id"]), headers=await tenant.headers())
    assert owner.status_code == 200  # its document is now kept by this process

    headers = {**await other_tenant.headers(), "If-None-Match": owner.headers["etag"]}
    foreign = await http.get(_url(created["id"]), headers=headers)
    assert foreign.status_code == 404
    assert foreign.json()["code"] == "NOT_FOUND"
    assert "etag" not in foreign.headers
