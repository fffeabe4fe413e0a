"""Render the sample documents: an invoice, a credit note of it and a receipt of a payment.

- `sample_invoice()`: a realistic invoice with a discount, a tax and a multi-script
  customer, priced and finalized by the real pricing code
  (`invoicery.service.invoices.pricing.numbered_final`: tax per line, half up, so
  CHF 158.96 of VAT).
- `sample_documents()`: the three view models, built by the code the server uses
  (`invoicery.documents.view`): the invoice, a credit note of part of it, and the
  receipt of a partial payment received by bank transfer.
- `main()`: write invoice.pdf, credit-note.pdf and receipt.pdf next to this script,
  and each one's first page as a PNG (needs poppler-utils' pdftoppm).

Run: .venv/bin/python docs/samples/make_sample.py
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from uuid import UUID

from invoicery.documents.view import build_document, credit_note_document, receipt_document
from invoicery.domain.account import Account
from invoicery.domain.coupons import Coupon, Discount, DiscountKind
from invoicery.domain.credit_notes import CreditRequest, CreditTo, draft_credit_note
from invoicery.domain.customer import Address, Customer, CustomTax
from invoicery.domain.invoice import Invoice, LineItem
from invoicery.domain.status import InvoiceState, Lifecycle, PaymentStatus
from invoicery.payments.transaction import (
    OFFLINE,
    PaymentMethodType,
    PaymentType,
    Transaction,
    TransactionStatus,
)
from invoicery.pdf import InvoiceDocument, render_invoice
from invoicery.service.invoices.pricing import numbered_final
from invoicery.store.numbering import Numbered

HERE = Path(__file__).resolve().parent
ACCOUNT = UUID("01900000-0000-7000-8000-000000000001")
CUSTOMER = UUID("01900000-0000-7000-8000-000000000002")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
VAT = Decimal("0.081")

MERCHANT = Account(
    id=ACCOUNT,
    name="northwind",
    display_name="Northwind Analytics AG",
    country="CH",
    address_line1="Bahnhofstrasse 42",
    address_line2=None,
    city="Zürich",
    postal_code="8001",
    tax_id="CHE-123.456.789 MWST",
    timezone="Europe/Zurich",
    invoice_prefix="INV-2026-",
    brand_color=None,
    created_at=NOW,
)


def sample_customer() -> Customer:
    """A customer in Tōkyō with a company, a multi-script name and address, charged Swiss VAT."""
    return Customer(
        id=CUSTOMER,
        account_id=ACCOUNT,
        name="Sakura Tanaka (田中さくら)",
        email="accounts@sakura-trading.example",
        company_name="Sakura Trading K.K. (さくら商事株式会社)",
        external_id=None,
        created_at=NOW,
        archived_at=None,
        currency="CHF",
        custom_taxes=(CustomTax("CH-VAT", "Swiss VAT", VAT),),
        billing_address=Address(
            line1="Shibuya 2-21-1, Hikarie 34F",
            city="Shibuya-ku, Tōkyō (東京都渋谷区)",
            zip_code="150-8510",
            country="JP",
        ),
    )


def sample_invoice(customer: Customer) -> Invoice:
    """The sample invoice, priced and finalized by the pricing code."""
    lines = (
        LineItem(
            "Platform subscription — Business plan, 1–31 December 2026 (12 seats)",
            12,
            4_900,
        ),
        LineItem(
            "Onboarding workshop for the Tōkyō (東京) and Zürich teams, remote, two sessions",
            1,
            120_000,
        ),
        LineItem("Additional API requests (per 10,000)", 37, 250),
        LineItem("Priority support with a four-hour first-response target", 1, 30_000),
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
        memo=(
            "Thank you for your business. Services were delivered from Zürich; the workshop "
            "materials are available in your account under Documents → Training."
        ),
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
    return final


def sample_documents() -> dict[str, InvoiceDocument]:
    """The invoice, a credit note of one seat and the workshop's second session, and the
    receipt of a partial payment by bank transfer, by file stem."""
    customer = sample_customer()
    invoice = sample_invoice(customer)
    assert invoice.customer_details is not None
    details, company = invoice.customer_details, customer.company_name
    document = build_document(
        account=MERCHANT,
        customer=customer,
        invoice=invoice,
        payment_url="https://pay.northwind.example/i/INV-2026-0042?k=7f3a9c",
    )
    credited_at = datetime(2026, 12, 8, 14, 30, tzinfo=UTC)
    note = draft_credit_note(
        invoice,
        [CreditRequest(0, quantity=Decimal(1)), CreditRequest(1, amount=60_000)],
        credit_to=CreditTo.AMOUNT_DUE,
        reason="One seat cancelled; the second workshop session did not take place.",
        memo=None,
        now=credited_at,
    ).finalized(number="CN-000007", refunded=0, now=credited_at)
    credit_note = credit_note_document(
        account=MERCHANT, details=details, company_name=company, note=note
    )
    paid_at = datetime(2026, 12, 15, 10, 0, tzinfo=UTC)
    payment = Transaction(
        id=UUID("01900000-0000-7000-8000-000000000005"),
        account_id=ACCOUNT,
        invoice_id=invoice.id,
        amount=100_000,
        currency=invoice.currency,
        status=TransactionStatus.SETTLED,
        payment_type=PaymentType.PAYMENT,
        payment_method_type=PaymentMethodType.BANK_TRANSFER,
        card_brand=None,
        card_last4=None,
        account_number_hint=None,
        error=None,
        provider=OFFLINE,
        provider_transaction_id="ST-2026-12-0815",
        settles_at=None,
        processed_at=paid_at,
        created_at=paid_at,
        updated_at=paid_at,
    )
    after = invoice.credited(note.total, now=credited_at).payment_received(
        payment.amount, now=paid_at, today=paid_at.date(), at=paid_at
    )
    receipt = receipt_document(
        account=MERCHANT,
        details=details,
        company_name=company,
        invoice=after,
        payment=payment,
        number=f"{invoice.invoice_number}-R1",
    )
    return {"invoice": document, "credit-note": credit_note, "receipt": receipt}


def _png(pdftoppm: str, pdf_path: Path) -> Path:
    """The first page of `pdf_path` as a PNG beside it, at 110 dpi."""
    stem = pdf_path.with_suffix("")
    subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [pdftoppm, "-png", "-r", "110", "-f", "1", "-l", "1", "-singlefile", str(pdf_path), stem],
        check=True,
    )
    return stem.with_suffix(".png")


def main() -> None:
    """Write every sample next to this script (the PNGs need poppler-utils' pdftoppm)."""
    pdftoppm = shutil.which("pdftoppm")
    for stem, document in sample_documents().items():
        pdf_path = HERE / f"{stem}.pdf"
        pdf_path.write_bytes(render_invoice(document))
        print(f"wrote {pdf_path}")
        if pdftoppm is None:
            print("pdftoppm not found (apt-get install poppler-utils): no PNG written")
            continue
        print(f"wrote {_png(pdftoppm, pdf_path)}")


if __name__ == "__main__":
    main()
