"""Coupon terms and when a coupon may be redeemed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from invoicery.domain import ids
from invoicery.domain.coupons import Coupon, Discount, DiscountKind, discount_errors

NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)


def coupon(discount: Discount, **fields: object) -> Coupon:
    base = Coupon(
        id=ids.new_uuid7(),
        account_id=ids.new_uuid7(),
        code="WELCOME",
        description=None,
        discount=discount,
        expires_at=None,
        redemption_limit=None,
        redemptions=0,
        created_at=NOW,
    )
    return replace(base, **fields)  # type: ignore[arg-type]


PERCENT = Discount(DiscountKind.PERCENTAGE, percentage=Decimal(10))
FIXED = Discount(DiscountKind.FIXED, amount=500, currency="EUR")


@pytest.mark.parametrize(
    ("discount", "field"),
    [
        (Discount(DiscountKind.PERCENTAGE, percentage=Decimal(0)), "discount.percentage"),
        (Discount(DiscountKind.PERCENTAGE, percentage=Decimal(101)), "discount.percentage"),
        (Discount(DiscountKind.PERCENTAGE, percentage=Decimal("1.00001")), "discount.percentage"),
        (Discount(DiscountKind.PERCENTAGE), "discount.percentage"),
        (Discount(DiscountKind.FIXED, amount=0, currency="EUR"), "discount.amount"),
        (Discount(DiscountKind.FIXED, amount=5, currency="XYZ"), "discount.currency"),
    ],
)
def test_bad_terms_are_refused(discount: Discount, field: str) -> None:
    assert field in discount_errors(discount)


def test_good_terms_are_accepted() -> None:
    assert discount_errors(PERCENT) == {}
    assert discount_errors(FIXED) == {}


def test_a_coupon_is_redeemable_until_it_expires_or_runs_out() -> None:
    assert coupon(PERCENT).redeem_error(currency="USD", now=NOW) is None
    expired = coupon(PERCENT, expires_at=NOW - timedelta(seconds=1))
    assert "expired" in (expired.redeem_error(currency="USD", now=NOW) or "")
    used_up = coupon(PERCENT, redemption_limit=2, redemptions=2)
    assert "limit" in (used_up.redeem_error(currency="USD", now=NOW) or "")
    assert coupon(PERCENT, redemption_limit=2).redeemed().redemptions == 1


def test_a_fixed_coupon_only_discounts_its_own_currency() -> None:
    assert coupon(FIXED).redeem_error(currency="EUR", now=NOW) is None
    assert coupon(FIXED).redeem_error(currency="USD", now=NOW) is not None
