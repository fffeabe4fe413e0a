"""Billing-v1 `Invoice` documents of listed invoices, rendered from their rows.

The read model of `GET /api/v1/invoices`: the same document `render.invoice_document`
makes of an `InvoiceView`, made from the stored row (`service.invoices.listed`) without
building the domain invoice. Stored decimals and dates are text (`store.codecs`); each
distinct text is converted once (they repeat: rates, quantities, prices, periods).
A test holds both renderings equal for every kind of stored invoice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any
from uuid import UUID

from invoicery.api.billing.render import transaction_document
from invoicery.api.json import timestamp_text
from invoicery.domain import ids, money
from invoicery.domain.coupons import COUPON_PREFIX
from invoicery.domain.status import Lifecycle, PaymentStatus
from invoicery.domain.tax import ExemptionType
from invoicery.service.invoices.listed import ListedInvoice

__all__ = ["listed_invoice_document"]

_STATUS = {
    Lifecycle.DRAFT.value: "Draft",
    Lifecycle.FINALIZED.value: "Finalized",
    Lifecycle.UNCOLLECTIBLE.value: "Uncollectible",
    Lifecycle.VOID.value: "Void",
}
_PAYMENT_STATUS = {
    PaymentStatus.UNPAID.value: "Unpaid",
    PaymentStatus.PARTIALLY_PAID.value: "PartiallyPaid",
    PaymentStatus.PAID.value: "Paid",
}
_ADDRESS_FIELDS = ("line1", "line2", "city", "state", "zip_code", "country")


@lru_cache(maxsize=4096)
def _decimal(text: str) -> str:
    """Stored decimal text in plain notation, as `render` prints the decimal."""
    return format(Decimal(text), "f")


@lru_cache(maxsize=4096)
def _day(text: str) -> str:
    """A stored ISO date, as `render` prints the date."""
    return date.fromisoformat(text).isoformat()


@lru_cache(maxsize=8192)
def _customer_id(customer: UUID) -> str:
    """A customer's id text: customers repeat across a page and across pages."""
    return ids.encode(ids.CUSTOMER, customer)


@lru_cache(maxsize=4096)
def _major(minor: int, currency: str) -> str:
    """A unit amount in major units: unit prices repeat across lines and invoices."""
    return money.to_major_string(minor, currency)


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else timestamp_text(moment)


def _address(data: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if data is None:
        return None
    return {name: data.get(name) for name in _ADDRESS_FIELDS}


def _sub_lines(subs: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "id": sub["id"],
            "name": sub["name"],
            "quantity": _decimal(sub["quantity"]),
            "unit_price": _decimal(sub["unit_price"]),
            "total": sub["total"],
        }
        for sub in subs
    ]


def _line(line: Mapping[str, Any], currency: str, invoice_date: str) -> dict[str, Any]:
    """One stored line (`codecs.line_to_json`), as `render` prints its `LineItem`."""
    rate = line.get("applied_tax_rate")
    if rate is None:
        rate = line.get("tax_rate")
    exact_quantity = line.get("exact_quantity")
    unit_price = line.get("unit_price")
    subs = line.get("sub_lines")
    if exact_quantity is not None and unit_price is not None:
        quantity: str | None = _decimal(exact_quantity)
        price: str | None = _decimal(unit_price)
    elif subs:
        quantity = price = None
    else:  # an AP line: a whole quantity of a unit amount
        quantity = str(line["quantity"])
        price = _major(line["unit_amount"], currency)
    start_date = line.get("start_date")
    end_date = line.get("end_date")
    start = invoice_date if start_date is None else _day(start_date)
    document: dict[str, Any] = {
        "name": line["description"],
        "description": line.get("details"),
        "amount_total": line["unit_amount"] * line["quantity"],
        "tax_rate": "0" if rate is None else _decimal(rate),
        "start_date": start,
        "end_date": start if end_date is None else _day(end_date),
        "sub_line_items": _sub_lines(subs) if subs else [],
    }
    if quantity is not None:
        document["quantity"] = quantity
        document["unit_price"] = price
    return document


def _customer_details(row: Mapping[str, Any], customer_id: str, now: datetime) -> dict[str, Any]:
    """The details frozen on the invoice, or (a draft) its customer's present ones."""
    frozen = row["customer_details"]
    if frozen is None:
        return {
            "id": customer_id,
            "name": row["customer_name"] or "",
            "alias": row["customer_alias"],
            "email": row["customer_email"] or None,
            "vat_number": row["customer_vat_number"],
            "billing_address": _address(row["customer_billing_address"]),
            "snapshot_at": timestamp_text(now),
        }
    frozen_id = frozen["id"]
    if frozen_id != str(row["customer_id"]) and UUID(frozen_id) != row["customer_id"]:
        customer_id = ids.encode(ids.CUSTOMER, UUID(frozen_id))  # a rewritten snapshot
    return {
        "id": customer_id,
        "name": frozen["name"],
        "alias": frozen.get("alias"),
        "email": frozen.get("email"),
        "vat_number": frozen.get("vat_number"),
        "billing_address": _address(frozen.get("billing_address")),
        "snapshot_at": timestamp_text(datetime.fromisoformat(frozen["snapshot_at"])),
    }


def _exemption(item: Mapping[str, Any]) -> str | None:
    exemption = item.get("exemption")
    return ExemptionType(exemption).value if exemption else None


def listed_invoice_document(item: ListedInvoice) -> dict[str, Any]:
    """The billing-v1 `Invoice` object of a listed invoice."""
    row = item.row
    currency = row["currency"]
    customer_id = _customer_id(row["customer_id"])
    invoice_day: date = row["invoice_date"]
    due_day: date = row["due_date"]
    invoice_date = invoice_day.isoformat()
    return {
        "id": ids.encode(ids.INVOICE, row["id"]),
        "invoice_number": row["invoice_number"] or "",
        "status": _STATUS[row["lifecycle"]],
        "payment_status": _PAYMENT_STATUS[row["payment_status"]],
        "invoice_type": "OneOff",
        "customer_id": customer_id,
        "subscription_id": None,
        "currency": currency,
        "invoice_date": invoice_date,
        "due_date": due_day.isoformat(),
        "net_terms": (due_day - invoice_day).days,
        "memo": row["memo"],
        "purchase_order": row["purchase_order"],
        "reference": row["reference"],
        "line_items": [_line(line, currency, invoice_date) for line in row["line_items"]],
        "subtotal": row["subtotal"],
        "subtotal_recurring": 0,
        "coupons": [
            {
                "coupon_id": ids.encode(COUPON_PREFIX, UUID(coupon["coupon_id"])),
                "name": coupon["name"],
                "total": coupon["amount"],
            }
            for coupon in row["coupons"]
        ],
        "tax_amount": row["tax_amount"],
        "tax_breakdown": [
            {
                "name": tax["name"],
                "tax_rate": _decimal(tax["rate"]),
                "taxable_amount": tax["taxable_amount"],
                "tax_amount": tax["tax_amount"],
                "exemption_type": _exemption(tax),
            }
            for tax in row["tax_breakdown"]
        ],
        "total": row["total"],
        "applied_credits": row["applied_credits"],
        "amount_due": row["amount_due"],
        "transactions": [transaction_document(found) for found in item.transactions],
        "customer_details": _customer_details(row, customer_id, item.read_at),
        "created_at": timestamp_text(row["created_at"]),
        "updated_at": _time(row["updated_at"]),
        "finalized_at": _time(row["finalized_at"]),
        "voided_at": _time(row["voided_at"]),
        "marked_as_uncollectible_at": _time(row["marked_uncollectible_at"]),
        "paid_at": _time(row["paid_at"]),
    }
