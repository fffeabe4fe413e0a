"""Account settings drive invoice numbers and the calendar ("today") of the AP face."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from invoicery.domain.account import today_in
from invoicery.service import accounts as account_service
from invoicery.store.database import Database
from tests.support.tenant import Tenant


async def test_the_invoice_prefix_is_used(tenant: Tenant, db: Database) -> None:
    await account_service.update_settings(
        db, name=tenant.account_name, settings={"invoice_prefix": "ACME-"}
    )
    assert (await tenant.invoice())["invoice_number"] == "ACME-000001"


@pytest.mark.parametrize("timezone", ["Pacific/Kiritimati", "Etc/GMT+12"])
async def test_today_is_the_accounts_date(tenant: Tenant, db: Database, timezone: str) -> None:
    await account_service.update_settings(
        db, name=tenant.account_name, settings={"timezone": timezone}
    )
    local_today = today_in(timezone, datetime.now(UTC))
    created = await tenant.invoice()
    assert created["due_date"] == local_today.isoformat()
    yesterday = (local_today - timedelta(days=1)).isoformat()
    response = await tenant.request(
        "POST",
        "/invoices",
        json={
            "customer_id": created["customer_id"],
            "line_items": [{"amount": 1}],
            "due_date": yesterday,
        },
    )
    assert response.status_code == 422
    assert local_today.isoformat() in response.json()["validation_errors"]["due_date"]
