"""Coupons: discounts applied to an invoice's subtotal before tax.

A coupon takes either a percentage of what is left of the subtotal (``10`` is 10 %) or
a fixed amount in one currency, never more than what is left. Several coupons apply
in the order given. The arithmetic lives in `invoicery.domain.totals`; here are the
terms and the rules for redeeming them. A redemption is counted when an invoice using
the coupon is finalized, and recorded against the invoice's customer: a coupon that is
not `reusable` can be redeemed once per customer. Voiding the invoice gives neither
back: the count and the customer's redemption stay, as a voided invoice was issued.

A coupon may be disabled (and enabled again) or archived (and unarchived); either way
it cannot be redeemed until it is back. Archiving also hides it from the active list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from invoicery.domain import money, numbers
from invoicery.domain.errors import InvalidState

__all__ = [
    "CODE_PATTERN",
    "COUPON_PREFIX",
    "MAX_CODE_LENGTH",
    "MAX_PERCENTAGE_PLACES",
    "MAX_RECURRING_VALUE",
    "MAX_REDEMPTION_LIMIT",
    "AppliedCoupon",
    "Coupon",
    "CouponSelection",
    "Discount",
    "DiscountKind",
    "code_error",
    "discount_errors",
    "recurring_value_error",
    "redemption_limit_error",
]

COUPON_PREFIX = "cpn"
MAX_CODE_LENGTH = 64
CODE_PATTERN = f"^[A-Za-z0-9_-]{{1,{MAX_CODE_LENGTH}}}$"
"""A code: 1 to 64 ASCII letters, digits, ``-`` and ``_``."""
MAX_PERCENTAGE_PLACES = 4
MAX_REDEMPTION_LIMIT = numbers.INT32_MAX
MAX_RECURRING_VALUE = numbers.INT32_MAX

_CODE = re.compile(CODE_PATTERN)


class DiscountKind(StrEnum):
    """How a coupon reduces the subtotal."""

    PERCENTAGE = "Percentage"
    FIXED = "Fixed"


class CouponSelection(StrEnum):
    """Which coupons a list shows: all, the active ones (see `Coupon.is_active`), the
    inactive ones (disabled, expired or used up) or the archived ones."""

    ALL = "all"
    ACTIVE = "active"
    INACTIVE = "inactive"
    ARCHIVED = "archived"


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


def code_error(code: str) -> str | None:
    """Why `code` cannot name a coupon, or None."""
    if _CODE.fullmatch(code) is None:
        return f"must be 1 to {MAX_CODE_LENGTH} letters, digits, '-' or '_'"
    return None


def recurring_value_error(value: int | None) -> str | None:
    """Why `value` cannot be a coupon's number of billing periods, or None (None is fine)."""
    if value is not None and not 1 <= value <= MAX_RECURRING_VALUE:
        return f"must be between 1 and {MAX_RECURRING_VALUE}"
    return None


def redemption_limit_error(limit: int | None) -> str | None:
    """Why `limit` cannot cap a coupon's redemptions, or None (no limit is fine)."""
    if limit is not None and not 1 <= limit <= MAX_REDEMPTION_LIMIT:
        return f"must be between 1 and {MAX_REDEMPTION_LIMIT}"
    return None


@dataclass(frozen=True, slots=True)
class Coupon:
    """A coupon of a merchant account, with how often it has been redeemed.

    `reusable` says whether one customer may redeem it more than once; `recurring_value`
    is how many billing periods it applies to (None: all), kept for Meteroid's clients.
    """

    id: UUID
    account_id: UUID
    code: str
    description: str | None
    discount: Discount
    expires_at: datetime | None
    redemption_limit: int | None
    redemptions: int
    created_at: datetime
    reusable: bool = True
    recurring_value: int | None = None
    disabled: bool = False
    archived_at: datetime | None = None

    def redeem_error(
        self, *, currency: str, now: datetime, redeemed_by_customer: bool
    ) -> str | None:
        """Why it cannot discount an invoice in `currency` at `now`, or None.

        `redeemed_by_customer`: the invoice's customer has redeemed it before.
        """
        if self.archived_at is not None:
            return f"coupon {self.code} is archived"
        if self.disabled:
            return f"coupon {self.code} is disabled"
        if self.expires_at is not None and self.expires_at <= now:
            return f"coupon {self.code} has expired"
        if self.redemption_limit is not None and self.redemptions >= self.redemption_limit:
            return f"coupon {self.code} has reached its redemption limit"
        if redeemed_by_customer and not self.reusable:
            return f"coupon {self.code} is not reusable and the customer has already redeemed it"
        if self.discount.kind is DiscountKind.FIXED and self.discount.currency != currency:
            return f"coupon {self.code} is in {self.discount.currency}, the invoice in {currency}"
        return None

    def is_active(self, *, now: datetime) -> bool:
        """Whether it is neither archived, disabled, expired nor used up (Meteroid's ACTIVE)."""
        expired = self.expires_at is not None and self.expires_at <= now
        used_up = self.redemption_limit is not None and self.redemptions >= self.redemption_limit
        return not (self.archived_at is not None or self.disabled or expired or used_up)

    def redeemed(self) -> Coupon:
        """A copy with one more redemption counted."""
        return replace(self, redemptions=self.redemptions + 1)

    def changed(self, *, description: str | None, discount: Discount | None) -> Coupon:
        """A copy with the given description and terms; None keeps the current one."""
        return replace(
            self,
            description=self.description if description is None else description,
            discount=self.discount if discount is None else discount,
        )

    def archive(self, *, now: datetime) -> Coupon:
        """A copy archived at `now`; `InvalidState` if it already is."""
        if self.archived_at is not None:
            raise InvalidState(f"coupon {self.code} is already archived")
        return replace(self, archived_at=now)

    def unarchive(self) -> Coupon:
        """A copy no longer archived; `InvalidState` if it is not archived."""
        if self.archived_at is None:
            raise InvalidState(f"coupon {self.code} is not archived")
        return replace(self, archived_at=None)

    def disable(self) -> Coupon:
        """A copy that cannot be redeemed until enabled; `InvalidState` if already disabled."""
        if self.disabled:
            raise InvalidState(f"coupon {self.code} is already disabled")
        return replace(self, disabled=True)

    def enable(self) -> Coupon:
        """A copy that can be redeemed again; `InvalidState` if it is not disabled."""
        if not self.disabled:
            raise InvalidState(f"coupon {self.code} is not disabled")
        return replace(self, disabled=False)


@dataclass(frozen=True, slots=True)
class AppliedCoupon:
    """A coupon as it reduced one invoice: its name and the discount in minor units."""

    coupon_id: UUID
    name: str
    amount: int
