"""Invoices priced by the real pricing code, one per situation an e-invoice must state.

`finalized(...)` runs `pricing.numbered_final` (taxes per line, coupons, exemptions,
credit) on a draft, as finalizing does; the `case_*` builders pick customers, lines and
coupons for each situation; `CASES` lists them with what to build the document with.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID, uuid4

from invoicery.domain.coupons import Coupon, Discount, DiscountKind
from invoicery.domain.customer import Address, Customer
from invoicery.domain.invoice import Invoice, LineItem, billing_line
from invoicery.domain.status import InvoiceState, Lifecycle, PaymentStatus
from invoicery.einvoice import (
    Buyer,
    DocumentType,
    Options,
    Seller,
    SupplyKind,
    TaxCurrency,
)
from invoicery.service.invoices.pricing import numbered_final
from invoicery.store.numbering import Numbered

ACCOUNT = UUID("01900000-0000-7000-8000-000000000001")
NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
ISSUED = date(2026, 12, 1)
DUE = date(2026, 12, 31)

SELLER = Seller(
    name="Northwind Analytics GmbH",
    country="DE",
    address_line1="Friedrichstraße 123",
    city="Berlin",
    postal_code="10117",
    trading_name="Northwind",
    vat_id="DE136695976",
    tax_registration="30/123/45678",
    legal_registration="HRB 123456 B",
    contact_name="Grete Berger",
    contact_phone="+49 30 1234567",
    contact_email="billing@northwind.example",
    iban="DE89370400440532013000",
    bic="COBADEFFXXX",
    account_name="Northwind Analytics GmbH",
)

BERLIN = Address(line1="Unter den Linden 1", city="Berlin", zip_code="10117", country="DE")
PARIS = Address(line1="12 rue de Rivoli", city="Paris", zip_code="75004", country="FR")
BOSTON = Address(line1="1 Main St", city="Boston", state="MA", zip_code="02108", country="US")


def customer(**fields: object) -> Customer:
    """A German company customer with a Leitweg-ID; `fields` override."""
    values: dict[str, object] = {
        "id": uuid4(),
        "account_id": ACCOUNT,
        "name": "Bundesamt für Beispiele",
        "email": "rechnung@beispiele.example",
        "company_name": None,
        "external_id": None,
        "created_at": NOW,
        "archived_at": None,
        "currency": "EUR",
        "billing_address": BERLIN,
        "buyer_reference": "991-12345-67",
        "legal_number": None,
        **fields,
    }
    return Customer(**values)  # type: ignore[arg-type]


def line(
    amount: int, rate: str | None = "0.19", *, name: str = "Consulting", quantity: int = 1
) -> LineItem:
    """A line of `quantity` × `amount` minor units taxed at `rate` (None: customer's taxes)."""
    return LineItem(
        description=name,
        quantity=quantity,
        unit_amount=amount,
        tax_rate=None if rate is None else Decimal(rate),
    )


def percent_coupon(code: str, percentage: str) -> Coupon:
    """A percentage coupon."""
    return _coupon(code, Discount(DiscountKind.PERCENTAGE, percentage=Decimal(percentage)))


def fixed_coupon(code: str, amount: int, currency: str = "EUR") -> Coupon:
    """A fixed-amount coupon."""
    return _coupon(code, Discount(DiscountKind.FIXED, amount=amount, currency=currency))


def _coupon(code: str, discount: Discount) -> Coupon:
    return Coupon(
        id=uuid4(),
        account_id=ACCOUNT,
        code=code,
        description=None,
        discount=discount,
        expires_at=None,
        redemption_limit=None,
        redemptions=0,
        created_at=NOW,
    )


def finalized(
    buyer: Customer,
    lines: Sequence[LineItem],
    *,
    currency: str = "EUR",
    coupons: Sequence[Coupon] = (),
    credit: int = 0,
    merchant_country: str = "DE",
    memo: str | None = None,
    purchase_order: str | None = None,
) -> Invoice:
    """A draft of `lines` for `buyer`, priced and finalized by the real pricing code."""
    invoice_id = uuid4()
    draft = Invoice(
        id=invoice_id,
        account_id=ACCOUNT,
        customer_id=buyer.id,
        invoice_number=None,
        currency=currency,
        state=InvoiceState(Lifecycle.DRAFT, PaymentStatus.UNPAID, False, False, DUE),
        invoice_date=ISSUED,
        memo=memo,
        exclude_from_autopay=False,
        line_items=tuple(lines),
        subtotal=0,
        total=0,
        amount_due=0,
        created_at=NOW,
        updated_at=NOW,
        last_notification_at=None,
        purchase_order=purchase_order,
    )
    numbered = Numbered(
        sequence=42, prefix="RE-2026-", country=merchant_country, credit_balance=credit
    )
    final, _ = numbered_final(draft, customer=buyer, applied=coupons, numbered=numbered, now=NOW)
    return final


@dataclass(frozen=True)
class Case:
    """An invoice, its customer, and how to state it as an e-invoice."""

    invoice: Invoice
    customer: Customer
    options: Options = field(default_factory=Options)

    @property
    def buyer(self) -> Buyer:
        """The buyer as the document shows it."""
        assert self.invoice.customer_details is not None
        return Buyer.of(self.invoice.customer_details, self.customer)


def _case(
    buyer: Customer, lines: Sequence[LineItem], options: Options | None = None, **kw: object
) -> Case:
    return Case(finalized(buyer, lines, **kw), buyer, options or Options())  # type: ignore[arg-type]


def standard() -> Case:
    """One rate, 19 %, with a billing-v1 line of decimal quantity and a memo."""
    seats = billing_line(
        name="Seats",
        amount=58_800,
        currency="EUR",
        quantity=Decimal("12"),
        unit_price=Decimal("49.00"),
        tax_rate=Decimal("0.19"),
        start_date=date(2026, 12, 1),
        end_date=date(2026, 12, 31),
        details="Business plan",
    )
    return _case(customer(), [seats, line(120_000)], memo="Thank you.", purchase_order="PO-7781")


def several_rates() -> Case:
    """19 %, 7 % and an untaxed (zero-rated) line."""
    return _case(
        customer(),
        [line(10_000), line(4_995, "0.07", name="Book"), line(2_000, "0", name="Export docs")],
    )


def reverse_charge() -> Case:
    """A French business with a valid VAT number buys services: AE."""
    buyer = customer(billing_address=PARIS, vat_number="FR40303265045", name="Société Exemple SA")
    return _case(buyer, [line(250_000)])


def intra_community_goods() -> Case:
    """The same buyer buys goods: K, with a delivery date and country."""
    buyer = customer(billing_address=PARIS, vat_number="FR40303265045", name="Société Exemple SA")
    return _case(
        buyer, [line(80_000, name="Sensor kit", quantity=3)], Options(supply=SupplyKind.GOODS)
    )


def export_goods() -> Case:
    """A US business buys goods: G (export outside the EU)."""
    buyer = customer(billing_address=BOSTON, vat_number="US12-3456789", name="Acme Corp")
    return _case(buyer, [line(99_900, name="Server")], Options(supply=SupplyKind.GOODS))


def exempt() -> Case:
    """A tax-exempt customer: E, with its exemption reason."""
    buyer = customer(is_tax_exempt=True, exemption_reason="Steuerfrei nach § 4 Nr. 21 UStG")
    return _case(buyer, [line(60_000, name="Training course")])


def zero_rated() -> Case:
    """Every line at rate 0: Z."""
    return _case(customer(), [line(15_000, "0", name="Printed matter")])


def coupons() -> Case:
    """A percentage and a fixed coupon over 19 % and 7 % lines: allowances per category."""
    chosen = [percent_coupon("WELCOME10", "10"), fixed_coupon("LOYAL", 1_234)]
    return _case(
        customer(), [line(33_333), line(12_345, "0.07", name="Book", quantity=3)], coupons=chosen
    )


def credits_applied() -> Case:
    """Part of the total is paid by the customer's credit balance (BT-113)."""
    return _case(customer(), [line(100_000)], credit=25_000)


def partially_paid() -> Case:
    """A settled payment covers part of what is due (BT-113, BT-115)."""
    case = _case(customer(), [line(100_000)], credit=10_000)
    return Case(case.invoice, case.customer, Options(paid=50_000))


def foreign_currency() -> Case:
    """A USD invoice whose VAT is accounted in EUR (BT-6, BT-111)."""
    chosen = Options(tax_currency=TaxCurrency("EUR", Decimal("0.9216")))
    return _case(customer(currency="USD"), [line(123_456)], chosen, currency="USD")


def credit_note() -> Case:
    """A credit note (381) for part of an earlier invoice, with a coupon."""
    chosen = Options(
        document_type=DocumentType.CREDIT_NOTE,
        preceding_invoice="RE-2026-000041",
        preceding_date=date(2026, 11, 2),
    )
    return _case(
        customer(),
        [line(19_900, name="Refund: unused seats")],
        chosen,
        coupons=[fixed_coupon("GOODWILL", 500)],
    )


def rounding_within_tolerance() -> Case:
    """Ten lines whose tax rounds up per line (0.095 -> 0.10): 1.00 stated vs 0.95 by rate."""
    return _case(customer(), [line(50, name=f"Item {n}") for n in range(10)])


def rounding_beyond_tolerance() -> Case:
    """250 such lines: 25.00 per line vs 23.75 by rate, beyond the rules' tolerance."""
    return _case(customer(), [line(50, name=f"Item {n}") for n in range(250)])


CASES: dict[str, Callable[[], Case]] = {
    "standard": standard,
    "several_rates": several_rates,
    "reverse_charge": reverse_charge,
    "intra_community_goods": intra_community_goods,
    "export_goods": export_goods,
    "exempt": exempt,
    "zero_rated": zero_rated,
    "coupons": coupons,
    "credits_applied": credits_applied,
    "partially_paid": partially_paid,
    "foreign_currency": foreign_currency,
    "credit_note": credit_note,
    "rounding_within_tolerance": rounding_within_tolerance,
}
"""Every case that must give a valid document in every profile."""
