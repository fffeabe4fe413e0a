"""The schema as SQLAlchemy Core tables. Changed only together with an Alembic migration.

Every tenant-owned table carries `account_id`, and its unique constraints and
foreign keys include it, so rows of two accounts can never reference each other and
the schema can later be distributed by account.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    false,
    text,
    true,
)

from invoicery.store.types import JsonDocument, UtcDateTime

__all__ = [
    "access_tokens",
    "account_invoice_counts",
    "accounts",
    "api_clients",
    "coupon_redemptions",
    "coupons",
    "credit_entries",
    "credit_note_einvoices",
    "customer_invoice_counts",
    "customers",
    "document_cache",
    "einvoices",
    "events",
    "idempotency_keys",
    "invoice_documents",
    "invoices",
    "metadata",
    "server_secrets",
    "transactions",
    "webhook_attempts",
    "webhook_deliveries",
    "webhook_endpoints",
]

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_N_label)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("display_name", String(200)),
    Column("country", String(2)),
    Column("address_line1", String(200)),
    Column("address_line2", String(200)),
    Column("city", String(100)),
    Column("postal_code", String(20)),
    Column("tax_id", String(50)),
    Column("timezone", String(64), nullable=False, server_default="UTC"),
    Column("invoice_prefix", String(20), nullable=False, server_default="INV-"),
    Column("brand_color", String(7)),
    Column("last_invoice_seq", BigInteger, nullable=False, server_default="0"),
    Column("created_at", UtcDateTime, nullable=False),
    # e-mail (migration 0008): reminder days relative to the due date, the local hour they
    # go out, whether new invoices are mailed, the language of the account's e-mails
    Column("reminders", String(64), nullable=False, server_default="-3,0,7"),
    Column("reminder_hour", Integer, nullable=False, server_default="9"),
    Column("send_invoices", Boolean, nullable=False, server_default=true()),
    Column("locale", String(16)),
    # rate limits (migration 0010): the account's API request limit, e.g. "5/s"; NULL is
    # the server's default (see domain.rate_limit)
    Column("rate_limit", String(32)),
    # e-invoicing (migration 0013): the seller data EN 16931 needs beside the address and
    # `tax_id` (the VAT id), and the profile new invoices are issued in ('off': none)
    Column("legal_name", String(200)),
    Column("tax_registration", String(50)),
    Column("iban", String(34)),
    Column("bic", String(11)),
    Column("contact_name", String(200)),
    Column("contact_email", String(320)),
    Column("contact_phone", String(50)),
    Column("einvoicing", String(16), nullable=False, server_default="off"),
    # credit notes (migration 0016): the last number of the account's credit note series
    Column("last_credit_note_seq", BigInteger, nullable=False, server_default="0"),
)

api_clients = Table(
    "api_clients",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("account_id", Uuid, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("secret_hash", String(64), nullable=False),
    Column("scopes", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime),
    # migration 0012: a client exchanges its secret for tokens; an API key is the bearer
    # token itself (its digest in `secret_hash`). Both are pinned to a billing-v1 version.
    Column("kind", String(16), nullable=False, server_default="client"),
    Column("api_version", String(16), nullable=False, server_default="2026-03"),
    Index("ix_api_clients_secret_hash", "secret_hash"),
)

access_tokens = Table(
    "access_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("client_id", Uuid, ForeignKey("api_clients.id"), nullable=False, index=True),
    Column("account_id", Uuid, ForeignKey("accounts.id"), nullable=False),
    Column("scopes", Text, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
)

customers = Table(
    "customers",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("account_id", Uuid, ForeignKey("accounts.id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("email", String(320), nullable=False),
    Column("company_name", String(200)),
    Column("external_id", String(200)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("archived_at", UtcDateTime),
    # billing-v1 fields (migration 0003); `external_id` is the alias, `email` the billing e-mail
    Column("currency", String(3), nullable=False, server_default="USD"),
    Column("phone", String(50)),
    Column("vat_number", String(50)),
    Column("is_tax_exempt", Boolean, nullable=False, server_default=false()),
    Column("invoicing_emails", JsonDocument, nullable=False, server_default=text("'[]'")),
    Column("billing_address", JsonDocument),
    Column("shipping_address", JsonDocument),
    Column("custom_taxes", JsonDocument, nullable=False, server_default=text("'[]'")),
    Column("locale", String(35)),  # migration 0008: the language of its e-mails
    # migration 0012: what billing-v1 2026-10 adds (`locale` is its first preferred locale)
    Column("customer_type", String(16)),
    Column("first_name", String(200)),
    Column("last_name", String(200)),
    Column("legal_number", String(100)),
    Column("buyer_reference", String(200)),
    Column("exemption_reason", Text),
    Column("preferred_locales", JsonDocument, nullable=False, server_default=text("'[]'")),
    Column("custom_properties", JsonDocument, nullable=False, server_default=text("'{}'")),
    UniqueConstraint("account_id", "id"),
    UniqueConstraint("account_id", "external_id"),
    Index("ix_customers_account_created", "account_id", "id"),
    Index("ix_customers_account_company", "account_id", "company_name", "id"),
)

invoices = Table(
    "invoices",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("account_id", Uuid, ForeignKey("accounts.id"), nullable=False),
    Column("customer_id", Uuid, nullable=False),
    Column("invoice_number", String(40)),
    Column("currency", String(3), nullable=False),
    Column("lifecycle", String(16), nullable=False),
    Column("payment_status", String(16), nullable=False),
    Column("payment_pending", Boolean, nullable=False, server_default=false()),
    Column("archived_at", UtcDateTime),
    Column("invoice_date", Date, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("memo", Text),
    Column("exclude_from_autopay", Boolean, nullable=False, server_default=false()),
    Column("line_items", JsonDocument, nullable=False),
    Column("subtotal", BigInteger, nullable=False),
    Column("total", BigInteger, nullable=False),
    Column("amount_due", BigInteger, nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("finalized_at", UtcDateTime),
    Column("last_notification_at", UtcDateTime),
    Column("payment_token", String(64), unique=True),
    Column("paid_at", UtcDateTime),
    # billing-v1 document fields (migration 0003)
    Column("purchase_order", Text),
    Column("reference", Text),
    Column("tax_amount", BigInteger, nullable=False, server_default="0"),
    Column("applied_credits", BigInteger, nullable=False, server_default="0"),
    Column("coupons", JsonDocument, nullable=False, server_default=text("'[]'")),
    Column("tax_breakdown", JsonDocument, nullable=False, server_default=text("'[]'")),
    Column("customer_details", JsonDocument),
    Column("voided_at", UtcDateTime),
    Column("marked_uncollectible_at", UtcDateTime),
    # migration 0012: billing-v1 2026-10's user-defined values
    Column("custom_properties", JsonDocument, nullable=False, server_default=text("'{}'")),
    # migration 0013: the e-invoice issued at finalization (NULL: the account had it off),
    # GENERATED or FAILED, with the reasons of a failure
    Column("einvoicing_status", String(16)),
    Column("einvoicing_errors", JsonDocument),
    ForeignKeyConstraint(["account_id", "customer_id"], ["customers.account_id", "customers.id"]),
    UniqueConstraint("account_id", "invoice_number"),
    UniqueConstraint("account_id", "id"),
    Index("ix_invoices_account_created", "account_id", "id"),
    Index("ix_invoices_account_customer", "account_id", "customer_id", "id"),
    Index("ix_invoices_account_due", "account_id", "due_date", "id"),
    # billing-v1 2026-10's default order (migration 0012): by invoice date, archived hidden
    Index(
        "ix_invoices_account_dated",
        "account_id",
        "invoice_date",
        "id",
        postgresql_where=text("archived_at IS NULL"),
        sqlite_where=text("archived_at IS NULL"),
    ),
    # billing-v1 list filtered by e-invoicing status (migration 0013): only e-invoices
    Index(
        "ix_invoices_account_einvoicing",
        "account_id",
        "einvoicing_status",
        "id",
        postgresql_where=text("einvoicing_status IS NOT NULL AND archived_at IS NULL"),
        sqlite_where=text("einvoicing_status IS NOT NULL AND archived_at IS NULL"),
    ),
    # billing-v1 list: index-only scans newest first, filtered by lifecycle, archived hidden
    Index(
        "ix_invoices_account_listed",
        "account_id",
        "id",
        "lifecycle",
        postgresql_where=text("archived_at IS NULL"),
        sqlite_where=text("archived_at IS NULL"),
    ),
)

server_secrets = Table(
    "server_secrets",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", String(128), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

# One hosted-page payment in flight or settled per invoice (offline ones: any number; 0015)
_ACTIVE_PAYMENT = text(
    "payment_type = 'Payment' AND status IN ('Pending', 'Settled') AND provider <> 'offline'"
)
_DUE_SETTLEMENT = text("status = 'Pending'")

transactions = Table(
    "transactions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("account_id", Uuid, ForeignKey("accounts.id"), nullable=False),
    Column("invoice_id", Uuid, nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(16), nullable=False),
    Column("payment_type", String(16), nullable=False),
    Column("payment_method_type", String(16), nullable=False),
    Column("card_brand", String(20)),
    Column("card_last4", String(4)),
    Column("account_number_hint", String(4)),
    Column("error", Text),
    Column("provider", String(32), nullable=False),
    Column("provider_transaction_id", String(100)),
    Column("settles_at", UtcDateTime),
    Column("processed_at", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    ForeignKeyConstraint(["account_id", "invoice_id"], ["invoices.account_id", "invoices.id"]),
    Index("ix_transactions_account_invoice", "account_id", "invoice_id", "id"),
    Index(
        "uq_transactions_one_active_payment",
        "account_id",
        "invoice_id",
        unique=True,
        postgresql_where=_ACTIVE_PAYMENT,
        sqlite_where=_ACTIVE_PAYMENT,
    ),
    Index(
        "ix_transactions_pending_settles_at",
        "settles_at",
        postgresql_where=_DUE_SETTLEMENT,
        sqlite_where=_DUE_SETTLEMENT,
    ),
)

# --- billing v1 (migration 0003) -------------------------------------------------------

coupons = Table(
    "coupons",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("account_id", Uuid, ForeignKey("accounts.id"), nullable=False),
    Column("code", String(100), nullable=False),
    Column("description", Text),
    Column("discount_type", String(16), nullable=False),
    Column("percentage", String(20)),
    Column("amount", BigInteger),
    Column("currency", String(3)),
    Column("expires_at", UtcDateTime),
    Column("redemption_limit", Integer),
    Column("redemptions", Integer, nullable=False, server_default="0"),
    Column("created_at", UtcDateTime, nullable=False),
    # migration 0012: Meteroid's coupon life cycle and terms
    Column("reusable", Boolean, nullable=False, server_default=true()),
    Column("recurring_value", Integer),
    Column("disabled", Boolean, nullable=False, server_default=false()),
    Column("archived_at", UtcDateTime),
    UniqueConstraint("account_id", "id"),
    UniqueConstraint("account_id", "code"),
)

credit_entries = Table(
    "credit_entries",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("account_id", Uuid, ForeignKey("accounts.id"), nullable=False),
    Column("customer_id", Uuid, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("balance_after", BigInteger, nullable=False),
    Column("invoice_id", Uuid),
    Column("description", Text),
    Column("created_at", UtcDateTime, nullable=False),
    ForeignKeyConstraint(["account_id", "customer_id"], ["customers.account_id", "customers.id"]),
    CheckConstraint("balance_after >= 0", name="balance_not_negative"),
    Index("ix_credit_entries_account_customer", "account_id", "customer_id", "currency", "id"),
)

# --- credit notes (migration 0016) ----------------------------------------------------

# A correction of a finalized invoice; its lines and tax breakdown as JSON, amounts
# positive minor units, numbered from the account's own series at finalization.
credit_notes = Table(
    "credit_notes",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("account_id", Uuid, ForeignKey("accounts.id"), nullable=False),
    Column("invoice_id", Uuid, nullable=False),
    Column("customer_id", Uuid, nullable=False),
    Column("credit_note_number", String(40)),
    Column("invoice_number", String(40), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(16), nullable=False),
    Column("credit_to", String(24), nullable=False),
    Column("reason", Text),
    Column("memo", Text),
    Column("line_items", JsonDocument, nullable=False),
    Column("tax_breakdown", JsonDocument, nullable=False),
    Column("subtotal", BigInteger, nullable=False),
    Column("tax_amount", BigInteger, nullable=False),
    Column("total", BigInteger, nullable=False),
    Column("refunded_amount", BigInteger, nullable=False, server_default="0"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("finalized_at", UtcDateTime),
    Column("voided_at", UtcDateTime),
    Column("custom_properties", JsonDocument, nullable=False, server_default=text("'{}'")),
    Column("einvoicing_status", String(16)),
    Column("einvoicing_errors", JsonDocument),
    ForeignKeyConstraint(["account_id", "invoice_id"], ["invoices.account_id", "invoices.id"]),
    ForeignKeyConstraint(["account_id", "customer_id"], ["customers.account_id", "customers.id"]),
    UniqueConstraint("account_id", "id"),
    UniqueConstraint("account_id", "credit_note_number"),
    Index("ix_credit_notes_account_invoice", "account_id", "invoice_id", "id"),
    Index("ix_credit_notes_account_customer", "account_id", "customer_id", "id"),
)

# The EN 16931 XML of each credit note finalized while its account had e-invoicing on
# (migration 0017): as `einvoices`, written with the finalization and never changed.
credit_note_einvoices = Table(
    "credit_note_einvoices",
    metadata,
    Column("account_id", Uuid, primary_key=True),
    Column("credit_note_id", Uuid, primary_key=True),
    Column("profile", String(16), nullable=False),
    Column("xml", LargeBinary, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    ForeignKeyConstraint(
        ["account_id", "credit_note_id"], ["credit_notes.account_id", "credit_notes.id"]
    ),
)

# --- coupon redemptions (migration 0014) -----------------------------------------------

# One row per coupon an invoice redeemed, written with its finalization (beside the
# `coupons.redemptions` count) and kept when the invoice is voided: which customers have
# redeemed a coupon, so one that is not reusable is refused a second time (see
# invoicery.domain.coupons).
coupon_redemptions = Table(
    "coupon_redemptions",
    metadata,
    Column("account_id", Uuid, primary_key=True),
    Column("coupon_id", Uuid, primary_key=True),
    Column("invoice_id", Uuid, primary_key=True),
    Column("customer_id", Uuid, nullable=False),
    Column("redeemed_at", UtcDateTime, nullable=False),
    ForeignKeyConstraint(["account_id", "coupon_id"], ["coupons.account_id", "coupons.id"]),
    ForeignKeyConstraint(["account_id", "customer_id"], ["customers.account_id", "customers.id"]),
    ForeignKeyConstraint(["account_id", "invoice_id"], ["invoices.account_id", "invoices.id"]),
    Index(
        "ix_coupon_redemptions_account_coupon_customer", "account_id", "coupon_id", "customer_id"
    ),
)

# Exact invoice counts for billing-v1 pagination, kept by database triggers on `invoices`
# (migration 0003; see invoicery.store.invoice_listing): live (not archived) invoices per
# lifecycle, per account in buckets of ids sharing their first 5 hex digits (about 3 days
# of UUIDv7 ids), and per customer. On SQLite, a migration that rebuilds the invoices
# table must re-create the triggers.
account_invoice_counts = Table(
    "account_invoice_counts",
    metadata,
    Column("account_id", Uuid, primary_key=True),
    Column("bucket", String(5), primary_key=True),
    Column("n_draft", BigInteger, nullable=False, server_default="0"),
    Column("n_finalized", BigInteger, nullable=False, server_default="0"),
    Column("n_uncollectible", BigInteger, nullable=False, server_default="0"),
    Column("n_void", BigInteger, nullable=False, server_default="0"),
)

customer_invoice_counts = Table(
    "customer_invoice_counts",
    metadata,
    Column("account_id", Uuid, primary_key=True),
    Column("customer_id", Uuid, primary_key=True),
    Column("lifecycle", String(16), primary_key=True),
    Column("n", BigInteger, nullable=False),
)

# --- documents (migration 0004) --------------------------------------------------------

# Rendered invoice PDFs shared by every server process, keyed by content version (the
# ETag); at most one version per invoice is kept (see invoicery.documents.repository),
# and the worker deletes copies older than INVOICERY_PDF_CACHE_DAYS (by created_at).
document_cache = Table(
    "document_cache",
    metadata,
    Column("account_id", Uuid, primary_key=True),
    Column("invoice_id", Uuid, primary_key=True),
    Column("etag", String(64), primary_key=True),
    Column("content", LargeBinary, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    ForeignKeyConstraint(["account_id", "invoice_id"], ["invoices.account_id", "invoices.id"]),
    Index("ix_document_cache_created_at", "created_at"),
)

# --- stored wire documents (migration 0011) -----------------------------------------------

# Each invoice's wire document as one face renders it, kept for the invoice's `version` it
# was rendered from (see invoicery.store.invoice_documents); at most one row per face.
invoice_documents = Table(
    "invoice_documents",
    metadata,
    Column("account_id", Uuid, primary_key=True),
    Column("invoice_id", Uuid, primary_key=True),
    Column("face", String(32), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("body", LargeBinary, nullable=False),
    ForeignKeyConstraint(["account_id", "invoice_id"], ["invoices.account_id", "invoices.id"]),
)

# --- e-invoices (migration 0013) --------------------------------------------------------

# The EN 16931 XML of each invoice issued while its account had e-invoicing on, written
# with its finalization and never changed: the legal document as it was issued (see
# invoicery.service.einvoicing). `profile` is the syntax it is in.
einvoices = Table(
    "einvoices",
    metadata,
    Column("account_id", Uuid, primary_key=True),
    Column("invoice_id", Uuid, primary_key=True),
    Column("profile", String(16), nullable=False),
    Column("xml", LargeBinary, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    ForeignKeyConstraint(["account_id", "invoice_id"], ["invoices.account_id", "invoices.id"]),
)

# --- events (migration 0006) -------------------------------------------------------------

# One row per state change, inserted in the transaction of the change itself (the outbox
# every side effect is derived from; see invoicery.domain.events). Listed newest first
# per account; the worker deletes rows older than INVOICERY_EVENT_RETENTION_DAYS.
events = Table(
    "events",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("account_id", Uuid, ForeignKey("accounts.id"), nullable=False),
    Column("type", String(64), nullable=False),
    Column("subject_id", String(64), nullable=False),
    Column("snapshot", JsonDocument, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_events_account_id_id", "account_id", "id"),
    Index("ix_events_created_at", "created_at"),
)

# --- webhooks (migration 0007) -----------------------------------------------------------

# Where an account's events are POSTed: AP subscriptions (`topic`, a Bearer `secret` sent
# as is) and billing-v1 endpoints (`event_types`, `headers`, `whsec_` signing secrets) in
# one table, told apart by `face` (see invoicery.domain.webhooks). `fanout_mark` is the
# worker's high-water mark: it has turned every matching event up to it into deliveries.
webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("account_id", Uuid, ForeignKey("accounts.id"), nullable=False),
    Column("face", String(8), nullable=False),
    Column("url", Text, nullable=False),
    Column("topic", String(64)),
    Column("description", Text),
    Column("event_types", JsonDocument, nullable=False),
    Column("headers", JsonDocument, nullable=False),
    Column("secret", Text),
    Column("previous_secret", Text),
    Column("previous_secret_expires_at", UtcDateTime),
    Column("disabled", Boolean, nullable=False, server_default=false()),
    Column("disabled_reason", Text),
    Column("consecutive_failures", Integer, nullable=False, server_default="0"),
    Column("failing_since", UtcDateTime),
    Column("last_success_at", UtcDateTime),
    Column("last_failure_at", UtcDateTime),
    Column("fanout_mark", Uuid, nullable=False),
    Column("rate_limit_per_sec", Integer),  # migration 0008
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("account_id", "id"),
    Index("ix_webhook_endpoints_account_id_face_id", "account_id", "face", "id"),
)

_DUE_DELIVERY = text("status IN ('pending', 'sending')")

# One event for one endpoint: the body as posted (built once, so every attempt sends the
# same bytes) and how the attempts went. Due rows (pending, or sending with an expired
# lease) are claimed by `next_attempt_at`; the worker deletes finished rows with the events.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("account_id", Uuid, ForeignKey("accounts.id"), nullable=False),
    Column("endpoint_id", Uuid, nullable=False),
    Column("event_id", Uuid, nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("payload", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime),
    Column("lease", Uuid),
    Column("last_attempt_at", UtcDateTime),
    Column("last_status_code", Integer),
    Column("last_duration_ms", Integer),
    Column("last_response", Text),
    Column("last_error", Text),
    Column("delivered_at", UtcDateTime),
    Column("failed_reason", Text),
    Column("created_at", UtcDateTime, nullable=False),
    ForeignKeyConstraint(
        ["account_id", "endpoint_id"],
        ["webhook_endpoints.account_id", "webhook_endpoints.id"],
        ondelete="CASCADE",
    ),
    UniqueConstraint("account_id", "id"),
    UniqueConstraint("account_id", "endpoint_id", "event_id"),
    Index(
        "ix_webhook_deliveries_due",
        "next_attempt_at",
        postgresql_where=_DUE_DELIVERY,
        sqlite_where=_DUE_DELIVERY,
    ),
    Index("ix_webhook_deliveries_created_at", "created_at"),
)

# Every attempt of a delivery: when, what came back (a snippet of at most 1 KiB), how long
# it took, and when the next one is due.
webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("account_id", Uuid, ForeignKey("accounts.id"), nullable=False),
    Column("delivery_id", Uuid, nullable=False),
    Column("attempted_at", UtcDateTime, nullable=False),
    Column("status_code", Integer),
    Column("duration_ms", Integer, nullable=False),
    Column("response", Text),
    Column("error", Text),
    Column("next_attempt_at", UtcDateTime),
    ForeignKeyConstraint(
        ["account_id", "delivery_id"],
        ["webhook_deliveries.account_id", "webhook_deliveries.id"],
        ondelete="CASCADE",
    ),
    Index("ix_webhook_attempts_account_id_delivery_id_id", "account_id", "delivery_id", "id"),
)


# --- notifications (migration 0008) ------------------------------------------------------

_DUE_NOTIFICATION = text("status IN ('pending', 'sending')")

# One e-mail about one invoice. `key` makes it happen once: ``issued``, ``reminder:-3``,
# ``receipt:<transaction>``, ``resend:<id>``; a unique (account, invoice, key) means no
# two workers and no restart ever queue it twice. Due rows (pending, or sending with an
# expired lease) are claimed by `next_attempt_at`; `sent_at` is set only once the SMTP
# server accepted the message.
notifications = Table(
    "notifications",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("account_id", Uuid, ForeignKey("accounts.id"), nullable=False),
    Column("invoice_id", Uuid, nullable=False),
    Column("key", String(64), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("offset_days", Integer),
    Column("status", String(16), nullable=False),
    Column("recipients", JsonDocument, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UtcDateTime),
    Column("lease", Uuid),
    Column("last_error", Text),
    Column("sent_at", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    ForeignKeyConstraint(
        ["account_id", "invoice_id"], ["invoices.account_id", "invoices.id"], ondelete="CASCADE"
    ),
    UniqueConstraint("account_id", "invoice_id", "key"),
    UniqueConstraint("account_id", "id"),
    Index(
        "ix_notifications_due",
        "next_attempt_at",
        postgresql_where=_DUE_NOTIFICATION,
        sqlite_where=_DUE_NOTIFICATION,
    ),
)

# Where a worker task stands in the event log: every event up to `mark` has been handled,
# since it first ran at `created_at`.
worker_marks = Table(
    "worker_marks",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("mark", Uuid, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

# The first completed answer to a request with an `Idempotency-Key`, per API client,
# replayed byte for byte until `expires_at` (then the worker deletes it). `fingerprint`
# is what the request was (method, path, query and a hash of its body).
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("account_id", Uuid, ForeignKey("accounts.id"), primary_key=True),
    Column("client_id", Uuid, ForeignKey("api_clients.id"), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("status", Integer, nullable=False),
    Column("headers", JsonDocument, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
)
