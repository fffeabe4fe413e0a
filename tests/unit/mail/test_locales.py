"""The e-mail language is chosen customer → account → English; amounts and dates per language."""

from __future__ import annotations

from datetime import date

import pytest

from invoicery.domain.money import UnknownCurrency
from invoicery.mail.locales import SUPPORTED, choose_language, format_day, format_money

NBSP = "\u00a0"
NNBSP = "\u202f"


def test_english_german_and_french_are_supported() -> None:
    assert set(SUPPORTED) >= {"en", "de", "fr"}
    assert SUPPORTED[0] == "en"


@pytest.mark.parametrize(
    ("customer", "account", "expected"),
    [
        ("de", None, "de"),
        ("de-DE", "fr", "de"),
        ("de_AT", "en", "de"),
        ("FR-ca", "de", "fr"),
        (" en-GB ", "de", "en"),
        ("zh-Hant-TW", "fr_FR", "fr"),
        ("es-ES", "de", "de"),
        ("es", "pt-BR", "en"),
        (None, "fr", "fr"),
        ("", "de", "de"),
        ("deu", "fr", "fr"),
        ("english", None, "en"),
        ("de--DE", "fr", "fr"),
        (None, None, "en"),
    ],
)
def test_choose_language(customer: str | None, account: str | None, expected: str) -> None:
    assert choose_language(customer, account) == expected


@pytest.mark.parametrize(
    ("minor", "currency", "language", "expected"),
    [
        (123456, "USD", "en", "$1,234.56"),
        (123456, "EUR", "de", f"1.234,56{NBSP}€"),
        (123456, "EUR", "fr", f"1{NNBSP}234,56{NBSP}€"),
        (123456, "EUR", "en", "€1,234.56"),
        (1235, "JPY", "en", "¥1,235"),
        (1235, "JPY", "de", f"1.235{NBSP}¥"),
        (1234567, "KWD", "de", f"1.234,567{NBSP}KWD"),
        (-50, "USD", "en", "-$0.50"),
        (0, "EUR", "de", f"0,00{NBSP}€"),
        # 10^15 + 1 cents is beyond a float's 53 bits of precision: exact all the same.
        (10**17 + 1, "USD", "en", "$1,000,000,000,000,000.01"),
        # CLDR prints RSD without decimals; ISO 4217 (what invoices are kept in) has two.
        (123456, "RSD", "en", "RSD1,234.56"),
    ],
)
def test_format_money(minor: int, currency: str, language: str, expected: str) -> None:
    assert format_money(minor, currency, language) == expected


def test_format_money_refuses_an_unknown_currency() -> None:
    with pytest.raises(UnknownCurrency):
        format_money(100, "XYZ", "en")


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "March 5, 2026"), ("de", "5. März 2026"), ("fr", "5 mars 2026")],
)
def test_format_day(language: str, expected: str) -> None:
    assert format_day(date(2026, 3, 5), language) == expected
