"""Billing-v1 coupon endpoints (invoices:write to create, invoices:read to list)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from invoicery.api.billing import documents
from invoicery.api.billing.params import Page, PerPage, errors
from invoicery.api.billing.render import coupon_document, page_document
from invoicery.api.billing.schemas import CouponCreateRequest
from invoicery.api.json import DecimalJsonRoute, JsonResponse
from invoicery.domain.coupons import Discount, DiscountKind
from invoicery.service import coupons
from invoicery.service.coupons import NewCoupon
from invoicery.web.deps import DatabaseDep, InvoicesRead, InvoicesWrite

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/coupons", tags=["Coupons"], route_class=DecimalJsonRoute)


@router.post(
    "",
    operation_id="create_coupon",
    response_model=documents.Coupon,
    summary="Create a coupon",
    status_code=201,
    responses=errors(400, 409),
)
async def create_coupon(
    principal: InvoicesWrite, db: DatabaseDep, body: CouponCreateRequest
) -> Response:
    """Create a percentage or fixed-amount coupon; codes are unique in the account (409)."""
    terms = body.discount
    new = NewCoupon(
        code=body.code,
        description=body.description,
        discount=Discount(
            kind=DiscountKind(terms.type),
            percentage=terms.percentage,
            amount=terms.amount,
            currency=terms.currency,
        ),
        expires_at=body.expires_at,
        redemption_limit=body.redemption_limit,
    )
    coupon = await coupons.create(db, principal=principal, new=new)
    return JsonResponse(coupon_document(coupon), status_code=201)


@router.get(
    "",
    operation_id="list_coupons",
    summary="List coupons",
    response_model=documents.CouponListResponse,
    responses=errors(400),
)
async def list_coupons(
    principal: InvoicesRead, db: DatabaseDep, page: Page = 0, per_page: PerPage = 10
) -> Response:
    """List coupons, newest first, with how often each was redeemed."""
    found = await coupons.list_numbered(db, principal=principal, page=page, per_page=per_page)
    return JsonResponse(page_document(found, coupon_document))
