"""Coupons: discounts applied to an invoice's subtotal before tax.

A coupon takes either a percentage of what is left of the subtotal (``10`` is 10 %) or
a fixed amount in one currency, never more than what is left. Several coupons apply
in the order given. The arithmetic lives in `invoicery.domain.totals`; here are the
terms and the rules for redeeming them. A redemption is counted when an invoice using
the coupon is finalized.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from invoicery.domain import money, numbers

__all__ = [
    "COUPON_PREFIX",
    "MAX_PERCENTAGE_PLACES",
    "MAX_REDEMPTION_LIMIT",
    "AppliedCoupon",
    "Coupon",
    "Discount",
    "DiscountKind",
    "discount_errors",
    "redemption_limit_error",
]

COUPON_PREFIX = "cpn"
MAX_PERCENTAGE_PLACES = 4
MAX_REDEMPTION_LIMIT = numbers.INT32_MAX


class DiscountKind(StrEnum):
    """How a coupon reduces the subtotal."""

    PERCENTAGE = "Percentage"
    FIXED = "Fixed"


@dataclass(frozen=True, slots=True)
class Discount:
    """A coupon's terms: `percentage` (0-100], or `amount` minor units of `currency`."""

    kind: DiscountKind
    percentage: Decimal | None = None
    amount: int | None = None
    currency: str | None = None


def discount_errors(discount: Discount) -> dict[str, str]:
    """Field errors of a coupon's terms, keyed like ``discount.percentage``."""
    errors: dict[str, str] = {}
    if discount.kind is DiscountKind.PERCENTAGE:
        value = discount.percentage
        if value is None or not value.is_finite() or value <= 0 or value > 100:
            errors["discount.percentage"] = "must be a number greater than 0 and at most 100"
        elif isinstance(exp := value.as_tuple().exponent, int) and -exp > MAX_PERCENTAGE_PLACES:
            errors["discount.percentage"] = (
                f"must have at most {MAX_PERCENTAGE_PLACES} decimal places"
            )
        return errors
    if discount.amount is None or not 0 < discount.amount <= money.MAX_AMOUNT:
        errors["discount.amount"] = (
            f"must be a positive amount in minor units, at most {money.MAX_AMOUNT}"
        )
    if discount.currency is None or not money.is_supported_currency(discount.currency):
        errors["discount.currency"] = "must be a supported ISO 4217 currency code"
    return errors


def redemption_limit_error(limit: int | None) -> str | None:
    """Why `limit` cannot cap a coupon's redemptions, or None (no limit is fine)."""
    if limit is not None and not 1 <= limit <= MAX_REDEMPTION_LIMIT:
        return f"must be between 1 and {MAX_REDEMPTION_LIMIT}"
    return None


@dataclass(frozen=True, slots=True)
class Coupon:
    """A coupon of a merchant account, with how often it has been redeemed."""

    id: UUID
    account_id: UUID
    code: str
    description: str | None
    discount: Discount
    expires_at: datetime | None
    redemption_limit: int | None
    redemptions: int
    created_at: datetime

    def redeem_error(self, *, currency: str, now: datetime) -> str | None:
        """Why this coupon cannot discount an invoice in `currency` at `now`, or None."""
        if self.expires_at is not None and self.expires_at <= now:
            return f"coupon {self.code} has expired"
        if self.redemption_limit is not None and self.redemptions >= self.redemption_limit:
            return f"coupon {self.code} has reached its redemption limit"
        if self.discount.kind is DiscountKind.FIXED and self.discount.currency != currency:
            return f"coupon {self.code} is in {self.discount.currency}, the invoice in {currency}"
        return None

    def redeemed(self) -> Coupon:
        """A copy with one more redemption counted."""
        return replace(self, redemptions=self.redemptions + 1)


@dataclass(frozen=True, slots=True)
class AppliedCoupon:
    """A coupon as it reduced one invoice: its name and the discount in minor units."""

    coupon_id: UUID
    name: str
    amount: int
