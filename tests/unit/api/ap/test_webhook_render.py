"""AP webhook `data`: invoices by the account's calendar, payments as documented."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import orjson

from invoicery.api.ap.webhook_render import event_data
from invoicery.domain import ids
from invoicery.domain.events import Event, EventType
from invoicery.domain.invoice import Invoice
from invoicery.domain.status import InvoiceState, Lifecycle, PaymentStatus
from invoicery.payments.transaction import (
    PaymentMethodType,
    PaymentType,
    Transaction,
    TransactionStatus,
)
from invoicery.store.snapshots import snapshot

# 03:00 UTC on 1 December is still 30 November in New York, already 1 December in Berlin.
AT = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def _invoice_due(due: date) -> Invoice:
    return Invoice(
        id=uuid4(),
        account_id=uuid4(),
        customer_id=uuid4(),
        invoice_number="INV-000007",
        currency="USD",
        state=InvoiceState(Lifecycle.FINALIZED, PaymentStatus.UNPAID, False, False, due),
        invoice_date=date(2026, 11, 1),
        memo=None,
        exclude_from_autopay=False,
        line_items=(),
        subtotal=0,
        total=0,
        amount_due=0,
        created_at=AT,
        updated_at=AT,
        last_notification_at=None,
    )


def _event(kind: EventType, subject: Invoice | Transaction, prefix: str) -> Event:
    return Event(
        id=ids.new_uuid7(),
        account_id=subject.account_id,
        type=kind,
        subject_id=ids.encode(prefix, subject.id),
        snapshot=snapshot(subject),
        created_at=AT,
    )


def test_an_invoice_is_overdue_by_the_accounts_calendar_on_the_events_day() -> None:
    event = _event(EventType.INVOICE_UPDATED, _invoice_due(date(2026, 11, 30)), ids.INVOICE)
    assert event_data(event, "America/New_York")["status"] == "UPCOMING"
    assert event_data(event, "Europe/Berlin")["status"] == "OVERDUE"


def test_a_payment_is_rendered_in_major_units_without_absent_fields() -> None:
    invoice_id = uuid4()
    failed = Transaction(
        id=ids.new_uuid7(),
        account_id=uuid4(),
        invoice_id=invoice_id,
        amount=12_345,
        currency="USD",
        status=TransactionStatus.FAILED,
        payment_type=PaymentType.PAYMENT,
        payment_method_type=PaymentMethodType.CARD,
        card_brand="visa",
        card_last4="0002",
        account_number_hint=None,
        error="Your card was declined.",
        provider="sandbox",
        provider_transaction_id="sbx_1",
        settles_at=None,
        processed_at=AT,
        created_at=AT,
        updated_at=AT,
    )
    data = event_data(_event(EventType.PAYMENT_FAILED, failed, ids.TRANSACTION), "UTC")
    assert orjson.loads(orjson.dumps(data)) == {
        "id": ids.encode(ids.TRANSACTION, failed.id),
        "invoice_id": ids.encode(ids.INVOICE, invoice_id),
        "amount": 123.45,
        "currency": "USD",
        "status": "failed",
        "payment_method_type": "Card",
        "card_brand": "visa",
        "card_last4": "0002",
        "error": "Your card was declined.",
        "created_at": "2026-12-01T03:00:00Z",
        "processed_at": "2026-12-01T03:00:00Z",
    }
