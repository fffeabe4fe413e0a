"""payments: transactions, invoice payment token and paid_at, server secrets

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import invoicery.store.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ACTIVE_PAYMENT = "payment_type = 'Payment' AND status IN ('Pending', 'Settled')"
_DUE_SETTLEMENT = "status = 'Pending'"


def upgrade() -> None:
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payment_token", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("paid_at", invoicery.store.types.UtcDateTime(timezone=True), nullable=True)
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_invoices_payment_token"), ["payment_token"]
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_invoices_account_id_id"), ["account_id", "id"]
        )

    op.create_table(
        "server_secrets",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.Column("created_at", invoicery.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_server_secrets")),
    )
    op.create_table(
        "transactions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("payment_type", sa.String(length=16), nullable=False),
        sa.Column("payment_method_type", sa.String(length=16), nullable=False),
        sa.Column("card_brand", sa.String(length=20), nullable=True),
        sa.Column("card_last4", sa.String(length=4), nullable=True),
        sa.Column("account_number_hint", sa.String(length=4), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("provider_transaction_id", sa.String(length=100), nullable=True),
        sa.Column("settles_at", invoicery.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("processed_at", invoicery.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("created_at", invoicery.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", invoicery.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_transactions_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "invoice_id"],
            ["invoices.account_id", "invoices.id"],
            name=op.f("fk_transactions_account_id_invoice_id_invoices"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transactions")),
    )
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_transactions_account_invoice", ["account_id", "invoice_id", "id"], unique=False
        )
        batch_op.create_index(
            "uq_transactions_one_active_payment",
            ["account_id", "invoice_id"],
            unique=True,
            postgresql_where=sa.text(_ACTIVE_PAYMENT),
            sqlite_where=sa.text(_ACTIVE_PAYMENT),
        )
        batch_op.create_index(
            "ix_transactions_pending_settles_at",
            ["settles_at"],
            unique=False,
            postgresql_where=sa.text(_DUE_SETTLEMENT),
            sqlite_where=sa.text(_DUE_SETTLEMENT),
        )


def downgrade() -> None:
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.drop_index("ix_transactions_pending_settles_at")
        batch_op.drop_index("uq_transactions_one_active_payment")
        batch_op.drop_index("ix_transactions_account_invoice")

    op.drop_table("transactions")
    op.drop_table("server_secrets")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_invoices_account_id_id"), type_="unique")
        batch_op.drop_constraint(batch_op.f("uq_invoices_payment_token"), type_="unique")
        batch_op.drop_column("paid_at")
        batch_op.drop_column("payment_token")
