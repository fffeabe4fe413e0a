"""E-invoicing end to end: account settings, issuing at finalization, serving the XML.

Each invoice is made over HTTP (billing v1) for an account set up by the operator
service; its XML is checked by the official rules (XSD and EN 16931 schematron).
"""

from __future__ import annotations

import importlib.util
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pytest
from facturx import get_xml_from_pdf
from lxml import etree
from meteroid import NotFoundError

from invoicery.domain.errors import InvalidInput
from invoicery.service import accounts, documents
from invoicery.store.database import Database
from tests.integration.api.billing import v1
from tests.integration.documents.conftest import pdf_text
from tests.integration.pages.hosted import GOOD_CARD, open_page
from tests.support.einvoice_rules import Rules, Syntax, xsd_errors
from tests.support.einvoicing import LEITWEG_ID, SELLER, public_buyer, turn_on
from tests.support.sdk import meteroid_client
from tests.support.tenant import Tenant

V2026_10 = {"Invoicery-Version": "2026-10"}
_NS = {
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}


@pytest.fixture(scope="session")
def rules() -> Rules:
    """The EN 16931 schematrons, compiled once; skips when saxonche is missing."""
    if importlib.util.find_spec("saxonche") is None:
        pytest.skip("saxonche is not installed: the EN 16931 schematron rules cannot run")
    return Rules()


async def _finalized(tenant: Tenant, customer_id: str) -> dict[str, Any]:
    line = v1.line("Consulting", quantity="3", unit_price="120.00", tax_rate="0.19")
    draft = await v1.draft(tenant, customer_id, line, currency="EUR")
    return await v1.act(tenant, draft["id"], "finalize")


async def _shown(tenant: Tenant, invoice_id: str) -> dict[str, Any]:
    response = await tenant.request("GET", f"{v1.API}/invoices/{invoice_id}", headers=V2026_10)
    assert response.status_code == 200, response.text
    shown: dict[str, Any] = response.json()
    return shown


async def _xml(tenant: Tenant, invoice_id: str) -> httpx.Response:
    return await tenant.request("GET", f"{v1.API}/invoices/{invoice_id}/xml")


# The Factur-X schematron's rule of its own guideline id, which an XRechnung CII (with
# the XRechnung guideline) breaks by design; the EN 16931 rules all apply.
_FACTURX_GUIDELINE = "FX-SCH-A-000556"


def _valid(xml: bytes, syntax: Syntax, rules: Rules, *, xrechnung: bool = False) -> None:
    assert xsd_errors(xml, syntax) == []
    ignored = {_FACTURX_GUIDELINE} if xrechnung else set()
    assert [f.id for f in rules.fatal(xml, syntax) if f.id not in ignored] == []


async def test_turning_einvoicing_on_names_each_missing_setting(
    db: Database, tenant: Tenant
) -> None:
    name = tenant.account_name
    with pytest.raises(InvalidInput) as refused:
        await accounts.update_settings(db, name=name, settings={"einvoicing": "xrechnung-cii"})
    assert {"legal_name", "country", "tax_id", "iban", "contact_email", "city"} <= set(
        refused.value.fields
    )
    assert "XRechnung" in refused.value.fields["iban"]
    bad = {**SELLER, "einvoicing": "facturx", "tax_id": "DE000000000"}
    with pytest.raises(InvalidInput) as refused:
        await accounts.update_settings(db, name=name, settings=bad)
    assert set(refused.value.fields) == {"tax_id"}
    with pytest.raises(InvalidInput) as refused:
        await accounts.update_settings(db, name=name, settings={"iban": "DE00 1234"})
    assert set(refused.value.fields) == {"iban"}
    with pytest.raises(InvalidInput) as refused:
        await accounts.update_settings(db, name=name, settings={"einvoicing": "zugferd"})
    assert set(refused.value.fields) == {"einvoicing"}
    await turn_on(db, tenant, "xrechnung-ubl")
    with pytest.raises(InvalidInput) as refused:  # on, a required setting cannot go
        await accounts.update_settings(db, name=name, settings={"contact_phone": ""})
    assert set(refused.value.fields) == {"contact_phone"}
    account = await accounts.get_or_raise(db, name=name)
    assert (account.einvoicing, account.iban) == ("xrechnung-ubl", "DE89370400440532013000")
    off = await accounts.update_settings(db, name=name, settings={"einvoicing": "off"})
    assert off.einvoicing == "off"


async def test_an_account_without_einvoicing_issues_none(db: Database, tenant: Tenant) -> None:
    final = await _finalized(tenant, await public_buyer(tenant))
    assert (await _shown(tenant, final["id"]))["einvoicing_status"] is None
    assert (await _xml(tenant, final["id"])).status_code == 404


async def test_a_facturx_invoice_carries_its_valid_xml_in_its_pdf(
    db: Database, tenant: Tenant, rules: Rules, tmp_path: Any
) -> None:
    await turn_on(db, tenant, "facturx")
    final = await _finalized(tenant, await public_buyer(tenant, reference=None))
    assert (await _shown(tenant, final["id"]))["einvoicing_status"] == "GENERATED"
    response = await _xml(tenant, final["id"])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    assert final["invoice_number"] in response.headers["content-disposition"]
    _valid(response.content, "cii", rules)
    pdf = await tenant.request("GET", f"{v1.API}/invoices/{final['id']}/download")
    assert pdf.status_code == 200
    filename, embedded = get_xml_from_pdf(pdf.content, check_xsd=False)
    assert (filename, embedded) == ("factur-x.xml", response.content)
    text = pdf_text(pdf.content, tmp_path)
    assert final["invoice_number"] in text
    assert "Bundesamt" in text


@pytest.mark.parametrize(
    ("profile", "syntax", "reference"),
    [
        ("xrechnung-cii", "cii", "//ram:BuyerReference/text()"),
        ("xrechnung-ubl", "ubl-invoice", "/*/cbc:BuyerReference/text()"),
    ],
)
async def test_an_xrechnung_names_the_buyer_reference(
    db: Database, tenant: Tenant, rules: Rules, profile: str, syntax: Syntax, reference: str
) -> None:
    await turn_on(db, tenant, profile)
    final = await _finalized(tenant, await public_buyer(tenant))
    response = await _xml(tenant, final["id"])
    assert response.status_code == 200, response.text
    assert etree.fromstring(response.content).xpath(reference, namespaces=_NS) == [LEITWEG_ID]
    _valid(response.content, syntax, rules, xrechnung=True)
    pdf = await tenant.request("GET", f"{v1.API}/invoices/{final['id']}/download")
    assert b"factur-x.xml" not in pdf.content  # only Factur-X embeds it


async def test_a_failed_einvoice_says_why_and_never_stops_the_invoice(
    db: Database, tenant: Tenant
) -> None:
    await turn_on(db, tenant, "xrechnung-cii")
    final = await _finalized(tenant, await public_buyer(tenant, reference=None))
    assert final["status"] == "Finalized"
    assert (await _shown(tenant, final["id"]))["einvoicing_status"] == "FAILED"
    response = await _xml(tenant, final["id"])
    assert response.status_code == 404
    assert "buyer_reference" in response.text


async def test_the_list_filters_by_einvoicing_status(db: Database, tenant: Tenant) -> None:
    plain = await _finalized(tenant, await public_buyer(tenant))
    await turn_on(db, tenant, "xrechnung-cii")
    generated = await _finalized(tenant, await public_buyer(tenant))
    failed = await _finalized(tenant, await public_buyer(tenant, reference=None))

    async def listed(**query: str) -> tuple[int, list[str]]:
        response = await tenant.request("GET", f"{v1.API}/invoices", params=query, headers=V2026_10)
        assert response.status_code == 200, response.text
        body = response.json()
        return body["pagination_meta"]["total_items"], [item["id"] for item in body["data"]]

    assert await listed(einvoicing_status="GENERATED") == (1, [generated["id"]])
    assert await listed(einvoicing_status="FAILED") == (1, [failed["id"]])
    assert await listed(einvoicing_status="FAILED", statuses="DRAFT") == (0, [])
    assert (await listed())[0] == 3
    assert plain["id"] not in (await listed(einvoicing_status="GENERATED"))[1]


async def test_the_sdk_downloads_the_xml(
    db: Database, tenant: Tenant, http: httpx.AsyncClient
) -> None:
    await turn_on(db, tenant, "xrechnung-ubl")
    final = await _finalized(tenant, await public_buyer(tenant))
    sdk = await meteroid_client(tenant, http)
    xml = await sdk.invoices.download_xml(final["id"])
    assert xml == (await _xml(tenant, final["id"])).content
    assert etree.fromstring(xml).xpath("/*/cbc:ID/text()", namespaces=_NS) == [
        final["invoice_number"]
    ]
    plain = await v1.draft(tenant, await public_buyer(tenant))
    with pytest.raises(NotFoundError):
        await sdk.invoices.download_xml(plain["id"])


def _fields(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


def _with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    return parts._replace(query=urlencode({**_fields(url), **changes})).geturl()


async def test_the_ap_xml_link_is_signed_and_expires(
    db: Database,
    tenant: Tenant,
    other_tenant: Tenant,
    http: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await turn_on(db, tenant, "xrechnung-cii")
    final = await _finalized(tenant, await public_buyer(tenant))
    headers = await tenant.headers()
    response = await http.get(f"/invoices/{final['id']}/xml-link", headers=headers)
    assert response.status_code == 200, response.text
    url = response.json()["url"]
    assert urlsplit(url).path.endswith(f"/{final['id']}.xml")
    downloaded = await http.get(url)
    assert downloaded.status_code == 200
    assert downloaded.content == (await _xml(tenant, final["id"])).content
    for tampered in ({"sig": "A" * 43}, {"expires": "4102444800"}, {"extra": "1"}):
        assert (await http.get(_with_query(url, **tampered))).status_code == 403
    pdf_path = urlsplit(url).path.removesuffix(".xml") + ".pdf"  # a signature names its path
    assert (await http.get(f"{pdf_path}?{urlsplit(url).query}")).status_code == 403
    expires = int(_fields(url)["expires"])
    monkeypatch.setattr(documents, "_clock", lambda: float(expires))  # links' one clock
    assert (await http.get(url)).status_code == 403
    monkeypatch.undo()
    others = await other_tenant.headers()
    refused = await http.get(f"/invoices/{final['id']}/xml-link", headers=others)
    assert refused.status_code == 404
    unauthenticated = await http.get(f"/invoices/{final['id']}/xml-link")
    assert unauthenticated.status_code == 401


# --- credit notes ------------------------------------------------------------------------

_UBL_NS = {
    **_NS,
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
}
# BT-1, BT-3, BT-25 and the grand total (BT-112), in each syntax.
_CREDIT_NOTE_PATHS = {
    "cii": (
        "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:ID/text()",
        "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:TypeCode/text()",
        "//ram:InvoiceReferencedDocument/ram:IssuerAssignedID/text()",
        "//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:GrandTotalAmount/text()",
    ),
    "ubl-creditnote": (
        "/*/cbc:ID/text()",
        "/*/cbc:CreditNoteTypeCode/text()",
        "/*/cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID/text()",
        "/*/cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount/text()",
    ),
}


async def _credit_note(
    tenant: Tenant, invoice_id: str, *lines: dict[str, Any], credit_type: str = "DEBT_CANCELLATION"
) -> dict[str, Any]:
    """A finalized credit note of `lines` of the invoice."""
    body = {"invoice_id": invoice_id, "credit_type": credit_type, "line_items": list(lines)}
    created = await tenant.request("POST", f"{v1.API}/credit-notes", json=body)
    assert created.status_code == 201, created.text
    note_id = created.json()["id"]
    final = await tenant.request("POST", f"{v1.API}/credit-notes/{note_id}/finalize")
    assert final.status_code == 200, final.text
    note: dict[str, Any] = final.json()
    return note


async def _two_rate_invoice(tenant: Tenant, reference: str | None = LEITWEG_ID) -> dict[str, Any]:
    lines = (
        v1.line("Consulting", quantity="3", unit_price="120.00", tax_rate="0.19"),
        v1.line("Handbook", quantity="2", unit_price="24.95", tax_rate="0.07"),
    )
    draft = await v1.draft(tenant, await public_buyer(tenant, reference), *lines, currency="EUR")
    return await v1.act(tenant, draft["id"], "finalize")


@pytest.mark.parametrize(
    ("profile", "syntax"),
    [("facturx", "cii"), ("xrechnung-cii", "cii"), ("xrechnung-ubl", "ubl-creditnote")],
)
async def test_a_finalized_credit_note_has_a_valid_einvoice_naming_its_invoice(
    db: Database,
    tenant: Tenant,
    http: httpx.AsyncClient,
    rules: Rules,
    profile: str,
    syntax: Syntax,
) -> None:
    await turn_on(db, tenant, profile)
    invoice = await _two_rate_invoice(tenant)
    note = await _credit_note(
        tenant, invoice["id"], {"line_index": 0, "quantity": "1"}, {"line_index": 1, "amount": 999}
    )
    assert (note["subtotal"], note["tax_amount"], note["total"]) == (12_999, 2_350, 15_349)
    response = await tenant.request("GET", f"{v1.API}/credit-notes/{note['id']}/xml")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    assert "CN-000001.xml" in response.headers["content-disposition"]
    _valid(response.content, syntax, rules, xrechnung=profile.startswith("xrechnung"))
    found = [
        etree.fromstring(response.content).xpath(path, namespaces=_UBL_NS)
        for path in _CREDIT_NOTE_PATHS[syntax]
    ]
    assert found == [["CN-000001"], ["381"], [invoice["invoice_number"]], ["153.49"]]
    sdk = await meteroid_client(tenant, http)
    assert await sdk.credit_notes.download_xml(note["id"]) == response.content
    pdf = await tenant.request("GET", f"{v1.API}/credit-notes/{note['id']}/download")
    assert pdf.status_code == 200, pdf.text
    carried = get_xml_from_pdf(pdf.content, check_xsd=False)[1]  # False if it has none
    assert (carried or None) == (response.content if profile == "facturx" else None)
    voided = await tenant.request("POST", f"{v1.API}/credit-notes/{note['id']}/void")
    assert voided.status_code == 200, voided.text
    again = await tenant.request("GET", f"{v1.API}/credit-notes/{note['id']}/xml")
    assert again.content == response.content  # the document issued stays as it was


async def test_a_credit_note_of_a_reverse_charged_invoice_is_valid(
    db: Database, tenant: Tenant, rules: Rules
) -> None:
    await turn_on(db, tenant, "xrechnung-ubl")
    address = {"line1": "12 rue de Rivoli", "city": "Paris", "zip_code": "75004", "country": "FR"}
    body = {
        "name": "Exemple SARL",
        "currency": "EUR",
        "billing_email": "factures@exemple.example",
        "billing_address": address,
        "vat_number": "FR40303265045",
        "buyer_reference": LEITWEG_ID,
    }
    created = await tenant.request(
        "POST", f"{v1.API}/customers", json=body, headers={"Invoicery-Version": "2026-10"}
    )
    assert created.status_code == 201, created.text
    line = v1.line("Consulting", quantity="4", unit_price="150.00")
    draft = await v1.draft(tenant, created.json()["id"], line, currency="EUR")
    invoice = await v1.act(tenant, draft["id"], "finalize")
    note = await _credit_note(tenant, invoice["id"], {"line_index": 0, "quantity": "1.5"})
    response = await tenant.request("GET", f"{v1.API}/credit-notes/{note['id']}/xml")
    assert response.status_code == 200, response.text
    _valid(response.content, "ubl-creditnote", rules, xrechnung=True)
    assert b"<cbc:ID>AE</cbc:ID>" in response.content


async def test_a_refunded_credit_note_states_nothing_left_to_pay(
    db: Database, tenant: Tenant, rules: Rules
) -> None:
    await turn_on(db, tenant, "facturx")
    customer = await public_buyer(tenant, reference=None)
    final = await _finalized(tenant, customer)
    page = await open_page(tenant, final)
    assert (await page.pay_card(GOOD_CARD)).status_code == 303
    note = await _credit_note(
        tenant, final["id"], {"line_index": 0, "amount": 12_000}, credit_type="REFUND"
    )
    assert note["refunded_amount_cents"] == 14_280
    response = await tenant.request("GET", f"{v1.API}/credit-notes/{note['id']}/xml")
    assert response.status_code == 200, response.text
    _valid(response.content, "cii", rules)
    summary = "//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:"
    tree = etree.fromstring(response.content)
    assert tree.xpath(f"{summary}TotalPrepaidAmount/text()", namespaces=_UBL_NS) == ["142.80"]
    assert tree.xpath(f"{summary}DuePayableAmount/text()", namespaces=_UBL_NS) == ["0.00"]


async def test_a_failed_credit_note_einvoice_says_why_and_never_stops_the_credit_note(
    db: Database, tenant: Tenant
) -> None:
    await turn_on(db, tenant, "xrechnung-cii")
    invoice = await _two_rate_invoice(tenant, reference=None)  # XRechnung needs BT-10
    note = await _credit_note(tenant, invoice["id"], {"line_index": 0, "amount": 1_000})
    assert (note["status"], note["credit_note_number"]) == ("Finalized", "CN-000001")
    response = await tenant.request("GET", f"{v1.API}/credit-notes/{note['id']}/xml")
    assert response.status_code == 404
    assert "buyer_reference" in response.json()["message"]
    shown = await tenant.request("GET", f"{v1.API}/invoices/{invoice['id']}")
    assert shown.json()["amount_due"] == invoice["amount_due"] - 1_190  # the credit applied


async def test_a_draft_credit_note_or_one_issued_with_einvoicing_off_has_no_xml(
    db: Database, tenant: Tenant, other_tenant: Tenant
) -> None:
    invoice = await _two_rate_invoice(tenant)
    before = await _credit_note(tenant, invoice["id"], {"line_index": 0, "amount": 1_000})
    await turn_on(db, tenant, "xrechnung-ubl")
    body = {
        "invoice_id": invoice["id"],
        "credit_type": "DEBT_CANCELLATION",
        "line_items": [{"line_index": 1, "amount": 100}],
    }
    draft = (await tenant.request("POST", f"{v1.API}/credit-notes", json=body)).json()
    for note, why in ((before, "e-invoicing off"), (draft, "draft")):
        response = await tenant.request("GET", f"{v1.API}/credit-notes/{note['id']}/xml")
        assert response.status_code == 404
        assert why in response.json()["message"]
    after = await _credit_note(tenant, invoice["id"], {"line_index": 1, "amount": 100})
    assert (await tenant.request("GET", f"{v1.API}/credit-notes/{after['id']}/xml")).is_success
    theirs = await other_tenant.request("GET", f"{v1.API}/credit-notes/{after['id']}/xml")
    assert theirs.status_code == 404
    anonymous = await tenant.http.get(f"{v1.API}/credit-notes/{after['id']}/xml")
    assert anonymous.status_code == 401
