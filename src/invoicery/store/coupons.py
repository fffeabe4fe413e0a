"""Coupons repository; every statement is scoped to one account."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import func, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from invoicery.domain.coupons import Coupon, Discount, DiscountKind
from invoicery.domain.errors import Conflict
from invoicery.store.tables import coupons

__all__ = ["get_many", "increment_redemptions", "insert", "list_numbered"]

_t = coupons.c


def _to_coupon(row: RowMapping) -> Coupon:
    percentage = row["percentage"]
    return Coupon(
        id=row["id"],
        account_id=row["account_id"],
        code=row["code"],
        description=row["description"],
        discount=Discount(
            kind=DiscountKind(row["discount_type"]),
            percentage=None if percentage is None else Decimal(percentage),
            amount=row["amount"],
            currency=row["currency"],
        ),
        expires_at=row["expires_at"],
        redemption_limit=row["redemption_limit"],
        redemptions=row["redemptions"],
        created_at=row["created_at"],
    )


def _values(coupon: Coupon) -> dict[str, Any]:
    discount = coupon.discount
    return {
        "id": coupon.id,
        "account_id": coupon.account_id,
        "code": coupon.code,
        "description": coupon.description,
        "discount_type": discount.kind.value,
        "percentage": None if discount.percentage is None else str(discount.percentage),
        "amount": discount.amount,
        "currency": discount.currency,
        "expires_at": coupon.expires_at,
        "redemption_limit": coupon.redemption_limit,
        "redemptions": coupon.redemptions,
        "created_at": coupon.created_at,
    }


async def insert(conn: AsyncConnection, coupon: Coupon) -> None:
    """Store a new coupon; `Conflict` if its code is taken in the account."""
    try:
        await conn.execute(coupons.insert().values(_values(coupon)))
    except IntegrityError:
        raise Conflict(f"a coupon with code {coupon.code!r} already exists") from None


async def get_many(
    conn: AsyncConnection, *, account_id: UUID, coupon_ids: Sequence[UUID], for_update: bool = False
) -> dict[UUID, Coupon]:
    """The account's coupons among `coupon_ids`, by id; `for_update` locks them (in id order)."""
    if not coupon_ids:
        return {}
    query = (
        select(coupons)
        .where(_t.account_id == account_id, _t.id.in_(set(coupon_ids)))
        .order_by(_t.id)
    )
    if for_update:
        query = query.with_for_update()
    rows = (await conn.execute(query)).mappings().all()
    return {row["id"]: _to_coupon(row) for row in rows}


async def increment_redemptions(conn: AsyncConnection, coupon: Coupon) -> None:
    """Count one more redemption of a coupon."""
    await conn.execute(
        update(coupons)
        .where(_t.account_id == coupon.account_id, _t.id == coupon.id)
        .values(redemptions=_t.redemptions + 1)
    )


async def list_numbered(
    conn: AsyncConnection, *, account_id: UUID, offset: int, limit: int
) -> tuple[list[Coupon], int]:
    """One numbered page of the account's coupons, newest first, and the exact total."""
    total = (
        await conn.execute(select(func.count()).where(_t.account_id == account_id))
    ).scalar_one()
    query = (
        select(coupons)
        .where(_t.account_id == account_id)
        .order_by(_t.id.desc())
        .offset(offset)
        .limit(limit)
    )
    rows = (await conn.execute(query)).mappings().all()
    return [_to_coupon(row) for row in rows], int(total)
