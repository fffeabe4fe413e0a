"""VAT numbers: validity by python-stdnum, and which ones can reverse-charge an invoice."""

from __future__ import annotations

import pytest

from invoicery.domain.vat_numbers import counts_for_reverse_charge, valid_vat_id, vat_id_country


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("FR40303265045", True),
        ("DE136695976", True),
        ("ATU12345675", True),
        ("FR00000000000", False),
        ("DE123", False),
        ("XX123456789", False),
    ],
)
def test_a_vat_number_is_valid_by_its_countrys_check_digits(number: str, valid: bool) -> None:
    assert valid_vat_id(number) is valid


def test_greek_numbers_are_prefixed_el_and_belong_to_gr() -> None:
    assert vat_id_country("EL094259216") == "GR"
    assert vat_id_country("12-3456789") is None


@pytest.mark.parametrize(
    ("number", "country", "counts"),
    [
        ("FR40303265045", "FR", True),  # valid
        ("FR00000000000", "FR", False),  # checkable, and wrong: no reverse charge
        ("DE123", None, False),  # its prefix names a checkable country
        ("12-3456789", "US", True),  # a US EIN: stdnum can't check US VAT, so it counts
    ],
)
def test_only_a_number_that_checks_out_where_it_can_be_checked_reverse_charges(
    number: str, country: str | None, counts: bool
) -> None:
    assert counts_for_reverse_charge(number, country) is counts
