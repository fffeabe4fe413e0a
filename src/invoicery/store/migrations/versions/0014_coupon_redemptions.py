"""Coupon redemptions: which customer redeemed which coupon, with which invoice

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-10
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import invoicery.store.types

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The redemptions counted before this revision, from the coupons each finalized (or since
# voided or uncollectible) invoice stored, as `coupons.redemptions` counted them. Ids are
# compared as text: the JSON holds them with dashes; SQLite stores a UUID as 32 hex digits.
_BACKFILL = {
    "postgresql": """
        INSERT INTO coupon_redemptions
            (account_id, coupon_id, invoice_id, customer_id, redeemed_at)
        SELECT DISTINCT i.account_id, c.id, i.id, i.customer_id,
               COALESCE(i.finalized_at, i.created_at)
        FROM invoices AS i
        CROSS JOIN LATERAL jsonb_array_elements(i.coupons) AS applied(value)
        JOIN coupons AS c
          ON c.account_id = i.account_id AND c.id::text = applied.value ->> 'coupon_id'
        WHERE i.lifecycle <> 'draft'
    """,
    "sqlite": """
        INSERT INTO coupon_redemptions
            (account_id, coupon_id, invoice_id, customer_id, redeemed_at)
        SELECT DISTINCT i.account_id, c.id, i.id, i.customer_id,
               COALESCE(i.finalized_at, i.created_at)
        FROM invoices AS i, json_each(i.coupons) AS applied
        JOIN coupons AS c
          ON c.account_id = i.account_id
         AND c.id = replace(json_extract(applied.value, '$.coupon_id'), '-', '')
        WHERE i.lifecycle <> 'draft'
    """,
}


def upgrade() -> None:
    # A new table only: no batch mode, which on SQLite would copy `invoices` and drop the
    # triggers that keep its list counts.
    op.create_table(
        "coupon_redemptions",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("coupon_id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("redeemed_at", invoicery.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id", "coupon_id"],
            ["coupons.account_id", "coupons.id"],
            name=op.f("fk_coupon_redemptions_account_id_coupon_id_coupons"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "customer_id"],
            ["customers.account_id", "customers.id"],
            name=op.f("fk_coupon_redemptions_account_id_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "invoice_id"],
            ["invoices.account_id", "invoices.id"],
            name=op.f("fk_coupon_redemptions_account_id_invoice_id_invoices"),
        ),
        sa.PrimaryKeyConstraint(
            "account_id", "coupon_id", "invoice_id", name=op.f("pk_coupon_redemptions")
        ),
    )
    op.create_index(
        "ix_coupon_redemptions_account_coupon_customer",
        "coupon_redemptions",
        ["account_id", "coupon_id", "customer_id"],
    )
    op.execute(_BACKFILL[op.get_bind().dialect.name])


def downgrade() -> None:
    op.drop_index("ix_coupon_redemptions_account_coupon_customer", table_name="coupon_redemptions")
    op.drop_table("coupon_redemptions")
