"""Coupon use cases, scoped to the caller's account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from invoicery.auth.tokens import Principal
from invoicery.domain import ids
from invoicery.domain.coupons import (
    Coupon,
    Discount,
    discount_errors,
    redemption_limit_error,
)
from invoicery.domain.errors import InvalidInput
from invoicery.domain.events import EventType
from invoicery.service import events
from invoicery.service.paging import NumberedPage
from invoicery.store import coupons
from invoicery.store.database import Database

__all__ = ["NewCoupon", "create", "list_numbered"]


@dataclass(frozen=True, slots=True)
class NewCoupon:
    """What a caller sets on a new coupon."""

    code: str
    discount: Discount
    description: str | None = None
    expires_at: datetime | None = None
    redemption_limit: int | None = None


async def create(db: Database, *, principal: Principal, new: NewCoupon) -> Coupon:
    """Create a coupon; `Conflict` if its code is taken in the account."""
    errors = discount_errors(new.discount)
    if not new.code:
        errors["code"] = "must not be empty"
    if (message := redemption_limit_error(new.redemption_limit)) is not None:
        errors["redemption_limit"] = message
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
    )
    async with db.write() as conn:
        await coupons.insert(conn, coupon)
        await events.record_change(conn, EventType.COUPON_CREATED, coupon)
    return coupon


async def list_numbered(
    db: Database, *, principal: Principal, page: int, per_page: int
) -> NumberedPage[Coupon]:
    """One numbered page of the caller's coupons, newest first."""
    async with db.read() as conn:
        items, total = await coupons.list_numbered(
            conn, account_id=principal.account_id, offset=page * per_page, limit=per_page
        )
    return NumberedPage(items, page, per_page, total)
