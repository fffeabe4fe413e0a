"""Event types name their subject; events get time-ordered, prefixed ids."""

from __future__ import annotations

from uuid import uuid4

from invoicery.domain import ids
from invoicery.domain.events import EventType, new_event


def test_each_type_names_its_subject_kind() -> None:
    kinds = {kind.subject for kind in EventType}
    assert kinds == {"invoice", "customer", "payment", "coupon", "credit", "credit_note"}
    assert EventType.INVOICE_MARKED_UNCOLLECTIBLE.subject == "invoice"


def test_events_are_time_ordered_and_prefixed() -> None:
    account = uuid4()
    first, second = (
        new_event(account_id=account, type=EventType.INVOICE_PAID, subject_id="inv_a", snapshot={})
        for _ in range(2)
    )
    assert first.id < second.id
    assert first.created_at <= second.created_at
    assert ids.decode("evt", first.public_id) == first.id
