"""Operator use cases for merchant accounts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban

from invoicery.domain import ids
from invoicery.domain.account import Account, is_valid_timezone
from invoicery.domain.einvoicing import OFF
from invoicery.domain.errors import InvalidInput, NotFound
from invoicery.domain.rate_limit import InvalidRateLimit, parse_rate_limit
from invoicery.domain.reminders import InvalidReminderSchedule, format_offsets, parse_offsets
from invoicery.einvoice import Profile
from invoicery.mail import SUPPORTED
from invoicery.service import einvoicing
from invoicery.service._time import utc_now
from invoicery.store import accounts, clients
from invoicery.store.database import Database

__all__ = ["SETTINGS", "get_or_create", "get_or_raise", "update_settings"]

SETTINGS = (
    "display_name",
    "country",
    "address_line1",
    "address_line2",
    "city",
    "postal_code",
    "tax_id",
    "timezone",
    "invoice_prefix",
    "brand_color",
    "reminders",
    "reminder_hour",
    "send_invoices",
    "locale",
    "rate_limit",
    "legal_name",
    "tax_registration",
    "iban",
    "bic",
    "contact_name",
    "contact_email",
    "contact_phone",
    "einvoicing",
)
_SELLER_TEXT = (
    "legal_name",
    "tax_registration",
    "iban",
    "bic",
    "contact_name",
    "contact_email",
    "contact_phone",
)
_EINVOICING = (OFF, *(profile.value for profile in Profile))
_YES = {"true": True, "yes": True, "on": True, "1": True}
_NO = {"false": False, "no": False, "off": False, "0": False}
_DEFAULT = {"", "default"}  # a rate limit of "default" clears the account's own


async def get_or_create(db: Database, *, name: str) -> Account:
    """The account called `name`, created with default settings if new."""
    async with db.write() as conn:
        account = await accounts.get_by_name(conn, name)
        if account is None:
            await accounts.insert(conn, account_id=ids.new_uuid7(), name=name, now=utc_now())
            account = await accounts.get_by_name(conn, name)
    assert account is not None
    return account


async def get_or_raise(db: Database, *, name: str) -> Account:
    """The account called `name`, or `NotFound`."""
    async with db.read() as conn:
        account = await accounts.get_by_name(conn, name)
    if account is None:
        raise NotFound(f"no account named {name!r}")
    return account


def _normalized(settings: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The settings as stored, and what is wrong with them (text from the CLI is parsed)."""
    values = dict(settings)
    errors: dict[str, str] = {}
    for name in sorted(set(settings) - set(SETTINGS)):
        errors[name] = "not an account setting"
    timezone = settings.get("timezone")
    if timezone is not None and not is_valid_timezone(timezone):
        errors["timezone"] = "not an IANA time zone (e.g. Europe/Berlin)"
    country = settings.get("country")
    if country is not None and not (len(country) == 2 and country.isalpha() and country.isupper()):
        errors["country"] = "must be an ISO 3166-1 alpha-2 code such as DE"
    if (reminders := settings.get("reminders")) is not None:
        try:
            values["reminders"] = format_offsets(parse_offsets(str(reminders)))
        except InvalidReminderSchedule as error:
            errors["reminders"] = error.message
    if (hour := settings.get("reminder_hour")) is not None:
        text = str(hour).strip()
        if not (text.isascii() and text.isdigit() and 0 <= int(text) <= 23):
            errors["reminder_hour"] = "must be an hour from 0 to 23"
        else:
            values["reminder_hour"] = int(text)
    if (send := settings.get("send_invoices")) is not None and not isinstance(send, bool):
        answer = {**_YES, **_NO}.get(str(send).strip().lower())
        if answer is None:
            errors["send_invoices"] = "must be true or false"
        values["send_invoices"] = answer
    if (locale := settings.get("locale")) is not None:
        language = str(locale).replace("_", "-").split("-")[0].lower()
        if language not in SUPPORTED:
            errors["locale"] = f"e-mail is written in {', '.join(SUPPORTED)}"
        values["locale"] = language
    for name in _SELLER_TEXT:  # an empty value clears the setting
        if (given := settings.get(name)) is not None:
            values[name] = str(given).strip() or None
    if values.get("iban"):
        values["iban"] = stdnum_iban.compact(values["iban"])
        if not stdnum_iban.is_valid(values["iban"]):
            errors["iban"] = "not a valid IBAN (check digits)"
    if values.get("bic"):
        values["bic"] = stdnum_bic.compact(values["bic"])
        if not stdnum_bic.is_valid(values["bic"]):
            errors["bic"] = "not a valid BIC"
    if (email := values.get("contact_email")) and "@" not in email:
        errors["contact_email"] = "not an e-mail address"
    if (einvoicing := settings.get("einvoicing")) is not None:
        values["einvoicing"] = str(einvoicing).strip().lower()
        if values["einvoicing"] not in _EINVOICING:
            errors["einvoicing"] = f"must be one of {', '.join(_EINVOICING)}"
    if (limit := settings.get("rate_limit")) is not None:
        text = str(limit).strip()
        try:
            values["rate_limit"] = None if text.lower() in _DEFAULT else str(parse_rate_limit(text))
        except InvalidRateLimit as error:
            errors["rate_limit"] = f"{error.message}, or default"
    return values, errors


def _ensure_einvoicing_possible(account: Account) -> None:
    """Refuse settings with which the account's e-invoicing profile cannot be valid."""
    if problems := einvoicing.setting_problems(account):
        profile = einvoicing.profile_of(account)
        assert profile is not None
        raise InvalidInput(
            f"e-invoicing ({profile.value}) needs these settings: {', '.join(problems)}",
            problems,
        )


async def update_settings(db: Database, *, name: str, settings: Mapping[str, Any]) -> Account:
    """Change some of an account's settings (creating the account if new).

    While e-invoicing is on (or being turned on), the seller data its profile requires
    must stay complete and valid: `InvalidInput` names each setting that is not.
    """
    values, errors = _normalized(settings)
    if errors:
        raise InvalidInput("invalid account settings", errors)
    account = await get_or_create(db, name=name)
    async with db.write() as conn:
        current = await accounts.get(conn, account.id)
        assert current is not None
        _ensure_einvoicing_possible(replace(current, **values))
        await accounts.update_settings(conn, account_id=account.id, settings=values)
        await clients.principals_changed(conn)  # time zone and rate limit are the caller's
        updated = await accounts.get(conn, account.id)
    assert updated is not None
    return updated
