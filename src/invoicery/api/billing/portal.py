"""Billing-v1 ``POST /api/v1/customers/{id_or_alias}/portal-token``: a customer portal token.

Issuing one needs ``customers:write`` and ``invoices:read``: the token shows the
customer's invoices to whoever holds it.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from invoicery.api.billing.params import errors
from invoicery.api.json import DecimalJsonRoute
from invoicery.api.portal_tokens import (
    CustomerPortalTokenRequest,
    CustomerPortalTokenResponse,
    issue_token_response,
)
from invoicery.web.collaborators import PageSecretDep
from invoicery.web.deps import CustomersWrite, DatabaseDep, InvoicesRead

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/customers", tags=["Customers"], route_class=DecimalJsonRoute)


@router.post(
    "/{id_or_alias}/portal-token",
    operation_id="create_portal_token",
    summary="Generate a portal token for a customer",
    description=(
        "Generates a JWT token that grants access to the customer portal.\n"
        "The token can be used to access invoices, payment methods, and other portal features."
    ),
    response_model=CustomerPortalTokenResponse,
    responses=errors(400, 404),
)
async def create_portal_token(
    request: Request,
    principal: CustomersWrite,
    _reader: InvoicesRead,
    db: DatabaseDep,
    secret: PageSecretDep,
    id_or_alias: str,
    body: CustomerPortalTokenRequest | None = None,
) -> Response:
    """A signed, expiring portal token for the customer with this id or alias."""
    return await issue_token_response(
        request,
        db,
        secret,
        principal=principal,
        customer=id_or_alias,
        by_alias=True,
        options=body,
    )
