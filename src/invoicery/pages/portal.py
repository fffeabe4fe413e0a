"""The customer portal: one customer's invoices, to pay, download and keep receipts of.

Public (no API token): the signed portal token in the path is the authority (see
`invoicery.service.portal`). Server-rendered like the payment page, with the same
security headers and no script; there is no form, so no CSRF token. Routes:

- ``GET /portal/{token}?page=N``: the customer's invoices, newest first, a page at a time;
- ``GET /portal/{token}/pay/{invoice_id}``: on to the invoice's hosted payment page
  (its token is issued on first use, as the API's payment link does); back to the
  portal if the invoice can no longer be paid.

An invalid, tampered or expired token is the portal's own 404 page, which says nothing
about the account or the customer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from starlette.responses import Response

from invoicery.domain import money
from invoicery.domain.errors import InvalidState, NotFound
from invoicery.domain.status import ApStatus
from invoicery.pages.render import page_response, redirect
from invoicery.pages.view import STATUS_LABELS, brand_colour, long_date, merchant_lines
from invoicery.service import portal
from invoicery.service.portal import PortalInvoice, PortalView
from invoicery.web.collaborators import DocumentsDep, PageSecretDep
from invoicery.web.deps import DatabaseDep
from invoicery.web.urls import PORTAL_PREFIX, page_path, portal_path, portal_pay_path

__all__ = ["PortalPage", "PortalRow", "build_portal_view", "router"]

router = APIRouter(prefix=PORTAL_PREFIX, include_in_schema=False)

_PAGE_NUMBER = re.compile(r"^[1-9][0-9]{0,5}$")


@dataclass(frozen=True, slots=True)
class PortalRow:
    """One invoice of the list, formatted."""

    id: str
    number: str
    issued: str
    due: str
    total: str
    amount_due: str
    status: str
    status_label: str
    status_tone: str
    pdf_url: str
    pay_url: str | None
    receipt_url: str | None


@dataclass(frozen=True, slots=True)
class PortalPage:
    """Display values for the portal template."""

    merchant: str
    merchant_lines: tuple[str, ...]
    brand_colour: str | None
    customer_name: str
    customer_company: str | None
    expires: str
    may_pay: bool
    rows: tuple[PortalRow, ...]
    page: int
    total_pages: int
    total_items: int
    newer_url: str | None
    older_url: str | None
    first_url: str


def _row(token: str, invoice: PortalInvoice) -> PortalRow:
    label, tone = STATUS_LABELS[invoice.status]
    return PortalRow(
        id=invoice.id,
        number=invoice.number,
        issued=long_date(invoice.invoice_date),
        due=long_date(invoice.due_date),
        total=money.format_amount(invoice.total, invoice.currency),
        amount_due=money.format_amount(invoice.amount_due, invoice.currency),
        status=invoice.status.value,
        status_label=label,
        status_tone=tone,
        pdf_url=invoice.pdf_url,
        pay_url=portal_pay_path(token, invoice.id) if invoice.payable else None,
        # The invoice PDF of a paid invoice is stamped PAID with the payment: the receipt.
        receipt_url=invoice.pdf_url if invoice.status is ApStatus.PAID else None,
    )


def _page_url(token: str, page: int) -> str:
    return portal_path(token) if page == 1 else f"{portal_path(token)}?page={page}"


def build_portal_view(view: PortalView, *, token: str) -> PortalPage:
    """Format everything the template needs; `view.invoices.page` is 0-indexed."""
    account, customer, listed = view.account, view.customer, view.invoices
    expires = view.grant.expires_at.astimezone(ZoneInfo(account.timezone))
    page = listed.page + 1
    return PortalPage(
        merchant=account.display_name or account.name,
        merchant_lines=merchant_lines(account),
        brand_colour=brand_colour(account),
        customer_name=customer.name,
        customer_company=customer.company_name,
        expires=f"{long_date(expires.date())} at {expires:%H:%M} {expires:%Z}",
        may_pay=view.grant.may_pay,
        rows=tuple(_row(token, invoice) for invoice in listed.items),
        page=page,
        total_pages=max(listed.total_pages, 1),
        total_items=listed.total_items,
        newer_url=_page_url(token, page - 1) if page > 1 else None,
        older_url=_page_url(token, page + 1) if page < listed.total_pages else None,
        first_url=_page_url(token, 1),
    )


def _not_found() -> Response:
    return page_response("portal_not_found.html", {}, status_code=404)


def _page_number(text: str) -> int:
    """The 1-based page a ``?page=`` asks for; anything that is not one is the first."""
    return int(text) if _PAGE_NUMBER.match(text) else 1


@router.get("/{token}")
async def show_portal(
    db: DatabaseDep, docs: DocumentsDep, secret: PageSecretDep, token: str, page: str = "1"
) -> Response:
    """The customer's invoices, newest first; the portal's 404 page for a bad token."""
    key = portal.derive_key(secret)
    try:
        view = await portal.view(db, docs, key, token=token, page=_page_number(page) - 1)
    except NotFound:
        return _not_found()
    return page_response("portal.html", {"view": build_portal_view(view, token=token)})


@router.get("/{token}/pay/{invoice_id}")
async def pay_invoice(
    db: DatabaseDep, secret: PageSecretDep, token: str, invoice_id: str
) -> Response:
    """On to the invoice's payment page; back to the portal if it cannot be paid now."""
    key = portal.derive_key(secret)
    try:
        payment_token = await portal.payment_token(db, key, token=token, invoice_id=invoice_id)
    except NotFound:
        return _not_found()
    except InvalidState:  # paid, or a payment in flight, since the portal was shown
        return redirect(portal_path(token))
    return redirect(page_path(payment_token))
