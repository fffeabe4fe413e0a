"""The hosted page: what it shows, its headers, its forms, CSRF and unknown tokens."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import httpx
import pytest

from invoicery.service import accounts as account_service
from invoicery.store.database import Database
from tests.integration.pages.hosted import csrf_of, open_page, status_of, transactions_of
from tests.support.builders import line
from tests.support.tenant import Tenant


class _Form(HTMLParser):
    """Collects inputs, labels and scripts of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.inputs: list[dict[str, str | None]] = []
        self.label_targets: set[str] = set()
        self.scripts = 0
        self.buttons: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "input":
            self.inputs.append(values)
        elif tag == "label" and values.get("for"):
            self.label_targets.add(str(values["for"]))
        elif tag == "script":
            self.scripts += 1
        elif tag == "button":
            self.buttons.append(values)


def _parse(html: str) -> _Form:
    form = _Form()
    form.feed(html)
    return form


async def test_the_page_shows_the_invoice(db: Database, tenant: Tenant) -> None:
    await account_service.update_settings(
        db, name=tenant.account_name, settings={"display_name": "Acme Studio"}
    )
    customer = await tenant.customer(name="Grace Hopper")
    invoice = await tenant.invoice(
        line(1234.5, quantity=2, description="Brand workshop"),
        customer_id=customer["id"],
        due_date="2099-03-05",
    )
    page = await open_page(tenant, invoice)
    html = (await page.get()).text
    assert "Acme Studio" in html
    assert invoice["invoice_number"] in html
    assert "Grace Hopper" in html
    assert "March 5, 2099" in html
    assert "Brand workshop" in html
    assert "$1,234.50" in html
    assert "$2,469.00" in html
    assert 'data-status="UPCOMING"' in html


@pytest.mark.parametrize(
    ("currency", "amount", "text"), [("JPY", 1200, "¥1,200"), ("KWD", 1.25, "KWD 1.250")]
)
async def test_amounts_are_formatted_for_the_currency(
    tenant: Tenant, currency: str, amount: float, text: str
) -> None:
    page = await open_page(tenant, await tenant.invoice(line(amount), currency=currency))
    html = (await page.get()).text
    assert text in html
    assert "Pay by bank account" not in html  # ACH is for US dollars only


async def test_security_headers(tenant: Tenant) -> None:
    page = await open_page(tenant)
    response = await page.get()
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "form-action 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    nonce = re.search(r"style-src 'nonce-([^']+)'", policy)
    assert nonce is not None
    assert f'<style nonce="{nonce.group(1)}">' in response.text
    assert "unsafe-inline" not in policy
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-type"].startswith("text/html")
    cookie = response.headers["set-cookie"].lower()
    assert "samesite=strict" in cookie
    assert "httponly" in cookie


async def test_nonces_differ_per_response(tenant: Tenant) -> None:
    page = await open_page(tenant)
    first, second = await page.get(), await page.get()
    assert first.headers["content-security-policy"] != second.headers["content-security-policy"]


async def test_the_card_form_is_accessible_and_needs_no_script(tenant: Tenant) -> None:
    page = await open_page(tenant)
    form = _parse((await page.get()).text)
    assert form.scripts == 0
    autocomplete = {
        i.get("autocomplete") for i in form.inputs if (i.get("id") or "").startswith("card-")
    }
    assert {"cc-name", "cc-number", "cc-exp", "cc-csc"} <= autocomplete
    visible = [i for i in form.inputs if i.get("type") != "hidden"]
    for field in visible:
        if field.get("type") == "text":
            assert field.get("id") in form.label_targets, field
    assert any(button.get("type") == "submit" for button in form.buttons)
    assert all(i.get("name") != "csrf_token" or i.get("value") for i in form.inputs)


async def test_field_errors_are_tied_to_their_inputs(db: Database, tenant: Tenant) -> None:
    page = await open_page(tenant)
    response = await page.pay_card("4242 4242 4242 4241", cvc="12", expiry="13 / 30")
    assert response.status_code == 422
    html = response.text
    for field in ("number", "expiry", "cvc"):
        assert f'id="card-{field}-error"' in html
        assert re.search(rf'id="card-{field}"[^>]*aria-invalid="true"', html)
    assert "Your card number is invalid." in html
    assert "4242 4242 4242 4241" not in html  # the number is never echoed back
    assert await transactions_of(db, tenant, page.invoice_id) == []


async def test_unknown_tokens_get_a_404_page_that_reveals_nothing(
    tenant: Tenant, http: httpx.AsyncClient
) -> None:
    await open_page(tenant)
    for path in ("/pay/" + "A" * 43, "/pay/short", "/pay/" + "A" * 43 + "/card"):
        response = await http.get(path)
        assert response.status_code in (404, 405), path
        assert response.headers["content-type"].startswith("text/html")
        assert "default-src 'none'" in response.headers["content-security-policy"]
        assert "INV-" not in response.text
    response = await http.get("/pay/" + "A" * 43)
    assert "Page not found" in response.text


async def test_posts_without_a_valid_csrf_token_are_refused(db: Database, tenant: Tenant) -> None:
    page = await open_page(tenant)
    genuine = page.csrf
    for forged in ("", "0" * 64, genuine[:-1] + ("0" if genuine[-1] != "0" else "1")):
        page.csrf = forged
        response = await page.pay_card()
        assert response.status_code == 403
        assert "session expired" in response.text
    assert await status_of(tenant, page.invoice_id) == "UPCOMING"
    assert await transactions_of(db, tenant, page.invoice_id) == []


async def test_a_token_from_another_page_or_without_the_cookie_is_refused(
    db: Database, tenant: Tenant
) -> None:
    page, other = await open_page(tenant), await open_page(tenant)
    page.csrf = other.csrf
    assert (await page.pay_card()).status_code == 403
    page.csrf = csrf_of((await page.get()).text)
    tenant.http.cookies.clear()
    assert (await page.pay_card()).status_code == 403
    assert (await page.pay_bank()).status_code == 403
    assert await transactions_of(db, tenant, page.invoice_id) == []


async def test_a_paid_invoice_shows_its_state_and_no_form(tenant: Tenant) -> None:
    page = await open_page(tenant)
    assert (await page.pay_card()).status_code == 303
    html = (await page.get()).text
    assert 'data-status="PAID"' in html
    assert "Paid — thank you" in html
    assert "Visa ending in 4242" in html
    assert "<form" not in html
