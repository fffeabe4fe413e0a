"""OASIS UBL 2.1 Invoice or CreditNote XML of an `EInvoice`, for XRechnung UBL.

- `to_ubl(doc)`: the XML bytes; a credit note (381) is a ``CreditNote`` document.

Elements are written in the order the UBL 2.1 schemas require; the business terms they
carry are those of the CII writer (`invoicery.einvoice.cii`).
"""

from __future__ import annotations

from typing import cast

from lxml import etree

from invoicery.einvoice._text import amount, decimal, percent
from invoicery.einvoice.categories import Category, VatCategory
from invoicery.einvoice.cii import BUSINESS_PROCESS, GUIDELINES
from invoicery.einvoice.model import EInvoice, Line, Party
from invoicery.einvoice.seller import Profile

__all__ = ["to_ubl"]

CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"

_Element = etree._Element


def _cbc(parent: _Element, tag: str, text: str, **attrs: str) -> _Element:
    element = etree.SubElement(parent, f"{{{CBC}}}{tag}", attrs)
    element.text = text
    return element


def _cac(parent: _Element, tag: str) -> _Element:
    return etree.SubElement(parent, f"{{{CAC}}}{tag}")


def _scheme(parent: _Element, scheme: str = "VAT") -> None:
    _cbc(_cac(parent, "TaxScheme"), "ID", scheme)


def _tax_category(parent: _Element, tag: str, category: Category, *, reason: bool = False) -> None:
    element = _cac(parent, tag)
    _cbc(element, "ID", category.code.value)
    if category.code is not VatCategory.OUTSIDE_SCOPE:
        _cbc(element, "Percent", percent(category.percent))
    if reason and category.exemption_code:
        _cbc(element, "TaxExemptionReasonCode", category.exemption_code)
    if reason and category.exemption_text:
        _cbc(element, "TaxExemptionReason", category.exemption_text)
    _scheme(element)


def _party(parent: _Element, tag: str, party: Party) -> None:
    element = _cac(_cac(parent, tag), "Party")
    if party.endpoint:
        _cbc(element, "EndpointID", party.endpoint, schemeID="EM")
    if party.trading_name:
        _cbc(_cac(element, "PartyName"), "Name", party.trading_name)
    address = _cac(element, "PostalAddress")
    for name, value in (
        ("StreetName", party.address.line1),
        ("AdditionalStreetName", party.address.line2),
        ("CityName", party.address.city),
        ("PostalZone", party.address.postal_code),
        ("CountrySubentity", party.address.subdivision),
    ):
        if value:
            _cbc(address, name, value)
    _cbc(_cac(address, "Country"), "IdentificationCode", party.address.country)
    for number, scheme in ((party.vat_id, "VAT"), (party.tax_registration, "FC")):
        if number:
            tax_scheme = _cac(element, "PartyTaxScheme")
            _cbc(tax_scheme, "CompanyID", number)
            _scheme(tax_scheme, scheme)
    legal = _cac(element, "PartyLegalEntity")
    _cbc(legal, "RegistrationName", party.name)
    if party.legal_registration:
        _cbc(legal, "CompanyID", party.legal_registration)
    if party.contact is not None:
        contact = _cac(element, "Contact")
        for name, value in (
            ("Name", party.contact.name),
            ("Telephone", party.contact.phone),
            ("ElectronicMail", party.contact.email),
        ):
            if value:
                _cbc(contact, name, value)


def _line(parent: _Element, line: Line, doc: EInvoice) -> None:
    prefix = "CreditNote" if doc.is_credit_note else "Invoice"
    element = _cac(parent, f"{prefix}Line")
    _cbc(element, "ID", line.number)
    quantity = "CreditedQuantity" if doc.is_credit_note else "InvoicedQuantity"
    _cbc(element, quantity, decimal(line.quantity), unitCode="C62")
    _cbc(element, "LineExtensionAmount", amount(line.net, doc.currency), currencyID=doc.currency)
    if line.period_start or line.period_end:
        period = _cac(element, "InvoicePeriod")
        if line.period_start:
            _cbc(period, "StartDate", line.period_start.isoformat())
        if line.period_end:
            _cbc(period, "EndDate", line.period_end.isoformat())
    item = _cac(element, "Item")
    if line.description:
        _cbc(item, "Description", line.description)
    _cbc(item, "Name", line.name)
    _tax_category(item, "ClassifiedTaxCategory", line.category)
    _cbc(_cac(element, "Price"), "PriceAmount", decimal(line.price), currencyID=doc.currency)


def _header(root: _Element, doc: EInvoice) -> None:
    _cbc(root, "CustomizationID", GUIDELINES[Profile.XRECHNUNG_UBL])
    _cbc(root, "ProfileID", BUSINESS_PROCESS)
    _cbc(root, "ID", doc.number)
    _cbc(root, "IssueDate", doc.issue_date.isoformat())
    if doc.is_credit_note:
        _cbc(root, "CreditNoteTypeCode", doc.type.value)
    else:
        if doc.due_date:
            _cbc(root, "DueDate", doc.due_date.isoformat())
        _cbc(root, "InvoiceTypeCode", doc.type.value)
    for note in doc.notes:
        _cbc(root, "Note", note)
    _cbc(root, "DocumentCurrencyCode", doc.currency)
    if doc.tax_currency:
        _cbc(root, "TaxCurrencyCode", doc.tax_currency)
    if doc.buyer_reference:
        _cbc(root, "BuyerReference", doc.buyer_reference)
    if doc.order_reference:
        _cbc(_cac(root, "OrderReference"), "ID", doc.order_reference)
    if doc.preceding_invoice:
        reference = _cac(_cac(root, "BillingReference"), "InvoiceDocumentReference")
        _cbc(reference, "ID", doc.preceding_invoice)
        if doc.preceding_date:
            _cbc(reference, "IssueDate", doc.preceding_date.isoformat())


def _delivery_and_payment(root: _Element, doc: EInvoice) -> None:
    if doc.delivery_date or doc.deliver_to_country:
        delivery = _cac(root, "Delivery")
        if doc.delivery_date:
            _cbc(delivery, "ActualDeliveryDate", doc.delivery_date.isoformat())
        if doc.deliver_to_country:
            address = _cac(_cac(delivery, "DeliveryLocation"), "Address")
            _cbc(_cac(address, "Country"), "IdentificationCode", doc.deliver_to_country)
    payment = doc.payment
    means = _cac(root, "PaymentMeans")
    _cbc(means, "PaymentMeansCode", payment.means_code)
    if doc.is_credit_note and doc.due_date:
        _cbc(means, "PaymentDueDate", doc.due_date.isoformat())
    _cbc(means, "PaymentID", payment.reference)
    if payment.iban:
        account = _cac(means, "PayeeFinancialAccount")
        _cbc(account, "ID", payment.iban)
        if payment.account_name:
            _cbc(account, "Name", payment.account_name)
        if payment.bic:
            _cbc(_cac(account, "FinancialInstitutionBranch"), "ID", payment.bic)
    _cbc(_cac(root, "PaymentTerms"), "Note", doc.payment_terms)


def _money(root: _Element, doc: EInvoice) -> None:
    currency, totals = doc.currency, doc.totals
    for allowance in doc.allowances:
        element = _cac(root, "AllowanceCharge")
        _cbc(element, "ChargeIndicator", "false")
        _cbc(element, "AllowanceChargeReasonCode", allowance.reason_code)
        _cbc(element, "AllowanceChargeReason", allowance.reason)
        _cbc(element, "Amount", amount(allowance.amount, currency), currencyID=currency)
        _tax_category(element, "TaxCategory", allowance.category)
    tax_total = _cac(root, "TaxTotal")
    _cbc(tax_total, "TaxAmount", amount(totals.tax, currency), currencyID=currency)
    for entry in doc.breakdown:
        subtotal = _cac(tax_total, "TaxSubtotal")
        _cbc(subtotal, "TaxableAmount", amount(entry.taxable, currency), currencyID=currency)
        _cbc(subtotal, "TaxAmount", amount(entry.tax, currency), currencyID=currency)
        _tax_category(subtotal, "TaxCategory", entry.category, reason=True)
    if doc.tax_currency and totals.tax_in_tax_currency is not None:
        converted = amount(totals.tax_in_tax_currency, doc.tax_currency)
        _cbc(_cac(root, "TaxTotal"), "TaxAmount", converted, currencyID=doc.tax_currency)
    monetary = _cac(root, "LegalMonetaryTotal")
    for name, value in (
        ("LineExtensionAmount", totals.lines),
        ("TaxExclusiveAmount", totals.tax_exclusive),
        ("TaxInclusiveAmount", totals.grand_total),
        ("AllowanceTotalAmount", totals.allowances),
        ("ChargeTotalAmount", totals.charges),
        ("PrepaidAmount", totals.prepaid),
        ("PayableAmount", totals.due),
    ):
        _cbc(monetary, name, amount(value, currency), currencyID=currency)


def to_ubl(doc: EInvoice) -> bytes:
    """The UBL 2.1 XML of `doc` (UTF-8, with an XML declaration), for XRechnung UBL."""
    namespace = CREDIT_NOTE if doc.is_credit_note else INVOICE
    tag = "CreditNote" if doc.is_credit_note else "Invoice"
    # The document's namespace is the default one (lxml's stubs do not admit a None prefix).
    nsmap = cast("dict[str, str]", {None: namespace, "cac": CAC, "cbc": CBC})
    root = etree.Element(f"{{{namespace}}}{tag}", nsmap=nsmap)
    _header(root, doc)
    _party(root, "AccountingSupplierParty", doc.seller)
    _party(root, "AccountingCustomerParty", doc.buyer)
    _delivery_and_payment(root, doc)
    _money(root, doc)
    for line in doc.lines:
        _line(root, line, doc)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
