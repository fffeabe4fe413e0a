"""Card input rules: number normalisation, Luhn check, brand detection, expiry, CVC.

`CardDetails` never shows the number or the CVC in its `repr`, so a card that ends up
in a log line or a traceback reveals only its brand and last four digits.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from invoicery.domain.errors import InvalidInput

__all__ = [
    "CardBrand",
    "CardDetails",
    "Expiry",
    "card_brand",
    "luhn_valid",
    "normalize_number",
    "parse_card",
    "parse_expiry",
]

_MAX_YEARS_AHEAD = 20
_EXPIRY = re.compile(r"^\s*(\d{1,2})\s*(?:[/\-.]\s*)?(\d{2}|\d{4})\s*$")


class CardBrand(StrEnum):
    """Card networks we recognise from the number's leading digits (IIN ranges)."""

    VISA = "visa"
    MASTERCARD = "mastercard"
    AMEX = "amex"
    DISCOVER = "discover"
    DINERS = "diners"
    JCB = "jcb"
    UNIONPAY = "unionpay"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        """The brand as printed for people: "Visa", "American Express"."""
        return _LABELS[self]


_LABELS = {
    CardBrand.VISA: "Visa",
    CardBrand.MASTERCARD: "Mastercard",
    CardBrand.AMEX: "American Express",
    CardBrand.DISCOVER: "Discover",
    CardBrand.DINERS: "Diners Club",
    CardBrand.JCB: "JCB",
    CardBrand.UNIONPAY: "UnionPay",
    CardBrand.UNKNOWN: "Card",
}

# (brand, lowest prefix, highest prefix) compared on the same number of leading digits.
_RANGES: tuple[tuple[CardBrand, str, str], ...] = (
    (CardBrand.AMEX, "34", "34"),
    (CardBrand.AMEX, "37", "37"),
    (CardBrand.DINERS, "300", "305"),
    (CardBrand.DINERS, "36", "36"),
    (CardBrand.DINERS, "38", "39"),
    (CardBrand.JCB, "3528", "3589"),
    (CardBrand.VISA, "4", "4"),
    (CardBrand.MASTERCARD, "51", "55"),
    (CardBrand.MASTERCARD, "2221", "2720"),
    (CardBrand.DISCOVER, "6011", "6011"),
    (CardBrand.DISCOVER, "644", "649"),
    (CardBrand.DISCOVER, "65", "65"),
    (CardBrand.UNIONPAY, "62", "62"),
)

_LENGTHS = {
    CardBrand.VISA: (13, 16, 19),
    CardBrand.MASTERCARD: (16,),
    CardBrand.AMEX: (15,),
    CardBrand.DISCOVER: (16, 17, 18, 19),
    CardBrand.DINERS: (14, 15, 16, 17, 18, 19),
    CardBrand.JCB: (16, 17, 18, 19),
    CardBrand.UNIONPAY: (16, 17, 18, 19),
    CardBrand.UNKNOWN: tuple(range(12, 20)),
}


def normalize_number(text: str) -> str:
    """The card number without the spaces and dashes people type between digit groups."""
    return re.sub(r"[\s\-]", "", text)


def luhn_valid(number: str) -> bool:
    """Whether an all-digit `number` passes the Luhn (mod 10) check."""
    if not number.isascii() or not number.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def card_brand(number: str) -> CardBrand:
    """The network of a card from its leading digits; UNKNOWN when no range matches."""
    for brand, low, high in _RANGES:
        prefix = number[: len(low)]
        if len(prefix) == len(low) and low <= prefix <= high:
            return brand
    return CardBrand.UNKNOWN


@dataclass(frozen=True, slots=True)
class Expiry:
    """A card's expiry month; the card is valid through the month's last day."""

    month: int
    year: int

    def last_day(self) -> date:
        """The last day on which the card can be used."""
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])


def parse_expiry(text: str, today: date) -> Expiry:
    """Parse "MM / YY", "MM/YY", "MM/YYYY" or "MMYY"; raise ValueError with a reason."""
    match = _EXPIRY.match(text)
    if match is None:
        raise ValueError("Enter the expiry date as MM / YY.")
    month, year = int(match.group(1)), int(match.group(2))
    if len(match.group(2)) == 2:
        year += today.year // 100 * 100
    if not 1 <= month <= 12:
        raise ValueError("The expiry month must be between 01 and 12.")
    expiry = Expiry(month=month, year=year)
    if expiry.last_day() < today:
        raise ValueError("Your card's expiry date is in the past.")
    if year > today.year + _MAX_YEARS_AHEAD:
        raise ValueError("Your card's expiry year is too far in the future.")
    return expiry


@dataclass(frozen=True, slots=True)
class CardDetails:
    """A validated card as entered on the page; kept in memory only, never stored."""

    holder_name: str
    number: str = field(repr=False)
    expiry: Expiry
    cvc: str = field(repr=False)
    brand: CardBrand

    @property
    def last4(self) -> str:
        """The last four digits, the only part of the number we may keep."""
        return self.number[-4:]


def _number_error(number: str) -> str | None:
    if not number:
        return "Enter your card number."
    if not number.isascii() or not number.isdigit():
        return "Your card number may contain only digits."
    if len(number) not in _LENGTHS[card_brand(number)] or not luhn_valid(number):
        return "Your card number is invalid."
    return None


def _cvc_error(cvc: str) -> str | None:
    if not cvc:
        return "Enter your card's security code."
    if not (cvc.isascii() and cvc.isdigit() and 3 <= len(cvc) <= 4):
        return "Your card's security code is 3 or 4 digits."
    return None


def parse_card(*, name: str, number: str, expiry: str, cvc: str, today: date) -> CardDetails:
    """Validate the card form; raise `InvalidInput` with a message per bad field."""
    errors: dict[str, str] = {}
    holder = name.strip()
    if not holder:
        errors["name"] = "Enter the name on your card."
    digits = normalize_number(number)
    if (message := _number_error(digits)) is not None:
        errors["number"] = message
    parsed: Expiry | None = None
    if not expiry.strip():
        errors["expiry"] = "Enter your card's expiry date."
    else:
        try:
            parsed = parse_expiry(expiry, today)
        except ValueError as error:
            errors["expiry"] = str(error)
    code = cvc.strip()
    if (message := _cvc_error(code)) is not None:
        errors["cvc"] = message
    if errors or parsed is None:
        raise InvalidInput("the card details are invalid", errors)
    return CardDetails(
        holder_name=holder, number=digits, expiry=parsed, cvc=code, brand=card_brand(digits)
    )
