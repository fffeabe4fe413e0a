"""E-invoicing: the account's seller data and profile, each invoice's e-invoice status and XML

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import invoicery.store.types

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_LISTED = "einvoicing_status IS NOT NULL AND archived_at IS NULL"

_ACCOUNT_COLUMNS = (
    "legal_name",
    "tax_registration",
    "iban",
    "bic",
    "contact_name",
    "contact_email",
    "contact_phone",
    "einvoicing",
)


def _account_columns() -> tuple[sa.Column[object], ...]:
    """New columns each time: a Column belongs to the one table it was added to."""
    return (
        sa.Column("legal_name", sa.String(length=200)),
        sa.Column("tax_registration", sa.String(length=50)),
        sa.Column("iban", sa.String(length=34)),
        sa.Column("bic", sa.String(length=11)),
        sa.Column("contact_name", sa.String(length=200)),
        sa.Column("contact_email", sa.String(length=320)),
        sa.Column("contact_phone", sa.String(length=50)),
        sa.Column("einvoicing", sa.String(length=16), nullable=False, server_default="off"),
    )


def upgrade() -> None:
    # Plain ADD COLUMNs, not batch mode: on SQLite a batch would copy `invoices` into a new
    # table and drop the triggers that keep its list counts.
    for column in _account_columns():
        op.add_column("accounts", column)
    op.add_column("invoices", sa.Column("einvoicing_status", sa.String(length=16)))
    op.add_column("invoices", sa.Column("einvoicing_errors", _JSON))
    op.create_index(
        "ix_invoices_account_einvoicing",
        "invoices",
        ["account_id", "einvoicing_status", "id"],
        postgresql_where=sa.text(_LISTED),
        sqlite_where=sa.text(_LISTED),
    )
    op.create_table(
        "einvoices",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("profile", sa.String(length=16), nullable=False),
        sa.Column("xml", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", invoicery.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id", "invoice_id"],
            ["invoices.account_id", "invoices.id"],
            name=op.f("fk_einvoices_account_id_invoice_id_invoices"),
        ),
        sa.PrimaryKeyConstraint("account_id", "invoice_id", name=op.f("pk_einvoices")),
    )


def downgrade() -> None:
    op.drop_table("einvoices")
    op.drop_index("ix_invoices_account_einvoicing", table_name="invoices")
    # Plain DROP COLUMNs, for the same reason (SQLite has them since 3.35).
    op.drop_column("invoices", "einvoicing_errors")
    op.drop_column("invoices", "einvoicing_status")
    for name in reversed(_ACCOUNT_COLUMNS):
        op.drop_column("accounts", name)
