"""AP status derivation from the stored facts, on the account's today."""

from __future__ import annotations

from datetime import date

import pytest

from invoicery.domain.status import ApStatus, InvoiceState, Lifecycle, PaymentStatus, ap_status

TODAY = date(2026, 3, 10)


def state(**changes: object) -> InvoiceState:
    base: dict[str, object] = {
        "lifecycle": Lifecycle.FINALIZED,
        "payment_status": PaymentStatus.UNPAID,
        "payment_pending": False,
        "archived": False,
        "due_date": TODAY,
    }
    return InvoiceState(**{**base, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, ApStatus.UPCOMING),
        ({"due_date": date(2026, 3, 9)}, ApStatus.OVERDUE),
        ({"due_date": date(2027, 1, 1)}, ApStatus.UPCOMING),
        ({"payment_pending": True, "due_date": date(2020, 1, 1)}, ApStatus.RECEIVED),
        ({"payment_status": PaymentStatus.PAID, "due_date": date(2020, 1, 1)}, ApStatus.PAID),
        ({"payment_status": PaymentStatus.PARTIALLY_PAID}, ApStatus.UPCOMING),
        ({"lifecycle": Lifecycle.UNCOLLECTIBLE, "due_date": date(2030, 1, 1)}, ApStatus.OVERDUE),
        ({"lifecycle": Lifecycle.VOID}, ApStatus.ARCHIVED),
        ({"archived": True, "payment_status": PaymentStatus.PAID}, ApStatus.ARCHIVED),
        ({"lifecycle": Lifecycle.DRAFT}, None),
    ],
)
def test_ap_status(changes: dict[str, object], expected: ApStatus | None) -> None:
    assert ap_status(state(**changes), TODAY) == expected
