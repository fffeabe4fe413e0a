"""The EN 16931 view of an invoice: what the CII and UBL writers print, and nothing else.

Amounts are integer minor units of the document's currency (BT-5), as everywhere in
Invoicery; the writers print them in major units. A credit note (type 381) carries
positive amounts, as EN 16931 wants: the type says which way the money goes.
`invoicery.einvoice.build` makes an `EInvoice` from a priced domain invoice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from invoicery.domain.errors import InvalidInput
from invoicery.einvoice.categories import Category

__all__ = [
    "Allowance",
    "Contact",
    "DocumentError",
    "DocumentType",
    "EInvoice",
    "Line",
    "Party",
    "Payment",
    "PostalAddress",
    "Totals",
    "VatBreakdown",
]


class DocumentError(InvalidInput):
    """The invoice cannot be expressed as a valid EN 16931 document; `fields` say why."""


class DocumentType(StrEnum):
    """UNTDID 1001 document type codes (BT-3)."""

    INVOICE = "380"
    CREDIT_NOTE = "381"


@dataclass(frozen=True, slots=True)
class PostalAddress:
    """A party's postal address (BG-5, BG-8); `country` is ISO 3166-1 alpha-2."""

    country: str
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    postal_code: str | None = None
    subdivision: str | None = None


@dataclass(frozen=True, slots=True)
class Contact:
    """A party's contact (BG-6, BG-9)."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class Party:
    """The seller (BG-4) or the buyer (BG-7)."""

    name: str
    address: PostalAddress
    trading_name: str | None = None
    vat_id: str | None = None  # BT-31 / BT-48
    tax_registration: str | None = None  # BT-32 (seller only)
    legal_registration: str | None = None  # BT-30 / BT-47
    contact: Contact | None = None
    endpoint: str | None = None  # BT-34 / BT-49, an e-mail address (scheme EM)


@dataclass(frozen=True, slots=True)
class Line:
    """An invoice line (BG-25): `price` is the net unit price in major units (BT-146)."""

    number: str
    name: str
    quantity: Decimal
    price: Decimal
    net: int  # BT-131
    category: Category
    description: str | None = None
    period_start: date | None = None
    period_end: date | None = None


@dataclass(frozen=True, slots=True)
class Allowance:
    """A document-level allowance (BG-20): a coupon's discount in one VAT category."""

    amount: int
    reason: str
    category: Category
    reason_code: str = "95"  # UNTDID 5189: discount


@dataclass(frozen=True, slots=True)
class VatBreakdown:
    """The VAT of one category and rate (BG-23): BT-116 taxable, BT-117 tax."""

    category: Category
    taxable: int
    tax: int


@dataclass(frozen=True, slots=True)
class Totals:
    """The document totals (BG-22), BT-106 to BT-115."""

    lines: int  # BT-106
    allowances: int  # BT-107
    charges: int  # BT-108
    tax_exclusive: int  # BT-109
    tax: int  # BT-110
    tax_in_tax_currency: int | None  # BT-111, in minor units of the tax currency
    grand_total: int  # BT-112
    prepaid: int  # BT-113: credits applied and payments received
    due: int  # BT-115


@dataclass(frozen=True, slots=True)
class Payment:
    """Payment instructions (BG-16): SEPA credit transfer (58) to an IBAN, if there is one."""

    reference: str  # BT-83, the remittance information
    iban: str | None = None  # BT-84
    bic: str | None = None  # BT-86
    account_name: str | None = None  # BT-85

    @property
    def means_code(self) -> str:
        """UNCL 4461 code (BT-81): 58 SEPA credit transfer, else 1 (not defined)."""
        return "58" if self.iban else "1"


@dataclass(frozen=True, slots=True)
class EInvoice:
    """One EN 16931 invoice or credit note, ready to be written in either syntax."""

    number: str  # BT-1
    type: DocumentType  # BT-3
    issue_date: date  # BT-2
    due_date: date | None  # BT-9
    currency: str  # BT-5
    tax_currency: str | None  # BT-6
    seller: Party
    buyer: Party
    lines: tuple[Line, ...]
    allowances: tuple[Allowance, ...]
    breakdown: tuple[VatBreakdown, ...]
    totals: Totals
    payment: Payment
    payment_terms: str  # BT-20
    buyer_reference: str | None = None  # BT-10
    order_reference: str | None = None  # BT-13
    preceding_invoice: str | None = None  # BT-25
    preceding_date: date | None = None  # BT-26
    notes: tuple[str, ...] = ()  # BT-22
    delivery_date: date | None = None  # BT-72
    deliver_to_country: str | None = None  # BT-80

    @property
    def is_credit_note(self) -> bool:
        """Whether this is a credit note (381) rather than an invoice."""
        return self.type is DocumentType.CREDIT_NOTE
