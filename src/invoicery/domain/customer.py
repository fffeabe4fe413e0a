"""Customers: who an invoice is addressed to.

One record serves both faces: the AP `external_id` is the billing-v1 `alias`, and the
AP `email` is the billing-v1 `billing_email` (an empty string when there is none).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from invoicery.domain import money
from invoicery.domain.errors import InvalidInput, InvalidState
from invoicery.domain.tax import TaxComponent, rate_error

__all__ = [
    "Address",
    "CustomTax",
    "Customer",
    "CustomerSnapshot",
    "ShippingAddress",
    "snapshot",
]


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
    locale: str | None = None  # the language its e-mails are written in, e.g. "de-AT"

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
        """This customer, or `InvalidInput` naming each field that breaks a rule."""
        errors: dict[str, str] = {}
        if not self.name:
            errors["name"] = "must not be empty"
        if (message := money.currency_error(self.currency)) is not None:
            errors["currency"] = message
        for index, tax in enumerate(self.custom_taxes):
            if (message := rate_error(tax.rate)) is not None:
                errors[f"custom_taxes[{index}].rate"] = message
        if errors:
            raise InvalidInput("the customer is invalid", errors)
        return self

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
