"""Line items, totals, validation and archive rules of an invoice."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from invoicery.domain import ids
from invoicery.domain.account import format_invoice_number, today_in
from invoicery.domain.errors import InvalidState
from invoicery.domain.invoice import (
    MAX_LINE_ITEMS,
    Invoice,
    LineItem,
    due_date_error,
    line_errors,
    subtotal,
)
from invoicery.domain.status import InvoiceState, Lifecycle, PaymentStatus

NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)
TODAY = date(2026, 3, 10)


def invoice(**state_changes: object) -> Invoice:
    state = InvoiceState(Lifecycle.FINALIZED, PaymentStatus.UNPAID, False, False, TODAY)
    lines = (LineItem("Work", 2, 1000),)
    return Invoice(
        id=ids.new_uuid7(),
        account_id=ids.new_uuid7(),
        customer_id=ids.new_uuid7(),
        invoice_number="INV-000001",
        currency="USD",
        state=replace(state, **state_changes),  # type: ignore[arg-type]
        invoice_date=TODAY,
        memo=None,
        exclude_from_autopay=False,
        line_items=lines,
        subtotal=2000,
        total=2000,
        amount_due=2000,
        created_at=NOW,
        updated_at=NOW,
        last_notification_at=None,
    )


def test_line_total_is_unit_amount_times_quantity() -> None:
    lines = [LineItem("a", 3, 10), LineItem("b", 1, 1999)]
    assert [line.total for line in lines] == [30, 1999]
    assert subtotal(lines) == 2029


def test_line_errors_name_the_field() -> None:
    errors = line_errors([LineItem("ok", 1, 5), LineItem("bad", 0, 0)])
    assert errors == {
        "line_items[1].amount": "must be greater than 0",
        "line_items[1].quantity": "must be at least 1",
    }


def test_no_lines_or_too_many_lines_are_errors() -> None:
    assert "line_items" in line_errors([])
    assert "line_items" in line_errors([LineItem("x", 1, 1)] * (MAX_LINE_ITEMS + 1))
    assert line_errors([LineItem("x", 1, 1)] * MAX_LINE_ITEMS) == {}


def test_due_date_may_be_today_but_not_yesterday() -> None:
    assert due_date_error(TODAY, TODAY) is None
    assert due_date_error(date(2026, 3, 9), TODAY) is not None


def test_today_depends_on_the_account_time_zone() -> None:
    late_evening_utc = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)
    assert today_in("UTC", late_evening_utc) == date(2026, 3, 10)
    assert today_in("Asia/Tokyo", late_evening_utc) == date(2026, 3, 11)
    assert today_in("America/Los_Angeles", late_evening_utc) == date(2026, 3, 10)


def test_invoice_numbers_are_zero_padded() -> None:
    assert format_invoice_number("INV-", 42) == "INV-000042"
    assert format_invoice_number("ACME/", 1234567) == "ACME/1234567"


def test_archive_and_restore() -> None:
    archived = invoice().archived(now=NOW, today=TODAY)
    assert archived.state.archived
    assert not archived.restored(now=NOW).state.archived


@pytest.mark.parametrize(
    "changes",
    [{"archived": True}, {"lifecycle": Lifecycle.VOID}, {"payment_pending": True}],
)
def test_archive_is_refused_when_archived_or_payment_in_flight(changes: dict[str, object]) -> None:
    with pytest.raises(InvalidState):
        invoice(**changes).archived(now=NOW, today=TODAY)


def test_paid_invoices_can_be_archived() -> None:
    assert invoice(payment_status=PaymentStatus.PAID).archived(now=NOW, today=TODAY).state.archived


def test_restore_refuses_an_invoice_that_is_not_archived() -> None:
    with pytest.raises(InvalidState):
        invoice().restored(now=NOW)
