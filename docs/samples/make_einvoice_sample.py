"""Write a sample Factur-X (EN 16931) CII document: docs/samples/einvoice-facturx.xml.

The invoice is the one `make_sample.py` prints (Northwind Analytics AG, Zürich, CHF,
a 10 % coupon, Swiss VAT 8.1 %), priced here by the real pricing code
(`invoicery.service.invoices.pricing`): tax per line, half up, so it states
CHF 158.96 of VAT where `make_sample.py`'s truncating arithmetic prints 158.95.

Run: .venv/bin/python docs/samples/make_einvoice_sample.py
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from uuid import UUID

from invoicery.domain.coupons import Coupon, Discount, DiscountKind
from invoicery.domain.customer import Address, Customer
from invoicery.domain.invoice import Invoice, LineItem
from invoicery.domain.status import InvoiceState, Lifecycle, PaymentStatus
from invoicery.einvoice import Buyer, Profile, Seller, build, to_cii
from invoicery.service.invoices.pricing import numbered_final
from invoicery.store.numbering import Numbered

HERE = Path(__file__).resolve().parent
ACCOUNT = UUID("01900000-0000-7000-8000-000000000001")
CUSTOMER = UUID("01900000-0000-7000-8000-000000000002")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
VAT = Decimal("0.081")

SELLER = Seller(
    name="Northwind Analytics AG",
    country="CH",
    address_line1="Bahnhofstrasse 42",
    city="Zürich",
    postal_code="8001",
    vat_id="CHE-116.281.710 MWST",
    contact_email="billing@northwind.example",
    iban="CH9300762011623852957",
    account_name="Northwind Analytics AG",
)


def sample_invoice() -> tuple[Invoice, Customer]:
    """The sample invoice, priced and finalized, and its customer."""
    customer = Customer(
        id=CUSTOMER,
        account_id=ACCOUNT,
        name="Sakura Trading K.K. (さくら商事株式会社)",
        email="accounts@sakura-trading.example",
        company_name=None,
        external_id=None,
        created_at=NOW,
        archived_at=None,
        currency="CHF",
        billing_address=Address(
            line1="Shibuya 2-21-1, Hikarie 34F",
            city="Shibuya-ku, Tōkyō",
            zip_code="150-8510",
            country="JP",
        ),
    )
    lines = (
        LineItem(
            "Platform subscription — Business plan, December 2026 (12 seats)",
            12,
            4_900,
            tax_rate=VAT,
        ),
        LineItem("Onboarding workshop for the Tōkyō and Zürich teams", 1, 120_000, tax_rate=VAT),
        LineItem("Additional API requests (per 10,000)", 37, 250, tax_rate=VAT),
        LineItem(
            "Priority support with a four-hour first-response target", 1, 30_000, tax_rate=VAT
        ),
    )
    coupon = Coupon(
        id=UUID("01900000-0000-7000-8000-000000000003"),
        account_id=ACCOUNT,
        code="ANNUAL10",
        description="Annual commitment discount (10%)",
        discount=Discount(DiscountKind.PERCENTAGE, percentage=Decimal(10)),
        expires_at=None,
        redemption_limit=None,
        redemptions=0,
        created_at=NOW,
    )
    draft = Invoice(
        id=UUID("01900000-0000-7000-8000-000000000004"),
        account_id=ACCOUNT,
        customer_id=CUSTOMER,
        invoice_number=None,
        currency="CHF",
        state=InvoiceState(Lifecycle.DRAFT, PaymentStatus.UNPAID, False, False, date(2026, 12, 31)),
        invoice_date=date(2026, 12, 1),
        memo="Thank you for your business.",
        exclude_from_autopay=False,
        line_items=lines,
        subtotal=0,
        total=0,
        amount_due=0,
        created_at=NOW,
        updated_at=NOW,
        last_notification_at=None,
    )
    numbered = Numbered(sequence=42, prefix="INV-2026-", country="CH", credit_balance=0)
    final, _ = numbered_final(
        draft, customer=customer, applied=[coupon], numbered=numbered, now=NOW
    )
    return final, customer


def main() -> None:
    """Write the sample next to this script."""
    invoice, customer = sample_invoice()
    assert invoice.customer_details is not None
    buyer = Buyer.of(invoice.customer_details, customer)
    doc = build(invoice, seller=SELLER, buyer=buyer, profile=Profile.FACTURX)
    path = HERE / "einvoice-facturx.xml"
    path.write_bytes(to_cii(doc, Profile.FACTURX))
    print(f"wrote {path} (tax {invoice.tax_amount}, total {invoice.total} minor units of CHF)")


if __name__ == "__main__":
    main()
