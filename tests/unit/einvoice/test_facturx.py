"""The Factur-X PDF: the served invoice PDF, carrying its CII XML, PDF/A-3 by its metadata."""

from __future__ import annotations

from io import BytesIO
from typing import cast

import facturx
import pytest
from lxml import etree
from pypdf import PdfReader
from pypdf.generic import ArrayObject

from invoicery.documents.view import build_document
from invoicery.domain.account import Account
from invoicery.einvoice import Profile, build, to_cii
from invoicery.einvoice.facturx import FACTURX_FILENAME, embed_facturx
from invoicery.pdf import render_invoice
from tests.unit.einvoice import cases
from tests.unit.einvoice.cases import ACCOUNT, NOW, SELLER

ACCOUNT_SETTINGS = Account(
    id=ACCOUNT,
    name="northwind",
    display_name="Northwind Analytics GmbH",
    country="DE",
    address_line1="Friedrichstraße 123",
    address_line2=None,
    city="Berlin",
    postal_code="10117",
    tax_id="DE136695976",
    timezone="Europe/Berlin",
    invoice_prefix="RE-2026-",
    brand_color=None,
    created_at=NOW,
)
XMP = {
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
    "fx": "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#",
    "pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
}


@pytest.fixture(scope="module")
def made() -> tuple[bytes, bytes]:
    """The CII XML of the standard case and its invoice PDF made a Factur-X."""
    case = cases.standard()
    xml = to_cii(build(case.invoice, seller=SELLER, buyer=case.buyer, profile=Profile.FACTURX))
    pdf = render_invoice(
        build_document(
            account=ACCOUNT_SETTINGS, customer=case.customer, invoice=case.invoice, payment_url=None
        )
    )
    return xml, embed_facturx(pdf, xml, lang="de-DE")


def test_the_xml_comes_back_out_and_passes_the_schema(made: tuple[bytes, bytes]) -> None:
    xml, pdf = made

    name, extracted = facturx.get_xml_from_pdf(pdf, check_xsd=True)
    assert (name, extracted) == (FACTURX_FILENAME, xml)
    assert facturx.xml_check_xsd(extracted, flavor="factur-x", level="en16931") is True


def test_the_xmp_says_pdfa3_with_the_facturx_extension_schema(made: tuple[bytes, bytes]) -> None:
    reader = PdfReader(BytesIO(made[1]))
    metadata = reader.xmp_metadata
    assert metadata is not None
    xmp = etree.fromstring(metadata.stream.get_data())

    def text(path: str) -> list[str]:
        found = xmp.xpath(path, namespaces=XMP)
        assert isinstance(found, list)
        return [str(value) for value in found]

    assert text("//pdfaid:part/text()") == ["3"]
    assert text("//pdfaid:conformance/text()") == ["B"]
    assert text("//fx:DocumentType/text()") == ["INVOICE"]
    assert text("//fx:DocumentFileName/text()") == [FACTURX_FILENAME]
    assert text("//fx:ConformanceLevel/text()") == ["EN 16931"]
    assert text("//pdfaSchema:namespaceURI/text()") == [XMP["fx"]]


def test_the_attachment_is_associated_with_the_document(made: tuple[bytes, bytes]) -> None:
    root = PdfReader(BytesIO(made[1])).root_object
    [filespec] = [ref.get_object() for ref in cast(ArrayObject, root["/AF"])]

    assert filespec["/F"] == FACTURX_FILENAME
    assert filespec["/AFRelationship"] == "/Alternative"
    [intent] = [ref.get_object() for ref in cast(ArrayObject, root["/OutputIntents"])]
    assert intent["/S"] == "/GTS_PDFA1"
    assert intent["/DestOutputProfile"].get_object()["/N"] == 3


def test_the_pages_are_the_served_pdfs(made: tuple[bytes, bytes]) -> None:
    text = PdfReader(BytesIO(made[1])).pages[0].extract_text()

    assert "RE-2026-000042" in text


def test_an_xml_outside_the_schema_is_refused() -> None:
    with pytest.raises(Exception, match=r"(?i)xsd|schema"):
        embed_facturx(
            render_invoice_stub(),
            b"<rsm:CrossIndustryInvoice xmlns:rsm='"
            b"urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100'/>",
        )


def render_invoice_stub() -> bytes:
    """The standard case's PDF."""
    case = cases.standard()
    return render_invoice(
        build_document(
            account=ACCOUNT_SETTINGS, customer=case.customer, invoice=case.invoice, payment_url=None
        )
    )
