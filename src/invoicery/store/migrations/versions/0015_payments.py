"""Offline payments: any number of settled offline payments per invoice

The unique partial index that keeps one hosted-page payment in flight or settled per
invoice leaves out payments received offline (provider 'offline'), which may be many:
a partial wire, then a cheque for the rest.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-17
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEX = "uq_transactions_one_active_payment"
_BEFORE = "payment_type = 'Payment' AND status IN ('Pending', 'Settled')"
_AFTER = f"{_BEFORE} AND provider <> 'offline'"


def _one_active_payment(where: str) -> None:
    # Plain index operations: no batch mode, which on SQLite would copy the table.
    op.create_index(
        _INDEX,
        "transactions",
        ["account_id", "invoice_id"],
        unique=True,
        postgresql_where=sa.text(where),
        sqlite_where=sa.text(where),
    )


def upgrade() -> None:
    op.drop_index(_INDEX, table_name="transactions")
    _one_active_payment(_AFTER)


def downgrade() -> None:
    # Fails if an invoice has more than one settled payment: they cannot be unrecorded.
    op.drop_index(_INDEX, table_name="transactions")
    _one_active_payment(_BEFORE)
