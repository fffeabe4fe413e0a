"""US bank-account (ACH) input rules and the settlement calendar.

`BankAccountDetails` never shows the account number in its `repr`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from invoicery.domain.errors import InvalidInput

__all__ = [
    "AccountType",
    "BankAccountDetails",
    "aba_valid",
    "add_business_days",
    "parse_bank_account",
]

_ABA_WEIGHTS = (3, 7, 1, 3, 7, 1, 3, 7, 1)
_SATURDAY = 5


class AccountType(StrEnum):
    """Kinds of US bank account an ACH debit can draw on."""

    CHECKING = "checking"
    SAVINGS = "savings"


def aba_valid(routing: str) -> bool:
    """Whether `routing` is nine digits passing the ABA checksum (3-7-1 weights, mod 10)."""
    if len(routing) != 9 or not routing.isascii() or not routing.isdigit():
        return False
    if routing == "000000000":
        return False
    total = sum(int(digit) * weight for digit, weight in zip(routing, _ABA_WEIGHTS, strict=True))
    return total % 10 == 0


def add_business_days(moment: datetime, days: int) -> datetime:
    """`moment` moved forward by `days` weekdays (Saturdays and Sundays are skipped)."""
    result = moment
    remaining = days
    while remaining > 0:
        result += timedelta(days=1)
        if result.weekday() < _SATURDAY:
            remaining -= 1
    return result


@dataclass(frozen=True, slots=True)
class BankAccountDetails:
    """A validated bank account as entered on the page; kept in memory only."""

    holder_name: str
    routing_number: str
    account_number: str = field(repr=False)
    account_type: AccountType

    @property
    def hint(self) -> str:
        """The last four digits of the account number, the only part we may keep."""
        return self.account_number[-4:]


def _digits(text: str) -> str:
    return "".join(text.split()).replace("-", "")


def parse_bank_account(
    *, name: str, routing: str, account: str, account_type: str
) -> BankAccountDetails:
    """Validate the bank-account form; raise `InvalidInput` with a message per bad field."""
    errors: dict[str, str] = {}
    holder = name.strip()
    if not holder:
        errors["name"] = "Enter the account holder's name."
    routing_digits = _digits(routing)
    if not routing_digits:
        errors["routing"] = "Enter your bank's routing number."
    elif not aba_valid(routing_digits):
        errors["routing"] = "The routing number is invalid; it has 9 digits."
    account_digits = _digits(account)
    if not account_digits:
        errors["account"] = "Enter your account number."
    elif not (
        account_digits.isascii() and account_digits.isdigit() and 4 <= len(account_digits) <= 17
    ):
        errors["account"] = "The account number has 4 to 17 digits."
    try:
        kind = AccountType(account_type)
    except ValueError:
        errors["account_type"] = "Choose checking or savings."
        kind = AccountType.CHECKING
    if errors:
        raise InvalidInput("the bank account details are invalid", errors)
    return BankAccountDetails(
        holder_name=holder,
        routing_number=routing_digits,
        account_number=account_digits,
        account_type=kind,
    )
