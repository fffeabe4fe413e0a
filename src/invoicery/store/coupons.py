"""Coupons repository; every statement is scoped to one account."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from sqlalchemy import ColumnElement, and_, func, not_, or_, select, true, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from invoicery.domain.coupons import Coupon, CouponSelection, Discount, DiscountKind
from invoicery.domain.errors import Conflict
from invoicery.store.tables import coupon_redemptions, coupons

__all__ = [
    "CouponFilters",
    "SortColumn",
    "get",
    "get_many",
    "increment_redemptions",
    "insert",
    "insert_redemption",
    "list_numbered",
    "redeemed_by",
    "save",
]

_t = coupons.c

SortColumn = Literal["code", "created_at", "expires_at"]


@dataclass(frozen=True, slots=True)
class CouponFilters:
    """What a coupon list shows, at `now`, and in which order (ties newest first).

    `search` matches a part of the code, in any case; coupons without an expiry sort
    after the others either way.
    """

    now: datetime
    selection: CouponSelection = CouponSelection.ALL
    search: str | None = None
    sort: SortColumn = "created_at"
    descending: bool = True


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
        reusable=row["reusable"],
        recurring_value=row["recurring_value"],
        disabled=row["disabled"],
        archived_at=row["archived_at"],
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
        "reusable": coupon.reusable,
        "recurring_value": coupon.recurring_value,
        "disabled": coupon.disabled,
        "archived_at": coupon.archived_at,
    }


_UNCHANGING = ("id", "account_id", "code", "redemptions", "created_at")


async def insert(conn: AsyncConnection, coupon: Coupon) -> None:
    """Store a new coupon; `Conflict` if its code is taken in the account."""
    try:
        await conn.execute(coupons.insert().values(_values(coupon)))
    except IntegrityError:
        raise Conflict(f"a coupon with code {coupon.code!r} already exists") from None


async def get(
    conn: AsyncConnection, *, account_id: UUID, coupon_id: UUID, for_update: bool = False
) -> Coupon | None:
    """The account's coupon with this id, if any; `for_update` locks it."""
    query = select(coupons).where(_t.account_id == account_id, _t.id == coupon_id)
    if for_update:
        query = query.with_for_update()
    row = (await conn.execute(query)).mappings().first()
    return None if row is None else _to_coupon(row)


async def save(conn: AsyncConnection, coupon: Coupon) -> None:
    """Store what may change of a coupon: its terms, description and life cycle."""
    values = {k: v for k, v in _values(coupon).items() if k not in _UNCHANGING}
    await conn.execute(
        update(coupons).where(_t.account_id == coupon.account_id, _t.id == coupon.id).values(values)
    )


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


async def insert_redemption(
    conn: AsyncConnection,
    coupon: Coupon,
    *,
    customer_id: UUID,
    invoice_id: UUID,
    redeemed_at: datetime,
) -> None:
    """Record that `customer_id` redeemed a coupon with an invoice (kept if it is voided)."""
    await conn.execute(
        coupon_redemptions.insert().values(
            account_id=coupon.account_id,
            coupon_id=coupon.id,
            customer_id=customer_id,
            invoice_id=invoice_id,
            redeemed_at=redeemed_at,
        )
    )


async def redeemed_by(
    conn: AsyncConnection, *, account_id: UUID, customer_id: UUID, coupon_ids: Sequence[UUID]
) -> set[UUID]:
    """Those of `coupon_ids` the account's customer has redeemed."""
    if not coupon_ids:
        return set()
    r = coupon_redemptions.c
    query = (
        select(r.coupon_id)
        .distinct()
        .where(
            r.account_id == account_id,
            r.coupon_id.in_(set(coupon_ids)),
            r.customer_id == customer_id,
        )
    )
    return set((await conn.execute(query)).scalars())


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _conditions(account_id: UUID, filters: CouponFilters) -> list[ColumnElement[bool]]:
    """The WHERE clause of a coupon list; the selections mirror `Coupon.is_active`."""
    conditions: list[ColumnElement[bool]] = [_t.account_id == account_id]
    if filters.search:
        conditions.append(func.lower(_t.code).like(_like(filters.search), escape="\\"))
    expired = and_(_t.expires_at.is_not(None), _t.expires_at <= filters.now)
    used_up = and_(_t.redemption_limit.is_not(None), _t.redemptions >= _t.redemption_limit)
    archived = _t.archived_at.is_not(None)
    disabled = _t.disabled == true()
    if filters.selection is CouponSelection.ACTIVE:
        conditions.append(not_(or_(archived, disabled, expired, used_up)))
    elif filters.selection is CouponSelection.INACTIVE:
        conditions.append(or_(disabled, expired, used_up))
    elif filters.selection is CouponSelection.ARCHIVED:
        conditions.append(archived)
    return conditions


def _order(filters: CouponFilters) -> list[Any]:
    # Ids are time-ordered: sorting by id is sorting by creation, without ties.
    if filters.sort == "created_at":
        return [_t.id.desc() if filters.descending else _t.id.asc()]
    column = _t.code if filters.sort == "code" else _t.expires_at
    keys: list[Any] = []
    if filters.sort == "expires_at":  # no expiry last, on both databases
        keys.append(_t.expires_at.is_(None).asc())
    return [*keys, column.desc() if filters.descending else column.asc(), _t.id.desc()]


async def list_numbered(
    conn: AsyncConnection, *, account_id: UUID, filters: CouponFilters, offset: int, limit: int
) -> tuple[list[Coupon], int]:
    """One numbered page of the account's coupons matching `filters`, and the exact total."""
    conditions = _conditions(account_id, filters)
    total = (await conn.execute(select(func.count()).where(*conditions))).scalar_one()
    query = select(coupons).where(*conditions).order_by(*_order(filters)).offset(offset)
    rows = (await conn.execute(query.limit(limit))).mappings().all()
    return [_to_coupon(row) for row in rows], int(total)
