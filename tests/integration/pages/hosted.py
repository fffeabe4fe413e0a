"""A payer's view of the hosted page in tests: open it, read its form, submit it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import httpx

from invoicery.domain import ids
from invoicery.payments.transaction import Transaction
from invoicery.store import transactions
from invoicery.store.database import Database
from tests.support.tenant import Tenant

GOOD_CARD = "4242 4242 4242 4242"
DECLINED_CARD = "4000 0000 0000 0002"
INSUFFICIENT_FUNDS_CARD = "4000 0000 0000 9995"
ERROR_CARD = "4000 0000 0000 0119"
ROUTING = "110000000"
GOOD_ACCOUNT = "000123456789"
FAILING_ACCOUNT = "000111111116"

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def future_expiry() -> str:
    """An expiry date three years from now, as "MM / YY"."""
    return f"12 / {(date.today().year + 3) % 100:02d}"


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = _CSRF.search(html)
    assert match is not None, "the page has no form"
    return match.group(1)


@dataclass
class HostedPage:
    """One invoice's payment page, as a browser holding its cookie sees it."""

    http: httpx.AsyncClient
    url: str
    invoice_id: str
    csrf: str

    @property
    def path(self) -> str:
        """The page's path."""
        return httpx.URL(self.url).path

    async def get(self) -> httpx.Response:
        """Load the page (and keep its latest CSRF token)."""
        response = await self.http.get(self.path)
        if response.status_code == 200 and "csrf_token" in response.text:
            self.csrf = csrf_of(response.text)
        return response

    async def pay_card(
        self, number: str = GOOD_CARD, *, cvc: str = "123", **fields: str
    ) -> httpx.Response:
        """Submit the card form."""
        data = {
            "csrf_token": self.csrf,
            "name": "Ada Lovelace",
            "number": number,
            "expiry": future_expiry(),
            "cvc": cvc,
            **fields,
        }
        return await self.http.post(f"{self.path}/card", data=data)

    async def pay_bank(self, account: str = GOOD_ACCOUNT, **fields: str) -> httpx.Response:
        """Submit the bank-account form."""
        data = {
            "csrf_token": self.csrf,
            "name": "Ada Lovelace",
            "routing": ROUTING,
            "account": account,
            "account_type": "checking",
            **fields,
        }
        return await self.http.post(f"{self.path}/bank", data=data)


async def open_page(tenant: Tenant, invoice: dict[str, Any] | None = None) -> HostedPage:
    """Create an invoice (unless given), get its payment link and open the page."""
    invoice = invoice or await tenant.invoice()
    link = await tenant.request("GET", f"/invoices/{invoice['id']}/payment-link")
    assert link.status_code == 200, link.text
    page = HostedPage(tenant.http, link.json()["url"], invoice["id"], csrf="")
    response = await page.get()
    assert response.status_code == 200, response.text
    return page


async def status_of(tenant: Tenant, invoice_id: str) -> str:
    """The invoice's AP status."""
    response = await tenant.request("GET", f"/invoices/{invoice_id}")
    assert response.status_code == 200, response.text
    status: str = response.json()["status"]
    return status


async def transactions_of(db: Database, tenant: Tenant, invoice_id: str) -> list[Transaction]:
    """The invoice's transactions, oldest first."""
    account_id: UUID = ids.decode(ids.ACCOUNT, tenant.client.account_id)
    async with db.read() as conn:
        return await transactions.list_for_invoice(
            conn, account_id=account_id, invoice_id=ids.decode(ids.INVOICE, invoice_id)
        )
