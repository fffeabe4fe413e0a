"""The page's display values: amounts per currency, dates, status labels, payment notes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from invoicery.domain.account import Account
from invoicery.domain.customer import Customer
from invoicery.domain.invoice import Invoice, LineItem
from invoicery.domain.status import ApStatus, InvoiceState, Lifecycle, PaymentStatus
from invoicery.pages.view import build_view, long_date
from invoicery.payments.transaction import (
    PaymentMethodType,
    PaymentType,
    Transaction,
    TransactionStatus,
)
from invoicery.service.payments import PaymentPage

NOW = datetime(2027, 3, 5, 9, tzinfo=UTC)
TOKEN = "t" * 43


def _page(
    currency: str, lines: tuple[LineItem, ...], status: ApStatus = ApStatus.UPCOMING
) -> PaymentPage:
    account_id = uuid4()
    total = sum(line.total for line in lines)
    account = Account(
        id=account_id,
        name="acme",
        display_name="Acme Studio",
        country="DE",
        address_line1="Hauptstr. 1",
        address_line2=None,
        city="Berlin",
        postal_code="10115",
        tax_id=None,
        timezone="UTC",
        invoice_prefix="INV-",
        brand_color="#123abc",
        created_at=NOW,
    )
    customer = Customer(
        uuid4(), account_id, "Ada Lovelace", "ada@example.com", "Analytical", None, NOW, None
    )
    invoice = Invoice(
        id=uuid4(),
        account_id=account_id,
        customer_id=customer.id,
        invoice_number="INV-000042",
        currency=currency,
        state=InvoiceState(
            Lifecycle.FINALIZED, PaymentStatus.UNPAID, False, False, date(2027, 3, 5)
        ),
        invoice_date=date(2027, 3, 1),
        memo=None,
        exclude_from_autopay=False,
        line_items=lines,
        subtotal=total,
        total=total,
        amount_due=total,
        created_at=NOW,
        updated_at=NOW,
        last_notification_at=None,
    )
    return PaymentPage(account, customer, invoice, status, None)


@pytest.mark.parametrize(
    ("currency", "lines", "unit", "total"),
    [
        ("USD", (LineItem("Design", 2, 123450),), "$1,234.50", "$2,469.00"),
        ("JPY", (LineItem("Tea", 3, 400),), "¥400", "¥1,200"),
        ("KWD", (LineItem("Dates", 1, 1250),), "KWD 1.250", "KWD 1.250"),
    ],
)
def test_amounts_follow_the_currency(
    currency: str, lines: tuple[LineItem, ...], unit: str, total: str
) -> None:
    view = build_view(_page(currency, lines), token=TOKEN)
    assert view.lines[0].unit_price == unit
    assert view.total == total
    assert view.amount_due == total
    assert view.bank_available is (currency == "USD")


def test_merchant_customer_and_dates() -> None:
    view = build_view(_page("USD", (LineItem("Design", 1, 100),)), token=TOKEN)
    assert view.merchant == "Acme Studio"
    assert view.merchant_lines == ("Hauptstr. 1", "10115 Berlin", "DE")
    assert view.customer_company == "Analytical"
    assert view.due == "March 5, 2027"
    assert view.brand_colour == "#123abc"
    assert long_date(date(2027, 12, 25)) == "December 25, 2027"


def test_an_unsafe_brand_colour_is_ignored() -> None:
    page = _page("USD", (LineItem("Design", 1, 100),))
    page = replace(page, account=replace(page.account, brand_color="red;}body{x"))
    assert build_view(page, token=TOKEN).brand_colour is None


@pytest.mark.parametrize(
    ("status", "label", "payable"),
    [
        (ApStatus.UPCOMING, "Open", True),
        (ApStatus.OVERDUE, "Overdue", True),
        (ApStatus.RECEIVED, "Payment processing", False),
        (ApStatus.PAID, "Paid", False),
        (ApStatus.ARCHIVED, "Archived", False),
    ],
)
def test_status_labels(status: ApStatus, label: str, payable: bool) -> None:
    view = build_view(_page("USD", (LineItem("Design", 1, 100),), status), token=TOKEN)
    assert (view.status_label, view.payable) == (label, payable)


def test_a_paid_page_names_the_card_but_only_its_last_four_digits() -> None:
    page = _page("USD", (LineItem("Design", 1, 246900),), ApStatus.PAID)
    latest = Transaction(
        id=uuid4(),
        account_id=page.account.id,
        invoice_id=page.invoice.id,
        amount=246900,
        currency="USD",
        status=TransactionStatus.SETTLED,
        payment_type=PaymentType.PAYMENT,
        payment_method_type=PaymentMethodType.CARD,
        card_brand="visa",
        card_last4="4242",
        account_number_hint=None,
        error=None,
        provider="sandbox",
        provider_transaction_id="sbx_ch_1",
        settles_at=None,
        processed_at=NOW,
        created_at=NOW,
        updated_at=NOW,
    )
    view = build_view(replace(page, latest=latest), token=TOKEN)
    assert view.payment_note == "$2,469.00 paid on March 5, 2027 with Visa ending in 4242."
