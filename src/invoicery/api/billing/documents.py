"""The billing-v1 response bodies, as pydantic models for the published OpenAPI document.

The handlers render documents with `invoicery.api.billing.render` and return them as
they are; these models only describe them, under the vendor's schema names. A test
validates real responses against the published document, so the two cannot drift.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

__all__ = [
    "Address",
    "Coupon",
    "CouponDiscount",
    "CouponLineItem",
    "CouponListResponse",
    "CreditBalance",
    "CreditEntry",
    "CreditLedger",
    "CustomTaxRate",
    "Customer",
    "CustomerDetails",
    "CustomerListResponse",
    "Invoice",
    "InvoiceLineItem",
    "InvoiceListResponse",
    "PaginationResponse",
    "PaymentMethodInfo",
    "ShippingAddress",
    "SubLineItem",
    "TaxBreakdownItem",
    "Transaction",
]

InvoiceStatus = Literal["Draft", "Finalized", "Uncollectible", "Void"]
InvoicePaymentStatus = Literal["Unpaid", "PartiallyPaid", "Paid", "Errored"]
InvoiceType = Literal["Recurring", "OneOff", "Adjustment", "UsageThreshold"]
PaymentStatus = Literal["Ready", "Pending", "Settled", "Cancelled", "Failed"]
PaymentType = Literal["Payment", "Refund"]
PaymentMethodType = Literal["Card", "BankTransfer", "Wallet", "Other"]
TaxExemptionType = Literal["ReverseCharge", "TaxExempt", "NotRegistered"]


class _Document(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Address(_Document):
    """A postal address; `country` is an ISO 3166-1 alpha-2 code."""

    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    state: str | None = None
    zip_code: str | None = None
    country: str | None = None


class ShippingAddress(_Document):
    """Where goods go: the billing address, or `address`."""

    same_as_billing: bool
    address: Address | None = None


class CustomTaxRate(_Document):
    """A tax the customer is charged instead of the merchant's default; `rate` a fraction."""

    tax_code: str
    name: str
    rate: str


class Customer(_Document):
    """A customer, addressable by id or alias."""

    id: str
    name: str
    alias: str | None
    billing_email: str | None
    invoicing_emails: list[str]
    phone: str | None
    vat_number: str | None
    currency: str
    is_tax_exempt: bool
    billing_address: Address | None
    shipping_address: ShippingAddress | None
    custom_taxes: list[CustomTaxRate]
    invoicing_entity_id: str
    archived_at: datetime | None


class PaginationResponse(_Document):
    """Where a page sits: 0-indexed `page`, exact totals."""

    page: int
    per_page: int
    total_items: int
    total_pages: int


class CustomerListResponse(_Document):
    """One page of customers."""

    data: list[Customer]
    pagination_meta: PaginationResponse


class SubLineItem(_Document):
    """A part of a line (a tier, a usage component); `total` in minor units."""

    id: str
    name: str
    quantity: str
    unit_price: str
    total: int


class InvoiceLineItem(_Document):
    """A line: decimal `quantity` × `unit_price`, or the sum of its sub-lines."""

    name: str
    description: str | None
    quantity: str | None = None
    unit_price: str | None = None
    amount_total: int
    tax_rate: str
    start_date: date
    end_date: date
    sub_line_items: list[SubLineItem]


class CouponLineItem(_Document):
    """A coupon applied to the invoice and the amount it took off."""

    coupon_id: str
    name: str
    total: int


class TaxBreakdownItem(_Document):
    """One tax charged (or exempted) on the invoice."""

    name: str
    tax_rate: str
    taxable_amount: int
    tax_amount: int
    exemption_type: TaxExemptionType | None


class PaymentMethodInfo(_Document):
    """How a transaction was paid: brand and last four digits, never the number."""

    payment_method_type: PaymentMethodType
    card_brand: str | None
    card_last4: str | None
    account_number_hint: str | None


class Transaction(_Document):
    """A payment attempt on the invoice."""

    id: str
    amount: int
    currency: str
    status: PaymentStatus
    payment_type: PaymentType
    error: str | None
    payment_method_id: str | None
    payment_method_info: PaymentMethodInfo
    processed_at: datetime | None
    provider_transaction_id: str | None


class CustomerDetails(_Document):
    """The customer's billing details as frozen on the invoice at `snapshot_at`."""

    id: str
    name: str
    alias: str | None
    email: str | None
    vat_number: str | None
    billing_address: Address | None
    snapshot_at: datetime


class Invoice(_Document):
    """An invoice: amounts in integer minor units of `currency`."""

    id: str
    invoice_number: str
    status: InvoiceStatus
    payment_status: InvoicePaymentStatus
    invoice_type: InvoiceType
    customer_id: str
    subscription_id: str | None
    currency: str
    invoice_date: date
    due_date: date | None
    net_terms: int
    memo: str | None
    purchase_order: str | None
    reference: str | None
    line_items: list[InvoiceLineItem]
    subtotal: int
    subtotal_recurring: int
    coupons: list[CouponLineItem]
    tax_amount: int
    tax_breakdown: list[TaxBreakdownItem]
    total: int
    applied_credits: int
    amount_due: int
    transactions: list[Transaction]
    customer_details: CustomerDetails
    created_at: datetime
    updated_at: datetime | None
    finalized_at: datetime | None
    voided_at: datetime | None
    marked_as_uncollectible_at: datetime | None
    paid_at: datetime | None


class InvoiceListResponse(_Document):
    """One page of invoices."""

    data: list[Invoice]
    pagination_meta: PaginationResponse


class CouponDiscount(_Document):
    """`Percentage` (``percentage``: "10" is 10 %) or `Fixed` (``amount`` minor units)."""

    type: Literal["Percentage", "Fixed"]
    percentage: str | None = None
    amount: int | None = None
    currency: str | None = None


class Coupon(_Document):
    """A coupon (Invoicery's own endpoint; the seed has none) and its redemptions so far."""

    id: str
    code: str
    description: str | None
    discount: CouponDiscount
    expires_at: datetime | None
    redemption_limit: int | None
    redemptions: int
    created_at: datetime


class CouponListResponse(_Document):
    """One page of coupons."""

    data: list[Coupon]
    pagination_meta: PaginationResponse


class CreditEntry(_Document):
    """One entry of a customer's credit ledger; `amount` is negative when applied."""

    id: str
    customer_id: str
    currency: str
    kind: str
    amount: int
    balance_after: int
    invoice_id: str | None
    description: str | None
    created_at: datetime


class CreditBalance(_Document):
    """A customer's credit balance in one currency."""

    currency: str
    balance: int


class CreditLedger(_Document):
    """A customer's credit balances and every ledger entry, oldest first."""

    customer_id: str
    balances: list[CreditBalance]
    entries: list[CreditEntry]
