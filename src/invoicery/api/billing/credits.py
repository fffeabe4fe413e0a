"""Billing-v1 customer credit endpoints: grant credit and read the ledger."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from invoicery.api.billing import documents
from invoicery.api.billing.params import errors
from invoicery.api.billing.render import credit_entry_document, ledger_document
from invoicery.api.billing.schemas import CreditGrantRequest
from invoicery.api.json import DecimalJsonRoute, JsonResponse
from invoicery.service import credits
from invoicery.web.deps import CustomersRead, CustomersWrite, DatabaseDep

__all__ = ["router"]

router = APIRouter(
    prefix="/api/v1/customers/{id_or_alias}/credits",
    tags=["Customers"],
    route_class=DecimalJsonRoute,  # a JSON 5.0 reaches `fields.json_integer` exact, no float
)


@router.post(
    "",
    operation_id="grant_customer_credit",
    response_model=documents.CreditEntry,
    summary="Grant credit to a customer",
    status_code=201,
    responses=errors(400, 404),
)
async def grant_credit(
    principal: CustomersWrite, db: DatabaseDep, id_or_alias: str, body: CreditGrantRequest
) -> Response:
    """Add credit in a currency; finalized invoices in that currency consume it."""
    entry = await credits.grant(
        db,
        principal=principal,
        reference=id_or_alias,
        amount=body.amount,
        currency=body.currency,
        description=body.description,
    )
    return JsonResponse(credit_entry_document(entry), status_code=201)


@router.get(
    "",
    operation_id="get_customer_credits",
    response_model=documents.CreditLedger,
    summary="Customer credit balances and ledger",
    responses=errors(404),
)
async def get_credits(principal: CustomersRead, db: DatabaseDep, id_or_alias: str) -> Response:
    """The customer's credit balance per currency and every ledger entry, oldest first."""
    found = await credits.ledger(db, principal=principal, reference=id_or_alias)
    return JsonResponse(ledger_document(found))
