"""Credit note use cases: create, finalize and void, custom properties, read and list,
the PDF and the e-invoice.

Each write is one transaction that locks the credit note's invoice, so the rule that an
invoice's credit notes never credit more than its total (`ensure_creditable`) holds
under concurrent requests, and records its event (`credit_note.*`) in it. Finalizing
takes the next number of the account's credit note series and sends the credit where
the note says: the invoice's amount due falls (PAID once nothing is due), the
customer's credit balance grows, or the processor refunds the invoice's card payment
(a settled REFUND transaction records it). The processor is called inside the
transaction, as a payment is, with the credit note's id as the idempotency key. For an
account with e-invoicing on, the note's e-invoice is issued in that transaction too
(`einvoicing.issue_credit_note_in`); its failure never fails the finalization.
Custom properties change at any status and record no event (Meteroid has no
`credit_note.updated`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from invoicery.auth.tokens import Principal
from invoicery.documents.render import render
from invoicery.documents.version import content_version
from invoicery.documents.view import credit_note_document
from invoicery.domain import ids
from invoicery.domain.credit_notes import (
    CREDIT_NOTE_PREFIX,
    CreditNote,
    CreditNoteStatus,
    CreditRequest,
    CreditTo,
    draft_credit_note,
    ensure_creditable,
    format_credit_note_number,
)
from invoicery.domain.credits import CreditKind, new_entry
from invoicery.domain.errors import InvalidInput, InvalidState, NotFound, Unavailable
from invoicery.domain.events import EventType
from invoicery.domain.invoice import Invoice
from invoicery.domain.status import PaymentStatus
from invoicery.einvoice.seller import Profile
from invoicery.payments.processor import PaymentProcessor, ProcessorError, Refund
from invoicery.payments.transaction import (
    PaymentMethodType,
    PaymentType,
    Transaction,
    TransactionStatus,
)
from invoicery.pdf.view import InvoiceDocument
from invoicery.service import einvoicing, events
from invoicery.service._time import utc_now
from invoicery.service.customers import find_customer
from invoicery.service.invoices import parse_id as parse_invoice_id
from invoicery.service.paging import NumberedPage
from invoicery.store import accounts, credit_notes, credits, customers, invoices, transactions
from invoicery.store.credit_notes import ListOrder, OrderColumn
from invoicery.store.database import Database

__all__ = [
    "DEFAULT_ORDER",
    "CreditNotePdf",
    "ListOrder",
    "NewCreditNote",
    "OrderColumn",
    "create",
    "finalize",
    "get",
    "list_page",
    "parse_id",
    "pdf",
    "update_custom_properties",
    "void",
]

DEFAULT_ORDER = ListOrder(OrderColumn.CREATED_AT, descending=True)
"""Newest first."""


@dataclass(frozen=True, slots=True)
class NewCreditNote:
    """What a caller asks to credit of one of its finalized invoices."""

    invoice_id: str
    lines: Sequence[CreditRequest]
    credit_to: CreditTo
    reason: str | None = None
    memo: str | None = None


@dataclass(frozen=True, slots=True)
class CreditNotePdf:
    """A credit note's PDF, its content version (the ETag) and its file name."""

    content: bytes
    etag: str
    filename: str


def parse_id(text: str) -> UUID:
    """The UUID of a credit note id text; `NotFound` if it cannot be one."""
    try:
        return ids.decode(CREDIT_NOTE_PREFIX, text)
    except ids.InvalidId:
        raise NotFound("credit note not found") from None


async def _invoice(
    conn: AsyncConnection, account_id: UUID, invoice_id: UUID, now: datetime
) -> Invoice:
    """The account's invoice, its row locked until commit (serializes its credit notes)."""
    stored = await invoices.get(
        conn, account_id=account_id, invoice_id=invoice_id, now=now, for_update=True
    )
    if stored is None:
        raise NotFound("invoice not found")
    return stored.invoice


async def _locked(conn: AsyncConnection, principal: Principal, credit_note_id: str) -> CreditNote:
    note = await credit_notes.get(
        conn,
        account_id=principal.account_id,
        credit_note_id=parse_id(credit_note_id),
        for_update=True,
    )
    if note is None:
        raise NotFound("credit note not found")
    return note


async def create(db: Database, *, principal: Principal, new: NewCreditNote) -> CreditNote:
    """A draft credit note of a finalized invoice; `AmountExceeded` past the invoice total."""
    now = utc_now()
    async with db.write() as conn:
        invoice = await _invoice(conn, principal.account_id, parse_invoice_id(new.invoice_id), now)
        note = draft_credit_note(
            invoice, new.lines, credit_to=new.credit_to, reason=new.reason, memo=new.memo, now=now
        )
        credited = await credit_notes.credited_total(
            conn, account_id=invoice.account_id, invoice_id=invoice.id
        )
        ensure_creditable(invoice_total=invoice.total, credited=credited, total=note.total)
        await credit_notes.insert(conn, note)
        await events.record_change(conn, EventType.CREDIT_NOTE_CREATED, note)
    return note


async def _settled(conn: AsyncConnection, invoice: Invoice) -> list[Transaction]:
    found = await transactions.list_for_invoice(
        conn, account_id=invoice.account_id, invoice_id=invoice.id
    )
    return [txn for txn in found if txn.status is TransactionStatus.SETTLED]


async def _to_amount_due(conn: AsyncConnection, invoice: Invoice, note: CreditNote) -> None:
    changed = invoice.credited(note.total, now=note.updated_at)
    await invoices.save_payment_state(conn, changed)
    paid = changed.state.payment_status is PaymentStatus.PAID
    await events.record_change(
        conn, EventType.INVOICE_PAID if paid else EventType.INVOICE_UPDATED, changed
    )


async def _to_balance(conn: AsyncConnection, note: CreditNote, amount: int, text: str) -> None:
    """Move the customer's balance by signed `amount` (`InvalidState` if it went below 0)."""
    await customers.get(
        conn, account_id=note.account_id, customer_id=note.customer_id, for_update=True
    )
    balance = await credits.balance(
        conn, account_id=note.account_id, customer_id=note.customer_id, currency=note.currency
    )
    try:
        entry = new_entry(
            account_id=note.account_id,
            customer_id=note.customer_id,
            currency=note.currency,
            kind=CreditKind.CREDIT_NOTE,
            amount=amount,
            balance=balance,
            description=text,
            invoice_id=note.invoice_id,
        )
    except InvalidInput:
        raise InvalidState("the customer has already used this credit") from None
    await credits.insert(conn, entry)
    await events.record_change(conn, EventType.CREDIT_CREATED, entry)


async def _refund(
    conn: AsyncConnection,
    processor: PaymentProcessor,
    invoice: Invoice,
    note: CreditNote,
    seconds: float,
) -> None:
    """Refund the note's total of the invoice's settled card payments, and record it."""
    settled = await _settled(conn, invoice)
    charges = [
        txn
        for txn in settled
        if txn.payment_type is PaymentType.PAYMENT
        and txn.payment_method_type is PaymentMethodType.CARD
        and txn.provider_transaction_id is not None
    ]
    refunded = sum(txn.amount for txn in settled if txn.payment_type is PaymentType.REFUND)
    if note.total > sum(txn.amount for txn in charges) - refunded:
        raise InvalidState("the invoice has no settled card payment left to refund this much")
    charge = charges[-1]
    assert charge.provider_transaction_id is not None
    request = Refund(
        idempotency_key=ids.encode(CREDIT_NOTE_PREFIX, note.id),
        amount=note.total,
        currency=note.currency,
        provider_transaction_id=charge.provider_transaction_id,
        description=f"Credit note of invoice {note.invoice_number}",
    )
    try:
        result = await asyncio.wait_for(processor.refund_card(request), seconds)
    except (ProcessorError, TimeoutError):
        raise Unavailable("the payment processor could not refund; try again") from None
    now = note.updated_at
    await transactions.insert(
        conn,
        Transaction(
            id=ids.new_uuid7(),
            account_id=note.account_id,
            invoice_id=note.invoice_id,
            amount=note.total,
            currency=note.currency,
            status=TransactionStatus.SETTLED,
            payment_type=PaymentType.REFUND,
            payment_method_type=PaymentMethodType.CARD,
            card_brand=charge.card_brand,
            card_last4=charge.card_last4,
            account_number_hint=None,
            error=None,
            provider=processor.name,
            provider_transaction_id=result.provider_refund_id,
            settles_at=None,
            processed_at=now,
            created_at=now,
            updated_at=now,
        ),
    )


async def finalize(
    db: Database,
    processor: PaymentProcessor,
    *,
    principal: Principal,
    credit_note_id: str,
    processor_timeout: float,
) -> CreditNote:
    """Number a draft and send its credit where it says; immutable from then on."""
    now = utc_now()
    async with db.write() as conn:
        note = await _locked(conn, principal, credit_note_id)
        if note.status is not CreditNoteStatus.DRAFT:
            raise InvalidState(f"the credit note is {note.status.value.lower()}, not a draft")
        invoice = await _invoice(conn, note.account_id, note.invoice_id, now)
        credited = await credit_notes.credited_total(
            conn, account_id=note.account_id, invoice_id=note.invoice_id, excluding=note.id
        )
        ensure_creditable(invoice_total=invoice.total, credited=credited, total=note.total)
        sequence = await credit_notes.take_number(conn, account_id=note.account_id)
        number = format_credit_note_number(sequence)
        refunded = note.total if note.credit_to is CreditTo.REFUND else 0
        final = note.finalized(number=number, refunded=refunded, now=now)
        if final.credit_to is CreditTo.AMOUNT_DUE:
            await _to_amount_due(conn, invoice, final)
        elif final.credit_to is CreditTo.CUSTOMER_BALANCE:
            await _to_balance(conn, final, final.total, f"Credit note {number}")
        else:
            await _refund(conn, processor, invoice, final, processor_timeout)
        final = await einvoicing.issue_credit_note_in(conn, final, invoice, now=now)
        await credit_notes.save(conn, final)
        await events.record_change(conn, EventType.CREDIT_NOTE_FINALIZED, final)
    return final


async def void(db: Database, *, principal: Principal, credit_note_id: str) -> CreditNote:
    """Void a draft, or a finalized note whose credit can be undone (see the domain)."""
    now = utc_now()
    async with db.write() as conn:
        note = await _locked(conn, principal, credit_note_id)
        voided = note.voided(now=now)
        if note.status is CreditNoteStatus.FINALIZED:
            number = note.credit_note_number
            if note.credit_to is CreditTo.AMOUNT_DUE:
                invoice = await _invoice(conn, note.account_id, note.invoice_id, now)
                settled = await _settled(conn, invoice)
                if any(txn.payment_type is PaymentType.PAYMENT for txn in settled):
                    raise InvalidState("the invoice has been paid since; its credit stays")
                changed = invoice.credit_withdrawn(note.total, now=now)
                await invoices.save_payment_state(conn, changed)
                await events.record_change(conn, EventType.INVOICE_UPDATED, changed)
            else:
                await _to_balance(conn, note, -note.total, f"Credit note {number} voided")
        await credit_notes.save(conn, voided)
        await events.record_change(conn, EventType.CREDIT_NOTE_VOIDED, voided)
    return voided


async def update_custom_properties(
    db: Database, *, principal: Principal, credit_note_id: str, changes: Mapping[str, object]
) -> CreditNote:
    """Merge `changes` into the note's custom properties (`None` removes a key), any status."""
    now = utc_now()
    async with db.write() as conn:
        note = await _locked(conn, principal, credit_note_id)
        changed = note.with_custom_properties(changes, now=now)
        await credit_notes.save_custom_properties(conn, changed)
    return changed


async def get(db: Database, *, principal: Principal, credit_note_id: str) -> CreditNote:
    """The caller's credit note, or `NotFound`."""
    async with db.read() as conn:
        note = await credit_notes.get(
            conn, account_id=principal.account_id, credit_note_id=parse_id(credit_note_id)
        )
    if note is None:
        raise NotFound("credit note not found")
    return note


async def list_page(
    db: Database,
    *,
    principal: Principal,
    customer: str | None,
    invoice_id: str | None,
    status: CreditNoteStatus | None,
    page: int,
    per_page: int,
    search: str | None = None,
    order: ListOrder = DEFAULT_ORDER,
) -> NumberedPage[CreditNote]:
    """Page `page` of the caller's credit notes in `order`, those whose number contains
    `search` (ignoring case) if given; unknown filters match none."""
    async with db.read() as conn:
        customer_id = None
        if customer is not None:
            found = await find_customer(conn, principal, customer)
            if found is None:
                return NumberedPage([], page, per_page, 0)
            customer_id = found.id
        invoice = None
        if invoice_id is not None:
            try:
                invoice = ids.decode(ids.INVOICE, invoice_id)
            except ids.InvalidId:
                return NumberedPage([], page, per_page, 0)
        notes, count = await credit_notes.list_page(
            conn,
            account_id=principal.account_id,
            customer_id=customer_id,
            invoice_id=invoice,
            status=status,
            search=search,
            order=order,
            page=page,
            per_page=per_page,
        )
    return NumberedPage(notes, page, per_page, count)


async def _document(db: Database, principal: Principal, credit_note_id: str) -> InvoiceDocument:
    now = utc_now()
    async with db.read() as conn:
        note = await credit_notes.get(
            conn, account_id=principal.account_id, credit_note_id=parse_id(credit_note_id)
        )
        if note is None or note.credit_note_number is None:
            raise NotFound("credit note not found, or it is a draft, which has no PDF")
        stored = await invoices.get(
            conn, account_id=note.account_id, invoice_id=note.invoice_id, now=now
        )
        account = await accounts.get(conn, note.account_id)
        customer = await customers.get(
            conn, account_id=note.account_id, customer_id=note.customer_id
        )
        einvoice = await credit_notes.find_einvoice(
            conn, account_id=note.account_id, credit_note_id=note.id
        )
    assert stored is not None
    assert account is not None
    company = customer.company_name if customer is not None else None
    # A Factur-X e-invoice travels inside the PDF (XRechnung's is only served as XML).
    facturx = einvoice[1].decode() if einvoice and einvoice[0] == Profile.FACTURX else None
    return credit_note_document(
        account=account,
        details=stored.customer,
        company_name=company,
        note=note,
        facturx_xml=facturx,
    )


async def pdf(db: Database, *, principal: Principal, credit_note_id: str) -> CreditNotePdf:
    """The PDF of the caller's numbered credit note, by the invoice renderer (not cached)."""
    document = await _document(db, principal, credit_note_id)
    content = await render(document)
    return CreditNotePdf(content, content_version(document), f"{document.number}.pdf")
