"""Customers: the fields a customer must have right, and archiving it and back."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from invoicery.domain.customer import CustomTax
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
