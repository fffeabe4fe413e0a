"""Domain records with plain defaults, for tests that need one without a database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from invoicery.domain.customer import Customer

CREATED_AT = datetime(2026, 3, 1, 12, tzinfo=UTC)


def customer(**changes: Any) -> Customer:
    """A live customer named Ada in a fresh account, with `changes` applied."""
    base = Customer(
        id=uuid4(),
        account_id=uuid4(),
        name="Ada",
        email="ada@example.com",
        company_name=None,
        external_id=None,
        created_at=CREATED_AT,
        archived_at=None,
    )
    return replace(base, **changes)
