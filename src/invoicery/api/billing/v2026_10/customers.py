"""Billing-v1 2026-10 customers: Meteroid's request and response shapes, rendered thinly.

A 2026-10 customer is the 2026-03 document plus today's fields: the kind of party
(`customer_type`, `first_name`, `last_name`), e-invoicing references (`legal_number`,
`buyer_reference`), `preferred_locales` (and the deprecated `invoicing_language`, their
first), `custom_properties` and `connected_account_id` (always null: Invoicery has no
connected accounts). Create takes `invoicing_emails` and `custom_taxes` as optional.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
)

from invoicery.api.billing import documents, render
from invoicery.api.billing.fields import CurrencyCode, Email, PropertyKey
from invoicery.api.billing.schemas import (
    AddressInput,
    CustomTaxes,
    Emails,
    LongText,
    Name,
    ShippingAddressInput,
    _Input,
)
from invoicery.api.billing.versions import register_schemas
from invoicery.domain import custom_properties as properties
from invoicery.domain import customer as domain
from invoicery.domain.api_versions import ApiVersion

__all__ = [
    "Customer",
    "CustomerCreateRequest",
    "CustomerListResponse",
    "CustomerPatchRequest",
    "CustomerUpdateRequest",
    "EffectiveEntitlementListResponse",
    "customer_document",
]

CustomerTypeName = Literal["COMPANY", "INDIVIDUAL"]
Locale = Annotated[str, Field(max_length=domain.MAX_LOCALE_LENGTH, pattern=domain.LOCALE_PATTERN)]
Locales = Annotated[list[Locale], Field(max_length=domain.MAX_LOCALES)]
Phone = Annotated[str, Field(max_length=50)]
VatNumber = Annotated[str, Field(max_length=50)]
LegalNumber = Annotated[str, Field(max_length=100)]
_SAFE = 2**53  # numbers every JSON reader holds exactly


def _not_integer(value: object) -> object:
    """An integer out of `_SAFE` range is refused, not rounded to a float within it."""
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(f"integers are at most {_SAFE} in size")
    return value


PropertyScalar = (
    StrictBool
    | Annotated[StrictInt, Field(ge=-_SAFE, le=_SAFE)]
    | Annotated[float, Field(ge=-_SAFE, le=_SAFE), BeforeValidator(_not_integer)]
    | Annotated[StrictStr, Field(max_length=1000)]
)
PropertyValue = PropertyScalar | Annotated[list[PropertyScalar], Field(max_length=100)]
CustomProperties = Annotated[
    dict[PropertyKey, PropertyValue | None], Field(max_length=properties.MAX_PROPERTIES)
]


class _CustomerFields(_Input):
    """What every 2026-10 customer body may carry; each field may be left out or null."""

    alias: Name | None = None
    billing_email: Email | None = None
    phone: Phone | None = None
    vat_number: VatNumber | None = None
    invoicing_entity_id: str | None = None
    is_tax_exempt: StrictBool | None = None
    billing_address: AddressInput | None = None
    shipping_address: ShippingAddressInput | None = None
    customer_type: CustomerTypeName | None = None
    first_name: Name | None = None
    last_name: Name | None = None
    legal_number: LegalNumber | None = None
    buyer_reference: Name | None = None
    exemption_reason: LongText | None = None
    preferred_locales: Locales | None = None
    invoicing_language: Locale | None = Field(
        default=None,
        description="Deprecated: use `preferred_locales`. Applied only when "
        "`preferred_locales` is absent.",
    )
    connected_account_id: None = Field(
        default=None, description="Invoicery has no connected accounts: always null."
    )


class CustomerCreateRequest(_CustomerFields):
    """A new customer. A `COMPANY` (the default) needs a `name`; an `INDIVIDUAL` needs
    `first_name`, `last_name` and a billing-address country, and is named by them.

    `custom_properties` hold at most 50 keys; an alias is unique in the account (409).
    """

    name: Name | None = None
    currency: CurrencyCode
    invoicing_emails: Emails | None = None
    custom_taxes: CustomTaxes | None = None
    custom_properties: CustomProperties | None = None


class CustomerUpdateRequest(_CustomerFields):
    """A customer's full new state: optional fields left out are cleared, except
    `first_name`, `last_name`, `customer_type` and `custom_properties`, which are kept
    (`custom_properties`, if given, replace the old ones). `preferred_locales` left out
    or `[]` reset to the account's default language.
    """

    name: Name | None = None
    currency: CurrencyCode
    invoicing_emails: Emails
    invoicing_entity_id: str
    custom_taxes: CustomTaxes
    custom_properties: CustomProperties | None = None


class CustomerPatchRequest(_CustomerFields):
    """Fields to change on a customer: a field left out or null is left unchanged.

    `custom_properties` are merged into the stored ones (a key with null is removed);
    `preferred_locales: []` resets to the account's default language.
    """

    name: Name | None = None
    currency: CurrencyCode | None = None
    invoicing_emails: Emails | None = None
    custom_taxes: CustomTaxes | None = None
    custom_properties: CustomProperties | None = None


class Customer(documents.Customer):
    """A customer, addressable by id or alias (`is_tax_exempt`, `exemption_reason` and
    `archived_at` are Invoicery extensions)."""

    customer_type: CustomerTypeName
    first_name: str | None
    last_name: str | None
    legal_number: str | None
    buyer_reference: str | None
    exemption_reason: str | None
    preferred_locales: list[str]
    invoicing_language: str | None = Field(
        description="Deprecated: the first entry of `preferred_locales`."
    )
    custom_properties: dict[str, Any]
    connected_account_id: None


class CustomerListResponse(BaseModel):
    """One page of customers."""

    model_config = ConfigDict(extra="forbid")

    data: list[Customer]
    pagination_meta: documents.PaginationResponse


class EffectiveEntitlementListResponse(BaseModel):
    """A customer's entitlements: Invoicery has no plans or features, so there are none."""

    model_config = ConfigDict(extra="forbid")

    data: Annotated[list[dict[str, Any]], Field(max_length=0)]


def customer_document(customer: domain.Customer) -> dict[str, Any]:
    """The billing-v1 2026-10 `Customer` object: the 2026-03 one and today's fields."""
    locales = list(customer.preferred_locales)
    return {
        **render.customer_document(customer),
        "customer_type": customer.customer_type.value,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "legal_number": customer.legal_number,
        "buyer_reference": customer.buyer_reference,
        "exemption_reason": customer.exemption_reason,
        "preferred_locales": locales,
        "invoicing_language": locales[0] if locales else None,
        "custom_properties": dict(customer.custom_properties),
        "connected_account_id": None,
    }


register_schemas(
    ApiVersion.V2026_10,
    {
        "Customer": Customer,
        "CustomerListResponse": CustomerListResponse,
        "CustomerCreateRequest": CustomerCreateRequest,
        "CustomerUpdateRequest": CustomerUpdateRequest,
        "CustomerPatchRequest": CustomerPatchRequest,
    },
)
