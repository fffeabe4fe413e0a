"""The PDF view model built from domain records, and its content version."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

import pytest

from invoicery.documents.version import content_version
from invoicery.documents.view import build_document, is_payable, status_stamp
from invoicery.domain.account import Account
from invoicery.domain.coupons import AppliedCoupon
from invoicery.domain.customer import Address, Customer, CustomerSnapshot
from invoicery.domain.invoice import Invoice, LineItem, billing_line
from invoicery.domain.status import InvoiceState, Lifecycle, PaymentStatus
from invoicery.domain.totals import BreakdownItem

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
PAY_URL = "https://pay.example.com/pay/token"


def account(**changes: object) -> Account:
    base = Account(
        id=uuid4(),
        name="acme",
        display_name="Acme Widgets GmbH",
        country="DE",
        address_line1="Hauptstraße 1",
        address_line2=None,
        city="Berlin",
        postal_code="10115",
        tax_id="DE123456789",
        timezone="Europe/Berlin",
        invoice_prefix="INV-",
        brand_color=None,
        created_at=NOW,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def customer(**changes: object) -> Customer:
    base = Customer(
        id=uuid4(),
        account_id=uuid4(),
        name="Zürich Tōkyō 東京",
        email="buyer@example.com",
        company_name="Buyer AG",
        external_id=None,
        created_at=NOW,
        archived_at=None,
        billing_address=Address(line1="1 Main St", city="Springfield", zip_code="12345"),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def state(**changes: object) -> InvoiceState:
    base = InvoiceState(
        lifecycle=Lifecycle.FINALIZED,
        payment_status=PaymentStatus.UNPAID,
        payment_pending=False,
        archived=False,
        due_date=date(2026, 3, 31),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def invoice(**changes: object) -> Invoice:
    lines = (LineItem("Design workshop", 2, 125_050), LineItem("Hosting", 1, 9_999))
    total = sum(line.total for line in lines)
    base = Invoice(
        id=uuid4(),
        account_id=uuid4(),
        customer_id=uuid4(),
        invoice_number="INV-000042",
        currency="USD",
        state=state(),
        invoice_date=date(2026, 3, 1),
        memo="Thanks!",
        exclude_from_autopay=False,
        line_items=lines,
        subtotal=total,
        total=total,
        amount_due=total,
        created_at=NOW,
        updated_at=NOW,
        last_notification_at=None,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_an_open_invoice_prints_every_block_and_asks_for_payment() -> None:
    doc = build_document(
        account=account(), customer=customer(), invoice=invoice(), payment_url=PAY_URL
    )
    assert doc.merchant.display_name == "Acme Widgets GmbH"
    assert doc.merchant.address_lines == ("Hauptstraße 1", "10115 Berlin")
    assert doc.merchant.country == "Germany"
    assert doc.merchant.tax_id == "DE123456789"
    assert doc.customer.name == "Zürich Tōkyō 東京"
    assert doc.customer.company == "Buyer AG"
    assert doc.customer.email == "buyer@example.com"
    assert doc.customer.address_lines == ("1 Main St", "12345 Springfield")
    assert (doc.number, doc.issue_date, doc.due_date) == (
        "INV-000042",
        date(2026, 3, 1),
        date(2026, 3, 31),
    )
    assert [(r.description, r.quantity, r.unit_price, r.line_total) for r in doc.line_items] == [
        ("Design workshop", "2", 125_050, 250_100),
        ("Hosting", "1", 9_999, 9_999),
    ]
    assert (doc.subtotal, doc.total, doc.amount_due) == (260_099, 260_099, 260_099)
    assert doc.status_stamp is None
    assert doc.payment_url == PAY_URL
    assert doc.memo == "Thanks!"
    assert doc.paper == "A4"


def test_the_account_name_stands_in_for_a_missing_display_name() -> None:
    bare = account(display_name=None, country=None, address_line1=None, city=None, tax_id=None)
    doc = build_document(account=bare, customer=customer(), invoice=invoice(), payment_url=None)
    assert doc.merchant.display_name == "acme"
    assert doc.merchant.address_lines == ("10115",)
    assert doc.merchant.country is None
    assert doc.merchant.tax_id is None


def test_us_merchants_get_letter_paper() -> None:
    doc = build_document(
        account=account(country="US"), customer=customer(), invoice=invoice(), payment_url=None
    )
    assert doc.paper == "Letter"
    assert doc.merchant.country == "United States"


@pytest.mark.parametrize(
    ("facts", "stamp"),
    [
        ({}, None),
        ({"due_date": date(2020, 1, 1)}, None),  # overdue: no stamp
        ({"payment_pending": True}, None),
        ({"payment_status": PaymentStatus.PAID}, "PAID"),
        ({"archived": True}, "ARCHIVED"),
        ({"archived": True, "payment_status": PaymentStatus.PAID}, "ARCHIVED"),
        ({"lifecycle": Lifecycle.VOID}, "VOID"),
        ({"lifecycle": Lifecycle.VOID, "archived": True}, "VOID"),
        ({"lifecycle": Lifecycle.UNCOLLECTIBLE}, None),
    ],
)
def test_status_stamp(facts: dict[str, object], stamp: str | None) -> None:
    assert status_stamp(state(**facts)) == stamp


@pytest.mark.parametrize(
    "stamp_facts", [{"payment_status": PaymentStatus.PAID}, {"archived": True}]
)
def test_a_stamped_invoice_asks_for_nothing(stamp_facts: dict[str, object]) -> None:
    settled = invoice(state=state(**stamp_facts))
    doc = build_document(
        account=account(), customer=customer(), invoice=settled, payment_url=PAY_URL
    )
    assert doc.status_stamp is not None
    assert doc.amount_due == 0
    assert doc.payment_url is None
    assert doc.total == 260_099


def test_a_payment_in_flight_prints_no_payment_link() -> None:
    received = invoice(state=state(payment_pending=True))
    assert not is_payable(received)
    doc = build_document(
        account=account(), customer=customer(), invoice=received, payment_url=PAY_URL
    )
    assert doc.payment_url is None
    assert is_payable(invoice(state=state(due_date=date(2020, 1, 1))))  # overdue still payable


def test_a_draft_has_no_document() -> None:
    draft = invoice(invoice_number=None, state=state(lifecycle=Lifecycle.DRAFT))
    with pytest.raises(ValueError, match="draft"):
        build_document(account=account(), customer=customer(), invoice=draft, payment_url=None)


def test_billing_details_taxes_coupons_and_the_frozen_customer_are_printed() -> None:
    lines = (
        billing_line(
            name="Support",
            amount=15_000,
            currency="EUR",
            quantity=Decimal("1.5"),
            unit_price=Decimal("100.00"),
            details="March",
        ),
        billing_line(
            name="Usage",
            amount=1_234,
            currency="EUR",
            quantity=Decimal("3"),
            unit_price=Decimal("4.1133"),
        ),
    )
    frozen = CustomerSnapshot(
        id=uuid4(),
        name="Old Name Ltd",
        alias=None,
        email=None,
        vat_number=None,
        billing_address=Address(line1="Rue 1", city="Paris", zip_code="75001", country="FR"),
        snapshot_at=NOW,
    )
    billed = invoice(
        currency="EUR",
        line_items=lines,
        subtotal=16_234,
        coupons=(AppliedCoupon(uuid4(), "WELCOME", 1_000),),
        tax_breakdown=(BreakdownItem("VAT", Decimal("0.2"), 15_234, 3_047),),
        total=18_281,
        applied_credits=2_000,
        amount_due=16_281,
        customer_details=frozen,
    )
    doc = build_document(account=account(), customer=customer(), invoice=billed, payment_url=None)
    assert [(r.description, r.quantity, r.unit_price, r.line_total) for r in doc.line_items] == [
        ("Support\nMarch", "1.5", 10_000, 15_000),
        ("Usage", "1", 1_234, 1_234),  # a unit price finer than cents: the AP face's 1 x amount
    ]
    assert [(d.label, d.amount) for d in doc.discounts] == [("WELCOME", 1_000)]
    assert [(t.label, t.rate, t.amount) for t in doc.taxes] == [("VAT", "20", 3_047)]
    assert (doc.total, doc.credits_applied, doc.amount_due) == (18_281, 2_000, 16_281)
    assert doc.customer.name == "Old Name Ltd"
    assert doc.customer.email is None
    assert doc.customer.address_lines == ("Rue 1", "75001 Paris", "France")


def test_the_content_version_follows_every_printed_fact() -> None:
    base = build_document(
        account=account(), customer=customer(), invoice=invoice(), payment_url=None
    )
    version = content_version(base)
    assert len(version) == 32
    assert content_version(replace(base)) == version
    changed = [
        replace(base, status_stamp="ARCHIVED"),
        replace(base, amount_due=0),
        replace(base, payment_url=PAY_URL),
        replace(base, customer=replace(base.customer, name="Someone Else")),
        replace(base, merchant=replace(base.merchant, tax_id="DE000")),
        replace(base, line_items=base.line_items[:1]),
        replace(base, due_date=date(2026, 4, 1)),
        replace(base, credits_applied=100),
    ]
    versions = {content_version(doc) for doc in changed}
    assert version not in versions
    assert len(versions) == len(changed)
