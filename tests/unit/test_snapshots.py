"""Snapshots restore to equal domain objects: exact decimals, ids, dates, nested parts."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

from invoicery.domain.coupons import AppliedCoupon
from invoicery.domain.customer import Address, Customer, CustomerSnapshot
from invoicery.domain.invoice import Invoice, SubLine, billing_line
from invoicery.domain.status import InvoiceState, Lifecycle, PaymentStatus
from invoicery.store.snapshots import restore, snapshot

NOW = datetime(2026, 11, 30, 12, 0, 0, 123456, tzinfo=UTC)


def _invoice() -> Invoice:
    line = billing_line(
        name="Seats",
        amount=52_465,
        currency="EUR",
        quantity=Decimal("3.5"),
        unit_price=Decimal("149.90"),
        tax_rate=Decimal("0.19"),
        start_date=date(2026, 11, 1),
        end_date=date(2026, 11, 30),
        sub_lines=(SubLine("sli_1", "tier", Decimal("0.00000001"), Decimal("1E-12"), 0),),
    )
    return Invoice(
        id=uuid4(),
        account_id=uuid4(),
        customer_id=uuid4(),
        invoice_number="INV-7",
        currency="EUR",
        state=InvoiceState(
            Lifecycle.FINALIZED, PaymentStatus.UNPAID, False, False, date(2027, 1, 1)
        ),
        invoice_date=date(2026, 12, 1),
        memo="über ✓",
        exclude_from_autopay=False,
        line_items=(line,),
        subtotal=52_465,
        total=62_433,
        amount_due=62_433,
        created_at=NOW,
        updated_at=NOW,
        last_notification_at=None,
        coupons=(AppliedCoupon(uuid4(), "TEN", 100),),
        customer_details=CustomerSnapshot(
            id=uuid4(),
            name="Acme",
            alias="acme",
            email=None,
            vat_number="DE123",
            billing_address=Address(line1="Main 1", country="DE"),
            snapshot_at=NOW,
        ),
    )


def test_an_invoice_survives_a_json_round_trip_exactly() -> None:
    invoice = _invoice()
    data = json.loads(json.dumps(snapshot(invoice)))
    assert restore(Invoice, data) == invoice
    assert data["line_items"][0]["unit_price"] == "149.90"


def test_a_customer_survives_a_json_round_trip_exactly() -> None:
    customer = Customer(
        id=uuid4(),
        account_id=uuid4(),
        name="Ada",
        email="ada@example.com",
        company_name=None,
        external_id="ada",
        created_at=NOW,
        archived_at=None,
        invoicing_emails=("a@example.com",),
        billing_address=Address(city="London"),
    )
    assert restore(Customer, json.loads(json.dumps(snapshot(customer)))) == customer
