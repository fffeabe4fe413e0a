"""Billing-v1 request bodies, validated by pydantic; names follow the seed spec.

Decimal fields (quantities, unit prices, rates, percentages) accept decimal text such
as ``"0.20"`` or a JSON number, parsed straight to `Decimal`, never through a float.
Responses are rendered by `invoicery.api.billing.render` and described, for the
OpenAPI document, by `invoicery.api.billing.documents`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
)

from invoicery.api.billing.currencies import BILLING_CURRENCIES
from invoicery.api.fields import BoundedTimestamp, CalendarDate, DecimalText

__all__ = [
    "AddressInput",
    "CouponCreateRequest",
    "CouponDiscountInput",
    "CreditGrantRequest",
    "CustomTaxRateInput",
    "CustomerCreateRequest",
    "CustomerPatchRequest",
    "CustomerUpdateRequest",
    "InvoiceCreateRequest",
    "InvoicePatchRequest",
    "LineItemInput",
    "ShippingAddressInput",
    "SubLineItemInput",
]

_EMAIL = r"^[^@\s]+@[^@\s]+$"


def _currency(value: str) -> str:
    if value not in BILLING_CURRENCIES:
        raise ValueError("not a supported currency code")
    return value


CurrencyCode = Annotated[str, AfterValidator(_currency)]
CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
Email = Annotated[str, Field(max_length=320, pattern=_EMAIL)]
ShortText = Annotated[str, Field(max_length=200)]
LongText = Annotated[str, Field(max_length=5000)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="ignore")


class AddressInput(_Input):
    """A postal address."""

    model_config = ConfigDict(title="Address")

    line1: ShortText | None = None
    line2: ShortText | None = None
    city: ShortText | None = None
    state: ShortText | None = None
    zip_code: Annotated[str, Field(max_length=20)] | None = None
    country: CountryCode | None = None


class ShippingAddressInput(_Input):
    """Where goods go."""

    model_config = ConfigDict(title="ShippingAddress")

    same_as_billing: StrictBool
    address: AddressInput | None = None


class CustomTaxRateInput(_Input):
    """A custom tax rate: `rate` is a fraction ("0.20" is 20 %)."""

    model_config = ConfigDict(title="CustomTaxRate")

    tax_code: Annotated[str, Field(min_length=1, max_length=50)]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    rate: DecimalText


class CustomerPatchRequest(_Input):
    """Fields to change on a customer; only those given are changed."""

    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    alias: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    billing_email: Email | None = None
    invoicing_emails: Annotated[list[Email], Field(max_length=50)] | None = None
    phone: Annotated[str, Field(max_length=50)] | None = None
    vat_number: Annotated[str, Field(max_length=50)] | None = None
    currency: CurrencyCode | None = None
    invoicing_entity_id: str | None = None
    is_tax_exempt: StrictBool | None = None
    billing_address: AddressInput | None = None
    shipping_address: ShippingAddressInput | None = None
    custom_taxes: Annotated[list[CustomTaxRateInput], Field(max_length=20)] | None = None


class CustomerCreateRequest(CustomerPatchRequest):
    """A new customer."""

    name: Annotated[str, Field(min_length=1, max_length=200)]
    invoicing_emails: Annotated[list[Email], Field(max_length=50)]
    currency: CurrencyCode
    custom_taxes: Annotated[list[CustomTaxRateInput], Field(max_length=20)]


class CustomerUpdateRequest(CustomerCreateRequest):
    """A customer's full new state; optional fields left out are cleared."""

    invoicing_entity_id: str


class SubLineItemInput(_Input):
    """A part of a line: quantity × unit price (major units)."""

    model_config = ConfigDict(title="SubLineItem")

    name: Annotated[str, Field(max_length=1000)]
    quantity: DecimalText
    unit_price: DecimalText


class LineItemInput(_Input):
    """A line: quantity × unit price, or the sum of its sub-lines; optional own tax rate."""

    name: Annotated[str, Field(max_length=1000)]
    description: LongText | None = None
    quantity: DecimalText | None = None
    unit_price: DecimalText | None = None
    tax_rate: DecimalText | None = None
    start_date: CalendarDate = None
    end_date: CalendarDate = None
    sub_line_items: Annotated[list[SubLineItemInput], Field(max_length=100)] = []


class InvoicePatchRequest(_Input):
    """Fields to change on a draft; `line_items` and `coupon_ids` replace the old ones."""

    customer_id: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    currency: CurrencyCode | None = None
    invoice_date: CalendarDate = None
    net_terms: StrictInt | None = None
    due_date: CalendarDate = None
    memo: LongText | None = None
    purchase_order: ShortText | None = None
    reference: ShortText | None = None
    line_items: Annotated[list[LineItemInput], Field(max_length=1000)] | None = None
    coupon_ids: Annotated[list[str], Field(max_length=20)] | None = None


class InvoiceCreateRequest(InvoicePatchRequest):
    """A new draft invoice for a customer (by id or alias)."""

    customer_id: Annotated[str, Field(min_length=1, max_length=200)]


class CouponDiscountInput(_Input):
    """`Percentage` (``percentage``: 10 is 10 %) or `Fixed` (``amount`` minor units)."""

    model_config = ConfigDict(title="CouponDiscount")

    type: Literal["Percentage", "Fixed"]
    percentage: DecimalText | None = None
    amount: StrictInt | None = None
    currency: CurrencyCode | None = None


class CouponCreateRequest(_Input):
    """A new coupon."""

    code: Annotated[str, Field(min_length=1, max_length=100)]
    description: LongText | None = None
    discount: CouponDiscountInput
    expires_at: BoundedTimestamp | None = None
    redemption_limit: StrictInt | None = None


class CreditGrantRequest(_Input):
    """Credit to add to a customer's balance, in minor units of `currency`."""

    amount: StrictInt
    currency: CurrencyCode
    description: LongText | None = None
