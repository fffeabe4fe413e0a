"""What an invoice PDF shows, as plain immutable values (no ORM rows, no wire schemas).

- `InvoiceDocument.texts()`: every piece of text the document may print, for font coverage checks.

The same model prints a credit note (`title` "Credit note", `corrects`, negative amounts)
and a payment's receipt (`title` "Receipt", `corrects` the invoice paid, `receipt` set).

Money is integer minor units of `InvoiceDocument.currency`; the renderer formats it.
Callers build these from whatever they hold (a stored invoice, an API payload, test data).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Literal

__all__ = [
    "CustomerBlock",
    "DiscountLine",
    "InvoiceDocument",
    "LineItemRow",
    "MerchantBlock",
    "PaperSize",
    "ReceiptDetails",
    "TaxLine",
]

PaperSize = Literal["A4", "Letter"]


@dataclass(frozen=True, slots=True)
class MerchantBlock:
    """Who sends the invoice."""

    display_name: str
    address_lines: tuple[str, ...] = ()
    country: str | None = None
    tax_id: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class CustomerBlock:
    """Who the invoice is addressed to."""

    name: str
    email: str | None = None
    company: str | None = None
    address_lines: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LineItemRow:
    """One billed line; `quantity` is display text ("3", "1.5", "10 h")."""

    description: str
    quantity: str
    unit_price: int
    line_total: int


@dataclass(frozen=True, slots=True)
class DiscountLine:
    """A reduction of the subtotal; `amount` is positive minor units, shown negated."""

    label: str
    amount: int


@dataclass(frozen=True, slots=True)
class TaxLine:
    """A tax charged; `rate` is the percentage as text ("20", "8.875"), shown as "20%"."""

    label: str
    rate: str
    amount: int


@dataclass(frozen=True, slots=True)
class ReceiptDetails:
    """What a receipt adds: how the payment was made ("Visa ending 4242") and what its
    invoice still has due."""

    method: str
    still_due: int


@dataclass(frozen=True, slots=True)
class InvoiceDocument:
    """Everything the invoice PDF prints; amounts are minor units of `currency`."""

    merchant: MerchantBlock
    customer: CustomerBlock
    number: str
    issue_date: date
    due_date: date
    currency: str
    line_items: tuple[LineItemRow, ...]
    subtotal: int
    total: int
    amount_due: int
    discounts: tuple[DiscountLine, ...] = ()
    credits_applied: int = 0
    taxes: tuple[TaxLine, ...] = ()
    status_stamp: str | None = None
    memo: str | None = None
    payment_url: str | None = None
    paper: PaperSize = "A4"
    facturx_xml: str | None = None  # Factur-X: the CII XML the PDF carries (not printed)
    title: str = "Invoice"  # "Credit note" for a credit note, whose amounts are negative
    corrects: str | None = None  # a credit note's (a receipt's): the invoice it credits (pays)
    amount_label: str = "Amount due"  # a credit note's: "Amount credited"
    receipt: ReceiptDetails | None = None  # a receipt's: the payment; `amount_due` is its amount

    def texts(self) -> Iterator[str]:
        """Every caller-supplied string the document may print."""
        merchant, customer = self.merchant, self.customer
        yield merchant.display_name
        yield from merchant.address_lines
        yield from (s for s in (merchant.country, merchant.tax_id, merchant.email) if s)
        yield customer.name
        yield from customer.address_lines
        yield from (s for s in (customer.email, customer.company) if s)
        yield self.number
        yield self.title
        yield from (s for s in (self.corrects,) if s)
        if self.receipt is not None:
            yield self.receipt.method
        for line in self.line_items:
            yield line.description
            yield line.quantity
        for discount in self.discounts:
            yield discount.label
        for tax in self.taxes:
            yield tax.label
            yield tax.rate
        yield from (s for s in (self.status_stamp, self.memo, self.payment_url) if s)
