"""Credit notes: the table, and each account's credit note number series

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-20
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import invoicery.store.types

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    # Plain statements, no batch mode: on SQLite a batch copy of a table drops its triggers.
    op.add_column(
        "accounts",
        sa.Column("last_credit_note_seq", sa.BigInteger(), server_default="0", nullable=False),
    )
    op.create_table(
        "credit_notes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("credit_note_number", sa.String(length=40), nullable=True),
        sa.Column("invoice_number", sa.String(length=40), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("credit_to", sa.String(length=24), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("memo", sa.Text(), nullable=True),
        sa.Column("line_items", _JSON, nullable=False),
        sa.Column("tax_breakdown", _JSON, nullable=False),
        sa.Column("subtotal", sa.BigInteger(), nullable=False),
        sa.Column("tax_amount", sa.BigInteger(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("refunded_amount", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("created_at", invoicery.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", invoicery.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("finalized_at", invoicery.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("voided_at", invoicery.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_credit_notes_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "invoice_id"],
            ["invoices.account_id", "invoices.id"],
            name=op.f("fk_credit_notes_account_id_invoice_id_invoices"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "customer_id"],
            ["customers.account_id", "customers.id"],
            name=op.f("fk_credit_notes_account_id_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_notes")),
        sa.UniqueConstraint("account_id", "id", name=op.f("uq_credit_notes_account_id_id")),
        sa.UniqueConstraint(
            "account_id",
            "credit_note_number",
            name=op.f("uq_credit_notes_account_id_credit_note_number"),
        ),
    )
    op.create_index(
        "ix_credit_notes_account_invoice", "credit_notes", ["account_id", "invoice_id", "id"]
    )
    op.create_index(
        "ix_credit_notes_account_customer", "credit_notes", ["account_id", "customer_id", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_credit_notes_account_customer", table_name="credit_notes")
    op.drop_index("ix_credit_notes_account_invoice", table_name="credit_notes")
    op.drop_table("credit_notes")
    op.drop_column("accounts", "last_credit_note_seq")  # plain DROP COLUMN (SQLite 3.35+)
