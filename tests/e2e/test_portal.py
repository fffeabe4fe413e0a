"""The customer portal in headless Chromium against a real `invoicery serve` process.

Same browser set-up as the payment page's tests (Debian's /usr/bin/chromium and
Playwright; skipped without them unless INVOICERY_TEST_REQUIRE_BROWSER=1). Screenshots at
375 px and 1280 px go to the test's tmp dir; with INVOICERY_UPDATE_SCREENSHOTS=1 they
are also copied to docs/screenshots/ (portal-375.png, portal-1280.png).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from invoicery.domain import ids
from invoicery.service import portal
from invoicery.service.portal import PortalGrant, PortalScope
from tests.support.browser import DESKTOP, PHONE, shoot
from tests.support.builders import customer_body, invoice_body, line
from tests.support.server import ServerProcess, fresh_server, merchant_api

pytestmark = pytest.mark.e2e

PAGE_SECRET = "e2e portal page secret, shared with the test to sign an expired token"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A server on a fresh SQLite data dir with a page secret the test knows."""
    with fresh_server(tmp_path / "data", {"INVOICERY_PAGE_SECRET": PAGE_SECRET}) as process:
        yield process


@pytest.fixture
def api(server: ServerProcess) -> Iterator[httpx.Client]:
    """Both faces as a client with every scope, of an account with a display name."""
    with merchant_api(server) as http:
        yield http


def _customer(api: httpx.Client, name: str, *invoices: tuple[str, float, int]) -> dict[str, Any]:
    """A customer with invoices (description, amount, days until due), oldest first."""
    created = api.post("/customers", json=customer_body(name, company_name=f"{name} Ltd"))
    assert created.status_code == 201, created.text
    customer: dict[str, Any] = created.json()
    customer["invoices"] = []
    for description, amount, days in invoices:
        due = (date.today() + timedelta(days=days)).isoformat()
        body = invoice_body(customer["id"], line(amount, description=description), due_date=due)
        invoice = api.post("/invoices", json=body)
        assert invoice.status_code == 201, invoice.text
        customer["invoices"].append(invoice.json())
    return customer


def _portal_link(api: httpx.Client, customer_id: str) -> str:
    response = api.post(f"/api/v1/customers/{customer_id}/portal-token", json={})
    assert response.status_code == 200, response.text
    link: str = response.json()["portal_link"]
    return link


def _expired(token: str) -> str:
    """The same grant as `token`, re-signed with the server's key, expired a second ago."""
    claims = jwt.decode(token, options={"verify_signature": False})
    now = datetime.now(UTC).replace(microsecond=0)
    grant = PortalGrant(
        account_id=ids.decode(ids.ACCOUNT, claims["account_id"]),
        customer_id=ids.decode(ids.CUSTOMER, claims["customer_id"]),
        scopes=frozenset(PortalScope),
        issued_at=now - timedelta(hours=1),
        expires_at=now - timedelta(seconds=1),
    )
    return portal.encode(portal.derive_key(PAGE_SECRET.encode()), grant)


def _status(page: Any, invoice_id: str) -> str:
    text: str = page.locator(f'tr[data-invoice="{invoice_id}"] [data-status]').inner_text()
    return text


def test_the_customer_pays_and_downloads_from_the_portal(
    browser: Any, api: httpx.Client, server: ServerProcess, tmp_path: Path
) -> None:
    grace = _customer(
        api,
        "Grace Hopper",
        ("Brand identity workshop", 2469, 30),
        ("Website maintenance, March", 480, 14),
        ("Logo licence, extended use", 599, 45),
    )
    alan = _customer(api, "Alan Turing", ("Cryptanalysis consulting", 9999, 30))
    link = _portal_link(api, grace["id"])
    assert link.startswith(f"{server.base_url}/portal/")
    workshop, maintenance, licence = grace["invoices"]

    page = browser.new_page(viewport=DESKTOP)
    response = page.goto(link)
    assert response is not None
    assert response.status == 200
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert page.get_by_role("heading", name="Invoices for Grace Hopper").is_visible()
    for invoice in grace["invoices"]:
        assert page.get_by_role("rowheader", name=invoice["invoice_number"]).is_visible()
        assert _status(page, invoice["id"]) == "Open"
    assert "Alan Turing" not in page.content()
    assert alan["invoices"][0]["invoice_number"] not in page.content()

    # download a PDF
    with page.expect_download() as downloading:
        page.get_by_role("link", name=f"PDF of invoice {maintenance['invoice_number']}").click()
    pdf = Path(downloading.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    assert downloading.value.suggested_filename == f"{maintenance['invoice_number']}.pdf"

    # pay one by card, on the hosted page the portal leads to
    page.get_by_role("link", name=f"Pay invoice {workshop['invoice_number']}").click()
    page.wait_for_load_state()
    assert "/pay/" in page.url
    assert page.get_by_text(workshop["invoice_number"]).first.is_visible()
    page.get_by_label("Name on card").fill("Grace Hopper")
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("Expiry date").fill("12 / 34")
    page.get_by_label("Security code").fill("123")
    page.get_by_role("button", name="Pay $2,469.00", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_text("Paid — thank you").is_visible()

    # back on the portal: paid, with a receipt and no pay link
    page.goto(link)
    assert _status(page, workshop["id"]) == "Paid"
    assert _status(page, maintenance["id"]) == "Open"
    pay_workshop = page.get_by_role("link", name=f"Pay invoice {workshop['invoice_number']}")
    assert pay_workshop.count() == 0
    with page.expect_download() as downloading:
        page.get_by_role("link", name=f"Receipt for invoice {workshop['invoice_number']}").click()
    assert Path(downloading.value.path()).read_bytes().startswith(b"%PDF")
    assert api.get(f"/invoices/{workshop['id']}").json()["status"] == "PAID"
    assert api.get(f"/invoices/{licence['id']}").json()["status"] == "UPCOMING"
    shoot(page, tmp_path, "portal-1280")

    phone = browser.new_page(viewport=PHONE)
    phone.goto(link)
    assert phone.get_by_role("link", name=f"Pay invoice {licence['invoice_number']}").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(phone, tmp_path, "portal-375")


def test_another_customer_s_token_shows_nothing_of_this_one(
    browser: Any, api: httpx.Client
) -> None:
    grace = _customer(api, "Grace Hopper", ("Brand identity workshop", 2469, 30))
    alan = _customer(api, "Alan Turing", ("Cryptanalysis consulting", 9999, 30))
    page = browser.new_page(viewport=DESKTOP)
    response = page.goto(_portal_link(api, alan["id"]))
    assert response is not None
    assert response.status == 200
    assert page.get_by_role("heading", name="Invoices for Alan Turing").is_visible()
    assert page.get_by_text("$9,999.00").first.is_visible()
    html = page.content()
    assert "Grace Hopper" not in html
    assert grace["invoices"][0]["invoice_number"] not in html
    assert grace["invoices"][0]["id"] not in html
    assert "$2,469.00" not in html


def test_an_expired_token_is_refused(
    browser: Any, api: httpx.Client, server: ServerProcess
) -> None:
    grace = _customer(api, "Grace Hopper", ("Brand identity workshop", 2469, 30))
    link = _portal_link(api, grace["id"])
    expired = _expired(link.rpartition("/")[2])
    page = browser.new_page(viewport=DESKTOP)
    response = page.goto(f"{server.base_url}/portal/{expired}")
    assert response is not None
    assert response.status == 404
    assert page.get_by_role("heading", name="This link is not valid").is_visible()
    assert page.get_by_text("not valid or has expired").is_visible()
    html = page.content()
    assert "Grace Hopper" not in html
    assert grace["invoices"][0]["invoice_number"] not in html
    # the control: the token it was made from still opens the portal
    fresh = page.goto(link)
    assert fresh is not None
    assert fresh.status == 200
