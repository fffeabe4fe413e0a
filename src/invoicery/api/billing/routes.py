"""The billing-v1 face: every /api/v1 router and its error format, in one place."""

from __future__ import annotations

from fastapi import APIRouter

from invoicery.api.billing import (
    coupons,
    credit_notes,
    credits,
    customers,
    invoices,
    notifications,
    payments,
    portal,
)
from invoicery.api.billing.errors import render_rest_error

__all__ = ["PREFIX", "render_rest_error", "router"]

PREFIX = "/api/v1"

router = APIRouter()
_ROUTERS = (invoices, payments, notifications, customers, portal, credits, coupons, credit_notes)
for module in _ROUTERS:
    router.include_router(module.router)
