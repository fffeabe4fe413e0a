"""An `EInvoice` from a finalized, priced invoice, its seller and its buyer.

The document's amounts are the invoice's, to the minor unit: BT-106 is the subtotal,
BT-107 the coupons, BT-110 the tax, BT-112 the total, BT-113 the credits applied plus
the payments received, BT-115 what is left. Coupons become document-level allowances
in the VAT category of the lines they reduced, split as the pricing split them
(`invoicery.domain.totals.allocate`, in proportion to the line amounts).

The pricing rounds tax per line; EN 16931 states a category's tax as its taxable amount
times its rate (BR-CO-17, BR-S-09). The official rules accept any difference below one
major unit (``|BT-117 - BT-116 × rate| < 1``, rounded to cents), so per-line rounding
passes unless hundreds of lines round the same way; such an invoice is refused here
(`DocumentError`) rather than written with totals that do not add up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from invoicery.domain import money
from invoicery.domain.customer import Address, Customer, CustomerSnapshot
from invoicery.domain.invoice import Invoice, LineItem
from invoicery.domain.tax import ExemptionType
from invoicery.domain.totals import allocate, round_half_up
from invoicery.einvoice.categories import (
    Category,
    SupplyKind,
    VatCategory,
    decide,
    valid_vat_id,
)
from invoicery.einvoice.model import (
    Allowance,
    Contact,
    DocumentError,
    DocumentType,
    EInvoice,
    Line,
    Party,
    Payment,
    PostalAddress,
    Totals,
    VatBreakdown,
)
from invoicery.einvoice.seller import Profile, Seller
from invoicery.payments.transaction import PaymentType, Transaction, TransactionStatus

__all__ = ["Buyer", "Options", "TaxCurrency", "build", "settled_payments"]

_NEEDS_BUYER_VAT = frozenset({VatCategory.REVERSE_CHARGE, VatCategory.INTRA_COMMUNITY})
_NEEDS_SELLER_VAT = _NEEDS_BUYER_VAT | {VatCategory.EXPORT}


@dataclass(frozen=True, slots=True)
class Buyer:
    """The buyer (BG-7) as the invoice shows it, with the customer's e-invoicing fields."""

    name: str
    address: Address | None
    vat_id: str | None = None
    legal_number: str | None = None  # BT-47
    reference: str | None = None  # BT-10, e.g. a Leitweg-ID
    email: str | None = None  # BT-49
    exemption_reason: str | None = None  # BT-120 when the customer is tax exempt

    @classmethod
    def of(cls, details: CustomerSnapshot, customer: Customer | None = None) -> Buyer:
        """The buyer from an invoice's frozen details and (for BT-10/47) its customer."""
        return cls(
            name=details.name,
            address=details.billing_address,
            vat_id=details.vat_number,
            legal_number=customer.legal_number if customer else None,
            reference=customer.buyer_reference if customer else None,
            email=details.email,
            exemption_reason=customer.exemption_reason if customer else None,
        )


@dataclass(frozen=True, slots=True)
class TaxCurrency:
    """The currency VAT is accounted in (BT-6) and its rate: units per invoice-currency unit."""

    code: str
    rate: Decimal


@dataclass(frozen=True, slots=True)
class Options:
    """How to state an invoice: its type, the supply's kind, the untaxed lines' category,
    the VAT accounting currency, the invoice a credit note corrects, payments received."""

    document_type: DocumentType = DocumentType.INVOICE
    supply: SupplyKind = SupplyKind.SERVICES
    untaxed: VatCategory = VatCategory.ZERO_RATED
    tax_currency: TaxCurrency | None = None
    preceding_invoice: str | None = None
    preceding_date: date | None = None
    paid: int = 0  # settled payments, minor units (see `settled_payments`)


def settled_payments(transactions: Iterable[Transaction]) -> int:
    """Money received for an invoice: settled payments less settled refunds."""
    total = 0
    for transaction in transactions:
        if transaction.status is TransactionStatus.SETTLED:
            sign = -1 if transaction.payment_type is PaymentType.REFUND else 1
            total += sign * transaction.amount
    return total


def _exemption(invoice: Invoice) -> ExemptionType | None:
    return next((item.exemption for item in invoice.tax_breakdown if item.exemption), None)


def _major(amount: int, currency: str) -> Decimal:
    return Decimal(amount).scaleb(-money.exponent(currency))


def _line(index: int, item: LineItem, currency: str, category: Category) -> Line:
    if item.exact_quantity is not None and item.unit_price is not None:
        quantity, price = item.exact_quantity, item.unit_price
    else:
        quantity, price = Decimal(item.quantity), _major(item.unit_amount, currency)
    return Line(
        number=str(index + 1),
        name=item.description,
        quantity=quantity,
        price=price,
        net=item.total,
        category=category,
        description=item.details,
        period_start=item.start_date,
        period_end=item.end_date,
    )


def _within_tolerance(taxable: int, tax: int, percent: Decimal, currency: str) -> bool:
    """BR-CO-17/BR-S-09 as the official artefacts test it: |tax − taxable × rate| < 1 unit."""
    digits = money.exponent(currency)
    exact = Decimal(taxable) * percent / 100
    cents = exact.quantize(Decimal(10) ** (digits - 2), rounding=ROUND_HALF_UP)
    return bool(abs(tax - cents) < 10**digits)


@dataclass(slots=True)
class _Group:
    category: Category
    net: int = 0
    discount: int = 0


def _groups(invoice: Invoice, categories: list[Category]) -> dict[Category, _Group]:
    shares = allocate(invoice.discount, [item.total for item in invoice.line_items])
    groups: dict[Category, _Group] = {}
    for item, share, category in zip(invoice.line_items, shares, categories, strict=True):
        group = groups.setdefault(category, _Group(category))
        group.net += item.total
        group.discount += share
    return groups


def _several_taxes() -> DocumentError:
    return DocumentError(
        "a line is charged several taxes; EN 16931 allows one VAT rate per line",
        {"line_items": "one tax per line"},
    )


def _breakdown(invoice: Invoice, groups: dict[Category, _Group]) -> tuple[VatBreakdown, ...]:
    """One entry per category, its tax the invoice's (summed by rate from its breakdown)."""
    taxed: dict[Decimal, list[int]] = {}
    for item in invoice.tax_breakdown:
        if item.exemption is None:
            entry = taxed.setdefault(item.rate * 100, [0, 0])
            entry[0] += item.taxable_amount
            entry[1] += item.tax_amount
    result = []
    for group in groups.values():
        taxable = group.net - group.discount
        stated_taxable, tax = taxed.pop(group.category.percent, [taxable, 0])
        if stated_taxable != taxable:
            raise _several_taxes()
        if tax and not _within_tolerance(taxable, tax, group.category.percent, invoice.currency):
            raise DocumentError(
                "the tax rounded per line differs from the rate applied to the total by a "
                "whole currency unit or more, beyond what EN 16931 accepts (BR-CO-17)",
                {"line_items": f"too many lines rounded the same way at {group.category.percent}%"},
            )
        result.append(VatBreakdown(group.category, taxable, tax))
    if taxed:  # a line's rate is the sum of several taxes, none of them its own
        raise _several_taxes()
    return tuple(result)


def _allowances(invoice: Invoice, groups: dict[Category, _Group]) -> tuple[Allowance, ...]:
    discounted = [group for group in groups.values() if group.discount]
    if len(discounted) == 1:
        category = discounted[0].category
        return tuple(
            Allowance(coupon.amount, coupon.name, category)
            for coupon in invoice.coupons
            if coupon.amount
        )
    names = ", ".join(coupon.name for coupon in invoice.coupons)
    return tuple(Allowance(group.discount, names, group.category) for group in discounted)


def _seller_party(seller: Seller) -> Party:
    contact = Contact(seller.contact_name, seller.contact_phone, seller.contact_email)
    return Party(
        name=seller.name,
        address=PostalAddress(
            seller.country,
            seller.address_line1,
            seller.address_line2,
            seller.city,
            seller.postal_code,
        ),
        trading_name=seller.trading_name,
        vat_id=seller.vat_id,
        tax_registration=seller.tax_registration,
        legal_registration=seller.legal_registration,
        contact=contact if any((contact.name, contact.phone, contact.email)) else None,
        endpoint=seller.endpoint,
    )


def _buyer_party(buyer: Buyer, country: str) -> Party:
    address = buyer.address or Address()
    return Party(
        name=buyer.name,
        address=PostalAddress(
            country, address.line1, address.line2, address.city, address.zip_code, address.state
        ),
        vat_id=buyer.vat_id,
        legal_registration=buyer.legal_number,
        endpoint=buyer.email,
    )


def _buyer_problems(buyer: Buyer, profile: Profile, codes: set[VatCategory]) -> dict[str, str]:
    address = buyer.address or Address()
    problems: dict[str, str] = {}
    if not address.country:
        problems["buyer.billing_address.country"] = "required (BR-11)"
    if codes & _NEEDS_BUYER_VAT and not (buyer.vat_id and valid_vat_id(buyer.vat_id)):
        problems["buyer.vat_number"] = "a valid VAT number is required for reverse charge"
    if profile.is_xrechnung:
        required = "required for XRechnung"
        wanted = {
            "buyer.buyer_reference": buyer.reference,  # BR-DE-15
            "buyer.billing_address.city": address.city,  # BR-DE-8
            "buyer.billing_address.zip_code": address.zip_code,  # BR-DE-9
            "buyer.email": buyer.email,  # BT-49
        }
        problems.update({name: required for name, value in wanted.items() if not value})
    return problems


def _tax_in(currency: TaxCurrency | None, tax: int, invoice_currency: str) -> int | None:
    if currency is None:
        return None
    major = _major(tax, invoice_currency) * currency.rate
    return round_half_up(major.scaleb(money.exponent(currency.code)))


def _invoice_problems(invoice: Invoice, seller: Seller, options: Options) -> dict[str, str]:
    problems: dict[str, str] = {}
    if invoice.invoice_number is None:
        problems["invoice_number"] = "a draft has no e-invoice"
    if money.exponent(invoice.currency) > 2:
        problems["currency"] = "EN 16931 amounts have at most two decimals"
    if options.tax_currency and money.exponent(options.tax_currency.code) > 2:
        problems["tax_currency"] = "EN 16931 amounts have at most two decimals"
    if not 0 <= options.paid <= invoice.amount_due:
        problems["paid"] = f"must be between 0 and the amount due ({invoice.amount_due})"
    if not seller.country:
        problems["seller.country"] = "required (BR-9)"
    return problems


def build(
    invoice: Invoice,
    *,
    seller: Seller,
    buyer: Buyer,
    profile: Profile,
    options: Options = Options(),
) -> EInvoice:
    """The EN 16931 document of a finalized invoice; `DocumentError` naming what is missing."""
    if problems := _invoice_problems(invoice, seller, options):
        raise DocumentError("the invoice cannot be an EN 16931 document", problems)
    buyer_country = buyer.address.country if buyer.address else None
    exemption = _exemption(invoice)
    categories = [
        decide(
            rate=item.applied_tax_rate or Decimal(0),
            exemption=exemption,
            seller_country=seller.country,
            buyer_country=buyer_country,
            supply=options.supply,
            untaxed=options.untaxed,
            exemption_reason=buyer.exemption_reason,
        )
        for item in invoice.line_items
    ]
    codes = {category.code for category in categories}
    problems = _buyer_problems(buyer, profile, codes)
    if codes & _NEEDS_SELLER_VAT and not seller.vat_id:
        problems["seller.vat_id"] = "required for reverse charge and exports (BR-AE-02)"
    if problems:
        raise DocumentError("the invoice's parties lack what EN 16931 requires", problems)
    assert invoice.invoice_number is not None
    assert buyer_country is not None
    groups = _groups(invoice, categories)
    breakdown = _breakdown(invoice, groups)
    prepaid = invoice.applied_credits + options.paid
    intra = VatCategory.INTRA_COMMUNITY in codes
    return EInvoice(
        number=invoice.invoice_number,
        type=options.document_type,
        issue_date=invoice.invoice_date,
        due_date=invoice.state.due_date,
        currency=invoice.currency,
        tax_currency=options.tax_currency.code if options.tax_currency else None,
        seller=_seller_party(seller),
        buyer=_buyer_party(buyer, buyer_country),
        lines=tuple(
            _line(index, item, invoice.currency, category)
            for index, (item, category) in enumerate(
                zip(invoice.line_items, categories, strict=True)
            )
        ),
        allowances=_allowances(invoice, groups),
        breakdown=breakdown,
        totals=Totals(
            lines=invoice.subtotal,
            allowances=invoice.discount,
            charges=0,
            tax_exclusive=invoice.subtotal - invoice.discount,
            tax=invoice.tax_amount,
            tax_in_tax_currency=_tax_in(options.tax_currency, invoice.tax_amount, invoice.currency),
            grand_total=invoice.total,
            prepaid=prepaid,
            due=invoice.total - prepaid,
        ),
        payment=Payment(invoice.invoice_number, seller.iban, seller.bic, seller.account_name),
        payment_terms=f"Payable by {invoice.state.due_date.isoformat()}",
        buyer_reference=buyer.reference,
        order_reference=invoice.purchase_order,
        preceding_invoice=options.preceding_invoice,
        preceding_date=options.preceding_date,
        notes=(invoice.memo,) if invoice.memo else (),
        delivery_date=invoice.invoice_date if intra else None,
        deliver_to_country=buyer_country if intra else None,
    )
