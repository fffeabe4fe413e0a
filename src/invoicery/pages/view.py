"""What the page template shows, as display-ready values built from a `PaymentPage`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from invoicery.domain import money
from invoicery.domain.account import Account
from invoicery.domain.status import ApStatus
from invoicery.payments.cards import CardBrand
from invoicery.payments.transaction import PaymentMethodType, Transaction, TransactionStatus
from invoicery.service.payments import ACH_CURRENCY, PaymentPage

__all__ = [
    "STATUS_LABELS",
    "Line",
    "PageView",
    "brand_colour",
    "build_view",
    "long_date",
    "merchant_lines",
]

_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
STATUS_LABELS = {
    # status: (what the payer reads, the badge's tone)
    ApStatus.UPCOMING: ("Open", "open"),
    ApStatus.OVERDUE: ("Overdue", "overdue"),
    ApStatus.RECEIVED: ("Payment processing", "processing"),
    ApStatus.PAID: ("Paid", "paid"),
    ApStatus.ARCHIVED: ("Archived", "archived"),
}


def long_date(day: date) -> str:
    """A date as people read it: "March 5, 2027"."""
    return f"{day:%B} {day.day}, {day.year}"


def merchant_lines(account: Account) -> tuple[str, ...]:
    """The merchant's address as the lines a page shows under its name."""
    city = " ".join(part for part in (account.postal_code, account.city) if part)
    parts = (account.address_line1, account.address_line2, city, account.country)
    return tuple(part for part in parts if part)


def brand_colour(account: Account) -> str | None:
    """The account's brand colour if it is a ``#rrggbb`` colour a page may use, else None."""
    colour = account.brand_color or ""
    return colour if _HEX_COLOUR.match(colour) else None


@dataclass(frozen=True, slots=True)
class Line:
    """One line item, formatted."""

    description: str
    quantity: int
    unit_price: str
    total: str


@dataclass(frozen=True, slots=True)
class PageView:
    """Display values for the page template."""

    token: str
    merchant: str
    merchant_lines: tuple[str, ...]
    brand_colour: str | None
    invoice_number: str
    customer_name: str
    customer_company: str | None
    issued: str
    due: str
    status: str
    status_label: str
    status_tone: str
    payable: bool
    lines: tuple[Line, ...]
    subtotal: str
    total: str
    amount_due: str
    currency: str
    memo: str | None
    payment_note: str | None
    last_failure: str | None
    bank_available: bool
    pdf_url: str | None = None


def _method(transaction: Transaction) -> str:
    if transaction.payment_method_type is PaymentMethodType.CARD:
        brand = CardBrand(transaction.card_brand or CardBrand.UNKNOWN.value).label
        return f"{brand} ending in {transaction.card_last4}"
    return f"bank account ending in {transaction.account_number_hint}"


def _payment_note(page: PaymentPage) -> str | None:
    latest = page.latest
    if latest is None:
        return None
    amount = money.format_amount(latest.amount, latest.currency)
    if page.status is ApStatus.PAID and latest.status is TransactionStatus.SETTLED:
        when = long_date((latest.processed_at or latest.created_at).date())
        return f"{amount} paid on {when} with {_method(latest)}."
    if page.status is ApStatus.RECEIVED and latest.status is TransactionStatus.PENDING:
        return (
            f"A bank payment of {amount} from the {_method(latest)} is processing. "
            "Bank payments usually settle within one business day."
        )
    return None


def _last_failure(page: PaymentPage) -> str | None:
    latest = page.latest
    payable = page.status in (ApStatus.UPCOMING, ApStatus.OVERDUE)
    if (
        payable
        and latest is not None
        and latest.status is TransactionStatus.FAILED
        and latest.payment_method_type is PaymentMethodType.BANK_TRANSFER
        and latest.error
    ):
        return f"Your last bank payment did not go through: {latest.error}"
    return None


def build_view(page: PaymentPage, *, token: str) -> PageView:
    """Format everything the template needs from the page's records."""
    account, invoice, customer = page.account, page.invoice, page.customer
    currency = invoice.currency
    label, tone = STATUS_LABELS[page.status]
    return PageView(
        token=token,
        merchant=account.display_name or account.name,
        merchant_lines=merchant_lines(account),
        brand_colour=brand_colour(account),
        invoice_number=invoice.invoice_number or "",
        customer_name=customer.name,
        customer_company=customer.company_name,
        issued=long_date(invoice.invoice_date),
        due=long_date(invoice.state.due_date),
        status=page.status.value,
        status_label=label,
        status_tone=tone,
        payable=page.status in (ApStatus.UPCOMING, ApStatus.OVERDUE),
        lines=tuple(
            Line(
                description=line.description,
                quantity=line.quantity,
                unit_price=money.format_amount(line.unit_amount, currency),
                total=money.format_amount(line.total, currency),
            )
            for line in invoice.line_items
        ),
        subtotal=money.format_amount(invoice.subtotal, currency),
        total=money.format_amount(invoice.total, currency),
        amount_due=money.format_amount(invoice.amount_due, currency),
        currency=currency,
        memo=invoice.memo,
        payment_note=_payment_note(page),
        last_failure=_last_failure(page),
        bank_available=currency == ACH_CURRENCY,
    )
