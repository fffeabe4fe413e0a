"""The PDF view model of an invoice, built from the domain records.

- `build_document(...)`: the `InvoiceDocument` of a finalized invoice.
- `stored_document(...)`: the same from the customer details an invoice shows (the
  frozen ones, else its customer's) and its customer's company name.
- `status_stamp(state)`: "PAID", "ARCHIVED", "VOID" or None.
- `is_payable(invoice)`: whether the document should ask for payment (and link to it).
- `credit_note_document(...)`: the document of a finalized credit note: titled "Credit
  note", numbered from its own series, naming the invoice it credits, every amount
  (per line, per tax rate, totals) negative.
- `receipt_document(...)`: the document of a settled payment: titled "Receipt", dated
  the day it was paid, naming the invoice paid, the amount paid, how it was paid, and
  what the invoice still has due.

What is printed, and from where: the merchant block from the account settings (display
name, or the account name; address; country; tax id), the customer block from the
details frozen at finalization when there are any, else from the customer record;
amounts as stored. A stamped document (paid, archived or void) asks for nothing, so
its amount due is 0 and it carries no payment link. The date the document is built
never matters, so the same records always give the same document.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache

from babel import Locale

from invoicery.domain import money
from invoicery.domain.account import Account
from invoicery.domain.credit_notes import CreditLine, CreditNote, CreditNoteStatus
from invoicery.domain.customer import Address, Customer, CustomerSnapshot
from invoicery.domain.errors import InvalidState
from invoicery.domain.invoice import Invoice, LineItem
from invoicery.domain.status import ApStatus, InvoiceState, Lifecycle, ap_status
from invoicery.domain.tax import percent_text
from invoicery.payments.cards import CardBrand
from invoicery.payments.transaction import OFFLINE, PaymentMethodType, Transaction
from invoicery.pdf.view import (
    CustomerBlock,
    DiscountLine,
    InvoiceDocument,
    LineItemRow,
    MerchantBlock,
    PaperSize,
    ReceiptDetails,
    TaxLine,
)

__all__ = [
    "build_document",
    "credit_note_document",
    "is_payable",
    "payment_method_text",
    "receipt_document",
    "status_stamp",
    "stored_document",
]

_LETTER_COUNTRIES = frozenset({"US", "CA"})


def status_stamp(state: InvoiceState) -> str | None:
    """The word stamped on the document: "VOID", "ARCHIVED", "PAID", or None."""
    if state.lifecycle is Lifecycle.VOID:
        return "VOID"
    # Any date will do: it only tells UPCOMING from OVERDUE, and neither is stamped.
    status = ap_status(state, state.due_date)
    if status is ApStatus.ARCHIVED:
        return "ARCHIVED"
    if status is ApStatus.PAID:
        return "PAID"
    return None


def is_payable(invoice: Invoice) -> bool:
    """Whether the invoice can take a payment (UPCOMING or OVERDUE), by the domain's rule."""
    try:
        invoice.ensure_payable(today=invoice.state.due_date)
    except InvalidState:
        return False
    return True


def build_document(
    *, account: Account, customer: Customer, invoice: Invoice, payment_url: str | None
) -> InvoiceDocument:
    """The `InvoiceDocument` of a finalized invoice; `payment_url` is printed if payable."""
    return _document(account, _customer(customer, invoice), invoice, payment_url)


def stored_document(
    *,
    account: Account,
    details: CustomerSnapshot,
    company_name: str | None,
    invoice: Invoice,
    payment_url: str | None,
) -> InvoiceDocument:
    """`build_document` from the customer details an invoice shows (frozen, else present)
    and its customer's company name."""
    return _document(account, _details(details, company_name), invoice, payment_url)


def _document(
    account: Account, customer: CustomerBlock, invoice: Invoice, payment_url: str | None
) -> InvoiceDocument:
    if invoice.invoice_number is None:
        raise ValueError("a draft invoice has no document")
    stamp = status_stamp(invoice.state)
    return InvoiceDocument(
        merchant=_merchant(account),
        customer=customer,
        number=invoice.invoice_number,
        issue_date=invoice.invoice_date,
        due_date=invoice.state.due_date,
        currency=invoice.currency,
        line_items=tuple(_row(line, invoice.currency) for line in invoice.line_items),
        subtotal=invoice.subtotal,
        total=invoice.total,
        amount_due=0 if stamp else invoice.amount_due,
        discounts=tuple(DiscountLine(coupon.name, coupon.amount) for coupon in invoice.coupons),
        credits_applied=invoice.applied_credits,
        taxes=tuple(
            TaxLine(item.name, percent_text(item.rate), item.tax_amount)
            for item in invoice.tax_breakdown
        ),
        status_stamp=stamp,
        memo=invoice.memo or None,
        payment_url=payment_url if stamp is None and is_payable(invoice) else None,
        paper=_paper(account.country),
    )


def _paper(country: str | None) -> PaperSize:
    return "Letter" if country in _LETTER_COUNTRIES else "A4"


@cache
def _country_name(code: str) -> str:
    name: str | None = Locale.parse("en_US").territories.get(code.upper())
    return name or code


def _join(*parts: str | None, sep: str = " ") -> str:
    return sep.join(part for part in parts if part)


def _merchant(account: Account) -> MerchantBlock:
    lines = (
        account.address_line1,
        account.address_line2,
        _join(account.postal_code, account.city),
    )
    return MerchantBlock(
        display_name=account.display_name or account.name,
        address_lines=tuple(line for line in lines if line),
        country=_country_name(account.country) if account.country else None,
        tax_id=account.tax_id or None,
    )


def _address_lines(address: Address | None) -> tuple[str, ...]:
    if address is None:
        return ()
    lines = (
        address.line1,
        address.line2,
        _join(address.zip_code, address.city, address.state),
        _country_name(address.country) if address.country else None,
    )
    return tuple(line for line in lines if line)


def _customer(customer: Customer, invoice: Invoice) -> CustomerBlock:
    frozen = invoice.customer_details
    if frozen is not None:
        return _details(frozen, customer.company_name)
    return CustomerBlock(
        name=customer.name,
        email=customer.email or None,
        company=customer.company_name or None,
        address_lines=_address_lines(customer.billing_address),
    )


def _details(details: CustomerSnapshot, company_name: str | None) -> CustomerBlock:
    return CustomerBlock(
        name=details.name,
        email=details.email or None,
        company=company_name or None,
        address_lines=_address_lines(details.billing_address),
    )


def _decimal_text(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _row(line: LineItem, currency: str) -> LineItemRow:
    """A billing-v1 line shows its decimal quantity and unit price when the price is whole
    minor units; otherwise (and for AP lines) the whole quantity and unit amount."""
    description = _join(line.description, line.details, sep="\n")
    if line.exact_quantity is not None and line.unit_price is not None:
        unit = line.unit_price.scaleb(money.exponent(currency))
        if unit == unit.to_integral_value():
            return LineItemRow(
                description, _decimal_text(line.exact_quantity), int(unit), line.total
            )
    return LineItemRow(description, str(line.quantity), line.unit_amount, line.total)


def _credit_row(line: CreditLine, currency: str) -> LineItemRow:
    """A credited line: its credited quantity and unit price when whole minor units, else 1 ×."""
    description = _join(line.name, line.description, sep="\n")
    if line.quantity is not None and line.unit_price is not None:
        unit = line.unit_price.scaleb(money.exponent(currency))
        if unit == unit.to_integral_value():
            return LineItemRow(description, _decimal_text(line.quantity), -int(unit), -line.amount)
    return LineItemRow(description, "1", -line.amount, -line.amount)


def credit_note_document(
    *,
    account: Account,
    details: CustomerSnapshot,
    company_name: str | None,
    note: CreditNote,
    facturx_xml: str | None = None,
) -> InvoiceDocument:
    """The `InvoiceDocument` of a finalized (or voided) credit note, amounts negated; a
    Factur-X one carries its e-invoice's `facturx_xml`."""
    if note.credit_note_number is None or note.finalized_at is None:
        raise ValueError("a draft credit note has no document")
    issued = note.finalized_at.date()
    return InvoiceDocument(
        merchant=_merchant(account),
        customer=_details(details, company_name),
        number=note.credit_note_number,
        issue_date=issued,
        due_date=issued,
        currency=note.currency,
        line_items=tuple(_credit_row(line, note.currency) for line in note.lines),
        subtotal=-note.subtotal,
        total=-note.total,
        amount_due=-note.total,
        taxes=tuple(
            TaxLine(item.name, percent_text(item.rate), -item.tax_amount)
            for item in note.tax_breakdown
        ),
        status_stamp="VOID" if note.status is CreditNoteStatus.VOIDED else None,
        memo=_join(note.reason, note.memo, sep="\n") or None,
        paper=_paper(account.country),
        title="Credit note",
        corrects=note.invoice_number,
        facturx_xml=facturx_xml,
        amount_label="Amount credited",
    )


def payment_method_text(payment: Transaction) -> str:
    """How a payment was made, for people: "Visa ending 4242", "Bank transfer, reference W-1"."""
    kind = payment.payment_method_type
    if kind is PaymentMethodType.CARD:
        brand = _brand_label(payment.card_brand)
        text = _join(brand, payment.card_last4 and f"ending {payment.card_last4}")
    elif kind is PaymentMethodType.BANK_TRANSFER:
        hint = payment.account_number_hint
        text = _join("Bank transfer", hint and f"from account ending {hint}")
    else:
        text = "Other"
    reference = payment.provider_transaction_id if payment.provider == OFFLINE else None
    return _join(text, reference and f"reference {reference}", sep=", ")


def _brand_label(brand: str | None) -> str:
    if brand is None:
        return "Card"
    try:
        return CardBrand(brand).label
    except ValueError:  # a brand some processor names that we do not know
        return brand


def receipt_document(
    *,
    account: Account,
    details: CustomerSnapshot,
    company_name: str | None,
    invoice: Invoice,
    payment: Transaction,
    number: str,
) -> InvoiceDocument:
    """The `InvoiceDocument` of a settled payment of a finalized invoice, numbered `number`;
    what is still due is the invoice's amount due now (0 once it is stamped)."""
    if invoice.invoice_number is None:
        raise ValueError("a draft invoice has no receipts")
    paid_on = (payment.processed_at or payment.created_at).date()
    method = payment_method_text(payment)
    line = LineItemRow(
        f"Payment of invoice {invoice.invoice_number}\n{method}",
        "1",
        payment.amount,
        payment.amount,
    )
    return InvoiceDocument(
        merchant=_merchant(account),
        customer=_details(details, company_name),
        number=number,
        issue_date=paid_on,
        due_date=paid_on,
        currency=payment.currency,
        line_items=(line,),
        subtotal=payment.amount,
        total=payment.amount,
        amount_due=payment.amount,
        status_stamp="PAID",
        paper=_paper(account.country),
        title="Receipt",
        corrects=invoice.invoice_number,
        amount_label="Amount paid",
        receipt=ReceiptDetails(method, 0 if status_stamp(invoice.state) else invoice.amount_due),
    )
