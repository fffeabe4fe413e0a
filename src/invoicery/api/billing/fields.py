"""Billing-v1 field types, each checked and published from one declaration.

A type here validates a request field and writes its JSON Schema, so the OpenAPI
document says exactly what the server accepts: what it publishes as valid passes, what
it publishes as invalid is refused with a 400. They build on the bounded parsers of
`invoicery.api.fields`, which stay the last word on size.

Patterns are written so that Python's, ECMAScript's and Rust's regexes (pydantic checks
``pattern`` with Rust's) read them alike: ASCII digit classes, whitespace spelled out.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    WithJsonSchema,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from invoicery.api.billing.currencies import BILLING_CURRENCIES
from invoicery.api.fields import BoundedTimestamp, CalendarDate, DecimalText
from invoicery.domain import custom_properties as properties
from invoicery.domain import money, numbers
from invoicery.domain.coupons import MAX_PERCENTAGE_PLACES, MAX_REDEMPTION_LIMIT
from invoicery.domain.tax import MAX_RATE_PLACES
from invoicery.service.invoices import MAX_NET_TERMS

__all__ = [
    "NOT_NULL",
    "CountryCode",
    "CouponIds",
    "CurrencyCode",
    "CustomPropertyChanges",
    "Day",
    "Email",
    "MinorAmount",
    "NetTerms",
    "NotNull",
    "Percentage",
    "PropertyKey",
    "Quantity",
    "RedemptionLimit",
    "TaxRate",
    "Timestamp",
    "UnitPrice",
    "decimal_input",
    "json_integer",
]

NOT_NULL = {"not": {"type": "null"}}
"""JSON Schema for "any value but null", for rules across fields."""

# Whitespace as any of the three regex engines sees it.
_SPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_EMAIL = f"^[^@{_SPACE}]+@[^@{_SPACE}]+$"
_ZERO = re.compile(r"^0(?:\.0+)?$")
_YEAR = "(?:19[0-9]{2}|[2-9][0-9]{3})"  # 1900 to 9999
_DAY = _YEAR + "-[0-9]{2}-[0-9]{2}"
_TIME = r"(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,6})?"
_OFFSET = "(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
_TIMESTAMP = f"^{_DAY}T{_TIME}{_OFFSET}$"


def _not_null(value: Any) -> Any:
    if value is None:
        raise ValueError("must not be null; leave the field out to keep its value")
    return value


class _NotNull:
    """On an optional ``X | None`` field: an explicit null is refused, and published so."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_after_validator_function(_not_null, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        published = handler(schema)
        branches = [branch for branch in published.get("anyOf", ()) if branch != {"type": "null"}]
        if len(branches) != 1:
            return published
        rest = {key: value for key, value in published.items() if key != "anyOf"}
        return {**branches[0], **rest}


NotNull = _NotNull()
"""``Annotated[X | None, NotNull] = None``: the field may be left out, but not be null."""


def _currency(value: str) -> str:
    if value not in BILLING_CURRENCIES:
        raise ValueError("not a supported currency code")
    return value


def _distinct(values: list[str]) -> list[str]:
    if len(set(values)) != len(values):
        raise ValueError("must not name the same coupon twice")
    return values


def _json_integer(value: Any) -> Any:
    """A JSON integer; JSON Schema counts ``5.0`` as one, so an integral number is one too."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, Decimal):  # a JSON number, as `DecimalJsonRoute` parses it
        try:
            value = numbers.bounded_decimal(value)  # so that int() below stays cheap
        except ValueError:
            raise ValueError("must be an integer within range") from None
        if value == value.to_integral_value():
            return int(value)
    raise ValueError("must be an integer")


def json_integer(minimum: int, maximum: int) -> Any:
    """An integer field from `minimum` to `maximum`, given as any JSON integer (``5.0`` too).

    Routes with such fields use `DecimalJsonRoute`, so a JSON number reaches it exact.
    """
    return Annotated[int, Field(ge=minimum, le=maximum), BeforeValidator(_json_integer)]


def decimal_input(*, digits: int, places: int, positive: bool = False) -> Any:
    """A decimal from 0 (or above it, if `positive`) to ``10**digits``, `places` at most.

    Given as decimal text matching the published pattern (no sign, exponent or spaces)
    or as a JSON integer in range. A JSON number with a fraction is refused: JSON
    Schema's ``multipleOf`` is a float test, so its decimal places cannot be published.
    """
    maximum = 10**digits
    whole = "0" if digits == 0 else f"(?:0|[1-9][0-9]{{0,{digits - 1}}})"
    pattern = f"^(?:{whole}(?:\\.[0-9]{{1,{places}}})?|{maximum}(?:\\.0{{1,{places}}})?)$"
    text = re.compile(pattern)
    minimum = 1 if positive else 0
    bounds = f"{'above 0' if positive else 'from 0'} to {maximum}"
    hint = (
        f'must be decimal text such as "12.50" or a JSON integer, {bounds}, '
        f"with at most {places} decimal places"
    )

    def check(value: Any) -> Any:
        if isinstance(value, str):
            if text.fullmatch(value) and not (positive and _ZERO.fullmatch(value)):
                return value
        elif isinstance(value, int) and not isinstance(value, bool):
            if minimum <= value <= maximum:
                return value
        elif (
            isinstance(value, Decimal)  # a JSON number, as `DecimalJsonRoute` parses it
            and value.is_finite()
            and minimum <= value <= maximum  # compared before any conversion: cheap
            and value == value.to_integral_value()
        ):
            return int(value)
        raise ValueError(hint)

    text_schema: dict[str, Any] = {"type": "string", "pattern": pattern}
    if positive:
        text_schema["not"] = {"pattern": _ZERO.pattern}
    schema = {
        "anyOf": [text_schema, {"type": "integer", "minimum": minimum, "maximum": maximum}],
        "description": f"Decimal text or a JSON integer, {bounds}, at most {places} places.",
    }
    return Annotated[DecimalText, BeforeValidator(check), WithJsonSchema(schema)]


def _rfc3339(value: Any) -> Any:
    """Only RFC 3339 text of the published shape (pydantic alone takes epoch seconds too)."""
    if not isinstance(value, str) or not re.fullmatch(_TIMESTAMP, value):
        raise ValueError("must be an RFC 3339 timestamp such as 2030-01-31T12:00:00Z")
    return value


# Bounds of `service.invoices.lines` (quantities, unit prices), `domain.tax`, `domain.coupons`.
Quantity = decimal_input(digits=9, places=8, positive=True)
UnitPrice = decimal_input(digits=12, places=12)
TaxRate = decimal_input(digits=0, places=MAX_RATE_PLACES)
Percentage = decimal_input(digits=2, places=MAX_PERCENTAGE_PLACES, positive=True)

MinorAmount = json_integer(1, money.MAX_AMOUNT)
NetTerms = json_integer(0, MAX_NET_TERMS)
RedemptionLimit = json_integer(1, MAX_REDEMPTION_LIMIT)

CurrencyCode = Annotated[
    str,
    AfterValidator(_currency),
    WithJsonSchema({"type": "string", "enum": sorted(BILLING_CURRENCIES)}),
]
CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
Email = Annotated[str, Field(max_length=320, pattern=_EMAIL)]
CouponIds = Annotated[
    list[str],
    Field(max_length=20, json_schema_extra={"uniqueItems": True}),
    AfterValidator(_distinct),
]

Day = Annotated[
    CalendarDate,
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "date", "pattern": f"^{_DAY}$"},
                {"type": "null"},
            ],
            "description": "A date from 1900-01-01 to 9999-12-31.",
        }
    ),
]
"""A YYYY-MM-DD date from 1900-01-01 to 9999-12-31, or null."""
Timestamp = Annotated[
    BoundedTimestamp,
    BeforeValidator(_rfc3339),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "pattern": _TIMESTAMP,
            "description": "An RFC 3339 timestamp, from 1900-01-01T00:00:00Z "
            "to 9999-12-30T23:59:59.999999Z.",
        }
    ),
]
"""An RFC 3339 timestamp with an offset, within `calendar.FIRST_INSTANT`…`LAST_INSTANT`."""


PropertyKey = Annotated[str, Field(min_length=1, max_length=properties.MAX_KEY_LENGTH)]
"""The key of a custom property (`invoicery.domain.custom_properties`)."""

CustomPropertyChanges = Annotated[
    dict[PropertyKey, Any], Field(max_length=properties.MAX_PROPERTIES)
]
"""Custom property values to merge (a key with null is removed); what the merge leaves
is capped too (`custom_properties.merged`)."""
