"""Credit notes: custom properties, the e-invoice status and the e-invoice XML

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import invoicery.store.types

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    # Plain ADD COLUMNs, no batch mode (a batch copy of a table drops its triggers on SQLite).
    op.add_column(
        "credit_notes",
        sa.Column("custom_properties", _JSON, nullable=False, server_default=sa.text("'{}'")),
    )
    op.add_column("credit_notes", sa.Column("einvoicing_status", sa.String(length=16)))
    op.add_column("credit_notes", sa.Column("einvoicing_errors", _JSON))
    op.create_table(
        "credit_note_einvoices",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("credit_note_id", sa.Uuid(), nullable=False),
        sa.Column("profile", sa.String(length=16), nullable=False),
        sa.Column("xml", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", invoicery.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id", "credit_note_id"],
            ["credit_notes.account_id", "credit_notes.id"],
            name=op.f("fk_credit_note_einvoices_account_id_credit_note_id_credit_notes"),
        ),
        sa.PrimaryKeyConstraint(
            "account_id", "credit_note_id", name=op.f("pk_credit_note_einvoices")
        ),
    )


def downgrade() -> None:
    op.drop_table("credit_note_einvoices")
    # Plain DROP COLUMNs, for the same reason (SQLite has them since 3.35).
    op.drop_column("credit_notes", "einvoicing_errors")
    op.drop_column("credit_notes", "einvoicing_status")
    op.drop_column("credit_notes", "custom_properties")
