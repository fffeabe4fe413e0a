"""Which language an e-mail is written in, and amounts and dates formatted for it.

- `choose_language(customer_locale, account_locale)`: the customer's language if
  Invoicery has templates for it, else the account's, else English.
- `format_money(amount_minor, currency, language)`: "$1,234.56", "1.234,56 €", "¥1,235".
- `format_day(day, language)`: "March 5, 2026", "5. März 2026", "5 mars 2026".

Money never passes through a float: the `Decimal` is built exactly from the integer
minor units and printed with exactly the currency's ISO 4217 number of decimals.
"""

from __future__ import annotations

import copy
import re
from datetime import date
from decimal import Decimal
from typing import Final

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency

from invoicery.domain.money import exponent

__all__ = ["SUPPORTED", "choose_language", "format_day", "format_money"]

SUPPORTED: Final = ("en", "de", "fr")
"""The languages Invoicery has e-mail templates for; the first is the last resort."""

_DATE_FORMAT: Final = "long"
_LANGUAGE = re.compile(r"\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*\s*")


def _supported(locale: str | None) -> str | None:
    """The supported language `locale` names ("de-DE" -> "de"), or None."""
    if locale is None:
        return None
    match = _LANGUAGE.fullmatch(locale)
    if match is None:
        return None
    language = match.group(1).lower()
    return language if language in SUPPORTED else None


def choose_language(customer_locale: str | None, account_locale: str | None) -> str:
    """The e-mail language: the customer's if supported, else the account's, else "en"."""
    return _supported(customer_locale) or _supported(account_locale) or SUPPORTED[0]


def format_money(amount_minor: int, currency: str, language: str) -> str:
    """`amount_minor` minor units of `currency` as `language` writes it, all decimals kept."""
    digits = exponent(currency)
    value = Decimal(amount_minor).scaleb(-digits)
    locale = Locale.parse(language)
    pattern = copy.copy(locale.currency_formats["standard"])
    pattern.frac_prec = (digits, digits)
    return format_currency(value, currency, format=pattern, locale=locale, currency_digits=False)


def format_day(day: date, language: str) -> str:
    """`day` as `language` writes it in full ("March 5, 2026", "5. März 2026")."""
    return format_date(day, _DATE_FORMAT, locale=language)
