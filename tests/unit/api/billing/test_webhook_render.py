"""Billing-v1 webhook documents: why an endpoint is disabled, and coupon event fields."""

from __future__ import annotations

from decimal import Decimal
from uuid import uuid4

from invoicery.api.billing.webhook_render import endpoint_document, event_fields
from invoicery.domain.coupons import Coupon, Discount, DiscountKind
from invoicery.domain.events import EventType, new_event
from invoicery.domain.webhooks import DISABLE_AFTER, Endpoint, Face
from invoicery.service.webhooks import MANUALLY_DISABLED
from invoicery.store.snapshots import snapshot
from tests.support.records import CREATED_AT


def _endpoint() -> Endpoint:
    return Endpoint(
        id=uuid4(),
        account_id=uuid4(),
        face=Face.V1,
        url="https://hooks.example.com/",
        created_at=CREATED_AT,
        updated_at=CREATED_AT,
        secret="whsec_c2VjcmV0",
    )


def test_disabled_reasons_in_meteroids_words() -> None:
    endpoint = _endpoint()
    assert endpoint_document(endpoint)["disabled_reason"] is None
    manual = endpoint.disable(MANUALLY_DISABLED, now=CREATED_AT)
    assert endpoint_document(manual)["disabled_reason"] == "MANUAL"
    gone = endpoint.failed(now=CREATED_AT, gone=True, error="HTTP 410")
    assert endpoint_document(gone)["disabled_reason"] == "GONE"
    failing = endpoint.failed(now=CREATED_AT, gone=False, error="HTTP 500")
    later = CREATED_AT + DISABLE_AFTER
    tired = failing.failed(now=later, gone=False, error="HTTP 500")
    assert tired.disabled
    assert endpoint_document(tired)["disabled_reason"] == "AUTO_FAILURES"
    assert "secret" not in endpoint_document(tired)


def test_coupon_events_carry_meteroids_coupon_fields_without_absent_ones() -> None:
    coupon = Coupon(
        id=uuid4(),
        account_id=uuid4(),
        code="TEN",
        description=None,
        discount=Discount(kind=DiscountKind.PERCENTAGE, percentage=Decimal("10")),
        expires_at=None,
        redemption_limit=3,
        redemptions=0,
        created_at=CREATED_AT,
    )
    archived = new_event(
        account_id=coupon.account_id,
        type=EventType.COUPON_ARCHIVED,
        subject_id="cpn_x",
        snapshot=snapshot(coupon),
    )
    fields = event_fields(archived, "UTC")
    assert fields["coupon_id"].startswith("cpn_")
    assert fields["code"] == "TEN"
    assert fields["discount"] == {"type": "Percentage", "percentage": "10"}
    assert fields["redemption_limit"] == 3
    assert (fields["reusable"], fields["disabled"]) == (True, True)
    assert "description" not in fields
    assert "expires_at" not in fields
