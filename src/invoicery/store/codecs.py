"""JSON column codecs: domain values to plain JSON and back.

Decimals are stored as strings (never floats), dates as ISO text, ids as UUID text.
Optional keys are left out when empty, so AP-only rows stay as small as before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from invoicery.domain.coupons import AppliedCoupon
from invoicery.domain.customer import Address, CustomerSnapshot, CustomTax, ShippingAddress
from invoicery.domain.invoice import LineItem, SubLine
from invoicery.domain.tax import ExemptionType
from invoicery.domain.totals import BreakdownItem

__all__ = [
    "address_from_json",
    "address_to_json",
    "breakdown_from_json",
    "breakdown_to_json",
    "coupons_from_json",
    "coupons_to_json",
    "custom_taxes_from_json",
    "custom_taxes_to_json",
    "line_from_json",
    "line_to_json",
    "shipping_from_json",
    "shipping_to_json",
    "snapshot_from_json",
    "snapshot_to_json",
]

_ADDRESS_FIELDS = ("line1", "line2", "city", "state", "zip_code", "country")


def address_to_json(address: Address | None) -> dict[str, Any] | None:
    """An address as a JSON object (null fields left out)."""
    if address is None:
        return None
    return {name: value for name in _ADDRESS_FIELDS if (value := getattr(address, name))}


def address_from_json(data: Mapping[str, Any] | None) -> Address | None:
    """The address stored by `address_to_json`."""
    if data is None:
        return None
    return Address(**{name: data.get(name) for name in _ADDRESS_FIELDS})


def shipping_to_json(shipping: ShippingAddress | None) -> dict[str, Any] | None:
    """A shipping address as a JSON object."""
    if shipping is None:
        return None
    return {
        "same_as_billing": shipping.same_as_billing,
        "address": address_to_json(shipping.address),
    }


def shipping_from_json(data: Mapping[str, Any] | None) -> ShippingAddress | None:
    """The shipping address stored by `shipping_to_json`."""
    if data is None:
        return None
    return ShippingAddress(bool(data["same_as_billing"]), address_from_json(data.get("address")))


def custom_taxes_to_json(taxes: Sequence[CustomTax]) -> list[dict[str, str]]:
    """Custom tax rates as JSON objects with the rate as decimal text."""
    return [{"tax_code": tax.tax_code, "name": tax.name, "rate": str(tax.rate)} for tax in taxes]


def custom_taxes_from_json(data: Sequence[Mapping[str, str]]) -> tuple[CustomTax, ...]:
    """The custom tax rates stored by `custom_taxes_to_json`."""
    return tuple(CustomTax(item["tax_code"], item["name"], Decimal(item["rate"])) for item in data)


def _text(value: Decimal | date | None) -> str | None:
    return (
        None if value is None else str(value) if isinstance(value, Decimal) else value.isoformat()
    )


def line_to_json(line: LineItem) -> dict[str, Any]:
    """A line as stored in `invoices.line_items`; AP-only lines keep the three AP keys."""
    document: dict[str, Any] = {
        "description": line.description,
        "quantity": line.quantity,
        "unit_amount": line.unit_amount,
    }
    optional = {
        "details": line.details,
        "exact_quantity": _text(line.exact_quantity),
        "unit_price": _text(line.unit_price),
        "tax_rate": _text(line.tax_rate),
        "applied_tax_rate": _text(line.applied_tax_rate),
        "start_date": _text(line.start_date),
        "end_date": _text(line.end_date),
    }
    document.update({key: value for key, value in optional.items() if value is not None})
    if line.sub_lines:
        document["sub_lines"] = [
            {
                "id": sub.id,
                "name": sub.name,
                "quantity": str(sub.quantity),
                "unit_price": str(sub.unit_price),
                "total": sub.total,
            }
            for sub in line.sub_lines
        ]
    return document


_DECIMAL_FIELDS = frozenset({"exact_quantity", "unit_price", "tax_rate", "applied_tax_rate"})
_DATE_FIELDS = frozenset({"start_date", "end_date"})
_BASE_FIELDS = frozenset({"description", "quantity", "unit_amount"})


def _sub_line_from_json(sub: Mapping[str, Any]) -> SubLine:
    return SubLine(
        sub["id"], sub["name"], Decimal(sub["quantity"]), Decimal(sub["unit_price"]), sub["total"]
    )


def line_from_json(data: Mapping[str, Any]) -> LineItem:
    """The line stored by `line_to_json` (or by the AP face before billing v1).

    Only the keys present are decoded: this runs for every line of every listed invoice.
    """
    extra: dict[str, Any] = {}
    for key, value in data.items():
        if key in _BASE_FIELDS:
            continue
        if key in _DECIMAL_FIELDS:
            extra[key] = Decimal(value)
        elif key in _DATE_FIELDS:
            extra[key] = date.fromisoformat(value)
        elif key == "sub_lines":
            extra[key] = tuple(_sub_line_from_json(sub) for sub in value)
        else:
            extra[key] = value
    return LineItem(data["description"], data["quantity"], data["unit_amount"], **extra)


def coupons_to_json(coupons: Sequence[AppliedCoupon]) -> list[dict[str, Any]]:
    """Applied coupons as JSON objects."""
    return [
        {"coupon_id": str(coupon.coupon_id), "name": coupon.name, "amount": coupon.amount}
        for coupon in coupons
    ]


def coupons_from_json(data: Sequence[Mapping[str, Any]]) -> tuple[AppliedCoupon, ...]:
    """The applied coupons stored by `coupons_to_json`."""
    return tuple(
        AppliedCoupon(UUID(item["coupon_id"]), item["name"], item["amount"]) for item in data
    )


def breakdown_to_json(items: Sequence[BreakdownItem]) -> list[dict[str, Any]]:
    """A tax breakdown as JSON objects."""
    return [
        {
            "name": item.name,
            "rate": str(item.rate),
            "taxable_amount": item.taxable_amount,
            "tax_amount": item.tax_amount,
            "exemption": item.exemption.value if item.exemption else None,
        }
        for item in items
    ]


def breakdown_from_json(data: Sequence[Mapping[str, Any]]) -> tuple[BreakdownItem, ...]:
    """The tax breakdown stored by `breakdown_to_json`."""
    return tuple(
        BreakdownItem(
            name=item["name"],
            rate=Decimal(item["rate"]),
            taxable_amount=item["taxable_amount"],
            tax_amount=item["tax_amount"],
            exemption=ExemptionType(item["exemption"]) if item.get("exemption") else None,
        )
        for item in data
    )


def snapshot_to_json(details: CustomerSnapshot | None) -> dict[str, Any] | None:
    """Frozen customer details as a JSON object."""
    if details is None:
        return None
    return {
        "id": str(details.id),
        "name": details.name,
        "alias": details.alias,
        "email": details.email,
        "vat_number": details.vat_number,
        "billing_address": address_to_json(details.billing_address),
        "snapshot_at": details.snapshot_at.isoformat(),
    }


def snapshot_from_json(data: Mapping[str, Any] | None) -> CustomerSnapshot | None:
    """The customer details stored by `snapshot_to_json`."""
    if data is None:
        return None
    return CustomerSnapshot(
        id=UUID(data["id"]),
        name=data["name"],
        alias=data.get("alias"),
        email=data.get("email"),
        vat_number=data.get("vat_number"),
        billing_address=address_from_json(data.get("billing_address")),
        snapshot_at=datetime.fromisoformat(data["snapshot_at"]),
    )
