"""E-mail from a real `invoicery serve` process: to an SMTP server, or to .eml files.

The SMTP server is aiosmtpd, in this test process; the server's worker polls for mail
every 0.2 s, so the test waits (bounded) for what arrives rather than sleeping. The
invoice e-mail is rendered in Chromium with every network request refused, which proves
it needs none, and photographed for docs/screenshots/invoice-email.png.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import shoot
from tests.support.builders import customer_body, invoice_body, line
from tests.support.server import ServerProcess, merchant_api
from tests.support.smtp import BoundController, Recorder, smtp_server

pytestmark = pytest.mark.e2e

FAST_MAIL = {"INVOICERY_MAIL_POLL_SECONDS": "0.2", "INVOICERY_MAIL_FROM": "billing@acme.example"}


@pytest.fixture
def mailbox() -> Iterator[BoundController]:
    """An SMTP server on loopback that accepts everything."""
    with smtp_server() as controller:
        yield controller


def _serve(data_dir: Path, env: dict[str, str]) -> ServerProcess:
    server = ServerProcess(data_dir, {**FAST_MAIL, **env})
    server.data_dir.mkdir()
    server.start()
    return server


def _invoice(server: ServerProcess) -> dict[str, Any]:
    with merchant_api(server) as api:
        customer = api.post("/customers", json=customer_body("Grace Hopper"))
        assert customer.status_code == 201, customer.text
        body = invoice_body(
            customer.json()["id"],
            line(1850, description="Brand identity workshop (2 days)"),
            line(299.5, quantity=2, description="Logo licence, extended use"),
            due_date=(date.today() + timedelta(days=30)).isoformat(),
        )
        invoice = api.post("/invoices", json=body)
        assert invoice.status_code == 201, invoice.text
        result: dict[str, Any] = invoice.json()
        return result


def _wait_for(found: Callable[[], list[Any]], seconds: float = 30.0) -> list[Any]:
    deadline = time.monotonic() + seconds
    while not (items := found()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return items


def test_a_new_invoice_reaches_the_smtp_server_and_renders_without_the_network(
    mailbox: BoundController, tmp_path: Path, browser: Any
) -> None:
    handler = mailbox.handler
    assert isinstance(handler, Recorder)
    server = _serve(tmp_path / "data", {"INVOICERY_SMTP_URL": f"smtp://127.0.0.1:{mailbox.port}"})
    try:
        invoice = _invoice(server)
        [received] = _wait_for(lambda: list(handler.received))
    finally:
        server.stop()
    log = (server.data_dir / "server.log").read_text()
    assert f"mail: SMTP smtp://127.0.0.1:{mailbox.port}" in log

    message = received.message()
    assert received.rcpt_tos == ["ada@example.com"]
    number = invoice["invoice_number"]
    assert message["Subject"] == f"Invoice {number} from Northwind Design Studio"
    [pdf] = list(message.iter_attachments())
    assert pdf.get_content().startswith(b"%PDF")
    html = message.get_body(("html",))
    assert html is not None

    requested: list[str] = []
    page = browser.new_page(viewport={"width": 800, "height": 900})

    def refuse(route: Any) -> None:
        requested.append(route.request.url)
        route.abort()

    page.route("**/*", refuse)
    page.set_content(html.get_content())
    assert "$2,449.00" in page.inner_text("body")
    assert requested == []
    shoot(page, tmp_path, "invoice-email")


def test_without_smtp_each_message_is_an_eml_file_and_the_server_says_so(
    tmp_path: Path,
) -> None:
    server = _serve(tmp_path / "data", {})
    try:
        invoice = _invoice(server)
        outbox = server.data_dir / "outbox"
        [written] = _wait_for(lambda: sorted(outbox.glob("*.eml")) if outbox.exists() else [])
    finally:
        server.stop()
    assert "mail: no SMTP configured" in (server.data_dir / "server.log").read_text()
    message = message_from_bytes(written.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    assert message["To"] == "ada@example.com"
    assert invoice["invoice_number"] in str(message["Subject"])
