"""The document states the invoice's amounts to the cent, in the categories the rules want."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from lxml import etree

from invoicery.einvoice import (
    DocumentError,
    DocumentType,
    Options,
    Profile,
    VatCategory,
    build,
    to_cii,
    to_ubl,
)
from invoicery.einvoice.model import EInvoice
from tests.unit.einvoice import cases
from tests.unit.einvoice.cases import CASES, SELLER, Case

NS = {
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}


def _build(case: Case, profile: Profile = Profile.FACTURX) -> EInvoice:
    return build(
        case.invoice, seller=SELLER, buyer=case.buyer, profile=profile, options=case.options
    )


def _cents(text: str) -> int:
    return int(Decimal(text).scaleb(2))


def _cii_totals(xml: bytes) -> dict[str, int]:
    summation = etree.fromstring(xml).find(
        ".//ram:SpecifiedTradeSettlementHeaderMonetarySummation", NS
    )
    assert summation is not None
    return {
        etree.QName(child).localname: _cents(child.text or "")
        for child in summation
        if child.get("currencyID") in (None, "EUR", "USD")
    }


@pytest.mark.parametrize("name", CASES)
def test_cii_totals_are_the_invoices(name: str) -> None:
    case = CASES[name]()
    invoice = case.invoice
    totals = _cii_totals(to_cii(_build(case)))

    assert totals["LineTotalAmount"] == invoice.subtotal
    assert totals["AllowanceTotalAmount"] == invoice.discount
    assert totals["TaxBasisTotalAmount"] == invoice.subtotal - invoice.discount
    assert totals["GrandTotalAmount"] == invoice.total
    assert totals["TotalPrepaidAmount"] == invoice.applied_credits + case.options.paid
    assert totals["DuePayableAmount"] == invoice.amount_due - case.options.paid


@pytest.mark.parametrize("name", CASES)
def test_ubl_totals_are_the_invoices(name: str) -> None:
    case = CASES[name]()
    root = etree.fromstring(to_ubl(_build(case, Profile.XRECHNUNG_UBL)))

    def amount(path: str) -> int:
        return _cents(root.findtext(path, namespaces=NS) or "")

    assert amount("cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount") == case.invoice.total
    assert amount("cac:TaxTotal/cbc:TaxAmount") == case.invoice.tax_amount
    assert (
        amount("cac:LegalMonetaryTotal/cbc:PayableAmount")
        == case.invoice.amount_due - case.options.paid
    )


@pytest.mark.parametrize("name", CASES)
def test_breakdown_adds_up_to_the_invoices_tax(name: str) -> None:
    case = CASES[name]()
    doc = _build(case)

    assert sum(entry.tax for entry in doc.breakdown) == case.invoice.tax_amount
    assert (
        sum(entry.taxable for entry in doc.breakdown)
        == case.invoice.subtotal - case.invoice.discount
    )
    assert sum(allowance.amount for allowance in doc.allowances) == case.invoice.discount


def _codes(case: Case, profile: Profile = Profile.FACTURX) -> list[str]:
    return [entry.category.code.value for entry in _build(case, profile).breakdown]


def test_categories_follow_each_lines_treatment() -> None:
    assert _codes(cases.standard()) == ["S"]
    assert _codes(cases.several_rates()) == ["S", "S", "Z"]
    assert _codes(cases.reverse_charge()) == ["AE"]
    assert _codes(cases.intra_community_goods()) == ["K"]
    assert _codes(cases.export_goods()) == ["G"]
    assert _codes(cases.exempt()) == ["E"]
    assert _codes(cases.zero_rated()) == ["Z"]


def test_exempt_states_the_customers_reason() -> None:
    [entry] = _build(cases.exempt()).breakdown

    assert entry.category.exemption_text == "Steuerfrei nach § 4 Nr. 21 UStG"


def test_reverse_charge_states_the_vatex_code_and_the_buyers_vat_id() -> None:
    doc = _build(cases.reverse_charge())

    assert doc.breakdown[0].category.exemption_code == "VATEX-EU-AE"
    assert doc.buyer.vat_id == "FR40303265045"


def test_intra_community_supply_states_delivery_date_and_country() -> None:
    doc = _build(cases.intra_community_goods())

    assert doc.delivery_date == doc.issue_date
    assert doc.deliver_to_country == "FR"


def test_coupons_over_two_rates_become_one_allowance_per_rate() -> None:
    case = cases.coupons()
    doc = _build(case)

    by_rate = {entry.category.percent: entry for entry in doc.breakdown}
    assert [allowance.category.percent for allowance in doc.allowances] == list(by_rate)
    assert all(allowance.reason == "WELCOME10, LOYAL" for allowance in doc.allowances)
    for allowance in doc.allowances:
        entry = by_rate[allowance.category.percent]
        lines = sum(line.net for line in doc.lines if line.category == entry.category)
        assert entry.taxable == lines - allowance.amount


def test_a_coupon_on_one_rate_keeps_its_own_name_and_amount() -> None:
    doc = _build(cases.credit_note())

    assert [(a.reason, a.amount) for a in doc.allowances] == [("GOODWILL", 500)]


def test_foreign_currency_states_vat_in_eur() -> None:
    case = cases.foreign_currency()
    doc = _build(case)
    xml = to_cii(doc)

    expected = round(Decimal(case.invoice.tax_amount) * Decimal("0.9216"))
    assert doc.totals.tax_in_tax_currency == expected
    assert b"<ram:TaxCurrencyCode>EUR</ram:TaxCurrencyCode>" in xml
    assert f'currencyID="EUR">{Decimal(expected).scaleb(-2):.2f}<'.encode() in xml


def test_credit_note_has_type_381_positive_amounts_and_the_corrected_invoice() -> None:
    doc = _build(cases.credit_note())
    xml = to_ubl(_build(cases.credit_note(), Profile.XRECHNUNG_UBL))

    assert doc.type is DocumentType.CREDIT_NOTE
    assert doc.totals.grand_total > 0
    assert doc.preceding_invoice == "RE-2026-000041"
    assert etree.fromstring(xml).tag.endswith("}CreditNote")
    assert b"<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>" in xml


def test_partial_payment_is_prepaid_and_leaves_the_rest_due() -> None:
    case = cases.partially_paid()
    doc = _build(case)

    assert doc.totals.prepaid == 10_000 + 50_000
    assert doc.totals.due == case.invoice.total - 60_000 > 0


def test_per_line_rounding_within_the_rules_tolerance_is_kept() -> None:
    """Ten lines of 0.50 at 19 %: 0.10 tax each (1.00), where 5.00 × 19 % is 0.95."""
    case = cases.rounding_within_tolerance()
    [entry] = _build(case).breakdown

    assert (
        (entry.taxable, entry.tax) == (500, 100) == (case.invoice.subtotal, case.invoice.tax_amount)
    )


def test_per_line_rounding_beyond_the_rules_tolerance_is_refused() -> None:
    """250 such lines: 25.00 by line, 23.75 by rate; the rules accept less than 1.00."""
    case = cases.rounding_beyond_tolerance()

    with pytest.raises(DocumentError) as raised:
        _build(case)
    assert "BR-CO-17" in raised.value.message


def test_a_line_with_two_taxes_is_refused() -> None:
    from invoicery.domain.customer import CustomTax

    taxes = (
        CustomTax("st", "State tax", Decimal("0.05")),
        CustomTax("ci", "City tax", Decimal("0.02")),
    )
    buyer = cases.customer(custom_taxes=taxes)
    case = Case(cases.finalized(buyer, [cases.line(10_000, None)]), buyer)

    with pytest.raises(DocumentError) as raised:
        _build(case)
    assert raised.value.fields == {"line_items": "one tax per line"}


def test_xrechnung_names_the_buyer_fields_it_lacks() -> None:
    buyer = cases.customer(buyer_reference=None, email="")
    case = Case(cases.finalized(buyer, [cases.line(10_000)]), buyer)

    _build(case, Profile.FACTURX)  # Factur-X needs neither
    with pytest.raises(DocumentError) as raised:
        _build(case, Profile.XRECHNUNG_UBL)
    assert raised.value.fields == {
        "buyer.buyer_reference": "required for XRechnung",
        "buyer.email": "required for XRechnung",
    }


def test_reverse_charge_needs_a_valid_buyer_vat_number() -> None:
    # Priced as reverse charge for a valid number, then stated with an invalid one (pricing
    # itself does not reverse-charge for an invalid number: see the next test).
    priced_for = cases.customer(billing_address=cases.PARIS, vat_number="FR40303265045")
    invoice = cases.finalized(priced_for, [cases.line(10_000)])
    assert invoice.customer_details is not None
    details = replace(invoice.customer_details, vat_number="FR00000000000")
    case = Case(replace(invoice, customer_details=details), priced_for)

    with pytest.raises(DocumentError) as raised:
        _build(case)
    assert set(raised.value.fields) == {"buyer.vat_number"}


def test_an_invalid_buyer_vat_number_is_no_reverse_charge() -> None:
    buyer = cases.customer(billing_address=cases.PARIS, vat_number="FR00000000000")
    case = Case(cases.finalized(buyer, [cases.line(10_000)]), buyer)

    assert [entry.category.code for entry in _build(case).breakdown] == [VatCategory.STANDARD]


def test_a_payment_above_the_amount_due_is_refused() -> None:
    case = cases.credits_applied()
    too_much = Options(paid=case.invoice.amount_due + 1)

    with pytest.raises(DocumentError) as raised:
        build(
            case.invoice, seller=SELLER, buyer=case.buyer, profile=Profile.FACTURX, options=too_much
        )
    assert set(raised.value.fields) == {"paid"}


def test_untaxed_lines_can_be_stated_as_exempt() -> None:
    case = cases.zero_rated()
    options = Options(untaxed=VatCategory.EXEMPT)

    doc = build(
        case.invoice, seller=SELLER, buyer=case.buyer, profile=Profile.FACTURX, options=options
    )
    assert [entry.category.code for entry in doc.breakdown] == [VatCategory.EXEMPT]
    assert doc.breakdown[0].category.exemption_text == "Exempt from VAT"
