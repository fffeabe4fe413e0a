"""An `EInvoice` of type 381 from a finalized credit note and the invoice it corrects.

The credit note is stated as the priced invoice `build` expects: its credited lines
(positive amounts, at the rate each invoice line was charged, over that line's service
period), its own tax breakdown and totals, no coupons, numbered with its own number and
dated the day it was finalized. BT-25/BT-26 name the corrected invoice; BT-113 is what
was already refunded to the buyer's card, so BT-115 is what the seller still owes.
"""

from __future__ import annotations

from dataclasses import replace

from invoicery.domain.credit_notes import CreditLine, CreditNote
from invoicery.domain.invoice import Invoice, LineItem
from invoicery.einvoice.build import Buyer, Options, build
from invoicery.einvoice.model import DocumentError, DocumentType, EInvoice
from invoicery.einvoice.seller import Profile, Seller

__all__ = ["build_credit_note"]


def _line(line: CreditLine, invoice: Invoice) -> LineItem:
    """A credited part of an invoice line as a priced line of `line.amount`."""
    credited = invoice.line_items[line.line_index]
    return LineItem(
        description=line.name,
        quantity=1,
        unit_amount=line.amount,
        details=line.description,
        exact_quantity=line.quantity if line.unit_price is not None else None,
        unit_price=line.unit_price if line.quantity is not None else None,
        applied_tax_rate=line.tax_rate,
        start_date=credited.start_date,
        end_date=credited.end_date,
    )


def _as_invoice(note: CreditNote, invoice: Invoice) -> Invoice:
    """The credit note as the finalized, priced invoice `build` states."""
    assert note.credit_note_number is not None
    assert note.finalized_at is not None
    issued = note.finalized_at.date()
    memo = "\n".join(text for text in (note.reason, note.memo) if text) or None
    return replace(
        invoice,
        invoice_number=note.credit_note_number,
        invoice_date=issued,
        state=replace(invoice.state, due_date=issued),
        memo=memo,
        line_items=tuple(_line(line, invoice) for line in note.lines),
        coupons=(),
        tax_breakdown=note.tax_breakdown,
        subtotal=note.subtotal,
        tax_amount=note.tax_amount,
        total=note.total,
        applied_credits=0,
        amount_due=note.total,
    )


def build_credit_note(
    note: CreditNote, invoice: Invoice, *, seller: Seller, buyer: Buyer, profile: Profile
) -> EInvoice:
    """The EN 16931 credit note (381) of a finalized `note` of `invoice`; `DocumentError`."""
    if note.credit_note_number is None or note.finalized_at is None:
        raise DocumentError(
            "the credit note cannot be an EN 16931 document",
            {"credit_note_number": "a draft has no e-invoice"},
        )
    if note.invoice_id != invoice.id:
        raise ValueError("the credit note does not correct this invoice")
    options = Options(
        document_type=DocumentType.CREDIT_NOTE,
        preceding_invoice=note.invoice_number,
        preceding_date=invoice.invoice_date,
        paid=note.refunded_amount,
    )
    return build(
        _as_invoice(note, invoice), seller=seller, buyer=buyer, profile=profile, options=options
    )
