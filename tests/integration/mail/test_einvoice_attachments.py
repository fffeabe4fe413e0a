"""The invoice e-mail carries its e-invoice: Factur-X inside the PDF, XRechnung beside it.

Each invoice is finalized over billing v1 for an account set up by the operator
service; the notifier, with the app's own `ServerLinks`, mails it through a real SMTP
server in-process, and the attachments are read back from what arrived. Invoice numbers
carry a slash (prefix ``RE/2026/``), so every file name has something to make safe.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from facturx import get_xml_from_pdf
from fastapi import FastAPI
from lxml import etree
from pypdf import PdfReader

from invoicery.domain import ids
from invoicery.einvoice.facturx import FACTURX_FILENAME
from invoicery.mail import SmtpTransport
from invoicery.service._time import utc_now
from invoicery.service.notifications import Notifier
from invoicery.store.database import Database
from invoicery.web.mail_links import ServerLinks
from tests.integration.api.billing import v1
from tests.integration.documents.conftest import pdf_text
from tests.support.einvoice_rules import Syntax, xsd_errors
from tests.support.einvoicing import public_buyer, turn_on
from tests.support.smtp import BoundController, Recorder, smtp_server
from tests.support.tenant import Tenant

PREFIX = "RE/2026/"
SENDER = "billing@northwind.example"
_NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
_INVOICE_NUMBER = {  # BT-1
    "cii": "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:ID/text()",
    "ubl-invoice": "/*/cbc:ID/text()",
}
_XMP = {"pdfaid": "http://www.aiim.org/pdfa/ns/id/"}


@dataclass(frozen=True, slots=True)
class Attachment:
    """One attachment as a mail client sees it."""

    filename: str
    content_type: str
    content: bytes


@pytest.fixture
def mailbox() -> Iterator[BoundController]:
    """An SMTP server on loopback that accepts everything."""
    with smtp_server() as controller:
        yield controller


async def _finalized(tenant: Tenant, customer_id: str) -> dict[str, Any]:
    line = v1.line("Consulting", quantity="3", unit_price="120.00", tax_rate="0.19")
    draft = await v1.draft(tenant, customer_id, line, currency="EUR")
    final = await v1.act(tenant, draft["id"], "finalize")
    assert final["invoice_number"].startswith(PREFIX)
    return final


async def _einvoicing_status(tenant: Tenant, invoice_id: str) -> str | None:
    headers = {"Invoicery-Version": "2026-10"}
    response = await tenant.request("GET", f"{v1.API}/invoices/{invoice_id}", headers=headers)
    assert response.status_code == 200, response.text
    status: str | None = response.json()["einvoicing_status"]
    return status


async def _served_xml(tenant: Tenant, invoice_id: str) -> bytes:
    response = await tenant.request("GET", f"{v1.API}/invoices/{invoice_id}/xml")
    assert response.status_code == 200, response.text
    return response.content


async def _served_pdf(tenant: Tenant, invoice_id: str) -> bytes:
    response = await tenant.request("GET", f"{v1.API}/invoices/{invoice_id}/download")
    assert response.status_code == 200, response.text
    return response.content


async def _mailed(
    app: FastAPI, db: Database, tenant: Tenant, mailbox: BoundController
) -> list[Attachment]:
    """Run the tenant's notifier once; the attachments of the one mail that arrived."""
    transport = SmtpTransport.from_url(f"smtp://{mailbox.hostname}:{mailbox.port}")
    account_id = ids.decode(ids.ACCOUNT, tenant.client.account_id)
    links = ServerLinks(app.state)
    notifier = Notifier(db, transport, sender=SENDER, links=links, only=account_id)
    handler = mailbox.handler
    assert isinstance(handler, Recorder)
    before = len(handler.received)
    assert await notifier.run_once(now=utc_now()) == 1
    [received] = handler.received[before:]
    message = received.message()
    assert received.rcpt_tos == ["rechnung@beispiele.example"]
    found = []
    for part in message.iter_attachments():
        content = part.get_content()
        assert isinstance(content, bytes)
        assert part.get_content_disposition() == "attachment"
        found.append(Attachment(str(part.get_filename()), part.get_content_type(), content))
    return found


def _file_name(invoice_number: str, suffix: str) -> str:
    """The attachment name of an invoice number: its slashes made underscores."""
    return invoice_number.replace("/", "_") + suffix


def _number_in(xml: bytes, syntax: Syntax) -> list[str]:
    found = etree.fromstring(xml).xpath(_INVOICE_NUMBER[syntax], namespaces=_NS)
    assert isinstance(found, list)
    return [str(value) for value in found]


def _assert_plain_pdf(attachment: Attachment, invoice_number: str) -> None:
    assert attachment.content_type == "application/pdf"
    assert attachment.filename == _file_name(invoice_number, ".pdf")
    assert attachment.content.startswith(b"%PDF")
    assert PdfReader(BytesIO(attachment.content)).attachments == {}
    assert FACTURX_FILENAME.encode() not in attachment.content


async def test_a_facturx_invoice_mail_attaches_one_pdf_carrying_its_xml(
    app: FastAPI, db: Database, tenant: Tenant, mailbox: BoundController, tmp_path: Path
) -> None:
    await turn_on(db, tenant, "facturx", invoice_prefix=PREFIX)
    final = await _finalized(tenant, await public_buyer(tenant, reference=None))
    number = final["invoice_number"]
    assert await _einvoicing_status(tenant, final["id"]) == "GENERATED"

    [pdf] = await _mailed(app, db, tenant, mailbox)

    assert pdf.content_type == "application/pdf"
    assert pdf.filename == _file_name(number, ".pdf")
    assert pdf.content == await _served_pdf(tenant, final["id"])
    name, xml = get_xml_from_pdf(pdf.content, check_xsd=False)
    assert name == FACTURX_FILENAME
    assert xml == await _served_xml(tenant, final["id"])
    assert _number_in(xml, "cii") == [number]
    metadata = PdfReader(BytesIO(pdf.content)).xmp_metadata
    assert metadata is not None
    xmp = etree.fromstring(metadata.stream.get_data())
    assert xmp.xpath("//pdfaid:part/text()", namespaces=_XMP) == ["3"]
    text = pdf_text(pdf.content, tmp_path)
    assert number in text
    assert "Bundesamt" in text


@pytest.mark.parametrize(
    ("profile", "syntax"), [("xrechnung-cii", "cii"), ("xrechnung-ubl", "ubl-invoice")]
)
async def test_an_xrechnung_invoice_mail_attaches_its_xml_beside_the_pdf(
    app: FastAPI,
    db: Database,
    tenant: Tenant,
    mailbox: BoundController,
    profile: str,
    syntax: Syntax,
) -> None:
    await turn_on(db, tenant, profile, invoice_prefix=PREFIX)
    final = await _finalized(tenant, await public_buyer(tenant))
    number = final["invoice_number"]

    pdf, xml = await _mailed(app, db, tenant, mailbox)

    _assert_plain_pdf(pdf, number)
    assert xml.content_type == "application/xml"
    assert xml.filename == _file_name(number, ".xml")
    assert xml.content == await _served_xml(tenant, final["id"])
    assert _number_in(xml.content, syntax) == [number]
    assert xsd_errors(xml.content, syntax) == []


async def test_each_mail_of_an_invoice_attaches_the_files_its_downloads_serve(
    app: FastAPI, db: Database, tenant: Tenant, mailbox: BoundController
) -> None:
    await turn_on(db, tenant, "xrechnung-ubl", invoice_prefix=PREFIX)
    final = await _finalized(tenant, await public_buyer(tenant))
    first = await _mailed(app, db, tenant, mailbox)

    response = await tenant.request("POST", f"/invoices/{final['id']}/send")
    assert response.status_code == 202, response.text
    again = await _mailed(app, db, tenant, mailbox)

    served = [await _served_pdf(tenant, final["id"]), await _served_xml(tenant, final["id"])]
    assert [attachment.content for attachment in first] == served  # with its pay link
    assert again == first


async def test_an_account_without_einvoicing_mails_a_plain_pdf_alone(
    app: FastAPI, db: Database, tenant: Tenant, mailbox: BoundController
) -> None:
    await turn_on(db, tenant, "off", invoice_prefix=PREFIX)
    final = await _finalized(tenant, await public_buyer(tenant))
    assert await _einvoicing_status(tenant, final["id"]) is None

    [pdf] = await _mailed(app, db, tenant, mailbox)

    _assert_plain_pdf(pdf, final["invoice_number"])


async def test_an_invoice_whose_einvoice_failed_is_still_mailed_with_a_plain_pdf(
    app: FastAPI, db: Database, tenant: Tenant, mailbox: BoundController
) -> None:
    await turn_on(db, tenant, "xrechnung-cii", invoice_prefix=PREFIX)
    final = await _finalized(tenant, await public_buyer(tenant, reference=None))
    assert await _einvoicing_status(tenant, final["id"]) == "FAILED"

    [pdf] = await _mailed(app, db, tenant, mailbox)

    _assert_plain_pdf(pdf, final["invoice_number"])
