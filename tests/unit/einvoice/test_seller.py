"""Which seller fields each profile requires, and which values are refused."""

from __future__ import annotations

from dataclasses import replace

from invoicery.einvoice import Profile, Seller, seller_problems
from tests.unit.einvoice.cases import SELLER

MINIMAL = Seller(name="Northwind GmbH", country="DE", vat_id="DE136695976")


def test_a_complete_seller_has_no_problem_in_any_profile() -> None:
    assert [seller_problems(SELLER, profile) for profile in Profile] == [{}, {}, {}]


def test_facturx_needs_a_name_a_country_and_a_vat_id_or_tax_number() -> None:
    assert seller_problems(MINIMAL, Profile.FACTURX) == {}
    assert (
        seller_problems(
            replace(MINIMAL, vat_id=None, tax_registration="30/123/45678"), Profile.FACTURX
        )
        == {}
    )
    assert seller_problems(Seller(name=" ", country=""), Profile.FACTURX) == {
        "country": "required for Factur-X",
        "name": "required for Factur-X",
        "vat_id": "required for Factur-X (or tax_registration)",
    }


def test_xrechnung_needs_address_contact_and_an_iban_for_credit_transfer() -> None:
    problems = seller_problems(MINIMAL, Profile.XRECHNUNG_CII)

    assert problems == {
        "address_line1": "required for XRechnung",
        "city": "required for XRechnung",
        "contact_email": "required for XRechnung",
        "contact_name": "required for XRechnung",
        "contact_phone": "required for XRechnung",
        "iban": "required for XRechnung (BR-DE-23: payment by credit transfer)",
        "postal_code": "required for XRechnung",
    }
    assert seller_problems(MINIMAL, Profile.XRECHNUNG_UBL) == problems


def test_invalid_numbers_are_named_whatever_the_profile() -> None:
    seller = replace(
        SELLER,
        vat_id="DE123456789",
        iban="DE89370400440532013001",
        bic="NOTABIC",
        country="de",
        contact_email="billing at northwind",
    )

    assert seller_problems(seller, Profile.FACTURX) == {
        "bic": "not a valid BIC",
        "contact_email": "not an e-mail address",
        "country": "must be an ISO 3166-1 alpha-2 code such as DE",
        "iban": "not a valid IBAN",
        "vat_id": "not a valid VAT number (country prefix and check digits)",
    }


def test_the_contact_email_is_the_electronic_address_unless_one_is_given() -> None:
    assert SELLER.endpoint == "billing@northwind.example"
    assert (
        replace(SELLER, electronic_address="peppol@northwind.example").endpoint
        == "peppol@northwind.example"
    )
