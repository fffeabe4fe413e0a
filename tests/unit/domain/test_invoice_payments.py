"""An invoice's amount due falls as payments settle it: PARTIALLY_PAID, then PAID."""

from __future__ import annotations

from datetime import timedelta

import pytest

from invoicery.domain.errors import ExceedsAmountDue, InvalidInput, InvalidState
from invoicery.domain.status import ApStatus, Lifecycle, PaymentStatus, ap_status
from tests.unit.domain.test_invoice import NOW, TODAY, invoice


def test_a_partial_payment_lowers_the_amount_due_and_the_rest_pays_it() -> None:
    partly = invoice().payment_received(500, now=NOW, today=TODAY)
    assert (partly.amount_due, partly.state.payment_status, partly.paid_at) == (
        1500,
        PaymentStatus.PARTIALLY_PAID,
        None,
    )
    assert (partly.total, partly.subtotal) == (2000, 2000)
    assert ap_status(partly.state, TODAY) is ApStatus.UPCOMING
    arrived = NOW - timedelta(days=1)
    paid = partly.payment_received(1500, now=NOW, today=TODAY, at=arrived)
    assert (paid.amount_due, paid.state.payment_status, paid.paid_at) == (
        0,
        PaymentStatus.PAID,
        arrived,
    )
    assert ap_status(paid.state, TODAY) is ApStatus.PAID


@pytest.mark.parametrize("amount", [0, -1])
def test_a_payment_must_be_positive(amount: int) -> None:
    with pytest.raises(InvalidInput) as raised:
        invoice().payment_received(amount, now=NOW, today=TODAY)
    assert not isinstance(raised.value, ExceedsAmountDue)


def test_more_than_the_amount_due_is_refused() -> None:
    with pytest.raises(ExceedsAmountDue):
        invoice().amount_settled(2001, now=NOW)


@pytest.mark.parametrize(
    "changes",
    [
        {"lifecycle": Lifecycle.DRAFT},
        {"lifecycle": Lifecycle.VOID},
        {"archived": True},
        {"payment_pending": True},
        {"payment_status": PaymentStatus.PAID},
    ],
)
def test_only_a_payable_invoice_takes_a_payment(changes: dict[str, object]) -> None:
    with pytest.raises(InvalidState):
        invoice(**changes).payment_received(1, now=NOW, today=TODAY)


def test_a_settled_payment_in_flight_leaves_nothing_due() -> None:
    paid = invoice().payment_submitted(now=NOW).payment_settled(now=NOW)
    assert (paid.amount_due, paid.state.payment_status) == (0, PaymentStatus.PAID)
