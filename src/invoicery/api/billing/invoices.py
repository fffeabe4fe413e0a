"""Billing-v1 invoice endpoints: list, get, drafts, refresh, lifecycle transitions, custom
properties.

Each answers in the request's version: 2026-03 (`render`, `listed`) or 2026-10
(`v2026_10.invoices`, the same documents re-spelled). The list's `statuses` are spelled
as that version spells them, and its default order is the version's: 2026-03 newest
first, 2026-10 by invoice date, newest first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, StringConstraints
from starlette.responses import Response

from invoicery.api.billing import documents, listed, render
from invoicery.api.billing.fields import CustomPropertyChanges
from invoicery.api.billing.params import Page, PerPage, errors, order_by_pattern, sort_order
from invoicery.api.billing.render import page_document
from invoicery.api.billing.schemas import InvoiceCreateRequest, InvoicePatchRequest, LineItemInput
from invoicery.api.billing.v2026_10 import invoices as v2026_10
from invoicery.api.billing.versions import (
    RequestVersion,
    documented_body,
    register_parameters,
    register_schemas,
    versioned_body,
)
from invoicery.api.json import DecimalJsonRoute, JsonResponse, json_response_of, plain_json
from invoicery.domain.api_versions import ApiVersion
from invoicery.domain.errors import BadRequest
from invoicery.domain.status import Lifecycle
from invoicery.service import invoices
from invoicery.service.invoices import (
    FIELD_NAMES,
    DraftFields,
    InvoiceView,
    ListOrder,
    NewLine,
    NewSubLine,
    NumberedQuery,
    OrderColumn,
)
from invoicery.service.invoices.listed import ListedInvoice
from invoicery.web.deps import DatabaseDep, InvoicesRead, InvoicesWrite

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/invoices", tags=["Invoices"], route_class=DecimalJsonRoute)

_STATUSES: dict[ApiVersion, Mapping[str, Lifecycle | None]] = {
    ApiVersion.V2026_03: {render.status_text(lifecycle): lifecycle for lifecycle in Lifecycle},
    ApiVersion.V2026_10: v2026_10.STATUSES,
}
_DEFAULT_ORDER: dict[ApiVersion, ListOrder | None] = {
    ApiVersion.V2026_03: None,  # newest first
    ApiVersion.V2026_10: ListOrder(OrderColumn.INVOICE_DATE, descending=True),
}
_DOCUMENT: dict[ApiVersion, Callable[[InvoiceView], dict[str, Any]]] = {
    ApiVersion.V2026_03: render.invoice_document,
    ApiVersion.V2026_10: v2026_10.invoice_document,
}
_LISTED: dict[ApiVersion, Callable[[ListedInvoice], dict[str, Any]]] = {
    ApiVersion.V2026_03: listed.listed_invoice_document,
    ApiVersion.V2026_10: v2026_10.listed_invoice_document,
}
_STATUS_TEXT = Annotated[str, StringConstraints(max_length=200)]


def _status_parameters(spelled: Mapping[str, Lifecycle | None]) -> dict[str, dict[str, Any]]:
    """The `status` and `statuses` query schemas of a version that spells statuses so."""
    one = f"(?:{'|'.join(spelled)})"
    return {
        "status": {"anyOf": [{"type": "string", "enum": list(spelled)}, {"type": "null"}]},
        "statuses": {
            "anyOf": [
                {"type": "array", "items": {"type": "string", "pattern": f"^{one}(?:,{one})*$"}},
                {"type": "null"},
            ]
        },
    }


for _version, _spelled in _STATUSES.items():
    register_parameters(_version, "list_invoices", _status_parameters(_spelled))
_NOT_NULL = frozenset({"customer_id", "currency", "line_items", "coupon_ids"})
_PATCH: dict[ApiVersion, type[InvoicePatchRequest | v2026_10.InvoicePatchRequest]] = {
    ApiVersion.V2026_03: InvoicePatchRequest,
    ApiVersion.V2026_10: v2026_10.InvoicePatchRequest,
}
# The patch route declares no body model (it depends on the version): 2026-03's is named.
register_schemas(ApiVersion.V2026_03, {"InvoicePatchRequest": InvoicePatchRequest})


class InvoiceCustomPropertiesRequest(BaseModel):
    """Custom property values to merge onto an invoice (a key with `null` removes it)."""

    custom_properties: CustomPropertyChanges


def _lifecycles(
    version: ApiVersion, status: str | None, statuses: list[str] | None
) -> frozenset[Lifecycle] | None:
    """The lifecycles named by `status` and `statuses` (repeated or comma-separated), as
    `version` spells them; an empty set if they name only statuses no invoice has."""
    names = [] if status is None else [status]
    for value in statuses or ():
        names += value.split(",")
    if not names:
        return None
    spelled = _STATUSES[version]
    unknown = [name for name in names if name not in spelled]
    if unknown:
        known = ", ".join(spelled)
        raise BadRequest("invalid status", {"statuses": f"{unknown[0]!r} is not one of {known}"})
    return frozenset(lifecycle for name in names if (lifecycle := spelled[name]) is not None)


def _order(version: ApiVersion, order_by: str | None) -> ListOrder | None:
    """The list order `order_by` names (``column.asc|desc``), or the version's default."""
    if order_by is None:
        return _DEFAULT_ORDER[version]
    column, descending = sort_order(order_by, [column.value for column in OrderColumn])
    return ListOrder(OrderColumn(column), descending)


def _rendered(view: InvoiceView, version: ApiVersion, status_code: int = 200) -> Response:
    return JsonResponse(_DOCUMENT[version](view), status_code=status_code)


def _line(line: LineItemInput) -> NewLine:
    return NewLine(
        name=line.name,
        quantity=line.quantity,
        unit_price=line.unit_price,
        description=line.description,
        tax_rate=line.tax_rate,
        start_date=line.start_date,
        end_date=line.end_date,
        sub_lines=tuple(
            NewSubLine(sub.name, sub.quantity, sub.unit_price) for sub in line.sub_line_items
        ),
    )


def _changes(
    body: InvoiceCreateRequest | InvoicePatchRequest | v2026_10.InvoicePatchRequest,
    names: set[str],
) -> dict[str, Any]:
    """The fields `names` of `body` as `DraftFields` values."""
    changes: dict[str, Any] = {}
    for name in names & FIELD_NAMES:
        value = getattr(body, name)
        if value is None and name in _NOT_NULL:
            raise BadRequest("invalid invoice", {name: "must not be null"})
        if name == "line_items":
            value = tuple(_line(line) for line in value)
        elif name == "coupon_ids":
            value = tuple(value)
        changes[name] = value
    return changes


@router.get(
    "",
    operation_id="list_invoices",
    response_model=documents.InvoiceListResponse,
    summary="List invoices",
    responses=errors(400),
)
async def list_invoices(
    principal: InvoicesRead,
    db: DatabaseDep,
    version: RequestVersion,
    customer_id: Annotated[
        str | None, Query(description="Filter by customer ID or alias", max_length=200)
    ] = None,
    subscription_id: Annotated[
        str | None,
        Query(description="Invoicery has no subscriptions: matches nothing", max_length=200),
    ] = None,
    statuses: Annotated[
        list[_STATUS_TEXT] | None,
        Query(
            description="Filter by statuses: repeat the parameter, or separate them by commas "
            "(2026-03: Draft, Finalized…; 2026-10: DRAFT, FINALIZED…)"
        ),
    ] = None,
    einvoicing_status: Annotated[
        Literal["GENERATED", "FAILED"] | None,
        Query(
            description="Only invoices whose e-invoice was generated, or failed. Invoices "
            "of accounts that had not opted in carry no status and match neither"
        ),
    ] = None,
    order_by: Annotated[
        str | None,
        Query(
            description="Sort order: `column.asc` or `column.desc`, column one of "
            "`invoice_number`, `customer_name`, `amount`, `invoice_date`, `status`, "
            "`payment_status` (then by id, the same way). Default: 2026-03 newest first, "
            "2026-10 `invoice_date.desc`",
            max_length=100,
            pattern=order_by_pattern([column.value for column in OrderColumn]),
        ),
    ] = None,
    page: Page = 0,
    per_page: PerPage = 10,
    status: Annotated[
        _STATUS_TEXT | None,
        Query(description="Filter by a single invoice status, spelled as in `statuses`"),
    ] = None,
) -> Response:
    """List invoices with optional filtering by customer, subscription, or status."""
    query = NumberedQuery(
        page=page,
        per_page=per_page,
        customer=customer_id or None,
        subscription_id=subscription_id or None,
        lifecycles=_lifecycles(version, status, statuses),
        einvoicing_status=einvoicing_status,
        order=_order(version, order_by),
    )
    found = await invoices.list_numbered(db, principal=principal, query=query)
    lines = sum(len(item.row["line_items"]) for item in found.items)
    render_listed = _LISTED[version]
    return await json_response_of(lambda: page_document(found, render_listed), lines=lines)


@router.post(
    "",
    operation_id="create_invoice",
    response_model=documents.Invoice,
    summary="Create a draft invoice",
    status_code=201,
    responses=errors(400),
)
async def create_invoice(
    principal: InvoicesWrite, db: DatabaseDep, version: RequestVersion, body: InvoiceCreateRequest
) -> Response:
    """Create a Draft invoice; finalize it to number it and make it payable."""
    given = {name for name in type(body).model_fields if getattr(body, name) is not None}
    fields = DraftFields(**_changes(body, given))
    view = await invoices.create(db, principal=principal, new=fields)
    return _rendered(view, version, status_code=201)


@router.get(
    "/{invoice_id}",
    operation_id="get_invoice_by_id",
    response_model=documents.Invoice,
    summary="Get invoice",
    responses=errors(404),
)
async def get_invoice(
    principal: InvoicesRead, db: DatabaseDep, version: RequestVersion, invoice_id: str
) -> Response:
    """Retrieve a single invoice with its payment transactions."""
    view = await invoices.get(db, principal=principal, invoice_id=invoice_id)
    return _rendered(view, version)


@router.patch(
    "/{invoice_id}",
    operation_id="patch_invoice",
    response_model=documents.Invoice,
    summary="Edit a draft invoice",
    responses=errors(400, 404, 409),
    openapi_extra=documented_body("InvoicePatchRequest"),
)
async def patch_invoice(
    principal: InvoicesWrite,
    db: DatabaseDep,
    version: RequestVersion,
    invoice_id: str,
    request: Request,
) -> Response:
    """Change the given fields of a Draft; 409 once it is finalized. In 2026-10 a field
    sent as null is left unchanged, as if absent (2026-03 clears it, or refuses null)."""
    body = await versioned_body(request, version, _PATCH)
    given = set(body.model_fields_set)
    if version is ApiVersion.V2026_10:
        given = {name for name in given if getattr(body, name) is not None}
    changes = _changes(body, given)
    view = await invoices.update(db, principal=principal, invoice_id=invoice_id, changes=changes)
    return _rendered(view, version)


@router.post(
    "/{invoice_id}/refresh",
    operation_id="refresh_invoice",
    response_model=documents.Invoice,
    summary="Refresh invoice",
    responses=errors(404, 409),
)
async def refresh_invoice(
    principal: InvoicesWrite, db: DatabaseDep, version: RequestVersion, invoice_id: str
) -> Response:
    """Recompute a draft against its customer's current tax settings and coupons, as an
    edit changing nothing does, and return it (Invoicery drafts have no usage); 409 once
    it is finalized, as for an edit."""
    view = await invoices.refresh(db, principal=principal, invoice_id=invoice_id)
    return _rendered(view, version)


@router.post(
    "/{invoice_id}/finalize",
    operation_id="finalize_invoice",
    response_model=documents.Invoice,
    summary="Finalize a draft invoice",
    responses=errors(404, 409),
)
async def finalize_invoice(
    principal: InvoicesWrite, db: DatabaseDep, version: RequestVersion, invoice_id: str
) -> Response:
    """Number the invoice, freeze the customer's details, apply taxes, coupons and credit."""
    view = await invoices.finalize(db, principal=principal, invoice_id=invoice_id)
    return _rendered(view, version)


@router.post(
    "/{invoice_id}/void",
    operation_id="void_invoice",
    response_model=documents.Invoice,
    summary="Void an invoice",
    responses=errors(404, 409),
)
async def void_invoice(
    principal: InvoicesWrite, db: DatabaseDep, version: RequestVersion, invoice_id: str
) -> Response:
    """Void a finalized or uncollectible unpaid invoice; consumed credit is restored."""
    view = await invoices.void(db, principal=principal, invoice_id=invoice_id)
    return _rendered(view, version)


@router.post(
    "/{invoice_id}/mark-uncollectible",
    operation_id="mark_invoice_uncollectible",
    response_model=documents.Invoice,
    summary="Mark an invoice uncollectible",
    responses=errors(404, 409),
)
async def mark_uncollectible(
    principal: InvoicesWrite, db: DatabaseDep, version: RequestVersion, invoice_id: str
) -> Response:
    """Give up on collecting a finalized unpaid invoice."""
    view = await invoices.mark_uncollectible(db, principal=principal, invoice_id=invoice_id)
    return _rendered(view, version)


@router.patch(
    "/{invoice_id}/custom-properties",
    operation_id="update_invoice_custom_properties",
    response_model=documents.Invoice,
    summary="Update invoice custom properties",
    responses=errors(400, 404),
)
async def update_custom_properties(
    principal: InvoicesWrite,
    db: DatabaseDep,
    version: RequestVersion,
    invoice_id: str,
    body: InvoiceCustomPropertiesRequest,
) -> Response:
    """Merge custom property values onto an invoice (a key with `null` removes it), at any
    status; at most 50 keys of 1 to 100 characters, 16 KiB of JSON in all."""
    view = await invoices.update_custom_properties(
        db,
        principal=principal,
        invoice_id=invoice_id,
        changes={key: plain_json(value) for key, value in body.custom_properties.items()},
    )
    return _rendered(view, version)
