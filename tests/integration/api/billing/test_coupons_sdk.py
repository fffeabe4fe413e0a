"""Every coupon call of the official `meteroid` SDK works against billing-v1 2026-10."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from meteroid import ConflictError, NotFoundError
from meteroid.models import Coupon, CouponFilter, FixedDiscount, PercentageDiscount

from tests.support.sdk import meteroid_client
from tests.support.tenant import Tenant

EXPIRY = datetime(2031, 1, 31, 12, tzinfo=UTC)


def _exact(coupon: Coupon) -> None:
    """The SDK decoded every property it was sent, and knew each one."""
    assert coupon.extra_fields == {}
    assert isinstance(coupon.discount, PercentageDiscount | FixedDiscount)
    assert coupon.discount.extra_fields == {}


async def test_the_sdk_creates_retrieves_and_lists_coupons(
    tenant: Tenant, http: httpx.AsyncClient
) -> None:
    client = await meteroid_client(tenant, http)
    percent = await client.coupons.create(
        code="SPRING-15",
        discount=PercentageDiscount(percentage="15"),
        description="Spring sale",
        expires_at=EXPIRY,
        redemption_limit=100,
        recurring_value=3,
        reusable=False,
    )
    fixed = await client.coupons.create(
        code="TEN_OFF", discount=FixedDiscount(amount="10.00", currency="EUR")
    )
    for coupon in (percent, fixed):
        _exact(coupon)
        assert coupon.id.startswith("cpn_")
        assert (coupon.plan_ids, coupon.redemption_count) == ([], 0)
        assert (coupon.disabled, coupon.archived_at) == (False, None)
    assert percent.discount == PercentageDiscount(percentage="15")
    assert (percent.code, percent.description, percent.expires_at) == (
        "SPRING-15",
        "Spring sale",
        EXPIRY,
    )
    assert (percent.redemption_limit, percent.recurring_value, percent.reusable) == (100, 3, False)
    assert fixed.discount == FixedDiscount(amount="10.00", currency="EUR")
    assert (fixed.description, fixed.expires_at, fixed.redemption_limit) == (None, None, None)
    assert (fixed.recurring_value, fixed.reusable) == (None, True)

    fetched = await client.coupons.retrieve(percent.id)
    _exact(fetched)
    assert fetched == percent

    listed = [coupon async for coupon in client.coupons.list(per_page=1)]
    assert [coupon.id for coupon in listed] == [fixed.id, percent.id]  # two pages, newest first
    assert listed == [fixed, percent]
    page = await client.coupons.list(per_page=1)
    assert (page.pagination_meta.total_items, page.pagination_meta.total_pages) == (2, 2)
    by_code = await client.coupons.list(order_by="code.asc", search="n")
    assert [coupon.code for coupon in by_code.data] == ["SPRING-15", "TEN_OFF"]
    found = await client.coupons.list(search="_oFf")
    assert [coupon.code for coupon in found.data] == ["TEN_OFF"]

    with pytest.raises(ConflictError):
        await client.coupons.create(code="TEN_OFF", discount=PercentageDiscount(percentage="1"))


async def test_the_sdk_updates_a_coupon(tenant: Tenant, http: httpx.AsyncClient) -> None:
    client = await meteroid_client(tenant, http)
    created = await client.coupons.create(
        code="WELCOME", discount=PercentageDiscount(percentage="12.5"), description="hello"
    )
    renamed = await client.coupons.update(created.id, description="Welcome aboard")
    _exact(renamed)
    assert (renamed.description, renamed.discount) == ("Welcome aboard", created.discount)
    repriced = await client.coupons.update(
        created.id, discount=FixedDiscount(amount="1500", currency="JPY"), plan_ids=[]
    )
    assert repriced.discount == FixedDiscount(amount="1500", currency="JPY")
    assert repriced.description == "Welcome aboard"
    kept = await client.coupons.update(created.id, description=None, discount=None)
    assert kept == repriced
    assert await client.coupons.retrieve(created.id) == repriced


async def test_the_sdk_disables_enables_archives_and_unarchives(
    tenant: Tenant, http: httpx.AsyncClient
) -> None:
    client = await meteroid_client(tenant, http)
    coupon = await client.coupons.create(code="LIFE", discount=PercentageDiscount(percentage="5"))
    other = await client.coupons.create(code="OTHER", discount=PercentageDiscount(percentage="5"))

    await client.coupons.disable(coupon.id)
    disabled = await client.coupons.retrieve(coupon.id)
    assert (disabled.disabled, disabled.archived_at) == (True, None)
    inactive = await client.coupons.list(filter=CouponFilter.INACTIVE)
    assert [item.id for item in inactive.data] == [coupon.id]
    active = await client.coupons.list(filter=CouponFilter.ACTIVE)
    assert [item.id for item in active.data] == [other.id]
    with pytest.raises(ConflictError):
        await client.coupons.disable(coupon.id)

    await client.coupons.enable(coupon.id)
    assert (await client.coupons.retrieve(coupon.id)).disabled is False

    await client.coupons.archive(coupon.id)
    archived = await client.coupons.retrieve(coupon.id)
    assert archived.archived_at is not None
    assert archived.extra_fields == {}
    listed = await client.coupons.list(filter=CouponFilter.ARCHIVED)
    assert [item.id for item in listed.data] == [coupon.id]
    with pytest.raises(ConflictError):
        await client.coupons.archive(coupon.id)

    await client.coupons.unarchive(coupon.id)
    assert (await client.coupons.retrieve(coupon.id)).archived_at is None
    assert len((await client.coupons.list(filter=CouponFilter.ALL)).data) == 2


async def test_the_sdk_sees_another_accounts_coupon_as_missing(
    tenant: Tenant, other_tenant: Tenant, http: httpx.AsyncClient
) -> None:
    theirs = await (await meteroid_client(other_tenant, http)).coupons.create(
        code="THEIRS", discount=PercentageDiscount(percentage="5")
    )
    client = await meteroid_client(tenant, http)
    with pytest.raises(NotFoundError):
        await client.coupons.retrieve(theirs.id)
    with pytest.raises(NotFoundError):
        await client.coupons.archive(theirs.id)
    with pytest.raises(NotFoundError):
        await client.coupons.update(theirs.id, description="mine")
