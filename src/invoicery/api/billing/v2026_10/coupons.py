"""Billing-v1 2026-10 coupons: Meteroid's shapes of the one domain `Coupon`.

Discounts are tagged ``PERCENTAGE`` (``"percentage": "15"``) or ``FIXED`` (``"amount":
"10.00"`` in major units of ``currency``), both as decimal text; the redemption count is
``redemption_count``; ``plan_ids`` is always empty, as Invoicery has no plans. The rules
are the service's: this module only parses and renders.

The models document the shapes under Meteroid's component names (`register_schemas`).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, StrictBool

from invoicery.api.billing import documents
from invoicery.api.billing.fields import CurrencyCode, Percentage, RedemptionLimit, Timestamp
from invoicery.api.billing.schemas import CouponAmount, CouponCode, RecurringValue
from invoicery.api.billing.versions import register_schemas
from invoicery.api.json import timestamp_text
from invoicery.domain import coupons as domain
from invoicery.domain import ids, money
from invoicery.domain.api_versions import ApiVersion
from invoicery.domain.coupons import COUPON_PREFIX, Discount, DiscountKind
from invoicery.domain.errors import InvalidInput

__all__ = [
    "Coupon",
    "CouponDiscount",
    "CouponListResponse",
    "CreateCouponRequest",
    "FixedDiscount",
    "FixedDiscountInput",
    "PercentageDiscount",
    "PercentageDiscountInput",
    "UpdateCouponRequest",
    "coupon_document",
    "discount_of",
]

_PLANS = "Always empty: Invoicery has no plans."
_TYPES = {DiscountKind.PERCENTAGE: "PERCENTAGE", DiscountKind.FIXED: "FIXED"}

NoPlans = Annotated[list[str], Field(max_length=0, description=_PLANS)]
LongText = Annotated[str, Field(max_length=5000)]


class _Exact(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Input(BaseModel):
    model_config = ConfigDict(extra="ignore")


# --- responses -----------------------------------------------------------------------


class PercentageDiscount(_Exact):
    """Takes `percentage` % ("15" is 15 %) of what is left of the subtotal."""

    type: Literal["PERCENTAGE"]
    percentage: str


class FixedDiscount(_Exact):
    """Takes `amount` (decimal text, major units) of `currency`, at most what is left."""

    type: Literal["FIXED"]
    amount: str
    currency: str


class CouponDiscount(RootModel[PercentageDiscount | FixedDiscount]):
    """A coupon's terms, told apart by `type`."""

    root: Annotated[PercentageDiscount | FixedDiscount, Field(discriminator="type")]


class Coupon(_Exact):
    """A coupon, its life cycle (`disabled`, `archived_at`) and its redemptions so far."""

    id: str
    code: str
    description: str | None
    discount: CouponDiscount
    expires_at: datetime | None
    redemption_limit: int | None
    recurring_value: int | None
    reusable: bool
    disabled: bool
    created_at: datetime
    archived_at: datetime | None
    redemption_count: int
    plan_ids: Annotated[list[str], Field(max_length=0, description=_PLANS)]


class CouponListResponse(_Exact):
    """One page of coupons."""

    data: list[Coupon]
    pagination_meta: documents.PaginationResponse


# --- requests ------------------------------------------------------------------------


class PercentageDiscountInput(_Input):
    """`percentage` % of what is left of the subtotal: above 0, at most 100, 4 places."""

    type: Literal["PERCENTAGE"]
    percentage: Percentage


class FixedDiscountInput(_Input):
    """`amount` in major units of `currency`, with no more places than the currency has."""

    type: Literal["FIXED"]
    amount: CouponAmount
    currency: CurrencyCode


DiscountInput = Annotated[PercentageDiscountInput | FixedDiscountInput, Field(discriminator="type")]


class CreateCouponRequest(_Input):
    """A new coupon; its code is unique in the account (409)."""

    code: CouponCode
    discount: DiscountInput
    description: LongText | None = None
    expires_at: Timestamp | None = None
    redemption_limit: RedemptionLimit | None = None
    recurring_value: RecurringValue | None = None
    reusable: StrictBool | None = None
    plan_ids: NoPlans | None = None


class UpdateCouponRequest(_Input):
    """New description or terms of a coupon; a field left out or null stays as it is."""

    description: LongText | None = None
    discount: DiscountInput | None = None
    plan_ids: NoPlans | None = None


def discount_of(terms: PercentageDiscountInput | FixedDiscountInput) -> Discount:
    """The domain terms of a 2026-10 discount (400 if the amount does not fit its currency)."""
    if isinstance(terms, PercentageDiscountInput):
        return Discount(DiscountKind.PERCENTAGE, percentage=Decimal(terms.percentage))
    try:
        amount = money.to_minor(Decimal(terms.amount), terms.currency)
    except money.TooManyDecimals:
        places = money.exponent(terms.currency)
        message = f"must have at most {places} decimal places in {terms.currency}"
        raise InvalidInput("the coupon is invalid", {"discount.amount": message}) from None
    except money.AmountTooLarge:
        message = f"must be at most {money.MAX_AMOUNT} minor units"
        raise InvalidInput("the coupon is invalid", {"discount.amount": message}) from None
    return Discount(DiscountKind.FIXED, amount=amount, currency=terms.currency)


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else timestamp_text(moment)


def coupon_document(coupon: domain.Coupon) -> dict[str, Any]:
    """A coupon as 2026-10 renders it."""
    discount = coupon.discount
    terms: dict[str, Any] = {"type": _TYPES[discount.kind]}
    if discount.kind is DiscountKind.PERCENTAGE:
        assert discount.percentage is not None
        terms["percentage"] = format(discount.percentage, "f")
    else:
        assert discount.amount is not None
        assert discount.currency is not None
        terms["amount"] = money.to_major_string(discount.amount, discount.currency)
        terms["currency"] = discount.currency
    return {
        "id": ids.encode(COUPON_PREFIX, coupon.id),
        "code": coupon.code,
        "description": coupon.description,
        "discount": terms,
        "expires_at": _time(coupon.expires_at),
        "redemption_limit": coupon.redemption_limit,
        "recurring_value": coupon.recurring_value,
        "reusable": coupon.reusable,
        "disabled": coupon.disabled,
        "created_at": timestamp_text(coupon.created_at),
        "archived_at": _time(coupon.archived_at),
        "redemption_count": coupon.redemptions,
        "plan_ids": [],
    }


register_schemas(
    ApiVersion.V2026_10,
    {
        "Coupon": Coupon,
        "CouponDiscount": CouponDiscount,
        "CouponListResponse": CouponListResponse,
        "CreateCouponRequest": CreateCouponRequest,
        "UpdateCouponRequest": UpdateCouponRequest,
    },
)
