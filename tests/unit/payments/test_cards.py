"""Card rules: Luhn, brand detection, expiry parsing, CVC, the whole form."""

from __future__ import annotations

from datetime import date

import pytest

from invoicery.domain.errors import InvalidInput
from invoicery.payments.cards import (
    CardBrand,
    Expiry,
    card_brand,
    luhn_valid,
    normalize_number,
    parse_card,
    parse_expiry,
)

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    "number",
    ["4242424242424242", "4000000000000002", "5555555555554444", "378282246310005", "0"],
)
def test_luhn_accepts_valid_numbers(number: str) -> None:
    assert luhn_valid(number)


@pytest.mark.parametrize(
    "number", ["4242424242424241", "1234567812345678", "", "4242-4242", "４２４２", "79927398710"]
)
def test_luhn_rejects_invalid_numbers(number: str) -> None:
    assert not luhn_valid(number)


def test_luhn_catches_every_single_digit_typo() -> None:
    number = "4242424242424242"
    for position in range(len(number)):
        for digit in "0123456789":
            if digit != number[position]:
                typo = number[:position] + digit + number[position + 1 :]
                assert not luhn_valid(typo), typo


@pytest.mark.parametrize(
    ("number", "brand"),
    [
        ("4242424242424242", CardBrand.VISA),
        ("5555555555554444", CardBrand.MASTERCARD),
        ("2223003122003222", CardBrand.MASTERCARD),
        ("2720990000000000", CardBrand.MASTERCARD),
        ("378282246310005", CardBrand.AMEX),
        ("341111111111111", CardBrand.AMEX),
        ("6011111111111117", CardBrand.DISCOVER),
        ("6445644564456445", CardBrand.DISCOVER),
        ("6500000000000002", CardBrand.DISCOVER),
        ("3056930009020004", CardBrand.DINERS),
        ("36227206271667", CardBrand.DINERS),
        ("3566002020360505", CardBrand.JCB),
        ("6200000000000005", CardBrand.UNIONPAY),
        ("2721000000000000", CardBrand.UNKNOWN),
        ("9999999999999995", CardBrand.UNKNOWN),
    ],
)
def test_brand_is_detected_from_the_leading_digits(number: str, brand: CardBrand) -> None:
    assert card_brand(number) is brand


def test_brand_labels_are_human() -> None:
    assert CardBrand.AMEX.label == "American Express"
    assert CardBrand.VISA.label == "Visa"


def test_number_normalisation_drops_group_separators() -> None:
    assert normalize_number(" 4242 4242-4242 4242 ") == "4242424242424242"


@pytest.mark.parametrize(
    ("text", "month", "year"),
    [
        ("12 / 30", 12, 2030),
        ("12/30", 12, 2030),
        ("1/27", 1, 2027),
        ("01 / 2031", 1, 2031),
        ("0529", 5, 2029),
        ("11-26", 11, 2026),
    ],
)
def test_expiry_accepts_the_usual_spellings(text: str, month: int, year: int) -> None:
    assert parse_expiry(text, TODAY) == Expiry(month=month, year=year)


def test_a_card_is_valid_through_the_last_day_of_its_month() -> None:
    assert parse_expiry("11 / 26", date(2026, 11, 30)).last_day() == date(2026, 11, 30)
    with pytest.raises(ValueError, match="in the past"):
        parse_expiry("11 / 26", date(2026, 12, 1))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("10 / 26", "in the past"),
        ("13 / 30", "between 01 and 12"),
        ("00 / 30", "between 01 and 12"),
        ("12 / 99", "too far"),
        ("December", "MM / YY"),
        ("12 / 3", "MM / YY"),
        ("", "MM / YY"),
    ],
)
def test_expiry_rejects_bad_dates_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_expiry(text, TODAY)


def _card(**fields: str) -> dict[str, str]:
    return {
        "name": "Ada Lovelace",
        "number": "4242 4242 4242 4242",
        "expiry": "12 / 30",
        "cvc": "123",
        **fields,
    }


def test_a_valid_card_form_parses() -> None:
    card = parse_card(**_card(), today=TODAY)
    assert card.number == "4242424242424242"
    assert card.brand is CardBrand.VISA
    assert card.last4 == "4242"
    assert card.expiry == Expiry(12, 2030)


def test_a_card_never_shows_its_number_or_cvc_in_its_repr() -> None:
    card = parse_card(**_card(cvc="7319"), today=TODAY)
    text = repr(card)
    assert "4242424242424242" not in text
    assert "7319" not in text
    assert "VISA" in text or "visa" in text


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": "  "}, "name", "name on your card"),
        ({"number": ""}, "number", "Enter your card number"),
        ({"number": "4242 4242 4242 4241"}, "number", "invalid"),
        ({"number": "4242x4242"}, "number", "only digits"),
        ({"number": "424242424242"}, "number", "invalid"),
        ({"expiry": ""}, "expiry", "expiry date"),
        ({"expiry": "01 / 20"}, "expiry", "in the past"),
        ({"cvc": ""}, "cvc", "security code"),
        ({"cvc": "12"}, "cvc", "3 or 4 digits"),
        ({"cvc": "12345"}, "cvc", "3 or 4 digits"),
        ({"cvc": "12a"}, "cvc", "3 or 4 digits"),
    ],
)
def test_each_bad_field_gets_its_own_message(
    fields: dict[str, str], field: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_card(**_card(**fields), today=TODAY)
    assert set(raised.value.fields) == {field}
    assert message in raised.value.fields[field]


def test_every_bad_field_is_reported_at_once() -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_card(name="", number="1", expiry="x", cvc="", today=TODAY)
    assert set(raised.value.fields) == {"name", "number", "expiry", "cvc"}
