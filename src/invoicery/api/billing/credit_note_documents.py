"""Billing-v1 2026-03 credit notes: the `CreditNote` document, its models and requests.

The seed (2026-03) has no credit notes; this version shows the fields today's Meteroid
has (`v2026_10.credit_notes` re-spells its enums), with 2026-03's PascalCase enum
values, as the rest of this version spells them. Amounts are positive minor units,
except each line's `amount_total`, negated as Meteroid documents credited lines. A
draft has no number yet: its `credit_note_number` is "". `credited_amount_cents` is
what a finalized note credited to the amount due or the customer's balance,
`refunded_amount_cents` what it refunded.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from invoicery.api.billing import documents
from invoicery.api.billing.fields import MinorAmount, Quantity
from invoicery.api.json import timestamp_text
from invoicery.domain import credit_notes, ids
from invoicery.domain.credit_notes import (
    CREDIT_NOTE_PREFIX,
    MAX_CREDIT_LINES,
    CreditLine,
    CreditTo,
)
from invoicery.domain.invoice import MAX_LINE_ITEMS

__all__ = [
    "CREDIT_TYPES",
    "CreditNote",
    "CreditNoteCreateRequest",
    "CreditNoteLineRequest",
    "CreditNoteListResponse",
    "credit_note_document",
]

CREDIT_TYPES: dict[str, CreditTo] = {
    **{credit_to.value: credit_to for credit_to in CreditTo},
    "CREDIT_TO_BALANCE": CreditTo.CUSTOMER_BALANCE,
    "REFUND": CreditTo.REFUND,
    "DEBT_CANCELLATION": CreditTo.AMOUNT_DUE,
}
"""`credit_type` as either version spells it: where the credit goes at finalization."""


class CreditNoteStatus(StrEnum):
    """Where a credit note is in its life."""

    DRAFT = "Draft"
    FINALIZED = "Finalized"
    VOIDED = "Voided"


class CreditType(StrEnum):
    """Where the credit goes: the customer's balance, a refund, or the amount due."""

    CREDIT_TO_BALANCE = "CreditToBalance"
    REFUND = "Refund"
    DEBT_CANCELLATION = "DebtCancellation"


class CreditNote(BaseModel):
    """A credit note of an invoice; amounts in minor units, lines negated."""

    model_config = ConfigDict(extra="forbid")

    id: str
    credit_note_number: str
    status: CreditNoteStatus
    credit_type: CreditType
    invoice_id: str
    invoice_number: str
    customer_id: str
    currency: str
    line_items: list[documents.InvoiceLineItem]
    subtotal: int
    tax_amount: int
    tax_breakdown: list[documents.TaxBreakdownItem]
    total: int
    credited_amount_cents: int
    refunded_amount_cents: int
    custom_properties: dict[str, Any]
    reason: str | None = None
    memo: str | None = None
    plan_version_id: str | None = None
    subscription_id: str | None = None
    created_at: datetime
    updated_at: datetime | None = None
    finalized_at: datetime | None = None
    voided_at: datetime | None = None


class CreditNoteListResponse(BaseModel):
    """One page of credit notes."""

    model_config = ConfigDict(extra="forbid")

    data: list[CreditNote]
    pagination_meta: documents.PaginationResponse


class CreditNoteLineRequest(BaseModel):
    """A part of invoice line `line_index` (0-based) to credit: a quantity, or an amount."""

    model_config = ConfigDict(extra="forbid")

    line_index: Annotated[int, Field(ge=0, lt=MAX_LINE_ITEMS)]
    quantity: Quantity | None = None
    amount: MinorAmount | None = None


class CreditNoteCreateRequest(BaseModel):
    """A draft credit note of a finalized invoice; finalize it to apply its credit."""

    model_config = ConfigDict(extra="forbid")

    invoice_id: Annotated[str, Field(max_length=64)]
    credit_type: Literal[
        "CreditToBalance",
        "Refund",
        "DebtCancellation",
        "CREDIT_TO_BALANCE",
        "REFUND",
        "DEBT_CANCELLATION",
    ]
    line_items: Annotated[
        list[CreditNoteLineRequest], Field(min_length=1, max_length=MAX_CREDIT_LINES)
    ]
    reason: Annotated[str, Field(max_length=2000)] | None = None
    memo: Annotated[str, Field(max_length=2000)] | None = None


_STATUS = {
    credit_notes.CreditNoteStatus.DRAFT: "Draft",
    credit_notes.CreditNoteStatus.FINALIZED: "Finalized",
    credit_notes.CreditNoteStatus.VOIDED: "Voided",
}


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else timestamp_text(moment)


def _decimal(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _line(line: CreditLine, day: date) -> dict[str, Any]:
    document: dict[str, Any] = {
        "name": line.name,
        "description": line.description,
        "amount_total": -line.amount,
        "tax_rate": _decimal(line.tax_rate),
        "start_date": day.isoformat(),
        "end_date": day.isoformat(),
        "sub_line_items": [],
    }
    if line.quantity is not None and line.unit_price is not None:
        document["quantity"] = _decimal(line.quantity)
        document["unit_price"] = _decimal(-line.unit_price)
    return document


def credit_note_document(note: credit_notes.CreditNote) -> dict[str, Any]:
    """The 2026-03 `CreditNote` object."""
    final = note.status is not credit_notes.CreditNoteStatus.DRAFT and note.finalized_at is not None
    credited = note.total if final and note.credit_to is not CreditTo.REFUND else 0
    day = note.created_at.date()
    return {
        "id": ids.encode(CREDIT_NOTE_PREFIX, note.id),
        "credit_note_number": note.credit_note_number or "",
        "status": _STATUS[note.status],
        "credit_type": note.credit_to.value,
        "invoice_id": ids.encode(ids.INVOICE, note.invoice_id),
        "invoice_number": note.invoice_number,
        "customer_id": ids.encode(ids.CUSTOMER, note.customer_id),
        "currency": note.currency,
        "line_items": [_line(line, day) for line in note.lines],
        "subtotal": note.subtotal,
        "tax_amount": note.tax_amount,
        "tax_breakdown": [
            {
                "name": item.name,
                "tax_rate": _decimal(item.rate),
                "taxable_amount": item.taxable_amount,
                "tax_amount": item.tax_amount,
                "exemption_type": item.exemption.value if item.exemption else None,
            }
            for item in note.tax_breakdown
        ],
        "total": note.total,
        "credited_amount_cents": credited,
        "refunded_amount_cents": note.refunded_amount,
        "custom_properties": dict(note.custom_properties),
        "reason": note.reason,
        "memo": note.memo,
        "plan_version_id": None,
        "subscription_id": None,
        "created_at": _time(note.created_at),
        "updated_at": _time(note.updated_at),
        "finalized_at": _time(note.finalized_at),
        "voided_at": _time(note.voided_at),
    }
