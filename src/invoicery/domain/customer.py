"""Customers: who an invoice is addressed to.

One record serves both faces: the AP `external_id` is the billing-v1 `alias`, and the
AP `email` is the billing-v1 `billing_email` (an empty string when there is none).

A customer is a `COMPANY` (named by `name`) or an `INDIVIDUAL` (named by `first_name`
and `last_name`, which also make its `name`). Its `preferred_locales` are BCP 47 tags,
most preferred first; the first is its `locale`, the language of its e-mails.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from invoicery.domain import custom_properties as properties
from invoicery.domain import money
from invoicery.domain.errors import InvalidInput, InvalidState
from invoicery.domain.tax import TaxComponent, rate_error

__all__ = [
    "LOCALE_PATTERN",
    "MAX_LOCALES",
    "MAX_LOCALE_LENGTH",
    "MAX_NAME_LENGTH",
    "Address",
    "CustomTax",
    "Customer",
    "CustomerSnapshot",
    "CustomerType",
    "ShippingAddress",
    "requested_locales",
    "snapshot",
]

LOCALE_PATTERN = r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$"
"""A language tag such as ``de``, ``fr-CA`` or ``zh-Hant-TW`` (``_`` is taken for ``-``)."""
MAX_LOCALE_LENGTH = 35
MAX_NAME_LENGTH = 200
MAX_LOCALES = 10
_LOCALE = re.compile(LOCALE_PATTERN)


class CustomerType(StrEnum):
    """Whether a customer is a business or a person (B2C)."""

    COMPANY = "COMPANY"
    INDIVIDUAL = "INDIVIDUAL"


def requested_locales(
    locales: Sequence[str] | None, language: str | None
) -> tuple[str, ...] | None:
    """The preferred locales a caller asks for: `locales` if given, else the one (deprecated)
    `language` if given, else None (nothing asked)."""
    if locales is not None:
        return tuple(locales)
    if language is not None:
        return (language,)
    return None


def _locale_errors(locales: Sequence[str]) -> dict[str, str]:
    if len(locales) > MAX_LOCALES:
        return {"preferred_locales": f"at most {MAX_LOCALES} locales"}
    return {
        f"preferred_locales[{index}]": "must be a language tag such as de or fr-CA"
        for index, tag in enumerate(locales)
        if len(tag) > MAX_LOCALE_LENGTH or not _LOCALE.fullmatch(tag)
    }


@dataclass(frozen=True, slots=True)
class Address:
    """A postal address; `country` is an ISO 3166-1 alpha-2 code."""

    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    state: str | None = None
    zip_code: str | None = None
    country: str | None = None


@dataclass(frozen=True, slots=True)
class ShippingAddress:
    """Where goods go: the billing address, or another one."""

    same_as_billing: bool
    address: Address | None = None


@dataclass(frozen=True, slots=True)
class CustomTax:
    """A tax the merchant charges this customer instead of line rates (rate is a fraction)."""

    tax_code: str
    name: str
    rate: Decimal

    def component(self) -> TaxComponent:
        """This rate as a tax charged on a line."""
        return TaxComponent(self.name, self.rate)


@dataclass(frozen=True, slots=True)
class Customer:
    """A customer of a merchant account."""

    id: UUID
    account_id: UUID
    name: str
    email: str
    company_name: str | None
    external_id: str | None
    created_at: datetime
    archived_at: datetime | None
    currency: str = "USD"
    phone: str | None = None
    vat_number: str | None = None
    is_tax_exempt: bool = False
    invoicing_emails: tuple[str, ...] = ()
    billing_address: Address | None = None
    shipping_address: ShippingAddress | None = None
    custom_taxes: tuple[CustomTax, ...] = ()
    locale: str | None = None  # its first preferred locale: the language of its e-mails
    customer_type: CustomerType = CustomerType.COMPANY
    first_name: str | None = None
    last_name: str | None = None
    legal_number: str | None = None  # BT-47, the buyer's register number
    buyer_reference: str | None = None  # BT-10, e.g. a Leitweg-ID
    exemption_reason: str | None = None
    preferred_locales: tuple[str, ...] = ()
    custom_properties: Mapping[str, object] = field(default_factory=dict)

    @property
    def alias(self) -> str | None:
        """The billing-v1 alias: the AP `external_id`."""
        return self.external_id

    @property
    def billing_email(self) -> str | None:
        """The billing e-mail address, if there is one."""
        return self.email or None

    @property
    def country(self) -> str | None:
        """The billing address country, if known."""
        return self.billing_address.country if self.billing_address else None

    def checked(self) -> Customer:
        """This customer with its derived fields set (an individual's `name`, the `locale`),
        or `InvalidInput` naming each field that breaks a rule."""
        errors = self._person_errors() if self.is_individual else {}
        if not self.is_individual and not self.name:
            errors["name"] = "must not be empty"
        if (message := money.currency_error(self.currency)) is not None:
            errors["currency"] = message
        for index, tax in enumerate(self.custom_taxes):
            if (message := rate_error(tax.rate)) is not None:
                errors[f"custom_taxes[{index}].rate"] = message
        errors.update(_locale_errors(self.preferred_locales))
        values: Mapping[str, object] = {}
        try:
            values = properties.merged({}, self.custom_properties)
        except InvalidInput as error:
            errors.update(error.fields)
        if errors:
            raise InvalidInput("the customer is invalid", errors)
        derived = replace(
            self,
            name=f"{self.first_name} {self.last_name}" if self.is_individual else self.name,
            locale=self.preferred_locales[0] if self.preferred_locales else None,
            custom_properties=values,
        )
        return self if derived == self else derived

    @property
    def is_individual(self) -> bool:
        """Whether this customer is a person, named by first and last name."""
        return self.customer_type is CustomerType.INDIVIDUAL

    def _person_errors(self) -> dict[str, str]:
        required = "required for an INDIVIDUAL customer"
        errors = {name: required for name in ("first_name", "last_name") if not getattr(self, name)}
        if not self.country:
            errors["billing_address.country"] = required
        if len(f"{self.first_name} {self.last_name}") > MAX_NAME_LENGTH:
            errors["name"] = f"first_name + last_name: at most {MAX_NAME_LENGTH} characters"
        return errors

    def with_custom_properties(self, changes: Mapping[str, object]) -> Customer:
        """A copy with `changes` merged into its custom properties (None removes a key)."""
        return replace(self, custom_properties=properties.merged(self.custom_properties, changes))

    def archived(self, *, now: datetime) -> Customer:
        """A copy archived at `now`; refused if it is already archived."""
        if self.archived_at is not None:
            raise InvalidState("the customer is already archived")
        return replace(self, archived_at=now)

    def restored(self) -> Customer:
        """A copy taken out of the archive; refused if it is not archived."""
        if self.archived_at is None:
            raise InvalidState("the customer is not archived")
        return replace(self, archived_at=None)


@dataclass(frozen=True, slots=True)
class CustomerSnapshot:
    """The customer details printed on an invoice, frozen when it is finalized."""

    id: UUID
    name: str
    alias: str | None
    email: str | None
    vat_number: str | None
    billing_address: Address | None
    snapshot_at: datetime


def snapshot(customer: Customer, at: datetime) -> CustomerSnapshot:
    """The customer's invoice details as of `at`."""
    return CustomerSnapshot(
        id=customer.id,
        name=customer.name,
        alias=customer.alias,
        email=customer.billing_email,
        vat_number=customer.vat_number,
        billing_address=customer.billing_address,
        snapshot_at=at,
    )
