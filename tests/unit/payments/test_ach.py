"""ACH rules: ABA routing checksum, account numbers, the business-day calendar."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from invoicery.domain.errors import InvalidInput
from invoicery.payments.ach import AccountType, aba_valid, add_business_days, parse_bank_account


@pytest.mark.parametrize("routing", ["110000000", "011000015", "021000021", "322271627"])
def test_aba_accepts_real_routing_numbers(routing: str) -> None:
    assert aba_valid(routing)


@pytest.mark.parametrize(
    "routing", ["110000001", "021000022", "12345678", "1100000000", "", "11000000a", "000000000"]
)
def test_aba_rejects_bad_checksums_and_shapes(routing: str) -> None:
    assert not aba_valid(routing)


def test_aba_catches_every_single_digit_typo() -> None:
    routing = "021000021"
    for position in range(9):
        for digit in "0123456789":
            if digit != routing[position]:
                assert not aba_valid(routing[:position] + digit + routing[position + 1 :])


def _account(**fields: str) -> dict[str, str]:
    return {
        "name": "Ada Lovelace",
        "routing": "110000000",
        "account": "000123456789",
        "account_type": "checking",
        **fields,
    }


def test_a_valid_bank_form_parses_and_hides_the_account_number() -> None:
    account = parse_bank_account(**_account(account_type="savings"))
    assert account.hint == "6789"
    assert account.account_type is AccountType.SAVINGS
    assert "000123456789" not in repr(account)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"routing": "110000001"}, "routing"),
        ({"routing": ""}, "routing"),
        ({"account": "123"}, "account"),
        ({"account": "123456789012345678"}, "account"),
        ({"account": "12ab56"}, "account"),
        ({"account": ""}, "account"),
        ({"account_type": "brokerage"}, "account_type"),
    ],
)
def test_each_bad_field_gets_its_own_message(fields: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_bank_account(**_account(**fields))
    assert set(raised.value.fields) == {field}


@pytest.mark.parametrize("digits", ["1234", "12345678901234567"])
def test_account_numbers_of_4_to_17_digits_are_accepted(digits: str) -> None:
    assert parse_bank_account(**_account(account=digits)).account_number == digits


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (datetime(2026, 11, 23, 10, tzinfo=UTC), datetime(2026, 11, 24, 10, tzinfo=UTC)),  # Mon
        (datetime(2026, 11, 27, 10, tzinfo=UTC), datetime(2026, 11, 30, 10, tzinfo=UTC)),  # Fri
        (datetime(2026, 11, 28, 10, tzinfo=UTC), datetime(2026, 11, 30, 10, tzinfo=UTC)),  # Sat
        (datetime(2026, 11, 29, 10, tzinfo=UTC), datetime(2026, 11, 30, 10, tzinfo=UTC)),  # Sun
    ],
)
def test_one_business_day_skips_the_weekend(start: datetime, expected: datetime) -> None:
    assert add_business_days(start, 1) == expected
