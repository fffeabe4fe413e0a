"""The billing-v1 face: every /api/v1 router and its error format, in one place."""

from __future__ import annotations

from fastapi import APIRouter

from invoicery.api.billing import (
    coupons,
    credits,
    customers,
    invoices,
    notifications,
    portal,
)
from invoicery.api.billing.errors import render_rest_error

__all__ = ["PREFIX", "render_rest_error", "router"]

PREFIX = "/api/v1"

router = APIRouter()
for module in (invoices, notifications, customers, portal, credits, coupons):
    router.include_router(module.router)
