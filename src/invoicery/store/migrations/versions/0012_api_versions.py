"""billing-v1 2026-10: API keys and pinned versions, today's customer, invoice and coupon fields

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import invoicery.store.types

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


_ADDED = {
    "api_clients": ("kind", "api_version"),
    "customers": (
        "customer_type",
        "first_name",
        "last_name",
        "legal_number",
        "buyer_reference",
        "exemption_reason",
        "preferred_locales",
        "custom_properties",
    ),
    "invoices": ("custom_properties",),
    "coupons": ("reusable", "recurring_value", "disabled", "archived_at"),
}


def upgrade() -> None:
    # Plain ADD COLUMNs, not batch mode: on SQLite a batch would copy `invoices` into a new
    # table and drop the triggers that keep its list counts.
    op.add_column(
        "api_clients",
        sa.Column("kind", sa.String(length=16), nullable=False, server_default="client"),
    )
    # Clients made before versions existed keep the revision they were written against.
    op.add_column(
        "api_clients",
        sa.Column("api_version", sa.String(length=16), nullable=False, server_default="2026-03"),
    )
    op.create_index("ix_api_clients_secret_hash", "api_clients", ["secret_hash"])
    op.add_column("customers", sa.Column("customer_type", sa.String(length=16)))
    op.add_column("customers", sa.Column("first_name", sa.String(length=200)))
    op.add_column("customers", sa.Column("last_name", sa.String(length=200)))
    op.add_column("customers", sa.Column("legal_number", sa.String(length=100)))
    op.add_column("customers", sa.Column("buyer_reference", sa.String(length=200)))
    op.add_column("customers", sa.Column("exemption_reason", sa.Text()))
    op.add_column(
        "customers",
        sa.Column("preferred_locales", _JSON, nullable=False, server_default=sa.text("'[]'")),
    )
    op.add_column(
        "customers",
        sa.Column("custom_properties", _JSON, nullable=False, server_default=sa.text("'{}'")),
    )
    op.add_column(
        "invoices",
        sa.Column("custom_properties", _JSON, nullable=False, server_default=sa.text("'{}'")),
    )
    op.create_index(
        "ix_invoices_account_dated",
        "invoices",
        ["account_id", "invoice_date", "id"],
        postgresql_where=sa.text("archived_at IS NULL"),
        sqlite_where=sa.text("archived_at IS NULL"),
    )
    op.add_column(
        "coupons", sa.Column("reusable", sa.Boolean(), nullable=False, server_default=sa.true())
    )
    op.add_column("coupons", sa.Column("recurring_value", sa.Integer()))
    op.add_column(
        "coupons", sa.Column("disabled", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column(
        "coupons", sa.Column("archived_at", invoicery.store.types.UtcDateTime(timezone=True))
    )


def downgrade() -> None:
    op.drop_index("ix_invoices_account_dated", table_name="invoices")
    # Plain DROP COLUMNs, for the same reason (SQLite has them since 3.35).
    for table, columns in _ADDED.items():
        for name in reversed(columns):
            if (table, name) == ("api_clients", "kind"):
                op.drop_index("ix_api_clients_secret_hash", table_name="api_clients")
            op.drop_column(table, name)
