"""Billing-v1 2026-10 credit notes: the 2026-03 document with SCREAMING_SNAKE enums.

`status` DRAFT, FINALIZED or VOIDED; `credit_type` CREDIT_TO_BALANCE, REFUND or
DEBT_CANCELLATION (the credit reduced the invoice's amount due); tax breakdown items as
2026-10's invoices show them. The models document the shapes under Meteroid's component
names (`register_schemas`), as the official SDK reads them.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from invoicery.api.billing import credit_note_documents, documents
from invoicery.api.billing.v2026_10.invoices import InvoiceLineItem, TaxBreakdownItem, screaming
from invoicery.api.billing.versions import register_schemas
from invoicery.domain.api_versions import ApiVersion
from invoicery.domain.credit_notes import CreditNote

__all__ = ["CreditNoteListResponse", "CreditNoteModel", "credit_note_document"]


def credit_note_document(note: CreditNote) -> dict[str, Any]:
    """The 2026-10 `CreditNote` object."""
    document = credit_note_documents.credit_note_document(note)
    document["status"] = screaming(document["status"])
    document["credit_type"] = screaming(document["credit_type"])
    for tax in document["tax_breakdown"]:
        exemption = tax["exemption_type"]
        tax["exemption_type"] = None if exemption is None else screaming(exemption)
        tax["exemption_reason"] = None
        tax["tax_reference"] = None
    return document


class CreditNoteStatus(StrEnum):
    """Where a credit note is in its life."""

    DRAFT = "DRAFT"
    FINALIZED = "FINALIZED"
    VOIDED = "VOIDED"


class CreditType(StrEnum):
    """Where the credit went: the customer's balance, a refund, or the amount due."""

    CREDIT_TO_BALANCE = "CREDIT_TO_BALANCE"
    REFUND = "REFUND"
    DEBT_CANCELLATION = "DEBT_CANCELLATION"


class CreditNoteModel(BaseModel):
    """A credit note of an invoice; amounts in minor units, lines negated."""

    model_config = ConfigDict(extra="forbid", title="CreditNote")  # Meteroid's name

    id: str
    credit_note_number: str
    status: CreditNoteStatus
    credit_type: CreditType
    invoice_id: str
    invoice_number: str
    customer_id: str
    currency: str
    line_items: list[InvoiceLineItem]
    subtotal: int
    tax_amount: int
    tax_breakdown: list[TaxBreakdownItem]
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

    data: list[CreditNoteModel]
    pagination_meta: documents.PaginationResponse


register_schemas(
    ApiVersion.V2026_10,
    {"CreditNote": CreditNoteModel, "CreditNoteListResponse": CreditNoteListResponse},
)
