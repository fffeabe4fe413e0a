"""Billing-v1 coupon endpoints (invoices:write to change, invoices:read to read).

Every version calls the same service; a request's version only decides how its body is
parsed and how the coupon is rendered (2026-03 here, 2026-10 in `v2026_10.coupons`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from invoicery.api.billing import documents
from invoicery.api.billing.params import Page, PerPage, errors, order_by_pattern, sort_order
from invoicery.api.billing.render import coupon_document, page_document
from invoicery.api.billing.schemas import (
    CouponCreateRequest,
    CouponDiscountInput,
    CouponPatchRequest,
)
from invoicery.api.billing.v2026_10 import coupons as v2026_10
from invoicery.api.billing.versions import (
    RequestVersion,
    documented_body,
    register_schemas,
    versioned_body,
)
from invoicery.api.json import DecimalJsonRoute, JsonResponse
from invoicery.domain.api_versions import ApiVersion
from invoicery.domain.coupons import Coupon, CouponSelection, Discount, DiscountKind
from invoicery.service import coupons
from invoicery.service.coupons import CouponQuery, NewCoupon, SortColumn
from invoicery.web.deps import DatabaseDep, InvoicesRead, InvoicesWrite

__all__ = ["CouponFilter", "router"]

router = APIRouter(prefix="/api/v1/coupons", tags=["Coupons"], route_class=DecimalJsonRoute)

# 2026-03's request bodies, under the component names both versions' paths refer to.
register_schemas(
    ApiVersion.V2026_03,
    {"CreateCouponRequest": CouponCreateRequest, "UpdateCouponRequest": CouponPatchRequest},
)

CreateBody = CouponCreateRequest | v2026_10.CreateCouponRequest
UpdateBody = CouponPatchRequest | v2026_10.UpdateCouponRequest
_CREATE: dict[ApiVersion, type[CreateBody]] = {
    ApiVersion.V2026_03: CouponCreateRequest,
    ApiVersion.V2026_10: v2026_10.CreateCouponRequest,
}
_UPDATE: dict[ApiVersion, type[UpdateBody]] = {
    ApiVersion.V2026_03: CouponPatchRequest,
    ApiVersion.V2026_10: v2026_10.UpdateCouponRequest,
}
_RENDER: dict[ApiVersion, Callable[[Coupon], dict[str, Any]]] = {
    ApiVersion.V2026_03: coupon_document,
    ApiVersion.V2026_10: v2026_10.coupon_document,
}
_SORTABLE: dict[str, SortColumn] = {
    "code": "code",
    "created_at": "created_at",
    "expires_at": "expires_at",
}


class CouponFilter(StrEnum):
    """Which coupons a list shows: ACTIVE ones can be redeemed; INACTIVE ones are
    disabled, expired or used up; ARCHIVED ones are archived."""

    ALL = "ALL"
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"
    ARCHIVED = "ARCHIVED"


Terms = CouponDiscountInput | v2026_10.PercentageDiscountInput | v2026_10.FixedDiscountInput


def _discount(terms: Terms) -> Discount:
    """The domain terms of either version's discount."""
    if isinstance(terms, CouponDiscountInput):
        return Discount(
            kind=DiscountKind(terms.type),
            percentage=terms.percentage,
            amount=terms.amount,
            currency=terms.currency,
        )
    return v2026_10.discount_of(terms)


def _new(body: CreateBody) -> NewCoupon:
    """The service's new coupon; 2026-03 has no `reusable` nor `recurring_value`."""
    new = NewCoupon(
        code=body.code,
        description=body.description,
        discount=_discount(body.discount),
        expires_at=body.expires_at,
        redemption_limit=body.redemption_limit,
    )
    if isinstance(body, v2026_10.CreateCouponRequest):
        reusable = new.reusable if body.reusable is None else body.reusable
        return replace(new, recurring_value=body.recurring_value, reusable=reusable)
    return new


@router.post(
    "",
    operation_id="create_coupon",
    response_model=documents.Coupon,
    summary="Create a coupon",
    status_code=201,
    responses=errors(400, 409),
    openapi_extra=documented_body("CreateCouponRequest"),
)
async def create_coupon(
    request: Request, principal: InvoicesWrite, db: DatabaseDep, version: RequestVersion
) -> Response:
    """Create a percentage or fixed-amount coupon; codes are unique in the account (409)."""
    body = await versioned_body(request, version, _CREATE)
    coupon = await coupons.create(db, principal=principal, new=_new(body))
    return JsonResponse(_RENDER[version](coupon), status_code=201)


@router.get(
    "",
    operation_id="list_coupons",
    summary="List coupons",
    response_model=documents.CouponListResponse,
    responses=errors(400),
)
async def list_coupons(
    principal: InvoicesRead,
    db: DatabaseDep,
    version: RequestVersion,
    page: Page = 0,
    per_page: PerPage = 10,
    search: Annotated[str | None, Query(max_length=200)] = None,
    filter: CouponFilter = CouponFilter.ALL,
    order_by: Annotated[
        str,
        Query(
            max_length=40,
            pattern=order_by_pattern(_SORTABLE),
            description="`column.asc` or `column.desc`; columns: code, created_at, expires_at.",
        ),
    ] = "created_at.desc",
) -> Response:
    """List coupons matching `search` (part of the code) and `filter`, newest first."""
    column, descending = sort_order(order_by, _SORTABLE)
    query = CouponQuery(
        selection=CouponSelection(filter.value.lower()),
        search=search or None,
        sort=_SORTABLE[column],
        descending=descending,
    )
    found = await coupons.list_numbered(
        db, principal=principal, query=query, page=page, per_page=per_page
    )
    return JsonResponse(page_document(found, _RENDER[version]))


@router.get(
    "/{coupon_id}",
    operation_id="get_coupon",
    summary="Get coupon details",
    response_model=documents.Coupon,
    responses=errors(404),
)
async def get_coupon(
    principal: InvoicesRead, db: DatabaseDep, version: RequestVersion, coupon_id: str
) -> Response:
    """Retrieve a coupon by its id."""
    coupon = await coupons.get_or_raise(db, principal=principal, coupon_id=coupon_id)
    return JsonResponse(_RENDER[version](coupon))


@router.patch(
    "/{coupon_id}",
    operation_id="update_coupon",
    summary="Update a coupon",
    response_model=documents.Coupon,
    responses=errors(400, 404),
    openapi_extra=documented_body("UpdateCouponRequest"),
)
async def update_coupon(
    request: Request,
    principal: InvoicesWrite,
    db: DatabaseDep,
    version: RequestVersion,
    coupon_id: str,
) -> Response:
    """Change a coupon's description or terms; a field left out or null is kept."""
    body = await versioned_body(request, version, _UPDATE)
    coupon = await coupons.update(
        db,
        principal=principal,
        coupon_id=coupon_id,
        description=body.description,
        discount=None if body.discount is None else _discount(body.discount),
    )
    return JsonResponse(_RENDER[version](coupon))


@router.post(
    "/{coupon_id}/archive",
    operation_id="archive_coupon",
    summary="Archive a coupon",
    status_code=204,
    responses=errors(404, 409),
)
async def archive_coupon(principal: InvoicesWrite, db: DatabaseDep, coupon_id: str) -> Response:
    """Archive a coupon: it can no longer be applied (409 if already archived)."""
    await coupons.archive(db, principal=principal, coupon_id=coupon_id)
    return Response(status_code=204)


@router.post(
    "/{coupon_id}/unarchive",
    operation_id="unarchive_coupon",
    summary="Unarchive a coupon",
    status_code=204,
    responses=errors(404, 409),
)
async def unarchive_coupon(principal: InvoicesWrite, db: DatabaseDep, coupon_id: str) -> Response:
    """Restore an archived coupon (409 if it is not archived)."""
    await coupons.unarchive(db, principal=principal, coupon_id=coupon_id)
    return Response(status_code=204)


@router.post(
    "/{coupon_id}/disable",
    operation_id="disable_coupon",
    summary="Disable a coupon",
    status_code=204,
    responses=errors(404, 409),
)
async def disable_coupon(principal: InvoicesWrite, db: DatabaseDep, coupon_id: str) -> Response:
    """Stop a coupon from being applied (409 if already disabled)."""
    await coupons.disable(db, principal=principal, coupon_id=coupon_id)
    return Response(status_code=204)


@router.post(
    "/{coupon_id}/enable",
    operation_id="enable_coupon",
    summary="Enable a coupon",
    status_code=204,
    responses=errors(404, 409),
)
async def enable_coupon(principal: InvoicesWrite, db: DatabaseDep, coupon_id: str) -> Response:
    """Let a disabled coupon be applied again (409 if it is not disabled)."""
    await coupons.enable(db, principal=principal, coupon_id=coupon_id)
    return Response(status_code=204)
