"""Invoice lifecycle and the status each wire format shows for it.

One stored state, two views (see DESIGN.md, "One invoice, two views"):

| stored                                   | AP status          |
|------------------------------------------|--------------------|
| draft                                    | (not visible)      |
| archived, or void                        | ARCHIVED           |
| paid                                     | PAID               |
| payment submitted, not settled           | RECEIVED           |
| uncollectible                            | OVERDUE            |
| finalized, unpaid, due date before today | OVERDUE            |
| finalized, unpaid, due today or later    | UPCOMING           |

OVERDUE is derived when read, from the due date and the account's "today".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

__all__ = ["ApStatus", "InvoiceState", "Lifecycle", "PaymentStatus", "ap_status"]


class Lifecycle(StrEnum):
    """Where an invoice is in its life (the billing-v1 `status`)."""

    DRAFT = "draft"
    FINALIZED = "finalized"
    UNCOLLECTIBLE = "uncollectible"
    VOID = "void"


class PaymentStatus(StrEnum):
    """How much of an invoice has been paid."""

    UNPAID = "unpaid"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"


class ApStatus(StrEnum):
    """The Alternative Payments face's `status`."""

    UPCOMING = "UPCOMING"
    OVERDUE = "OVERDUE"
    RECEIVED = "RECEIVED"
    PAID = "PAID"
    ARCHIVED = "ARCHIVED"


@dataclass(frozen=True, slots=True)
class InvoiceState:
    """The stored facts from which every displayed status is derived."""

    lifecycle: Lifecycle
    payment_status: PaymentStatus
    payment_pending: bool
    archived: bool
    due_date: date


def ap_status(state: InvoiceState, today: date) -> ApStatus | None:
    """The AP status of an invoice on `today`; None for drafts, which AP never shows."""
    if state.lifecycle is Lifecycle.DRAFT:
        return None
    if state.archived or state.lifecycle is Lifecycle.VOID:
        return ApStatus.ARCHIVED
    if state.payment_status is PaymentStatus.PAID:
        return ApStatus.PAID
    if state.payment_pending:
        return ApStatus.RECEIVED
    if state.lifecycle is Lifecycle.UNCOLLECTIBLE or state.due_date < today:
        return ApStatus.OVERDUE
    return ApStatus.UPCOMING
