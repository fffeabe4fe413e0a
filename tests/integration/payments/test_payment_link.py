"""`GET /invoices/{id}/payment-link`: a stable, unguessable page URL for payable invoices."""

from __future__ import annotations

import asyncio
import base64
import re

import httpx
import pytest

from tests.conftest import PUBLIC_URL
from tests.integration.pages.hosted import open_page
from tests.support.tenant import Tenant

_URL = re.compile(rf"^{re.escape(PUBLIC_URL)}/pay/(?P<token>[A-Za-z0-9_-]+)$")


async def _link(tenant: Tenant, invoice_id: str) -> httpx.Response:
    return await tenant.request("GET", f"/invoices/{invoice_id}/payment-link")


async def test_the_link_is_an_absolute_url_with_an_unguessable_token(tenant: Tenant) -> None:
    invoice = await tenant.invoice()
    response = await _link(tenant, invoice["id"])
    assert response.status_code == 200
    assert set(response.json()) == {"url"}
    match = _URL.match(response.json()["url"])
    assert match is not None, response.json()
    token = match.group("token")
    assert invoice["id"] not in token
    assert len(base64.urlsafe_b64decode(token + "=")) * 8 >= 128


async def test_the_link_is_stable_and_differs_per_invoice(tenant: Tenant) -> None:
    first, second = await tenant.invoice(), await tenant.invoice()
    one = (await _link(tenant, first["id"])).json()["url"]
    again = (await _link(tenant, first["id"])).json()["url"]
    other = (await _link(tenant, second["id"])).json()["url"]
    assert one == again
    assert one != other


async def test_concurrent_first_calls_return_the_same_url(tenant: Tenant) -> None:
    invoice = await tenant.invoice()
    await tenant.token()
    responses = await asyncio.gather(*(_link(tenant, invoice["id"]) for _ in range(4)))
    assert {response.status_code for response in responses} == {200}
    assert len({response.json()["url"] for response in responses}) == 1


async def test_the_link_opens_the_invoice_page(tenant: Tenant) -> None:
    invoice = await tenant.invoice()
    page = await open_page(tenant, invoice)
    response = await page.get()
    assert invoice["invoice_number"] in response.text


async def test_paid_invoices_have_no_payment_link(tenant: Tenant) -> None:
    page = await open_page(tenant)
    assert (await page.pay_card()).status_code == 303
    response = await _link(tenant, page.invoice_id)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_state"
    assert "paid" in response.json()["message"]


async def test_received_invoices_have_no_payment_link(tenant: Tenant) -> None:
    page = await open_page(tenant)
    assert (await page.pay_bank()).status_code == 303
    response = await _link(tenant, page.invoice_id)
    assert response.status_code == 400
    assert "in flight" in response.json()["message"]


async def test_archived_invoices_have_no_payment_link(tenant: Tenant) -> None:
    invoice = await tenant.invoice()
    assert (await tenant.request("DELETE", f"/invoices/{invoice['id']}")).status_code == 200
    response = await _link(tenant, invoice["id"])
    assert response.status_code == 400
    assert "archived" in response.json()["message"]


async def test_an_archived_invoice_with_a_link_shows_no_form(tenant: Tenant) -> None:
    page = await open_page(tenant)
    assert (await tenant.request("DELETE", f"/invoices/{page.invoice_id}")).status_code == 200
    response = await page.get()
    assert response.status_code == 200
    assert "Archived" in response.text
    assert "<form" not in response.text


async def test_a_token_is_required(tenant: Tenant, http: httpx.AsyncClient) -> None:
    invoice = await tenant.invoice()
    response = await http.get(f"/invoices/{invoice['id']}/payment-link")
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_the_invoices_read_scope_is_required(tenant: Tenant) -> None:
    invoice = await tenant.invoice()
    headers = await tenant.headers(("invoices:write", "customers:read"))
    response = await tenant.request(
        "GET", f"/invoices/{invoice['id']}/payment-link", headers=headers
    )
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]


@pytest.mark.parametrize("invoice_id", ["inv_00000000000000000000000000", "nonsense", "cus_1"])
async def test_unknown_invoices_are_404(tenant: Tenant, invoice_id: str) -> None:
    response = await _link(tenant, invoice_id)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


async def test_another_tenants_invoice_is_404(tenant: Tenant, other_tenant: Tenant) -> None:
    invoice = await other_tenant.invoice()
    response = await _link(tenant, invoice["id"])
    assert response.status_code == 404
    assert (await _link(other_tenant, invoice["id"])).status_code == 200
