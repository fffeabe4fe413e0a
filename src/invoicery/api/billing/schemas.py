"""Billing-v1 request bodies, validated by pydantic; names follow the seed spec.

What the published OpenAPI document says is valid is what these models accept: each
field's constraint is declared once, by its type (`invoicery.api.billing.fields`), and
rules across fields are published (`RULES`) beside the validator or service enforcing
them. Decimal fields take decimal text such as ``"0.20"`` or a JSON integer, parsed
straight to `Decimal`, never through a float. Rules that need the database (the
customer exists) or arithmetic across fields (a line's amount fits) stay with the
services; the models' docstrings name them.

Responses are rendered by `invoicery.api.billing.render` and described, for the
OpenAPI document, by `invoicery.api.billing.documents`.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from invoicery.api.billing.fields import (
    NOT_NULL,
    CountryCode,
    CouponIds,
    CurrencyCode,
    Day,
    Email,
    MinorAmount,
    NetTerms,
    NotNull,
    Percentage,
    Quantity,
    RedemptionLimit,
    TaxRate,
    Timestamp,
    UnitPrice,
    decimal_input,
    json_integer,
)
from invoicery.domain.coupons import CODE_PATTERN, MAX_CODE_LENGTH, MAX_RECURRING_VALUE

__all__ = [
    "AddressInput",
    "CouponAmount",
    "CouponCode",
    "CouponCreateRequest",
    "CouponDiscountInput",
    "CouponPatchRequest",
    "CreditGrantRequest",
    "CustomTaxRateInput",
    "CustomerCreateRequest",
    "CustomerPatchRequest",
    "CustomerUpdateRequest",
    "InvoiceCreateRequest",
    "InvoicePatchRequest",
    "LineItemInput",
    "RecurringValue",
    "ShippingAddressInput",
    "SubLineItemInput",
]

Name = Annotated[str, Field(min_length=1, max_length=200)]
ShortText = Annotated[str, Field(max_length=200)]
LongText = Annotated[str, Field(max_length=5000)]
LineName = Annotated[str, Field(min_length=1, max_length=1000)]
Emails = Annotated[list[Email], Field(max_length=50)]


def _nullable(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "null" or any(_nullable(s) for s in schema.get("anyOf", ()))


def _publish(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """No ``"default": null`` where null is refused; the model's `RULES` beside its fields."""
    for field in schema.get("properties", {}).values():
        if "default" in field and field["default"] is None and not _nullable(field):
            del field["default"]
    schema.update(getattr(model, "RULES", {}))


class _Input(BaseModel):
    model_config = ConfigDict(extra="ignore", json_schema_extra=_publish)

    RULES: ClassVar[dict[str, Any]] = {}
    """JSON Schema keywords for the model's rules across fields."""


class AddressInput(_Input):
    """A postal address; `country` is an ISO 3166-1 alpha-2 code."""

    line1: ShortText | None = None
    line2: ShortText | None = None
    city: ShortText | None = None
    state: ShortText | None = None
    zip_code: Annotated[str, Field(max_length=20)] | None = None
    country: CountryCode | None = None


class ShippingAddressInput(_Input):
    """Where goods go."""

    same_as_billing: StrictBool
    address: AddressInput | None = None


class CustomTaxRateInput(_Input):
    """A custom tax rate: `rate` is a fraction ("0.20" is 20 %)."""

    tax_code: Annotated[str, Field(min_length=1, max_length=50)]
    name: Name
    rate: TaxRate


CustomTaxes = Annotated[list[CustomTaxRateInput], Field(max_length=20)]


class CustomerPatchRequest(_Input):
    """Fields to change on a customer; only those given change, and null clears one.

    `name`, `currency`, `invoicing_emails` and `custom_taxes` cannot be null. An
    `invoicing_entity_id` must be the account's own (every customer shows it).
    """

    name: Annotated[Name | None, NotNull] = None
    alias: Name | None = None
    billing_email: Email | None = None
    invoicing_emails: Annotated[Emails | None, NotNull] = None
    phone: Annotated[str, Field(max_length=50)] | None = None
    vat_number: Annotated[str, Field(max_length=50)] | None = None
    currency: Annotated[CurrencyCode | None, NotNull] = None
    invoicing_entity_id: str | None = None
    is_tax_exempt: StrictBool | None = None
    billing_address: AddressInput | None = None
    shipping_address: ShippingAddressInput | None = None
    custom_taxes: Annotated[CustomTaxes | None, NotNull] = None


class CustomerCreateRequest(CustomerPatchRequest):
    """A new customer; an alias is unique in the account (409)."""

    name: Name
    invoicing_emails: Emails
    currency: CurrencyCode
    custom_taxes: CustomTaxes


class CustomerUpdateRequest(CustomerCreateRequest):
    """A customer's full new state; optional fields left out are cleared."""

    invoicing_entity_id: str


class SubLineItemInput(_Input):
    """A part of a line: quantity × unit price (major units)."""

    name: LineName
    quantity: Quantity
    unit_price: UnitPrice


class LineItemInput(_Input):
    """A line: quantity × unit price, or the sum of its sub-lines (not both); own tax rate.

    Its amount (or each sub-line's), in minor units of the invoice's currency, is at
    most 10^15, and `end_date` is not before `start_date`.
    """

    RULES = {
        "oneOf": [
            {
                "title": "Priced line",
                "properties": {
                    "quantity": NOT_NULL,
                    "unit_price": NOT_NULL,
                    "sub_line_items": {"maxItems": 0},
                },
                "required": ["quantity", "unit_price"],
            },
            {
                "title": "Line of sub-lines",
                "properties": {
                    "quantity": {"type": "null"},
                    "unit_price": {"type": "null"},
                    "sub_line_items": {"minItems": 1},
                },
                "required": ["sub_line_items"],
            },
        ]
    }

    name: LineName
    description: LongText | None = None
    quantity: Quantity | None = None
    unit_price: UnitPrice | None = None
    tax_rate: TaxRate | None = None
    start_date: Day = None
    end_date: Day = None
    sub_line_items: Annotated[list[SubLineItemInput], Field(max_length=100)] = []

    @model_validator(mode="after")
    def _priced_or_split(self) -> LineItemInput:
        priced = self.quantity is not None or self.unit_price is not None
        if self.sub_line_items and priced:
            raise ValueError("give either quantity and unit_price, or sub_line_items, not both")
        if not self.sub_line_items and (self.quantity is None or self.unit_price is None):
            raise ValueError("quantity and unit_price are required unless sub_line_items are given")
        return self


CustomerReference = Annotated[str, Field(min_length=1, max_length=200)]
LineItems = Annotated[list[LineItemInput], Field(max_length=1000)]


class _InvoiceFields(_Input):
    """What a draft holds; its due date comes from `net_terms` or `due_date`, not both."""

    RULES = {
        "not": {
            "properties": {"net_terms": {"type": "integer"}, "due_date": {"type": "string"}},
            "required": ["net_terms", "due_date"],
        }
    }

    customer_id: CustomerReference | None = None
    currency: CurrencyCode | None = None
    invoice_date: Day = None
    net_terms: NetTerms | None = None
    due_date: Day = None
    memo: LongText | None = None
    purchase_order: ShortText | None = None
    reference: ShortText | None = None
    line_items: LineItems | None = None
    coupon_ids: CouponIds | None = None

    @model_validator(mode="after")
    def _terms_or_due_date(self) -> _InvoiceFields:
        if self.net_terms is not None and self.due_date is not None:
            raise ValueError("give net_terms or due_date, not both")
        return self


class InvoiceCreateRequest(_InvoiceFields):
    """A new draft for a customer (by id or alias); fields left out or null take defaults.

    The customer exists and is not archived, each coupon exists and can be redeemed on
    the invoice, the due date is from 0 to 3650 days after the invoice date and not
    after 9999-12-31, and the lines hold at most 1000 sub-lines in all.
    """

    customer_id: CustomerReference


class InvoicePatchRequest(_InvoiceFields):
    """Fields to change on a draft; `line_items` and `coupon_ids` replace the old ones.

    `customer_id`, `currency`, `line_items` and `coupon_ids` cannot be null; the rules of
    `InvoiceCreateRequest` hold for the draft as changed.
    """

    customer_id: Annotated[CustomerReference | None, NotNull] = None
    currency: Annotated[CurrencyCode | None, NotNull] = None
    line_items: Annotated[LineItems | None, NotNull] = None
    coupon_ids: Annotated[CouponIds | None, NotNull] = None


class CouponDiscountInput(_Input):
    """`Percentage` takes `percentage` % ("10" is 10 %) of what is left of the subtotal;
    `Fixed` takes `amount` minor units of `currency`, never more than what is left."""

    RULES = {
        "oneOf": [
            {
                "title": "Percentage",
                "properties": {"type": {"const": "Percentage"}, "percentage": NOT_NULL},
                "required": ["percentage"],
            },
            {
                "title": "Fixed",
                "properties": {
                    "type": {"const": "Fixed"},
                    "amount": NOT_NULL,
                    "currency": NOT_NULL,
                },
                "required": ["amount", "currency"],
            },
        ]
    }

    type: Literal["Percentage", "Fixed"]
    percentage: Percentage | None = None
    amount: MinorAmount | None = None
    currency: CurrencyCode | None = None


CouponCode = Annotated[str, Field(min_length=1, max_length=MAX_CODE_LENGTH, pattern=CODE_PATTERN)]
"""A coupon code: 1 to 64 letters, digits, ``-`` and ``_`` (`domain.coupons.code_error`)."""
CouponAmount = decimal_input(digits=15, places=4, positive=True)
"""A coupon's amount in major units ("10.00"); its currency decides how many places fit."""
RecurringValue = json_integer(1, MAX_RECURRING_VALUE)
"""How many billing periods a coupon applies to."""


class CouponCreateRequest(_Input):
    """A new coupon; its code is unique in the account (409)."""

    code: CouponCode
    description: LongText | None = None
    discount: CouponDiscountInput
    expires_at: Timestamp | None = None
    redemption_limit: RedemptionLimit | None = None


class CouponPatchRequest(_Input):
    """New description or terms of a coupon; a field left out or null stays as it is."""

    description: LongText | None = None
    discount: CouponDiscountInput | None = None


class CreditGrantRequest(_Input):
    """Credit to add to a customer's balance, in minor units of `currency`."""

    amount: MinorAmount
    currency: CurrencyCode
    description: LongText | None = None
