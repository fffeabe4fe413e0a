"""Operator use cases for merchant accounts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from invoicery.domain import ids
from invoicery.domain.account import Account, is_valid_timezone
from invoicery.domain.errors import InvalidInput, NotFound
from invoicery.service._time import utc_now
from invoicery.store import accounts
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
)


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


def _settings_errors(settings: Mapping[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    unknown = set(settings) - set(SETTINGS)
    for name in sorted(unknown):
        errors[name] = "not an account setting"
    timezone = settings.get("timezone")
    if timezone is not None and not is_valid_timezone(timezone):
        errors["timezone"] = "not an IANA time zone (e.g. Europe/Berlin)"
    country = settings.get("country")
    if country is not None and not (len(country) == 2 and country.isalpha() and country.isupper()):
        errors["country"] = "must be an ISO 3166-1 alpha-2 code such as DE"
    return errors


async def update_settings(db: Database, *, name: str, settings: Mapping[str, Any]) -> Account:
    """Change some of an account's settings (creating the account if new)."""
    errors = _settings_errors(settings)
    if errors:
        raise InvalidInput("invalid account settings", errors)
    account = await get_or_create(db, name=name)
    async with db.write() as conn:
        await accounts.update_settings(conn, account_id=account.id, settings=settings)
        updated = await accounts.get(conn, account.id)
    assert updated is not None
    return updated
