"""Each e-mail kind arrives with its recipients, subject, PDF and working links.

The notifier runs with the app's own `ServerLinks`, sends through a real SMTP server
in-process, and every link in what arrived is followed back into the app.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage

import httpx
import pytest
from fastapi import FastAPI

from invoicery.domain import ids
from invoicery.mail import SmtpTransport
from invoicery.service import accounts
from invoicery.service._time import utc_now
from invoicery.service.notifications import Notifier
from invoicery.store.database import Database
from invoicery.web.mail_links import ServerLinks
from tests.conftest import PUBLIC_URL
from tests.integration.pages.hosted import GOOD_CARD, open_page
from tests.support.smtp import BoundController, Recorder, smtp_server
from tests.support.tenant import Tenant


@pytest.fixture
def mailbox() -> Iterator[BoundController]:
    """An SMTP server on loopback that accepts everything."""
    with smtp_server() as controller:
        yield controller


def _arrived(controller: BoundController) -> list[EmailMessage]:
    handler = controller.handler
    assert isinstance(handler, Recorder)
    return [received.message() for received in handler.received]


def _links(message: EmailMessage) -> list[str]:
    html = message.get_body(("html",))
    assert html is not None
    return list(dict.fromkeys(re.findall(r'href="([^"]+)"', html.get_content())))


async def _follow(http: httpx.AsyncClient, url: str) -> httpx.Response:
    assert url.startswith(PUBLIC_URL)
    return await http.get(url.removeprefix(PUBLIC_URL).replace("&amp;", "&"))


async def test_every_kind_arrives_with_its_recipients_pdf_and_links(
    app: FastAPI, db: Database, tenant: Tenant, http: httpx.AsyncClient, mailbox: BoundController
) -> None:
    await accounts.update_settings(
        db, name=tenant.account_name, settings={"display_name": "Acme", "reminders": "-1"}
    )
    customer = await tenant.customer(name="Grace Hopper", email="grace@example.com")
    due = (utc_now() + timedelta(days=3)).date()
    invoice = await tenant.invoice(customer_id=customer["id"], due_date=due.isoformat())
    transport = SmtpTransport.from_url(f"smtp://{mailbox.hostname}:{mailbox.port}")
    account_id = ids.decode(ids.ACCOUNT, tenant.client.account_id)
    notifier = Notifier(
        db, transport, sender="billing@acme.example", links=ServerLinks(app.state), only=account_id
    )
    number = invoice["invoice_number"]

    await notifier.run_once(now=utc_now())
    [issued] = _arrived(mailbox)
    assert issued["To"] == "grace@example.com"
    assert issued["Subject"] == f"Invoice {number} from Acme"
    [pdf] = list(issued.iter_attachments())
    assert pdf.get_filename() == f"{number}.pdf"
    content = pdf.get_content()
    assert isinstance(content, bytes)
    assert content.startswith(b"%PDF")
    [pay] = [link for link in _links(issued) if link.startswith(f"{PUBLIC_URL}/pay/")]
    [portal] = [link for link in _links(issued) if link.startswith(f"{PUBLIC_URL}/portal/")]
    page = await _follow(http, pay)
    assert page.status_code == 200
    assert number in page.text
    shown = await _follow(http, portal)
    assert shown.status_code == 200
    assert number in shown.text

    await notifier.run_once(now=utc_now() + timedelta(days=2, hours=12))
    reminder = _arrived(mailbox)[1]
    assert reminder["Subject"].startswith(f"Reminder: invoice {number} from Acme")
    assert pay in _links(reminder)

    hosted = await open_page(tenant, invoice)
    assert (await hosted.pay_card(GOOD_CARD)).status_code == 303
    await notifier.run_once(now=utc_now() + timedelta(days=2, hours=13))
    receipt = _arrived(mailbox)[2]
    assert receipt["Subject"] == f"Receipt for your payment of invoice {number} from Acme"
    assert not [link for link in _links(receipt) if link.startswith(f"{PUBLIC_URL}/pay/")]
    assert len(_arrived(mailbox)) == 3
