"""A merchant account's settings and its calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["Account", "format_invoice_number", "is_valid_timezone", "today_in"]


@dataclass(frozen=True, slots=True)
class Account:
    """A tenant: the merchant whose invoices, customers and API clients these are."""

    id: UUID
    name: str
    display_name: str | None
    country: str | None
    address_line1: str | None
    address_line2: str | None
    city: str | None
    postal_code: str | None
    tax_id: str | None
    timezone: str
    invoice_prefix: str
    brand_color: str | None
    created_at: datetime
    reminders: str = "-3,0,7"  # days relative to the due date (see domain.reminders)
    reminder_hour: int = 9  # the local hour reminders go out
    send_invoices: bool = True  # whether a new invoice is mailed to its customer
    locale: str | None = None  # the language of its e-mails, unless the customer has one
    rate_limit: str | None = None  # its API clients' request limit (None: the server default)
    # e-invoicing (see invoicery.service.einvoicing): the seller data beside the address
    # and `tax_id` (the VAT id), and the profile invoices are issued in ("off": none)
    legal_name: str | None = None
    tax_registration: str | None = None  # e.g. a German Steuernummer
    iban: str | None = None
    bic: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    einvoicing: str = "off"


def is_valid_timezone(name: str) -> bool:
    """Whether `name` is an IANA time zone such as ``Europe/Berlin``."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def today_in(timezone: str, now: datetime) -> date:
    """The calendar date at instant `now` in the account's time zone."""
    return now.astimezone(ZoneInfo(timezone)).date()


def format_invoice_number(prefix: str, sequence: int) -> str:
    """The printed invoice number: prefix and a six-digit, zero-padded sequence."""
    return f"{prefix}{sequence:06d}"
