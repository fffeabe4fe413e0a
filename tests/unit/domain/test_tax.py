"""Which taxes apply to a line, and when a customer is exempt."""

from __future__ import annotations

from decimal import Decimal

import pytest

from invoicery.domain.tax import (
    ExemptionType,
    TaxComponent,
    exemption_for,
    line_taxes,
    percent_text,
    rate_error,
    vat_country,
)

CUSTOM = (TaxComponent("State", Decimal("0.04")), TaxComponent("City", Decimal("0.045")))


def test_a_line_rate_wins_over_the_customer_rates() -> None:
    assert line_taxes(Decimal("0.20"), CUSTOM) == (TaxComponent("Tax 20%", Decimal("0.20")),)
    assert line_taxes(None, CUSTOM) == CUSTOM
    assert line_taxes(Decimal(0), CUSTOM) == ()
    assert line_taxes(None, ()) == ()


@pytest.mark.parametrize(
    ("rate", "text"), [("0.20", "20"), ("0.08875", "8.875"), ("1", "100"), ("0", "0")]
)
def test_rates_print_as_percent(rate: str, text: str) -> None:
    assert percent_text(Decimal(rate)) == text


@pytest.mark.parametrize("rate", ["-0.01", "1.01", "0.123456789", "NaN"])
def test_bad_rates_are_refused(rate: str) -> None:
    assert rate_error(Decimal(rate)) is not None


@pytest.mark.parametrize("rate", ["0", "0.2", "0.12345678", "1"])
def test_good_rates_are_accepted(rate: str) -> None:
    assert rate_error(Decimal(rate)) is None


def test_vat_numbers_name_their_country() -> None:
    assert vat_country("DE123456789") == "DE"
    assert vat_country("el123456789") == "GR"
    assert vat_country("123") is None
    assert vat_country(None) is None


@pytest.mark.parametrize(
    ("exempt", "vat", "country", "merchant", "expected"),
    [
        (True, None, None, None, ExemptionType.TAX_EXEMPT),
        (False, "FR40303265045", None, "DE", ExemptionType.REVERSE_CHARGE),
        (False, "FR40303265045", "FR", "DE", ExemptionType.REVERSE_CHARGE),
        (False, "FR123", "FR", "DE", None),  # fails its check digits: no reverse charge
        (False, "12-3456789", "US", "DE", ExemptionType.REVERSE_CHARGE),  # unchecked: counts
        (False, "DE123", "DE", "DE", None),
        (False, "DE123", None, "DE", None),
        (False, "FR123", None, None, None),  # no merchant country configured
        (False, None, "FR", "DE", None),  # no VAT number: the merchant charges tax
        (False, "XX123", "FR", "FR", None),  # the billing address decides
    ],
)
def test_exemptions(
    exempt: bool,
    vat: str | None,
    country: str | None,
    merchant: str | None,
    expected: ExemptionType | None,
) -> None:
    found = exemption_for(
        tax_exempt=exempt, vat_number=vat, customer_country=country, merchant_country=merchant
    )
    assert found is expected
