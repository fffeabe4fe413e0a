"""Server settings, read from ``INVOICERY_*`` environment variables (and CLI flags)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from invoicery.documents.signing import parse_keys
from invoicery.domain.rate_limit import parse_rate_limit

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Everything an operator can configure; defaults give a working SQLite server."""

    # hide_input_in_errors: a rejected value may be a secret (signing keys, a database password)
    model_config = SettingsConfigDict(
        env_prefix="INVOICERY_", extra="ignore", hide_input_in_errors=True
    )

    data_dir: Path = Field(default=Path("data"), description="Where the SQLite file lives")
    database_url: str | None = Field(
        default=None, description="sqlite:///PATH or postgresql://USER@HOST:PORT/DB"
    )
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    public_url: str | None = Field(
        default=None, description="Base URL of links the API returns (default http://HOST:PORT)"
    )
    token_ttl_seconds: int = 3600
    max_body_bytes: int = 1024 * 1024
    body_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        description="A request body must arrive in full within this many seconds of the "
        "request's start; a slower one is answered 408 and its connection closed",
    )
    db_pool_size: int = Field(
        default=20,
        ge=2,
        description="Pooled database connections per server process for queries and "
        "transactions; on PostgreSQL a second pool of the same size serves the prepared hot "
        "reads (token lookup, invoice by id), so a process opens up to twice this many",
    )
    payment_processor: str = Field(default="sandbox", description="Processor for hosted payments")
    processor_timeout_seconds: float = Field(
        default=20.0, gt=0, description="A processor call taking longer fails (retryable)"
    )
    ach_settlement_seconds: float | None = Field(
        default=None,
        ge=0,
        description="Delay before an ACH debit settles (default: 1 business day)",
    )
    page_secret: str | None = Field(
        default=None,
        description="HMAC key of the hosted page's CSRF tokens; unset: SQLite keeps a generated "
        "key in DATA_DIR/page-secret.key (mode 0600), PostgreSQL in the server_secrets table",
    )
    settlement_in_server: bool = Field(
        default=True, description="Run the ACH settlement worker inside each server process"
    )
    worker_poll_seconds: float = Field(
        default=1.0, gt=0, description="How often the worker looks for due settlements"
    )
    pdf_link_ttl: int = Field(
        default=900, gt=0, le=7 * 86400, description="Seconds a signed PDF link stays valid"
    )
    pdf_cache_days: int = Field(
        default=30,
        ge=1,
        description="Days a rendered PDF stays in the shared cache; the worker then deletes it "
        "and the next download renders it again",
    )
    event_retention_days: int = Field(
        default=30,
        ge=1,
        description="Days the event log keeps each event; the worker then deletes it",
    )
    webhook_allow_private: bool = Field(
        default=False,
        description="Deliver webhooks to loopback, link-local and private addresses too "
        "(development and tests); off, such targets are refused after DNS resolution",
    )
    webhook_poll_seconds: float = Field(
        default=1.0, gt=0, description="How often the worker looks for webhooks to deliver"
    )
    smtp_url: SecretStr | None = Field(
        default=None,
        description="Where e-mail goes: smtp://USER:PASS@HOST:PORT (STARTTLS when offered) or "
        "smtps://… (implicit TLS); unset: each message is written as an .eml file to "
        "DATA_DIR/outbox",
    )
    mail_from: str = Field(
        default="Invoicery <invoices@localhost>", description="The From of every e-mail"
    )
    mail_poll_seconds: float = Field(
        default=5.0, gt=0, description="How often the worker looks for e-mail to queue and send"
    )
    metrics: bool = Field(
        default=False,
        description="Serve Prometheus metrics at GET /metrics (404 when off); they carry no "
        "tenant data",
    )
    log_format: Literal["json", "text"] | None = Field(
        default=None,
        description="One log line per request and event: json (one object a line) or text; "
        "unset: json when stderr is not a terminal, text when it is",
    )
    rate_limit: str = Field(
        default="25/s burst 50",
        description="Requests each API client may make: N/s, N/min or N/h, optionally "
        "'burst M' (default: one unit's worth); an account's own limit "
        "(`invoicery accounts set NAME --rate-limit 5/s`) replaces it",
    )
    token_rate_limit_per_client: str = Field(
        default="10/min", description="Token requests per client id (against secret guessing)"
    )
    token_rate_limit_per_address: str = Field(
        default="30/min", description="Token requests per source address"
    )
    redis_url: SecretStr | None = Field(
        default=None,
        description="redis://[:PASSWORD@]HOST:PORT/DB (or rediss://): share rate limits with "
        "every server using it; unset: each server keeps them in its own memory, so "
        "`serve --workers` above 1 needs it",
    )
    signing_keys: SecretStr | None = Field(
        default=None,
        description="PDF link signing keys 'KID:SECRET,KID:SECRET' (the first signs, all verify); "
        "unset: SQLite keeps a generated key in DATA_DIR/link-signing.key (mode 0600), "
        "PostgreSQL in the server_secrets table",
    )

    @field_validator("signing_keys")
    @classmethod
    def _check_signing_keys(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value():
            parse_keys(value.get_secret_value())
        return value

    @field_validator("rate_limit", "token_rate_limit_per_client", "token_rate_limit_per_address")
    @classmethod
    def _check_rate_limit(cls, value: str) -> str:
        return str(parse_rate_limit(value))

    def resolved_database_url(self) -> str:
        """The configured database URL, or the default SQLite file in `data_dir`."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'invoicery.db').resolve()}"

    def resolved_public_url(self) -> str:
        """Base URL for absolute links, without a trailing slash."""
        if self.public_url:
            return self.public_url.rstrip("/")
        return f"http://{self.host}:{self.port}"
