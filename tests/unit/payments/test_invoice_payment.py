"""Payment transitions of an invoice: who may pay, and what each payment event does."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from invoicery.domain.errors import InvalidState
from invoicery.domain.invoice import Invoice, LineItem
from invoicery.domain.status import ApStatus, InvoiceState, Lifecycle, PaymentStatus, ap_status

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
TODAY = date(2026, 11, 23)


def _invoice(**state: object) -> Invoice:
    facts = InvoiceState(
        lifecycle=Lifecycle.FINALIZED,
        payment_status=PaymentStatus.UNPAID,
        payment_pending=False,
        archived=False,
        due_date=TODAY,
    )
    return Invoice(
        id=uuid4(),
        account_id=uuid4(),
        customer_id=uuid4(),
        invoice_number="INV-000001",
        currency="USD",
        state=replace(facts, **state),  # type: ignore[arg-type]
        invoice_date=TODAY,
        memo=None,
        exclude_from_autopay=False,
        line_items=(LineItem("Work", 1, 1000),),
        subtotal=1000,
        total=1000,
        amount_due=1000,
        created_at=NOW,
        updated_at=NOW,
        last_notification_at=None,
    )


@pytest.mark.parametrize("due", [TODAY, date(2026, 1, 1)])
def test_upcoming_and_overdue_invoices_are_payable(due: date) -> None:
    _invoice(due_date=due).ensure_payable(today=TODAY)


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ({"archived": True}, "archived"),
        ({"lifecycle": Lifecycle.VOID}, "archived"),
        ({"payment_status": PaymentStatus.PAID}, "already paid"),
        ({"payment_pending": True}, "in flight"),
    ],
)
def test_archived_paid_and_received_invoices_are_not(
    state: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidState, match=message):
        _invoice(**state).ensure_payable(today=TODAY)


def test_a_submitted_bank_payment_makes_the_invoice_received() -> None:
    invoice = _invoice().payment_submitted(now=NOW)
    assert ap_status(invoice.state, TODAY) is ApStatus.RECEIVED
    assert invoice.paid_at is None


def test_settlement_makes_it_paid_and_records_when() -> None:
    invoice = _invoice(payment_pending=True).payment_settled(now=NOW)
    assert ap_status(invoice.state, TODAY) is ApStatus.PAID
    assert invoice.state.payment_pending is False
    assert invoice.paid_at == NOW


@pytest.mark.parametrize(
    ("due", "status"), [(TODAY, ApStatus.UPCOMING), (date(2026, 1, 1), ApStatus.OVERDUE)]
)
def test_a_returned_payment_puts_it_back_to_unpaid(due: date, status: ApStatus) -> None:
    invoice = _invoice(payment_pending=True, due_date=due).payment_returned(now=NOW)
    assert ap_status(invoice.state, TODAY) is status
    assert invoice.updated_at == NOW
