"""Delivery bodies: each vendor's envelope around what the face renders of the subject."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import orjson
import pytest

from invoicery.domain import ids
from invoicery.domain.events import Event, EventType
from invoicery.domain.webhooks import Face
from invoicery.webhooks.bodies import Renderers, ap_body, body, v1_body

AT = datetime(2026, 12, 1, 9, 30, 15, 123000, tzinfo=UTC)


def _event(kind: EventType = EventType.INVOICE_PAID) -> Event:
    return Event(
        id=ids.new_uuid7(),
        account_id=uuid4(),
        type=kind,
        subject_id="inv_01",
        snapshot={"id": "inv_01", "status": "paid", "total": 1200, "memo": None},
        created_at=AT,
    )


def test_the_ap_body_carries_the_topic_and_the_snapshot_by_default() -> None:
    event = _event()
    assert ap_body(event, timezone="UTC") == {
        "id": event.public_id,
        "topic": "invoice_paid",
        "created_at": "2026-12-01T09:30:15.123000Z",
        "data": {"id": "inv_01", "status": "paid", "total": 1200, "memo": None},
    }


def test_an_event_without_an_ap_topic_has_no_ap_body() -> None:
    with pytest.raises(ValueError, match="no AP topic"):
        ap_body(_event(EventType.COUPON_CREATED), timezone="UTC")


def test_the_v1_body_flattens_the_subject_under_the_envelope() -> None:
    event = _event()
    assert v1_body(event, timezone="UTC") == {
        "id": event.public_id,
        "type": "invoice.paid",
        "timestamp": "2026-12-01T09:30:15.123000Z",
        "invoice_id": "inv_01",
        "status": "paid",
        "total": 1200,
    }


def test_the_faces_renderers_fill_the_body_but_never_replace_the_envelope() -> None:
    renderers = Renderers(
        ap_data=lambda event, _zone: {"id": event.subject_id, "rendered": "ap"},
        v1_fields=lambda event, _zone: {"id": "clobbered", "invoice_id": event.subject_id},
    )
    event = _event()
    assert ap_body(event, renderers, timezone="UTC")["data"] == {"id": "inv_01", "rendered": "ap"}
    assert v1_body(event, renderers, timezone="UTC") == {
        "id": event.public_id,
        "type": "invoice.paid",
        "timestamp": "2026-12-01T09:30:15.123000Z",
        "invoice_id": "inv_01",
    }


def test_the_posted_text_is_the_json_of_the_faces_body() -> None:
    event = _event()
    assert orjson.loads(body(Face.AP, event, timezone="UTC")) == ap_body(event, timezone="UTC")
    assert orjson.loads(body(Face.V1, event, timezone="UTC")) == v1_body(event, timezone="UTC")
