"""notifications: e-mails about invoices, each once; the accounts' e-mail settings;
a delivery rate limit per webhook endpoint

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from invoicery.store.types import UtcDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_DUE = "status IN ('pending', 'sending')"


def upgrade() -> None:
    with op.batch_alter_table("accounts") as accounts:
        accounts.add_column(
            sa.Column("reminders", sa.String(length=64), server_default="-3,0,7", nullable=False)
        )
        accounts.add_column(
            sa.Column("reminder_hour", sa.Integer(), server_default="9", nullable=False)
        )
        accounts.add_column(
            sa.Column("send_invoices", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        accounts.add_column(sa.Column("locale", sa.String(length=16), nullable=True))
    with op.batch_alter_table("customers") as customers:
        customers.add_column(sa.Column("locale", sa.String(length=35), nullable=True))
    with op.batch_alter_table("webhook_endpoints") as endpoints:
        endpoints.add_column(sa.Column("rate_limit_per_sec", sa.Integer(), nullable=True))
    op.create_table(
        "notifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("offset_days", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("recipients", _JSON, nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=True),
        sa.Column("lease", sa.Uuid(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", UtcDateTime(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.ForeignKeyConstraint(
            ["account_id", "invoice_id"],
            ["invoices.account_id", "invoices.id"],
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "id"),
        sa.UniqueConstraint("account_id", "invoice_id", "key"),
    )
    op.create_index(
        "ix_notifications_due",
        "notifications",
        ["next_attempt_at"],
        postgresql_where=sa.text(_DUE),
        sqlite_where=sa.text(_DUE),
    )
    op.create_table(
        "worker_marks",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("mark", sa.Uuid(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("worker_marks")
    op.drop_index("ix_notifications_due", table_name="notifications")
    op.drop_table("notifications")
    with op.batch_alter_table("webhook_endpoints") as endpoints:
        endpoints.drop_column("rate_limit_per_sec")
    with op.batch_alter_table("customers") as customers:
        customers.drop_column("locale")
    with op.batch_alter_table("accounts") as accounts:
        accounts.drop_column("locale")
        accounts.drop_column("send_invoices")
        accounts.drop_column("reminder_hour")
        accounts.drop_column("reminders")
