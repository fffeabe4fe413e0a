"""Invoice writes: create, edit and finalize drafts, create finalized, void, archive.

A draft shows a preview of its amounts (no credit applied); finalizing prices it again
with the customer's details of that moment, numbers it and makes it immutable. The AP
face's create composes a draft and finalizes it in one transaction. Each write answers
with the view of what it wrote, its transactions read inside its own transaction.
Illegal transitions raise `InvalidState`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncConnection

from invoicery.auth.tokens import Principal
from invoicery.domain.customer import CustomerSnapshot, snapshot
from invoicery.domain.einvoicing import OFF
from invoicery.domain.errors import InvalidState, NotFound
from invoicery.domain.events import EventType
from invoicery.domain.invoice import Invoice
from invoicery.domain.status import Lifecycle, ap_status
from invoicery.runtime import off_the_loop
from invoicery.service import einvoicing, events
from invoicery.service._queue import numbering_queue
from invoicery.service._time import utc_now
from invoicery.service.invoices import pricing
from invoicery.service.invoices.compose import (
    FIELD_NAMES,
    DraftFields,
    NewInvoice,
    blank_draft,
    compose,
    current_fields,
    draft_of,
    no_customer,
)
from invoicery.service.invoices.lines import is_heavy
from invoicery.service.invoices.reads import parse_id, today_of, views_in
from invoicery.service.invoices.views import InvoiceView
from invoicery.store import customers, invoices
from invoicery.store.database import Database
from invoicery.store.invoices import StoredInvoice
from invoicery.store.numbering import numbered_write

__all__ = [
    "archive",
    "create",
    "create_finalized",
    "finalize",
    "mark_uncollectible",
    "refresh",
    "restore",
    "update",
    "update_custom_properties",
    "void",
]


async def _answer(
    conn: AsyncConnection,
    principal: Principal,
    written: StoredInvoice,
    now: datetime,
    happened: EventType,
) -> InvoiceView:
    """Record what `happened` to the invoice just written, and answer its view.

    Every invoice write but the AP create (`create_finalized`, which writes its one event
    with the invoice) ends here, so each records exactly one event, in its own
    transaction; the view is read on that transaction too.
    """
    invoice = written.invoice
    await events.record_change(conn, happened, invoice)
    [view] = await views_in(conn, principal, [written], now)
    return view


def _new(invoice: Invoice, details: CustomerSnapshot | None = None) -> StoredInvoice:
    """A draft or just-finalized invoice as written: no payment link yet.

    A finalized invoice shows the customer details frozen on it; a draft, `details`.
    """
    shown = invoice.customer_details or details
    assert shown is not None, "a draft shows its customer's present details"
    return StoredInvoice(invoice, shown, has_transactions=False)


async def _locked(
    conn: AsyncConnection, principal: Principal, invoice_id: str, now: datetime
) -> StoredInvoice:
    found = await invoices.get(
        conn,
        account_id=principal.account_id,
        invoice_id=parse_id(invoice_id),
        now=now,
        for_update=True,
    )
    if found is None:
        raise NotFound("invoice not found")
    return found


async def create(db: Database, *, principal: Principal, new: DraftFields) -> InvoiceView:
    """Create a draft invoice; invisible on the AP face until finalized."""
    blank = blank_draft(principal)
    now = blank.created_at
    async with db.write() as conn:
        draft, customer = await compose(conn, principal, blank, new, now)
        await invoices.insert(conn, draft)
        written = _new(draft, snapshot(customer, now))
        return await _answer(conn, principal, written, now, EventType.INVOICE_CREATED)


async def update(
    db: Database, *, principal: Principal, invoice_id: str, changes: Mapping[str, Any]
) -> InvoiceView:
    """Change the given fields of a draft (lines and coupons are replaced); 409 once final."""
    assert set(changes) <= FIELD_NAMES, set(changes) - FIELD_NAMES
    now = utc_now()
    async with db.write() as conn:
        stored = await _locked(conn, principal, invoice_id, now)
        stored.invoice.ensure_draft()
        values = current_fields(stored.invoice)
        if "due_date" in changes and "net_terms" not in changes:
            values.pop("net_terms")
        values.update(changes)
        draft, customer = await compose(conn, principal, stored.invoice, DraftFields(**values), now)
        await invoices.save_draft(conn, draft)
        written = _new(draft, snapshot(customer, now))
        return await _answer(conn, principal, written, now, EventType.INVOICE_UPDATED)


async def refresh(db: Database, *, principal: Principal, invoice_id: str) -> InvoiceView:
    """Price a draft again with its customer's current taxes and coupons; 409 once final."""
    return await update(db, principal=principal, invoice_id=invoice_id, changes={})


async def _finalize(
    conn: AsyncConnection, draft: Invoice, now: datetime, *, unusable: Exception
) -> Invoice:
    """`draft` numbered, priced and frozen with its customer locked (the one place).

    `unusable` is raised if the customer is missing or archived.
    """
    customer = await customers.get(
        conn, account_id=draft.account_id, customer_id=draft.customer_id, for_update=True
    )
    if customer is None or customer.archived_at is not None:
        raise unusable
    return await pricing.finalize(conn, invoice=draft, customer=customer, now=now)


async def create_finalized(db: Database, *, principal: Principal, new: NewInvoice) -> InvoiceView:
    """Create an invoice finalized at once (AP `POST /invoices`), with the next number.

    It is composed as a draft and finalized like a billing-v1 one: the customer's custom
    taxes or exemption apply, its credit balance is consumed, and its details are frozen.
    """
    now = utc_now()
    draft = await off_the_loop(
        lambda: draft_of(principal, new, now), heavy=is_heavy(new.line_items)
    )
    async with numbering_queue(db, principal.account_id), numbered_write(db) as write:
        customer = await write.lock_customer(
            account_id=draft.account_id, customer_id=draft.customer_id
        )
        if customer is None or customer.archived_at is not None:
            raise no_customer()
        numbered = await write.take(
            account_id=draft.account_id, customer_id=draft.customer_id, currency=draft.currency
        )
        final, credit = pricing.numbered_final(
            draft, customer=customer, applied=(), numbered=numbered, now=now
        )
        document = None
        if numbered.einvoicing != OFF:  # only then is the rest of the account read
            account = await write.account(draft.account_id)
            final, document = einvoicing.issued(final, account=account, customer=customer, now=now)
        # Its one event (see `_answer`) is written with it, in the same statement on PostgreSQL.
        event = events.change(EventType.INVOICE_CREATED, final)
        await write.insert(final, event=event, credit=credit)
        if document is not None:
            await write.insert_einvoice(document)
    # New, it has no payment link and so no transactions: its view needs no read.
    return InvoiceView(
        final, _new(final).customer, (), ap_status(final.state, today_of(principal, now))
    )


async def finalize(db: Database, *, principal: Principal, invoice_id: str) -> InvoiceView:
    """Number, price and freeze a draft: taxes, coupons and credit are applied now."""
    now = utc_now()
    async with numbering_queue(db, principal.account_id), db.write() as conn:
        draft = (await _locked(conn, principal, invoice_id, now)).invoice
        draft.ensure_draft()
        archived = InvalidState("the invoice's customer is archived")
        final = await _finalize(conn, draft, now, unusable=archived)
        if not await invoices.save_draft(conn, final):
            raise InvalidState("the invoice is no longer a draft")
        return await _answer(conn, principal, _new(final), now, EventType.INVOICE_FINALIZED)


class Transition(Protocol):
    """A domain transition of a locked invoice at `now` (it raises `InvalidState` if illegal)."""

    def __call__(self, invoice: Invoice, /, *, now: datetime) -> Invoice: ...


Save = Callable[[AsyncConnection, Invoice], Awaitable[object]]
"""Persists what a transition changed."""


async def _change(
    db: Database,
    principal: Principal,
    invoice_id: str,
    transition: Transition,
    save: Save,
    happened: EventType,
) -> InvoiceView:
    """Lock the caller's invoice, apply `transition`, `save` it and answer its view."""
    now = utc_now()
    async with db.write() as conn:
        stored = await _locked(conn, principal, invoice_id, now)
        changed = transition(stored.invoice, now=now)
        await save(conn, changed)
        return await _answer(conn, principal, replace(stored, invoice=changed), now, happened)


async def _save_voided(conn: AsyncConnection, voided: Invoice) -> None:
    await invoices.save_lifecycle(conn, voided)
    if voided.applied_credits:
        await pricing.restore_credit(conn, voided)


def _shown(invoice: Invoice) -> Invoice:
    """`invoice`, unless it is a draft: `NotFound` then, as the AP face never shows one."""
    if invoice.state.lifecycle is Lifecycle.DRAFT:
        raise NotFound("invoice not found")
    return invoice


def _restored(invoice: Invoice, /, *, now: datetime) -> Invoice:
    return _shown(invoice).restored(now=now)


async def void(db: Database, *, principal: Principal, invoice_id: str) -> InvoiceView:
    """Void a finalized or uncollectible unpaid invoice; its consumed credit is restored."""
    return await _change(
        db, principal, invoice_id, Invoice.voided, _save_voided, EventType.INVOICE_VOIDED
    )


async def mark_uncollectible(db: Database, *, principal: Principal, invoice_id: str) -> InvoiceView:
    """Give up on collecting a finalized unpaid invoice."""
    given_up = Invoice.marked_uncollectible
    happened = EventType.INVOICE_MARKED_UNCOLLECTIBLE
    return await _change(db, principal, invoice_id, given_up, invoices.save_lifecycle, happened)


async def archive(db: Database, *, principal: Principal, invoice_id: str) -> InvoiceView:
    """Archive a finalized invoice (AP DELETE); refused while a payment is in flight."""
    today = today_of(principal, utc_now())

    def archived(invoice: Invoice, /, *, now: datetime) -> Invoice:
        return _shown(invoice).archived(now=now, today=today)

    happened = EventType.INVOICE_ARCHIVED
    return await _change(db, principal, invoice_id, archived, invoices.save_state, happened)


async def restore(db: Database, *, principal: Principal, invoice_id: str) -> InvoiceView:
    """Restore an archived invoice to the status its facts give it."""
    happened = EventType.INVOICE_RESTORED
    return await _change(db, principal, invoice_id, _restored, invoices.save_state, happened)


async def update_custom_properties(
    db: Database, *, principal: Principal, invoice_id: str, changes: Mapping[str, object]
) -> InvoiceView:
    """Merge `changes` into the invoice's custom properties (`None` removes a key), any status."""

    def changed(invoice: Invoice, /, *, now: datetime) -> Invoice:
        return invoice.with_custom_properties(changes, now=now)

    happened = EventType.INVOICE_UPDATED
    save = invoices.save_custom_properties
    return await _change(db, principal, invoice_id, changed, save, happened)
