"""Coupon terms and when a coupon may be redeemed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from invoicery.domain import ids
from invoicery.domain.coupons import (
    Coupon,
    Discount,
    DiscountKind,
    code_error,
    discount_errors,
    recurring_value_error,
)
from invoicery.domain.errors import InvalidState

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
    assert coupon(PERCENT).redeem_error(currency="USD", now=NOW, redeemed_by_customer=False) is None
    expired = coupon(PERCENT, expires_at=NOW - timedelta(seconds=1))
    assert "expired" in (
        expired.redeem_error(currency="USD", now=NOW, redeemed_by_customer=False) or ""
    )
    used_up = coupon(PERCENT, redemption_limit=2, redemptions=2)
    assert "limit" in (
        used_up.redeem_error(currency="USD", now=NOW, redeemed_by_customer=False) or ""
    )
    assert coupon(PERCENT, redemption_limit=2).redeemed().redemptions == 1


def test_a_fixed_coupon_only_discounts_its_own_currency() -> None:
    assert coupon(FIXED).redeem_error(currency="EUR", now=NOW, redeemed_by_customer=False) is None
    assert (
        coupon(FIXED).redeem_error(currency="USD", now=NOW, redeemed_by_customer=False) is not None
    )


def test_a_disabled_or_archived_coupon_cannot_be_redeemed() -> None:
    disabled = coupon(PERCENT).disable()
    assert "disabled" in (
        disabled.redeem_error(currency="USD", now=NOW, redeemed_by_customer=False) or ""
    )
    archived = coupon(PERCENT).archive(now=NOW)
    assert "archived" in (
        archived.redeem_error(currency="USD", now=NOW, redeemed_by_customer=False) or ""
    )
    assert (
        disabled.enable().redeem_error(currency="USD", now=NOW, redeemed_by_customer=False) is None
    )
    assert (
        archived.unarchive().redeem_error(currency="USD", now=NOW, redeemed_by_customer=False)
        is None
    )


def test_a_coupon_that_is_not_reusable_is_redeemed_once_per_customer() -> None:
    once = coupon(PERCENT, reusable=False)
    assert once.redeem_error(currency="USD", now=NOW, redeemed_by_customer=False) is None
    refused = once.redeem_error(currency="USD", now=NOW, redeemed_by_customer=True)
    assert refused == "coupon WELCOME is not reusable and the customer has already redeemed it"
    reusable = coupon(PERCENT)
    assert reusable.redeem_error(currency="USD", now=NOW, redeemed_by_customer=True) is None


def test_life_cycle_transitions_change_one_flag_each() -> None:
    fresh = coupon(PERCENT)
    assert (fresh.disabled, fresh.archived_at) == (False, None)
    assert fresh.disable().disabled is True
    assert fresh.disable().enable() == fresh
    assert fresh.archive(now=NOW).archived_at == NOW
    assert fresh.archive(now=NOW).unarchive() == fresh
    both = fresh.disable().archive(now=NOW)
    assert (both.disabled, both.archived_at) == (True, NOW)


@pytest.mark.parametrize(
    "change",
    [
        Coupon.enable,
        Coupon.unarchive,
        lambda c: c.disable().disable(),
        lambda c: c.archive(now=NOW).archive(now=NOW),
    ],
)
def test_transitions_that_change_nothing_are_refused(change: object) -> None:
    with pytest.raises(InvalidState):
        change(coupon(PERCENT))  # type: ignore[operator]


def test_changes_keep_what_is_not_given() -> None:
    base = coupon(PERCENT, description="old")
    assert base.changed(description=None, discount=None) == base
    assert base.changed(description="new", discount=None).discount == PERCENT
    changed = base.changed(description=None, discount=FIXED)
    assert (changed.description, changed.discount) == ("old", FIXED)


def test_active_means_redeemable_by_anyone_now() -> None:
    assert coupon(PERCENT).is_active(now=NOW)
    assert not coupon(PERCENT).disable().is_active(now=NOW)
    assert not coupon(PERCENT).archive(now=NOW).is_active(now=NOW)
    assert not coupon(PERCENT, expires_at=NOW).is_active(now=NOW)
    assert not coupon(PERCENT, redemption_limit=1, redemptions=1).is_active(now=NOW)


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("A", True),
        ("spring-2030_B", True),
        ("X" * 64, True),
        ("X" * 65, False),
        ("", False),
        ("two words", False),
        ("dot.ted", False),
        ("über", False),
        ("١٢٣", False),  # digits, but not ASCII ones
        ("trailing\n", False),
    ],
)
def test_codes_are_ascii_letters_digits_dashes_and_underscores(code: str, valid: bool) -> None:
    assert (code_error(code) is None) is valid


def test_recurring_values_are_positive_int32s_or_none() -> None:
    assert recurring_value_error(None) is None
    assert recurring_value_error(1) is None
    assert recurring_value_error(0) is not None
    assert recurring_value_error(2**31) is not None
