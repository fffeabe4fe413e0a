"""The VAT category of a line, and the VAT-number check behind reverse charge."""

from __future__ import annotations

from decimal import Decimal

import pytest

from invoicery.domain.tax import ExemptionType
from invoicery.einvoice import SupplyKind, VatCategory, decide, valid_vat_id

RC = ExemptionType.REVERSE_CHARGE


@pytest.mark.parametrize(
    ("seller", "buyer", "supply", "expected", "vatex"),
    [
        ("DE", "FR", SupplyKind.SERVICES, VatCategory.REVERSE_CHARGE, "VATEX-EU-AE"),
        ("DE", "FR", SupplyKind.GOODS, VatCategory.INTRA_COMMUNITY, "VATEX-EU-IC"),
        ("DE", "US", SupplyKind.GOODS, VatCategory.EXPORT, "VATEX-EU-G"),
        ("DE", "US", SupplyKind.SERVICES, VatCategory.OUTSIDE_SCOPE, "VATEX-EU-O"),
        ("CH", "DE", SupplyKind.SERVICES, VatCategory.REVERSE_CHARGE, "VATEX-EU-AE"),
        ("CH", "DE", SupplyKind.GOODS, VatCategory.EXPORT, "VATEX-EU-G"),
    ],
)
def test_reverse_charge_by_where_seller_and_buyer_are(
    seller: str, buyer: str, supply: SupplyKind, expected: VatCategory, vatex: str
) -> None:
    category = decide(
        rate=Decimal(0), exemption=RC, seller_country=seller, buyer_country=buyer, supply=supply
    )

    assert (category.code, category.exemption_code, category.percent) == (
        expected,
        vatex,
        Decimal(0),
    )
    assert category.exemption_text


def test_a_taxed_line_is_standard_rated_in_percent() -> None:
    category = decide(rate=Decimal("0.19"), exemption=None, seller_country="DE", buyer_country="DE")

    assert (category.code, category.percent, category.exemption_code) == (
        VatCategory.STANDARD,
        Decimal(19),
        None,
    )


def test_an_untaxed_line_is_zero_rated_unless_the_account_says_otherwise() -> None:
    default = decide(rate=Decimal(0), exemption=None, seller_country="DE", buyer_country="DE")
    exempt = decide(
        rate=Decimal(0),
        exemption=None,
        seller_country="DE",
        buyer_country="DE",
        untaxed=VatCategory.EXEMPT,
        exemption_reason="Kleinunternehmer, § 19 UStG",
    )
    outside = decide(
        rate=Decimal(0),
        exemption=None,
        seller_country="DE",
        buyer_country="DE",
        untaxed=VatCategory.OUTSIDE_SCOPE,
    )

    assert (default.code, default.exemption_text) == (VatCategory.ZERO_RATED, None)
    assert (exempt.code, exempt.exemption_text) == (
        VatCategory.EXEMPT,
        "Kleinunternehmer, § 19 UStG",
    )
    assert (outside.code, outside.exemption_code) == (VatCategory.OUTSIDE_SCOPE, "VATEX-EU-O")


def test_a_tax_exempt_customer_wins_over_the_lines_rate() -> None:
    category = decide(
        rate=Decimal("0.19"),
        exemption=ExemptionType.TAX_EXEMPT,
        seller_country="DE",
        buyer_country="DE",
        exemption_reason="§ 4 Nr. 21 UStG",
    )

    assert (category.code, category.percent, category.exemption_text) == (
        VatCategory.EXEMPT,
        Decimal(0),
        "§ 4 Nr. 21 UStG",
    )


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("DE136695976", True),
        ("DE 136 695 976", True),
        ("FR40303265045", True),
        ("ATU13585627", True),
        ("EL094259216", True),
        ("CHE-116.281.710 MWST", True),
        ("DE123456789", False),  # wrong check digit: a two-letter prefix is not enough
        ("FR00000000000", False),
        ("XX123456789", False),
        ("123456789", False),
        ("", False),
    ],
)
def test_valid_vat_id_checks_the_check_digits(number: str, valid: bool) -> None:
    assert valid_vat_id(number) is valid
