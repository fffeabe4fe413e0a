"""Invoice use cases, scoped to the caller's account."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from invoicery.auth.tokens import Principal
from invoicery.domain import ids, money
from invoicery.domain.account import today_in
from invoicery.domain.errors import InvalidInput, NotFound
from invoicery.domain.invoice import Invoice, LineItem, due_date_error, line_errors, subtotal
from invoicery.domain.status import ApStatus, InvoiceState, Lifecycle, PaymentStatus
from invoicery.runtime import HEAVY_JSON_CHARS, off_the_loop
from invoicery.service._queue import numbering_lock
from invoicery.service._time import as_lower_bound, as_upper_bound, utc_now
from invoicery.service.ap_views import InvoiceView, view_of, view_of_row
from invoicery.service.billing import pricing
from invoicery.store import customers, invoice_listing, invoices
from invoicery.store.database import Database
from invoicery.store.invoice_listing import InvoiceFilters
from invoicery.store.pagination import PageRequest
from invoicery.store.types import decode_json_text

__all__ = [
    "InvoicePage",
    "ListQuery",
    "NewInvoice",
    "NewLine",
    "archive",
    "create",
    "get_or_raise",
    "list_page",
    "restore",
]

DEFAULT_CURRENCY = "USD"


@dataclass(frozen=True, slots=True)
class NewLine:
    """A requested line: unit `amount` in major units, as written by the client."""

    description: str
    quantity: int
    amount: Decimal


@dataclass(frozen=True, slots=True)
class NewInvoice:
    """What a caller may set on a new invoice; everything else is computed."""

    customer_id: str
    lines: list[NewLine]
    currency: str = DEFAULT_CURRENCY
    due_date: date | None = None
    memo: str | None = None
    exclude_from_autopay: bool = False


@dataclass(frozen=True, slots=True)
class ListQuery:
    """List filters as the caller gave them; dates are resolved in the account's zone."""

    status: ApStatus | None = None
    customer_id: str | None = None
    invoice_number: str | None = None
    created_from: date | datetime | None = None
    created_to: date | datetime | None = None
    due_from: date | None = None
    due_to: date | None = None


@dataclass(frozen=True, slots=True)
class InvoicePage:
    """One page of invoices, newest first."""

    items: list[InvoiceView] = field(default_factory=list)
    has_next: bool = False
    has_previous: bool = False


def _today(principal: Principal) -> date:
    return today_in(principal.timezone, utc_now())


def _parse_invoice_id(text: str) -> UUID:
    try:
        return ids.decode(ids.INVOICE, text)
    except ids.InvalidId:
        raise NotFound("invoice not found") from None


def _lines(new: NewInvoice, errors: dict[str, str]) -> list[LineItem]:
    lines = []
    for index, line in enumerate(new.lines):
        try:
            unit_amount = money.to_minor(line.amount, new.currency)
        except money.TooManyDecimals:
            places = money.exponent(new.currency)
            errors[f"line_items[{index}].amount"] = (
                f"{new.currency} amounts have at most {places} decimal places"
            )
            unit_amount = 0
        except money.AmountTooLarge:
            largest = money.to_major_string(money.MAX_AMOUNT, new.currency)
            errors[f"line_items[{index}].amount"] = f"must be at most {largest}"
            unit_amount = 0
        lines.append(LineItem(line.description, line.quantity, unit_amount))
    for name, message in line_errors(lines).items():
        errors.setdefault(name, message)
    return lines


async def create(db: Database, *, principal: Principal, new: NewInvoice) -> InvoiceView:
    """Create a finalized invoice with the account's next invoice number.

    It is finalized like a billing-v1 draft: the customer's custom taxes or exemption
    apply, its credit balance is consumed, and its details are frozen on the invoice.
    """
    errors: dict[str, str] = {}
    lines: list[LineItem] = []
    if not money.is_supported_currency(new.currency):
        errors["currency"] = "not a supported ISO 4217 currency code"
    else:
        lines = _lines(new, errors)
    now = utc_now()
    today = today_in(principal.timezone, now)
    due = new.due_date or today
    if (message := due_date_error(due, today)) is not None:
        errors["due_date"] = message
    try:
        customer_id = ids.decode(ids.CUSTOMER, new.customer_id)
    except ids.InvalidId:
        errors["customer_id"] = "no such customer"
    if errors:
        raise InvalidInput("the invoice is invalid", errors)

    invoice_id = ids.new_uuid7()
    created_at = ids.timestamp_of(invoice_id)
    amount = subtotal(lines)
    async with numbering_lock(principal.account_id), db.write() as conn:
        customer = await customers.get(
            conn, account_id=principal.account_id, customer_id=customer_id, for_update=True
        )
        if customer is None or customer.archived_at is not None:
            raise InvalidInput("the invoice is invalid", {"customer_id": "no such customer"})
        draft = Invoice(
            id=invoice_id,
            account_id=principal.account_id,
            customer_id=customer_id,
            invoice_number=None,
            currency=new.currency,
            state=InvoiceState(
                lifecycle=Lifecycle.DRAFT,
                payment_status=PaymentStatus.UNPAID,
                payment_pending=False,
                archived=False,
                due_date=due,
            ),
            invoice_date=today,
            memo=new.memo,
            exclude_from_autopay=new.exclude_from_autopay,
            line_items=tuple(lines),
            subtotal=amount,
            total=amount,
            amount_due=amount,
            created_at=created_at,
            updated_at=created_at,
            last_notification_at=None,
        )
        invoice = await pricing.finalize(conn, invoice=draft, customer=customer, now=now)
        await invoices.insert(conn, invoice)
    view = view_of(invoice, today)
    assert view is not None
    return view


async def get_or_raise(db: Database, *, principal: Principal, invoice_id: str) -> InvoiceView:
    """The caller's invoice as the AP face shows it, or `NotFound`."""
    found = await invoices.find(
        db, account_id=principal.account_id, invoice_id=_parse_invoice_id(invoice_id), now=utc_now()
    )
    view = None if found is None else view_of(found.invoice, _today(principal))
    if view is None:
        raise NotFound("invoice not found")
    return view


async def list_page(
    db: Database, *, principal: Principal, query: ListQuery, page: PageRequest
) -> InvoicePage:
    """One page of the caller's invoices matching `query`, newest first."""
    today = _today(principal)
    customer_id = None
    if query.customer_id is not None:
        try:
            customer_id = ids.decode(ids.CUSTOMER, query.customer_id)
        except ids.InvalidId:
            return InvoicePage()
    filters = InvoiceFilters(
        today=today,
        status=query.status,
        customer_id=customer_id,
        invoice_number=query.invoice_number,
        created_from=as_lower_bound(query.created_from, principal.timezone),
        created_to=as_upper_bound(query.created_to, principal.timezone),
        due_from=query.due_from,
        due_to=query.due_to,
    )
    async with db.read() as conn:
        found = await invoice_listing.cursor_page(
            conn, account_id=principal.account_id, filters=filters, page=page
        )
    size = sum(len(row["line_items"]) for row in found.rows)
    views = await off_the_loop(
        lambda: [view_of_row(decode_json_text(row, ("line_items",)), today) for row in found.rows],
        heavy=size > HEAVY_JSON_CHARS,
    )
    return InvoicePage(
        items=[view for view in views if view is not None],
        has_next=found.has_next,
        has_previous=found.has_previous,
    )


async def _change_archived(
    db: Database, *, principal: Principal, invoice_id: str, archive: bool
) -> InvoiceView:
    today = _today(principal)
    async with db.write() as conn:
        now = utc_now()
        found = await invoices.get(
            conn,
            account_id=principal.account_id,
            invoice_id=_parse_invoice_id(invoice_id),
            now=now,
            for_update=True,
        )
        if found is None or view_of(found.invoice, today) is None:
            raise NotFound("invoice not found")
        invoice = found.invoice
        changed = invoice.archived(now=now, today=today) if archive else invoice.restored(now=now)
        await invoices.save_state(conn, changed)
    view = view_of(changed, today)
    assert view is not None
    return view


async def archive(db: Database, *, principal: Principal, invoice_id: str) -> InvoiceView:
    """Archive an invoice (AP DELETE); refused while a payment is in flight."""
    return await _change_archived(db, principal=principal, invoice_id=invoice_id, archive=True)


async def restore(db: Database, *, principal: Principal, invoice_id: str) -> InvoiceView:
    """Restore an archived invoice to the status its facts give it."""
    return await _change_archived(db, principal=principal, invoice_id=invoice_id, archive=False)
