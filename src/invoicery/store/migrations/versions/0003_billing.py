"""billing v1: customer billing fields, invoice documents, coupons, credits, invoice counts

Live invoice counts per (account, id bucket, lifecycle) and (account, customer,
lifecycle) are kept by triggers on `invoices`, so rows written by any client are
counted. A bucket is the first 5 hex digits of the id (about 3 days of UUIDv7 ids); it
lets a deep page skip whole buckets instead of scanning every newer row.
PostgreSQL uses statement-level triggers with transition tables (one upsert per group
per statement, in key order, so concurrent writers never deadlock on them), enabled
ALWAYS so that bulk loads under ``session_replication_role = replica`` are counted too.
SQLite rebuilds a table on some batch operations and drops its triggers with it: a
later migration that rebuilds `invoices` on SQLite must re-create them (copy
`_SQLITE_TRIGGERS`).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import invoicery.store.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_EMPTY_LIST = sa.text("'[]'")
_LISTED = sa.text("archived_at IS NULL")


# The SQL below is assembled from constants only (no input), hence the S608 waivers.
_LIFECYCLES = ("draft", "finalized", "uncollectible", "void")
_COUNTS = ", ".join(f"n_{name}" for name in _LIFECYCLES)
_TRIGGERS = ("invoices_count_insert", "invoices_count_update", "invoices_count_delete")


def _upserts(changes: str) -> str:
    """Two statements adding the signed deltas of `changes` to both count tables."""
    per_lifecycle = ", ".join(
        f"coalesce(sum(d) FILTER (WHERE lifecycle = '{name}'), 0) AS n_{name}"
        for name in _LIFECYCLES
    )
    changed = " OR ".join(f"n_{name} <> 0" for name in _LIFECYCLES)
    add = ", ".join(f"n_{name} = t.n_{name} + EXCLUDED.n_{name}" for name in _LIFECYCLES)
    return f"""
    INSERT INTO account_invoice_counts AS t (account_id, bucket, {_COUNTS})
      SELECT * FROM (
        SELECT account_id, bucket, {per_lifecycle} FROM ({changes}) AS c
        GROUP BY account_id, bucket
      ) AS g WHERE {changed} ORDER BY account_id, bucket
      ON CONFLICT (account_id, bucket) DO UPDATE SET {add};
    INSERT INTO customer_invoice_counts AS t (account_id, customer_id, lifecycle, n)
      SELECT account_id, customer_id, lifecycle, sum(d) FROM ({changes}) AS c
      GROUP BY account_id, customer_id, lifecycle HAVING sum(d) <> 0
      ORDER BY account_id, customer_id, lifecycle
      ON CONFLICT (account_id, customer_id, lifecycle) DO UPDATE SET n = t.n + EXCLUDED.n;
    """  # noqa: S608


_NEW = (
    "SELECT account_id, customer_id, left(id::text, 5) AS bucket, lifecycle, 1 AS d "
    "FROM new_rows WHERE archived_at IS NULL"
)
_OLD = (
    "SELECT account_id, customer_id, left(id::text, 5) AS bucket, lifecycle, -1 AS d "
    "FROM old_rows WHERE archived_at IS NULL"
)

_POSTGRES_FUNCTION = f"""
CREATE FUNCTION invoicery_count_invoices() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {_upserts(_NEW)}
  ELSIF TG_OP = 'DELETE' THEN
    {_upserts(_OLD)}
  ELSE
    {_upserts(f"{_NEW} UNION ALL {_OLD}")}
  END IF;
  RETURN NULL;
END
$$
"""

_POSTGRES_TRIGGERS = (
    _POSTGRES_FUNCTION,
    "CREATE TRIGGER invoices_count_insert AFTER INSERT ON invoices "
    "REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION invoicery_count_invoices()",
    "CREATE TRIGGER invoices_count_update AFTER UPDATE ON invoices "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION invoicery_count_invoices()",
    "CREATE TRIGGER invoices_count_delete AFTER DELETE ON invoices "
    "REFERENCING OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION invoicery_count_invoices()",
    *(f"ALTER TABLE invoices ENABLE ALWAYS TRIGGER {name}" for name in _TRIGGERS),
)


def _sqlite_add(row: str) -> str:
    flags = ", ".join(f"{row}.lifecycle = '{name}'" for name in _LIFECYCLES)
    add = ", ".join(f"n_{name} = n_{name} + excluded.n_{name}" for name in _LIFECYCLES)
    return f"""
    INSERT INTO account_invoice_counts (account_id, bucket, {_COUNTS})
      SELECT {row}.account_id, substr({row}.id, 1, 5), {flags}
      WHERE {row}.archived_at IS NULL
      ON CONFLICT (account_id, bucket) DO UPDATE SET {add};
    INSERT INTO customer_invoice_counts (account_id, customer_id, lifecycle, n)
      SELECT {row}.account_id, {row}.customer_id, {row}.lifecycle, 1
      WHERE {row}.archived_at IS NULL
      ON CONFLICT (account_id, customer_id, lifecycle) DO UPDATE SET n = n + 1;
    """  # noqa: S608


def _sqlite_remove(row: str) -> str:
    take = ", ".join(f"n_{name} = n_{name} - ({row}.lifecycle = '{name}')" for name in _LIFECYCLES)
    return f"""
    UPDATE account_invoice_counts SET {take}
      WHERE {row}.archived_at IS NULL AND account_id = {row}.account_id
        AND bucket = substr({row}.id, 1, 5);
    UPDATE customer_invoice_counts SET n = n - 1
      WHERE {row}.archived_at IS NULL AND account_id = {row}.account_id
        AND customer_id = {row}.customer_id AND lifecycle = {row}.lifecycle;
    """  # noqa: S608


_SQLITE_TRIGGERS = (
    f"CREATE TRIGGER invoices_count_insert AFTER INSERT ON invoices BEGIN {_sqlite_add('NEW')} END",
    "CREATE TRIGGER invoices_count_update "
    "AFTER UPDATE OF id, account_id, customer_id, lifecycle, archived_at ON invoices "
    "WHEN (OLD.archived_at IS NULL) <> (NEW.archived_at IS NULL) "
    "OR OLD.lifecycle IS NOT NEW.lifecycle OR OLD.customer_id IS NOT NEW.customer_id "
    "OR OLD.account_id IS NOT NEW.account_id OR OLD.id IS NOT NEW.id "
    f"BEGIN {_sqlite_remove('OLD')} {_sqlite_add('NEW')} END",
    "CREATE TRIGGER invoices_count_delete AFTER DELETE ON invoices "
    f"BEGIN {_sqlite_remove('OLD')} END",
)


def _backfill(bucket: str) -> tuple[str, ...]:
    per_lifecycle = ", ".join(
        f"sum(CASE WHEN lifecycle = '{name}' THEN 1 ELSE 0 END)" for name in _LIFECYCLES
    )
    by_bucket = f"""
    INSERT INTO account_invoice_counts (account_id, bucket, {_COUNTS})
      SELECT account_id, {bucket}, {per_lifecycle} FROM invoices
      WHERE archived_at IS NULL GROUP BY account_id, {bucket}
    """  # noqa: S608
    by_customer = """
    INSERT INTO customer_invoice_counts (account_id, customer_id, lifecycle, n)
      SELECT account_id, customer_id, lifecycle, count(*) FROM invoices
      WHERE archived_at IS NULL GROUP BY account_id, customer_id, lifecycle
    """
    return by_bucket, by_customer


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("currency", sa.String(length=3), server_default="USD", nullable=False)
        )
        batch_op.add_column(sa.Column("phone", sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column("vat_number", sa.String(length=50), nullable=True))
        batch_op.add_column(
            sa.Column("is_tax_exempt", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("invoicing_emails", _JSON, server_default=_EMPTY_LIST, nullable=False)
        )
        batch_op.add_column(sa.Column("billing_address", _JSON, nullable=True))
        batch_op.add_column(sa.Column("shipping_address", _JSON, nullable=True))
        batch_op.add_column(
            sa.Column("custom_taxes", _JSON, server_default=_EMPTY_LIST, nullable=False)
        )

    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("purchase_order", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("reference", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("tax_amount", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("applied_credits", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("coupons", _JSON, server_default=_EMPTY_LIST, nullable=False))
        batch_op.add_column(
            sa.Column("tax_breakdown", _JSON, server_default=_EMPTY_LIST, nullable=False)
        )
        batch_op.add_column(sa.Column("customer_details", _JSON, nullable=True))
        batch_op.add_column(
            sa.Column("voided_at", invoicery.store.types.UtcDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "marked_uncollectible_at",
                invoicery.store.types.UtcDateTime(timezone=True),
                nullable=True,
            )
        )
        batch_op.create_index(
            "ix_invoices_account_listed",
            ["account_id", "id", "lifecycle"],
            unique=False,
            postgresql_where=_LISTED,
            sqlite_where=_LISTED,
        )

    op.create_table(
        "coupons",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("discount_type", sa.String(length=16), nullable=False),
        sa.Column("percentage", sa.String(length=20), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("expires_at", invoicery.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("redemption_limit", sa.Integer(), nullable=True),
        sa.Column("redemptions", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", invoicery.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_coupons_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coupons")),
        sa.UniqueConstraint("account_id", "code", name=op.f("uq_coupons_account_id_code")),
        sa.UniqueConstraint("account_id", "id", name=op.f("uq_coupons_account_id_id")),
    )
    op.create_table(
        "credit_entries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("balance_after", sa.BigInteger(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_at", invoicery.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "balance_after >= 0", name=op.f("ck_credit_entries_balance_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "customer_id"],
            ["customers.account_id", "customers.id"],
            name=op.f("fk_credit_entries_account_id_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_credit_entries_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_entries")),
    )
    with op.batch_alter_table("credit_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_credit_entries_account_customer",
            ["account_id", "customer_id", "currency", "id"],
            unique=False,
        )
    op.create_table(
        "account_invoice_counts",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("bucket", sa.String(length=5), nullable=False),
        *(
            sa.Column(f"n_{name}", sa.BigInteger(), server_default="0", nullable=False)
            for name in _LIFECYCLES
        ),
        sa.PrimaryKeyConstraint("account_id", "bucket", name=op.f("pk_account_invoice_counts")),
    )
    op.create_table(
        "customer_invoice_counts",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("lifecycle", sa.String(length=16), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "account_id", "customer_id", "lifecycle", name=op.f("pk_customer_invoice_counts")
        ),
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in _backfill("left(id::text, 5)" if postgres else "substr(id, 1, 5)"):
        op.execute(statement)
    for statement in _POSTGRES_TRIGGERS if postgres else _SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    for name in _TRIGGERS:
        if op.get_bind().dialect.name == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON invoices")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS invoicery_count_invoices()")
    op.drop_table("customer_invoice_counts")
    op.drop_table("account_invoice_counts")
    with op.batch_alter_table("credit_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_credit_entries_account_customer")
    op.drop_table("credit_entries")
    op.drop_table("coupons")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index("ix_invoices_account_listed")
        for column in (
            "marked_uncollectible_at",
            "voided_at",
            "customer_details",
            "tax_breakdown",
            "coupons",
            "applied_credits",
            "tax_amount",
            "reference",
            "purchase_order",
        ):
            batch_op.drop_column(column)
    with op.batch_alter_table("customers", schema=None) as batch_op:
        for column in (
            "custom_taxes",
            "shipping_address",
            "billing_address",
            "invoicing_emails",
            "is_tax_exempt",
            "vat_number",
            "phone",
            "currency",
        ):
            batch_op.drop_column(column)
