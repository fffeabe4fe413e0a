"""Billing-v1 invoice writes: drafts, finalization, void and uncollectible.

A draft shows a preview of its amounts (no credit applied); finalizing prices it again
with the customer's details of that moment, numbers it and makes it immutable.
Illegal transitions raise `InvalidState` (409 on this face).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from invoicery.auth.tokens import Principal
from invoicery.domain import calendar, ids, money
from invoicery.domain.account import today_in
from invoicery.domain.coupons import COUPON_PREFIX, Coupon
from invoicery.domain.credits import CreditKind, new_entry
from invoicery.domain.customer import Customer
from invoicery.domain.errors import InvalidInput, InvalidState, NotFound
from invoicery.domain.invoice import Invoice
from invoicery.domain.status import InvoiceState, Lifecycle, PaymentStatus
from invoicery.service._queue import numbering_lock
from invoicery.service._time import utc_now
from invoicery.service.billing import invoices as reads
from invoicery.service.billing._common import find_customer, parse_id
from invoicery.service.billing.invoices import InvoiceView
from invoicery.service.billing.lines import NewLine, NewSubLine, build_lines
from invoicery.service.billing.pricing import finalize as finalize_in
from invoicery.service.billing.pricing import merchant_country, price
from invoicery.store import coupons, credits, customers, invoices
from invoicery.store.database import Database

__all__ = ["DraftFields", "create", "finalize", "mark_uncollectible", "update", "void"]

MAX_NET_TERMS = 3650


@dataclass(frozen=True, slots=True)
class DraftFields:
    """Everything a caller sets on a draft; dates default to the account's today."""

    customer_id: str
    currency: str | None = None
    invoice_date: date | None = None
    net_terms: int | None = None
    due_date: date | None = None
    memo: str | None = None
    purchase_order: str | None = None
    reference: str | None = None
    line_items: tuple[NewLine, ...] = ()
    coupon_ids: tuple[str, ...] = ()


FIELD_NAMES = frozenset(field.name for field in fields(DraftFields))


async def _customer(conn: AsyncConnection, principal: Principal, reference: str) -> Customer:
    customer = await find_customer(conn, principal, reference)
    if customer is None or customer.archived_at is not None:
        raise InvalidInput("the invoice is invalid", {"customer_id": "no such customer"})
    return customer


def _due_date(
    invoice_date: date, net_terms: int | None, due: date | None, errors: dict[str, str]
) -> date:
    if net_terms is not None and due is not None:
        errors["due_date"] = "give net_terms or due_date, not both"
        return invoice_date
    if due is not None:
        if due < invoice_date:
            errors["due_date"] = "must not be before invoice_date"
        elif (due - invoice_date).days > MAX_NET_TERMS:
            # the bound of net_terms, which a draft keeps (and a PATCH re-checks) as its terms
            errors["due_date"] = f"must be at most {MAX_NET_TERMS} days after invoice_date"
        return due
    terms = net_terms or 0
    if not 0 <= terms <= MAX_NET_TERMS:
        errors["net_terms"] = f"must be between 0 and {MAX_NET_TERMS} days"
        return invoice_date
    due_date = calendar.add_days(invoice_date, terms)
    if due_date is None:
        errors["net_terms"] = f"the due date would be after {calendar.LAST_DAY.isoformat()}"
        return invoice_date
    return due_date


async def _coupons(
    conn: AsyncConnection,
    principal: Principal,
    texts: Sequence[str],
    currency: str,
    now: datetime,
    errors: dict[str, str],
) -> list[Coupon]:
    wanted: list[UUID | None] = []
    for text in texts:
        try:
            wanted.append(ids.decode(COUPON_PREFIX, text))
        except ids.InvalidId:
            wanted.append(None)
    found = await coupons.get_many(
        conn,
        account_id=principal.account_id,
        coupon_ids=[coupon_id for coupon_id in wanted if coupon_id is not None],
    )
    applied = []
    for index, coupon_id in enumerate(wanted):
        coupon = found.get(coupon_id) if coupon_id is not None else None
        if coupon is None:
            errors[f"coupon_ids[{index}]"] = "no such coupon"
        elif coupon_id in wanted[:index]:
            errors[f"coupon_ids[{index}]"] = "the same coupon is given twice"
        elif (problem := coupon.redeem_error(currency=currency, now=now)) is not None:
            errors[f"coupon_ids[{index}]"] = problem
        else:
            applied.append(coupon)
    return applied


async def _compose(
    conn: AsyncConnection, principal: Principal, draft: Invoice, values: DraftFields, now: datetime
) -> Invoice:
    """The draft `draft` rewritten from `values`, priced as a preview."""
    errors: dict[str, str] = {}
    customer = await _customer(conn, principal, values.customer_id)
    currency = values.currency or customer.currency
    if not money.is_supported_currency(currency):
        errors["currency"] = "not a supported ISO 4217 currency code"
        currency = customer.currency
    invoice_date = values.invoice_date or today_in(principal.timezone, now)
    due = _due_date(invoice_date, values.net_terms, values.due_date, errors)
    lines = build_lines(values.line_items, currency, errors)
    applied = await _coupons(conn, principal, values.coupon_ids, currency, now, errors)
    if errors:
        raise InvalidInput("the invoice is invalid", errors)
    composed = replace(
        draft,
        customer_id=customer.id,
        currency=currency,
        invoice_date=invoice_date,
        state=replace(draft.state, due_date=due),
        memo=values.memo,
        purchase_order=values.purchase_order,
        reference=values.reference,
        line_items=lines,
        updated_at=now,
    )
    return price(
        composed,
        customer=customer,
        merchant_country=await merchant_country(conn, customer),
        applied=applied,
        credit_balance=0,
    )


def _empty_draft(principal: Principal) -> Invoice:
    """A new draft's identity and status; `_compose` fills in every document field."""
    invoice_id = ids.new_uuid7()
    created_at = ids.timestamp_of(invoice_id)
    return Invoice(
        id=invoice_id,
        account_id=principal.account_id,
        customer_id=invoice_id,  # a placeholder, replaced by the requested customer
        invoice_number=None,
        currency="USD",
        state=InvoiceState(
            lifecycle=Lifecycle.DRAFT,
            payment_status=PaymentStatus.UNPAID,
            payment_pending=False,
            archived=False,
            due_date=created_at.date(),
        ),
        invoice_date=created_at.date(),
        memo=None,
        exclude_from_autopay=False,
        line_items=(),
        subtotal=0,
        total=0,
        amount_due=0,
        created_at=created_at,
        updated_at=created_at,
        last_notification_at=None,
    )


async def create(db: Database, *, principal: Principal, new: DraftFields) -> InvoiceView:
    """Create a draft invoice; invisible on the AP face until finalized."""
    empty = _empty_draft(principal)
    async with db.write() as conn:
        draft = await _compose(conn, principal, empty, new, empty.created_at)
        await invoices.insert(conn, draft)
        return await reads.view_in(conn, principal=principal, invoice_id=draft.id)


async def _locked(conn: AsyncConnection, principal: Principal, invoice_id: str) -> Invoice:
    found = await invoices.get(
        conn,
        account_id=principal.account_id,
        invoice_id=parse_id(ids.INVOICE, invoice_id, "invoice"),
        now=utc_now(),
        for_update=True,
    )
    if found is None:
        raise NotFound("invoice not found")
    return found.invoice


def _requested_lines(invoice: Invoice) -> tuple[NewLine, ...]:
    """A draft's stored lines as they were requested (to price them again)."""
    return tuple(
        NewLine(
            name=line.description,
            quantity=line.exact_quantity,
            unit_price=line.unit_price,
            description=line.details,
            tax_rate=line.tax_rate,
            start_date=line.start_date,
            end_date=line.end_date,
            sub_lines=tuple(
                NewSubLine(sub.name, sub.quantity, sub.unit_price) for sub in line.sub_lines
            ),
        )
        for line in invoice.line_items
    )


def _current_fields(invoice: Invoice) -> dict[str, Any]:
    """The draft's present values, keyed like `DraftFields`."""
    return {
        "customer_id": ids.encode(ids.CUSTOMER, invoice.customer_id),
        "currency": invoice.currency,
        "invoice_date": invoice.invoice_date,
        "net_terms": invoice.net_terms,
        "memo": invoice.memo,
        "purchase_order": invoice.purchase_order,
        "reference": invoice.reference,
        "line_items": _requested_lines(invoice),
        "coupon_ids": tuple(ids.encode(COUPON_PREFIX, c.coupon_id) for c in invoice.coupons),
    }


async def update(
    db: Database, *, principal: Principal, invoice_id: str, changes: Mapping[str, Any]
) -> InvoiceView:
    """Change the given fields of a draft (lines and coupons are replaced); 409 once final."""
    assert set(changes) <= FIELD_NAMES, set(changes) - FIELD_NAMES
    now = utc_now()
    async with db.write() as conn:
        draft = await _locked(conn, principal, invoice_id)
        draft.ensure_draft()
        values = _current_fields(draft)
        if "due_date" in changes and "net_terms" not in changes:
            values.pop("net_terms")
        values.update(changes)
        composed = await _compose(conn, principal, draft, DraftFields(**values), now)
        await invoices.save_draft(conn, composed)
        return await reads.view_in(conn, principal=principal, invoice_id=draft.id)


async def finalize(db: Database, *, principal: Principal, invoice_id: str) -> InvoiceView:
    """Number, price and freeze a draft: taxes, coupons and credit are applied now."""
    now = utc_now()
    async with numbering_lock(principal.account_id), db.write() as conn:
        draft = await _locked(conn, principal, invoice_id)
        draft.ensure_draft()
        customer = await customers.get(
            conn, account_id=principal.account_id, customer_id=draft.customer_id, for_update=True
        )
        if customer is None or customer.archived_at is not None:
            raise InvalidState("the invoice's customer is archived")
        final = await finalize_in(conn, invoice=draft, customer=customer, now=now)
        if not await invoices.save_draft(conn, final):
            raise InvalidState("the invoice is no longer a draft")
        return await reads.view_in(conn, principal=principal, invoice_id=draft.id)


async def _restore_credit(conn: AsyncConnection, invoice: Invoice) -> None:
    """Give a voided invoice's consumed credit back to its customer."""
    await customers.get(
        conn, account_id=invoice.account_id, customer_id=invoice.customer_id, for_update=True
    )
    balance = await credits.balance(
        conn,
        account_id=invoice.account_id,
        customer_id=invoice.customer_id,
        currency=invoice.currency,
    )
    await credits.insert(
        conn,
        new_entry(
            account_id=invoice.account_id,
            customer_id=invoice.customer_id,
            currency=invoice.currency,
            kind=CreditKind.RESTORED,
            amount=invoice.applied_credits,
            balance=balance,
            invoice_id=invoice.id,
            description=f"invoice {invoice.invoice_number} voided",
        ),
    )


async def void(db: Database, *, principal: Principal, invoice_id: str) -> InvoiceView:
    """Void a finalized or uncollectible unpaid invoice; its consumed credit is restored."""
    async with db.write() as conn:
        invoice = await _locked(conn, principal, invoice_id)
        voided = invoice.voided(now=utc_now())
        await invoices.save_lifecycle(conn, voided)
        if voided.applied_credits:
            await _restore_credit(conn, voided)
        return await reads.view_in(conn, principal=principal, invoice_id=invoice.id)


async def mark_uncollectible(db: Database, *, principal: Principal, invoice_id: str) -> InvoiceView:
    """Give up on collecting a finalized unpaid invoice."""
    async with db.write() as conn:
        invoice = await _locked(conn, principal, invoice_id)
        await invoices.save_lifecycle(conn, invoice.marked_uncollectible(now=utc_now()))
        return await reads.view_in(conn, principal=principal, invoice_id=invoice.id)
