"""Customers: the fields a customer must have right, what is derived, archiving it and back."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from invoicery.domain.customer import Address, CustomerType, CustomTax, requested_locales
from invoicery.domain.errors import InvalidInput, InvalidState
from tests.support.records import customer

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)


def test_a_valid_customer_passes_its_check() -> None:
    valid = customer(custom_taxes=(CustomTax("VAT", "VAT", Decimal("0.19")),))
    assert valid.checked() is valid


def test_the_check_names_every_field_in_error() -> None:
    taxes = (CustomTax("OK", "OK", Decimal("0.2")), CustomTax("X", "X", Decimal("1.5")))
    with pytest.raises(InvalidInput) as raised:
        customer(name="", currency="XXX", custom_taxes=taxes).checked()
    assert set(raised.value.fields) == {"name", "currency", "custom_taxes[1].rate"}


def test_archive_then_restore() -> None:
    archived = customer().archived(now=NOW)
    assert archived.archived_at == NOW
    assert archived.restored().archived_at is None


def test_an_archived_customer_cannot_be_archived_again() -> None:
    with pytest.raises(InvalidState, match="the customer is already archived"):
        customer(archived_at=NOW).archived(now=NOW)


def test_a_live_customer_cannot_be_restored() -> None:
    with pytest.raises(InvalidState, match="the customer is not archived"):
        customer().restored()


def test_an_individual_is_named_by_first_and_last_name() -> None:
    person = customer(
        customer_type=CustomerType.INDIVIDUAL,
        first_name="Ada",
        last_name="Lovelace",
        name="ignored",
        billing_address=Address(country="GB"),
    ).checked()
    assert person.name == "Ada Lovelace"


def test_an_individual_needs_both_names_and_a_billing_country() -> None:
    with pytest.raises(InvalidInput) as raised:
        customer(customer_type=CustomerType.INDIVIDUAL, first_name="Ada").checked()
    assert set(raised.value.fields) == {"last_name", "billing_address.country"}
    with pytest.raises(InvalidInput) as raised:
        customer(
            customer_type=CustomerType.INDIVIDUAL,
            first_name="A" * 100,
            last_name="B" * 100,
            billing_address=Address(country="GB"),
        ).checked()
    assert set(raised.value.fields) == {"name"}


def test_a_company_needs_a_name_but_no_person() -> None:
    assert customer(name="Acme", first_name=None).checked().name == "Acme"
    with pytest.raises(InvalidInput) as raised:
        customer(name="", first_name="Ada", last_name="Lovelace").checked()
    assert set(raised.value.fields) == {"name"}


def test_the_first_preferred_locale_is_the_language_of_its_mail() -> None:
    assert customer(preferred_locales=("de-AT", "en")).checked().locale == "de-AT"
    assert customer(preferred_locales=(), locale="fr").checked().locale is None


@pytest.mark.parametrize(
    "locales",
    [("not a tag",), ("d",), ("de-",), ("de" + "-abcdefgh" * 4,), ("en",) * 11],
)
def test_preferred_locales_are_a_few_language_tags(locales: tuple[str, ...]) -> None:
    with pytest.raises(InvalidInput) as raised:
        customer(preferred_locales=locales).checked()
    assert all(name.startswith("preferred_locales") for name in raised.value.fields)


def test_a_request_asks_for_its_locales_or_else_its_one_language() -> None:
    assert requested_locales(["fr-FR", "en"], "de") == ("fr-FR", "en")
    assert requested_locales([], "de") == ()
    assert requested_locales(None, "de") == ("de",)
    assert requested_locales(None, None) is None


def test_custom_properties_merge_and_stay_small() -> None:
    valued = customer(custom_properties={"a": 1, "b": "x"})
    merged = valued.with_custom_properties({"a": None, "c": [1, 2]})
    assert merged.custom_properties == {"b": "x", "c": [1, 2]}
    assert customer(custom_properties={"a": 1, "gone": None}).checked().custom_properties == {
        "a": 1
    }
    with pytest.raises(InvalidInput) as raised:
        customer(custom_properties={f"k{n}": n for n in range(51)}).checked()
    assert set(raised.value.fields) == {"custom_properties"}
