"""Billing-v1 2026-10 invoices: the 2026-03 documents, re-spelled and completed.

An invoice is rendered once, by `render.invoice_document` (or, listed, by
`listed.listed_invoice_document`); this version only renames its enum values into
SCREAMING_SNAKE_CASE (``PartiallyPaid`` -> ``PARTIALLY_PAID``) and adds the fields
today's Meteroid has and Invoicery does not model, at the values that mean "none":
prices are tax-exclusive, nothing recurs, no invoice was consolidated, no payment was
refunded or reversed. The invoice's own period start is its date, and its custom
properties and e-invoicing status (GENERATED, FAILED, or null if its account had
e-invoicing off when it was finalized) are its own.

Two payment statuses come from facts that 2026-03 does not show: PROCESSING while a
payment is in flight (an ACH debit awaiting settlement), and ERRORED when the latest
payment attempt of an unpaid invoice failed.

The models document the shapes under Meteroid's component names (`register_schemas`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict

from invoicery.api.billing import documents, schemas
from invoicery.api.billing import listed as listed_v2026_03
from invoicery.api.billing import render as render_v2026_03
from invoicery.api.billing.versions import register_schemas
from invoicery.domain.api_versions import ApiVersion
from invoicery.domain.status import Lifecycle
from invoicery.service.invoices import InvoiceView
from invoicery.service.invoices.listed import ListedInvoice

__all__ = [
    "STATUSES",
    "Invoice",
    "InvoiceListResponse",
    "InvoicePatchRequest",
    "invoice_document",
    "listed_invoice_document",
    "screaming",
    "transaction_document",
]


@lru_cache(maxsize=256)
def screaming(name: str) -> str:
    """A 2026-03 enum value in 2026-10's spelling: ``PartiallyPaid`` -> ``PARTIALLY_PAID``."""
    return "".join(f"_{c}" if c.isupper() and i else c for i, c in enumerate(name)).upper()


STATUSES: Mapping[str, Lifecycle | None] = {
    **{screaming(render_v2026_03.status_text(lifecycle)): lifecycle for lifecycle in Lifecycle},
    "CLOSED": None,  # Meteroid's merged invoices: Invoicery has none
}
"""The `statuses` a 2026-10 list filters by, and the lifecycle each names (None: none)."""


def transaction_document(document: dict[str, Any]) -> dict[str, Any]:
    """A 2026-03 `Transaction` document (changed in place) as 2026-10's."""
    document["status"] = screaming(document["status"])
    document["payment_type"] = screaming(document["payment_type"])
    info = document["payment_method_info"]
    info["payment_method_type"] = screaming(info["payment_method_type"])
    document.update(
        amount_refunded=0,
        amount_reversed=0,
        credit_note_id=None,
        parent_transaction_id=None,
        refund_mode=None,
        reversal_kind=None,
        reversal_reason=None,
    )
    return document


def _payment_status(document: Mapping[str, Any], pending: bool) -> str:
    """PROCESSING while a payment is in flight; ERRORED if the latest attempt failed."""
    status: str = document["payment_status"]
    if status != "Paid":
        if pending:
            return "PROCESSING"
        transactions = document["transactions"]
        if transactions and transactions[-1]["status"] == "Failed":
            return "ERRORED"
    return screaming(status)


def _upgraded(
    document: dict[str, Any],
    custom_properties: Mapping[str, object],
    pending: bool,
    einvoicing_status: str | None,
) -> dict[str, Any]:
    """A 2026-03 `Invoice` document (changed in place) as 2026-10's."""
    document["payment_status"] = _payment_status(document, pending)
    document["status"] = screaming(document["status"])
    document["invoice_type"] = screaming(document["invoice_type"])
    for tax in document["tax_breakdown"]:
        exemption = tax["exemption_type"]
        tax["exemption_type"] = None if exemption is None else screaming(exemption)
        tax["exemption_reason"] = None
        tax["tax_reference"] = None
    for transaction in document["transactions"]:
        transaction_document(transaction)
    document.update(
        tax_inclusive=False,
        custom_properties=dict(custom_properties),
        billing_period_start=document["invoice_date"],
        einvoicing_status=einvoicing_status,
        parent_invoice_id=None,
        child_invoice_id=None,
    )
    return document


def invoice_document(view: InvoiceView) -> dict[str, Any]:
    """The 2026-10 `Invoice` object."""
    invoice = view.invoice
    document = render_v2026_03.invoice_document(view)
    einvoicing = invoice.einvoicing.status.value if invoice.einvoicing else None
    return _upgraded(document, invoice.custom_properties, invoice.state.payment_pending, einvoicing)


def listed_invoice_document(item: ListedInvoice) -> dict[str, Any]:
    """The 2026-10 `Invoice` object of a listed invoice."""
    row = item.row
    document = listed_v2026_03.listed_invoice_document(item)
    return _upgraded(
        document, row["custom_properties"], row["payment_pending"], row["einvoicing_status"]
    )


class InvoiceStatus(StrEnum):
    """Where an invoice is in its life; CLOSED (a merged invoice) never occurs here."""

    DRAFT = "DRAFT"
    FINALIZED = "FINALIZED"
    UNCOLLECTIBLE = "UNCOLLECTIBLE"
    VOID = "VOID"
    CLOSED = "CLOSED"


class InvoicePaymentStatus(StrEnum):
    """How much is paid; PROCESSING while a payment is in flight, ERRORED if it failed."""

    UNPAID = "UNPAID"
    PARTIALLY_PAID = "PARTIALLY_PAID"
    PAID = "PAID"
    ERRORED = "ERRORED"
    PROCESSING = "PROCESSING"


class InvoiceType(StrEnum):
    """What made the invoice: every Invoicery invoice is ONE_OFF."""

    RECURRING = "RECURRING"
    ONE_OFF = "ONE_OFF"
    ADJUSTMENT = "ADJUSTMENT"
    USAGE_THRESHOLD = "USAGE_THRESHOLD"


class EInvoicingStatus(StrEnum):
    """Whether the structured e-invoice was produced (absent: not opted in)."""

    GENERATED = "GENERATED"
    FAILED = "FAILED"


class TaxExemptionType(StrEnum):
    """Why a tax was not charged."""

    REVERSE_CHARGE = "REVERSE_CHARGE"
    TAX_EXEMPT = "TAX_EXEMPT"
    NOT_REGISTERED = "NOT_REGISTERED"
    EXPORT = "EXPORT"
    NO_VAT_TERRITORY = "NO_VAT_TERRITORY"


class PaymentStatusEnum(StrEnum):
    """Where a payment attempt stands."""

    READY = "READY"
    PENDING = "PENDING"
    SETTLED = "SETTLED"
    CANCELLED = "CANCELLED"
    FAILED = "FAILED"
    REFUNDED = "REFUNDED"


class PaymentTypeEnum(StrEnum):
    """A payment, or money given back."""

    PAYMENT = "PAYMENT"
    REFUND = "REFUND"


class PaymentMethodTypeEnum(StrEnum):
    """How a transaction was paid."""

    CARD = "CARD"
    BANK_TRANSFER = "BANK_TRANSFER"
    WALLET = "WALLET"
    OTHER = "OTHER"


class _Document(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InvoiceLineItem(_Document):
    """A line: decimal `quantity` × `unit_price`, or the sum of its sub-lines."""

    name: str
    description: str | None = None
    quantity: str | None = None
    unit_price: str | None = None
    quoted_unit_price: str | None = None
    amount_total: int
    tax_rate: str
    start_date: date
    end_date: date
    sub_line_items: list[documents.SubLineItem]


class TaxBreakdownItem(_Document):
    """One tax charged (or exempted) on the invoice."""

    name: str
    tax_rate: str
    taxable_amount: int
    tax_amount: int
    exemption_type: TaxExemptionType | None = None
    exemption_reason: str | None = None
    tax_reference: str | None = None


class PaymentMethodInfo(_Document):
    """How a transaction was paid: brand and last four digits, never the number."""

    payment_method_type: PaymentMethodTypeEnum
    card_brand: str | None = None
    card_last4: str | None = None
    account_number_hint: str | None = None


class Transaction(_Document):
    """A payment attempt on the invoice; nothing is ever refunded or reversed here."""

    id: str
    amount: int
    amount_refunded: int
    amount_reversed: int
    currency: str
    status: PaymentStatusEnum
    payment_type: PaymentTypeEnum
    error: str | None = None
    payment_method_id: str | None = None
    payment_method_info: PaymentMethodInfo | None = None
    processed_at: datetime | None = None
    provider_transaction_id: str | None = None
    credit_note_id: str | None = None
    parent_transaction_id: str | None = None
    refund_mode: str | None = None
    reversal_kind: str | None = None
    reversal_reason: str | None = None


class CustomerDetails(_Document):
    """The customer's billing details as frozen on the invoice at `snapshot_at`."""

    id: str
    name: str
    alias: str | None = None
    email: str | None = None
    vat_number: str | None = None
    billing_address: documents.Address | None = None
    snapshot_at: datetime


class Invoice(_Document):
    """An invoice: amounts in integer minor units of `currency`, net of tax."""

    id: str
    invoice_number: str
    status: InvoiceStatus
    payment_status: InvoicePaymentStatus
    invoice_type: InvoiceType
    customer_id: str
    subscription_id: str | None = None
    currency: str
    invoice_date: date
    billing_period_start: date | None = None
    due_date: date | None = None
    net_terms: int
    memo: str | None = None
    purchase_order: str | None = None
    reference: str | None = None
    line_items: list[InvoiceLineItem]
    subtotal: int
    subtotal_recurring: int
    coupons: list[documents.CouponLineItem]
    tax_inclusive: bool
    tax_amount: int
    tax_breakdown: list[TaxBreakdownItem]
    total: int
    applied_credits: int
    amount_due: int
    transactions: list[Transaction]
    customer_details: CustomerDetails
    custom_properties: dict[str, Any]
    einvoicing_status: EInvoicingStatus | None = None
    parent_invoice_id: str | None = None
    child_invoice_id: str | None = None
    created_at: datetime
    updated_at: datetime | None = None
    finalized_at: datetime | None = None
    voided_at: datetime | None = None
    marked_as_uncollectible_at: datetime | None = None
    paid_at: datetime | None = None


class InvoiceListResponse(_Document):
    """One page of invoices."""

    data: list[Invoice]
    pagination_meta: documents.PaginationResponse


class InvoicePatchRequest(schemas._InvoiceFields):
    """Fields to change on a draft; `line_items` and `coupon_ids` replace the old ones. A
    field sent as null is left unchanged, as if it were left out."""


register_schemas(
    ApiVersion.V2026_10,
    {
        "InvoicePatchRequest": InvoicePatchRequest,
        "Invoice": Invoice,
        "InvoiceListResponse": InvoiceListResponse,
        "InvoiceLineItem": InvoiceLineItem,
        "TaxBreakdownItem": TaxBreakdownItem,
        "Transaction": Transaction,
        "PaymentMethodInfo": PaymentMethodInfo,
        "CustomerDetails": CustomerDetails,
    },
)
