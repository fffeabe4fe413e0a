"""AP ``POST /customers/{id}/portal-link`` (an Invoicery extension): a customer portal link.

The body and the answer are those of billing-v1's ``portal-token``; errors are AP
`HttpError`s. Issuing one needs ``customers:write`` and ``invoices:read``: the link
shows the customer's invoices to whoever holds it.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from invoicery.api.ap.schemas import error_responses
from invoicery.api.json import DecimalJsonRoute
from invoicery.api.portal_tokens import (
    CustomerPortalTokenRequest,
    CustomerPortalTokenResponse,
    issue_token_response,
)
from invoicery.web.collaborators import PageSecretDep
from invoicery.web.deps import CustomersWrite, DatabaseDep, InvoicesRead

__all__ = ["router"]

router = APIRouter(prefix="/customers", tags=["Customers"], route_class=DecimalJsonRoute)


@router.post(
    "/{id}/portal-link",
    operation_id="createCustomerPortalLink",
    summary="Create a customer portal link",
    description=(
        "A signed, expiring link to the customer's billing portal, where the customer "
        "sees its invoices, downloads their PDFs and pays the open ones (Invoicery extension)."
    ),
    response_model=CustomerPortalTokenResponse,
    responses=error_responses(404, 422),
)
async def create_portal_link(
    request: Request,
    principal: CustomersWrite,
    _reader: InvoicesRead,
    db: DatabaseDep,
    secret: PageSecretDep,
    id: str,
    body: CustomerPortalTokenRequest | None = None,
) -> Response:
    """A portal token and link for the caller's customer with this id."""
    return await issue_token_response(
        request,
        db,
        secret,
        principal=principal,
        customer=id,
        by_alias=False,
        options=body,
    )
