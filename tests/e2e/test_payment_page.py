"""The hosted payment page in headless Chromium against a real `invoicery serve` process.

The browser and screenshots are set up as `tests.support.browser` says.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.browser import DESKTOP, PHONE, shoot
from tests.support.builders import customer_body, invoice_body, line
from tests.support.server import ServerProcess, fresh_server, merchant_api

pytestmark = pytest.mark.e2e


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A server on a fresh SQLite data dir whose ACH debits settle after one second."""
    fast = {"INVOICERY_ACH_SETTLEMENT_SECONDS": "1", "INVOICERY_WORKER_POLL_SECONDS": "0.2"}
    with fresh_server(tmp_path / "data", fast) as process:
        yield process


@pytest.fixture
def api(server: ServerProcess) -> Iterator[httpx.Client]:
    """Both faces as a client with every scope, of an account with a display name."""
    with merchant_api(server) as http:
        yield http


def _payment_link(api: httpx.Client, currency: str = "USD") -> tuple[str, str]:
    customer = api.post("/customers", json=customer_body("Grace Hopper", company_name="Cobol Ltd"))
    assert customer.status_code == 201, customer.text
    body = invoice_body(
        customer.json()["id"],
        line(1850, description="Brand identity workshop (2 days)"),
        line(299.5, quantity=2, description="Logo licence, extended use"),
        line(20, quantity=1, description="Printed style guide"),
        currency=currency,
        due_date=(date.today() + timedelta(days=30)).isoformat(),
        memo="Thank you for your business. Payment is due within 30 days.",
    )
    invoice = api.post("/invoices", json=body)
    assert invoice.status_code == 201, invoice.text
    link = api.get(f"/invoices/{invoice.json()['id']}/payment-link")
    assert link.status_code == 200, link.text
    return invoice.json()["id"], link.json()["url"]


def _fill_card(page: Any, number: str) -> None:
    page.get_by_label("Name on card").fill("Grace Hopper")
    page.get_by_label("Card number").fill(number)
    page.get_by_label("Expiry date").fill("12 / 34")
    page.get_by_label("Security code").fill("123")


def test_decline_then_pay_by_card(
    browser: Any, api: httpx.Client, server: ServerProcess, tmp_path: Path
) -> None:
    invoice_id, url = _payment_link(api)
    assert url.startswith(server.base_url + "/pay/")

    phone = browser.new_page(viewport=PHONE)
    phone.goto(url)
    assert phone.get_by_text("$2,469.00").first.is_visible()
    shoot(phone, tmp_path, "payment-page-375")
    phone.close()

    page = browser.new_page(viewport=DESKTOP)
    response = page.goto(url)
    assert response is not None
    assert response.status == 200
    assert "default-src 'none'" in response.headers["content-security-policy"]
    for text in ("Northwind Design Studio", "Grace Hopper", "Brand identity workshop (2 days)"):
        assert page.get_by_text(text).first.is_visible()
    shoot(page, tmp_path, "payment-page-1280")

    page.get_by_label("Name on card").focus()
    order = []
    for _ in range(4):
        page.keyboard.press("Tab")
        order.append(page.evaluate("document.activeElement.id || document.activeElement.tagName"))
    assert order == ["card-number", "card-expiry", "card-cvc", "BUTTON"]

    _fill_card(page, "4000 0000 0000 0002")
    page.get_by_role("button", name="Pay $2,469.00", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_text("Your card was declined.").is_visible()
    assert api.get(f"/invoices/{invoice_id}").json()["status"] == "UPCOMING"
    shoot(page, tmp_path, "payment-page-declined-1280")

    _fill_card(page, "4242 4242 4242 4242")
    page.get_by_role("button", name="Pay $2,469.00", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_text("Paid — thank you").is_visible()
    assert page.get_by_text("Visa ending in 4242").is_visible()
    assert page.locator("form").count() == 0
    shoot(page, tmp_path, "payment-page-paid-1280")

    phone = browser.new_page(viewport=PHONE)
    phone.goto(url)
    shoot(phone, tmp_path, "payment-page-paid-375")

    assert api.get(f"/invoices/{invoice_id}").json()["status"] == "PAID"
    link = api.get(f"/invoices/{invoice_id}/payment-link")
    assert link.status_code == 400
    assert link.json()["code"] == "invalid_state"


def test_pay_by_bank_settles_through_the_worker_inside_serve(
    browser: Any, api: httpx.Client, tmp_path: Path
) -> None:
    invoice_id, url = _payment_link(api)
    page = browser.new_page(viewport=DESKTOP)
    page.goto(url)
    page.get_by_text("Pay by bank account (ACH)").click()
    page.get_by_label("Account holder name").fill("Grace Hopper")
    page.get_by_label("Routing number").fill("110000000")
    page.get_by_label("Account number").fill("000123456789")
    page.get_by_label("Savings").check()
    page.get_by_role("button", name="Pay $2,469.00 by bank").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Payment processing").is_visible()
    shoot(page, tmp_path, "payment-page-processing-1280")
    assert api.get(f"/invoices/{invoice_id}").json()["status"] in ("RECEIVED", "PAID")

    for _ in range(100):
        if api.get(f"/invoices/{invoice_id}").json()["status"] == "PAID":
            break
        page.wait_for_timeout(100)
    assert api.get(f"/invoices/{invoice_id}").json()["status"] == "PAID"
    page.reload()
    assert page.get_by_text("Paid — thank you").is_visible()
