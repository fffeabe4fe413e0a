"""Coupon use cases for every version of the billing face, scoped to the caller's account.

A coupon is named by its prefixed id (``cpn_…``). Every change locks the coupon row
first, so a transition is checked against what is stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from invoicery.auth.tokens import Principal
from invoicery.domain import ids
from invoicery.domain.coupons import (
    COUPON_PREFIX,
    Coupon,
    CouponSelection,
    Discount,
    code_error,
    discount_errors,
    recurring_value_error,
    redemption_limit_error,
)
from invoicery.domain.errors import InvalidInput, NotFound
from invoicery.domain.events import EventType
from invoicery.service import events
from invoicery.service._time import utc_now
from invoicery.service.paging import NumberedPage
from invoicery.store import coupons
from invoicery.store.coupons import CouponFilters, SortColumn
from invoicery.store.database import Database

__all__ = [
    "CouponQuery",
    "NewCoupon",
    "SortColumn",
    "archive",
    "create",
    "disable",
    "enable",
    "get_or_raise",
    "list_numbered",
    "unarchive",
    "update",
]


@dataclass(frozen=True, slots=True)
class NewCoupon:
    """What a caller sets on a new coupon."""

    code: str
    discount: Discount
    description: str | None = None
    expires_at: datetime | None = None
    redemption_limit: int | None = None
    recurring_value: int | None = None
    reusable: bool = True


@dataclass(frozen=True, slots=True)
class CouponQuery:
    """Which coupons a list shows and in which order (newest first unless told)."""

    selection: CouponSelection = CouponSelection.ALL
    search: str | None = None
    sort: SortColumn = "created_at"
    descending: bool = True


def _coupon_uuid(reference: str) -> UUID:
    try:
        return ids.decode(COUPON_PREFIX, reference)
    except ids.InvalidId:
        raise NotFound("coupon not found") from None


async def create(db: Database, *, principal: Principal, new: NewCoupon) -> Coupon:
    """Create a coupon; `Conflict` if its code is taken in the account."""
    errors = discount_errors(new.discount)
    if (message := code_error(new.code)) is not None:
        errors["code"] = message
    if (message := redemption_limit_error(new.redemption_limit)) is not None:
        errors["redemption_limit"] = message
    if (message := recurring_value_error(new.recurring_value)) is not None:
        errors["recurring_value"] = message
    if errors:
        raise InvalidInput("the coupon is invalid", errors)
    coupon_id = ids.new_uuid7()
    coupon = Coupon(
        id=coupon_id,
        account_id=principal.account_id,
        code=new.code,
        description=new.description,
        discount=new.discount,
        expires_at=new.expires_at,
        redemption_limit=new.redemption_limit,
        redemptions=0,
        created_at=ids.timestamp_of(coupon_id),
        reusable=new.reusable,
        recurring_value=new.recurring_value,
    )
    async with db.write() as conn:
        await coupons.insert(conn, coupon)
        await events.record_change(conn, EventType.COUPON_CREATED, coupon)
    return coupon


async def get_or_raise(db: Database, *, principal: Principal, coupon_id: str) -> Coupon:
    """The caller's coupon with this id, or `NotFound`."""
    async with db.read() as conn:
        coupon = await coupons.get(
            conn, account_id=principal.account_id, coupon_id=_coupon_uuid(coupon_id)
        )
    if coupon is None:
        raise NotFound("coupon not found")
    return coupon


async def _change(
    db: Database,
    principal: Principal,
    coupon_id: str,
    change: Callable[[Coupon], Coupon],
    happened: EventType,
) -> Coupon:
    """Lock the caller's coupon, apply `change`, save and record it."""
    async with db.write() as conn:
        stored = await coupons.get(
            conn,
            account_id=principal.account_id,
            coupon_id=_coupon_uuid(coupon_id),
            for_update=True,
        )
        if stored is None:
            raise NotFound("coupon not found")
        changed = change(stored)
        await coupons.save(conn, changed)
        await events.record_change(conn, happened, changed)
    return changed


async def update(
    db: Database,
    *,
    principal: Principal,
    coupon_id: str,
    description: str | None = None,
    discount: Discount | None = None,
) -> Coupon:
    """Change a coupon's description and terms; None leaves one as it is."""
    if discount is not None and (errors := discount_errors(discount)):
        raise InvalidInput("the coupon is invalid", errors)

    def changed(coupon: Coupon) -> Coupon:
        return coupon.changed(description=description, discount=discount)

    return await _change(db, principal, coupon_id, changed, EventType.COUPON_UPDATED)


async def archive(db: Database, *, principal: Principal, coupon_id: str) -> Coupon:
    """Archive a coupon: it cannot be redeemed any more; refused if already archived."""
    now = utc_now()

    def archived(coupon: Coupon) -> Coupon:
        return coupon.archive(now=now)

    return await _change(db, principal, coupon_id, archived, EventType.COUPON_ARCHIVED)


async def unarchive(db: Database, *, principal: Principal, coupon_id: str) -> Coupon:
    """Restore an archived coupon; refused if it is not archived."""
    return await _change(db, principal, coupon_id, Coupon.unarchive, EventType.COUPON_UPDATED)


async def disable(db: Database, *, principal: Principal, coupon_id: str) -> Coupon:
    """Stop a coupon from being redeemed; refused if already disabled."""
    return await _change(db, principal, coupon_id, Coupon.disable, EventType.COUPON_UPDATED)


async def enable(db: Database, *, principal: Principal, coupon_id: str) -> Coupon:
    """Let a disabled coupon be redeemed again; refused if it is not disabled."""
    return await _change(db, principal, coupon_id, Coupon.enable, EventType.COUPON_UPDATED)


async def list_numbered(
    db: Database, *, principal: Principal, query: CouponQuery, page: int, per_page: int
) -> NumberedPage[Coupon]:
    """One numbered page of the caller's coupons matching `query`."""
    filters = CouponFilters(
        now=utc_now(),
        selection=query.selection,
        search=query.search,
        sort=query.sort,
        descending=query.descending,
    )
    async with db.read() as conn:
        items, total = await coupons.list_numbered(
            conn,
            account_id=principal.account_id,
            filters=filters,
            offset=page * per_page,
            limit=per_page,
        )
    return NumberedPage(items, page, per_page, total)
