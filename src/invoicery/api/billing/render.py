"""Domain records to billing-v1 JSON documents (amounts in integer minor units).

Decimals print in plain notation ("0.20", "1.5"), never as floats or with exponents.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

from invoicery.api.json import timestamp_text
from invoicery.domain import ids, money
from invoicery.domain.coupons import COUPON_PREFIX, Coupon, DiscountKind
from invoicery.domain.credits import CREDIT_PREFIX, CreditEntry
from invoicery.domain.customer import Address, Customer, CustomerSnapshot, ShippingAddress
from invoicery.domain.invoice import LineItem
from invoicery.domain.status import Lifecycle, PaymentStatus
from invoicery.payments.transaction import Transaction
from invoicery.service.credits import CreditLedger
from invoicery.service.invoices import InvoiceView
from invoicery.service.paging import NumberedPage

__all__ = [
    "INVOICING_ENTITY_PREFIX",
    "coupon_document",
    "credit_entry_document",
    "customer_document",
    "invoice_document",
    "invoicing_entity_id",
    "ledger_document",
    "page_document",
    "status_text",
    "transaction_document",
]

INVOICING_ENTITY_PREFIX = "ive"

_STATUS = {
    Lifecycle.DRAFT: "Draft",
    Lifecycle.FINALIZED: "Finalized",
    Lifecycle.UNCOLLECTIBLE: "Uncollectible",
    Lifecycle.VOID: "Void",
}
_PAYMENT_STATUS = {
    PaymentStatus.UNPAID: "Unpaid",
    PaymentStatus.PARTIALLY_PAID: "PartiallyPaid",
    PaymentStatus.PAID: "Paid",
}
T = TypeVar("T")


def status_text(lifecycle: Lifecycle) -> str:
    """An invoice's billing-v1 `status`: "Draft", "Finalized", "Uncollectible" or "Void"."""
    return _STATUS[lifecycle]


def invoicing_entity_id(account_id: UUID) -> str:
    """The billing-v1 invoicing entity of an account: the account itself."""
    return ids.encode(INVOICING_ENTITY_PREFIX, account_id)


def _decimal(value: Decimal) -> str:
    return format(value, "f")


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else timestamp_text(moment)


def _address(address: Address | None) -> dict[str, Any] | None:
    if address is None:
        return None
    return {
        "line1": address.line1,
        "line2": address.line2,
        "city": address.city,
        "state": address.state,
        "zip_code": address.zip_code,
        "country": address.country,
    }


def _shipping(shipping: ShippingAddress | None) -> dict[str, Any] | None:
    if shipping is None:
        return None
    return {"same_as_billing": shipping.same_as_billing, "address": _address(shipping.address)}


def customer_document(customer: Customer) -> dict[str, Any]:
    """The billing-v1 `Customer` object."""
    return {
        "id": ids.encode(ids.CUSTOMER, customer.id),
        "name": customer.name,
        "alias": customer.alias,
        "billing_email": customer.billing_email,
        "invoicing_emails": list(customer.invoicing_emails),
        "phone": customer.phone,
        "vat_number": customer.vat_number,
        "currency": customer.currency,
        "is_tax_exempt": customer.is_tax_exempt,
        "billing_address": _address(customer.billing_address),
        "shipping_address": _shipping(customer.shipping_address),
        "custom_taxes": [
            {"tax_code": tax.tax_code, "name": tax.name, "rate": _decimal(tax.rate)}
            for tax in customer.custom_taxes
        ],
        "invoicing_entity_id": invoicing_entity_id(customer.account_id),
        "archived_at": _time(customer.archived_at),
    }


def _sub_lines(line: LineItem) -> list[dict[str, Any]]:
    return [
        {
            "id": sub.id,
            "name": sub.name,
            "quantity": _decimal(sub.quantity),
            "unit_price": _decimal(sub.unit_price),
            "total": sub.total,
        }
        for sub in line.sub_lines
    ]


def _line(line: LineItem, currency: str, invoice_date: str) -> dict[str, Any]:
    """One line; lines without a service period show the invoice date as both ends."""
    rate = line.applied_tax_rate if line.applied_tax_rate is not None else line.tax_rate
    if line.exact_quantity is not None and line.unit_price is not None:
        quantity: str | None = _decimal(line.exact_quantity)
        unit_price: str | None = _decimal(line.unit_price)
    elif line.sub_lines:
        quantity = unit_price = None
    else:  # an AP line: a whole quantity of a unit amount
        quantity = str(line.quantity)
        unit_price = money.to_major_string(line.unit_amount, currency)
    start = line.start_date.isoformat() if line.start_date else invoice_date
    document: dict[str, Any] = {
        "name": line.description,
        "description": line.details,
        "amount_total": line.total,
        "tax_rate": "0" if rate is None else _decimal(rate),
        "start_date": start,
        "end_date": line.end_date.isoformat() if line.end_date else start,
        "sub_line_items": _sub_lines(line) if line.sub_lines else [],
    }
    if quantity is not None:
        document["quantity"] = quantity
        document["unit_price"] = unit_price
    return document


def _customer_details(details: CustomerSnapshot, customer_id: str) -> dict[str, Any]:
    return {
        "id": customer_id,
        "name": details.name,
        "alias": details.alias,
        "email": details.email,
        "vat_number": details.vat_number,
        "billing_address": _address(details.billing_address),
        "snapshot_at": timestamp_text(details.snapshot_at),
    }


def transaction_document(transaction: Transaction) -> dict[str, Any]:
    """The billing-v1 `Transaction` object."""
    return {
        "id": ids.encode(ids.TRANSACTION, transaction.id),
        "amount": transaction.amount,
        "currency": transaction.currency,
        "status": transaction.status.value,
        "payment_type": transaction.payment_type.value,
        "error": transaction.error,
        "payment_method_id": None,
        "payment_method_info": {
            "payment_method_type": transaction.payment_method_type.value,
            "card_brand": transaction.card_brand,
            "card_last4": transaction.card_last4,
            "account_number_hint": transaction.account_number_hint,
        },
        "processed_at": _time(transaction.processed_at),
        "provider_transaction_id": transaction.provider_transaction_id,
    }


def invoice_document(view: InvoiceView) -> dict[str, Any]:
    """The billing-v1 `Invoice` object."""
    invoice = view.invoice
    customer_id = ids.encode(ids.CUSTOMER, invoice.customer_id)
    invoice_date = invoice.invoice_date.isoformat()
    details_id = customer_id
    if view.customer.id != invoice.customer_id:  # never, unless a snapshot was rewritten
        details_id = ids.encode(ids.CUSTOMER, view.customer.id)
    return {
        "id": ids.encode(ids.INVOICE, invoice.id),
        "invoice_number": invoice.invoice_number or "",
        "status": status_text(invoice.state.lifecycle),
        "payment_status": _PAYMENT_STATUS[invoice.state.payment_status],
        "invoice_type": "OneOff",
        "customer_id": customer_id,
        "subscription_id": None,
        "currency": invoice.currency,
        "invoice_date": invoice_date,
        "due_date": invoice.state.due_date.isoformat(),
        "net_terms": invoice.net_terms,
        "memo": invoice.memo,
        "purchase_order": invoice.purchase_order,
        "reference": invoice.reference,
        "line_items": [_line(line, invoice.currency, invoice_date) for line in invoice.line_items],
        "subtotal": invoice.subtotal,
        "subtotal_recurring": 0,
        "coupons": [
            {
                "coupon_id": ids.encode(COUPON_PREFIX, coupon.coupon_id),
                "name": coupon.name,
                "total": coupon.amount,
            }
            for coupon in invoice.coupons
        ],
        "tax_amount": invoice.tax_amount,
        "tax_breakdown": [
            {
                "name": item.name,
                "tax_rate": _decimal(item.rate),
                "taxable_amount": item.taxable_amount,
                "tax_amount": item.tax_amount,
                "exemption_type": item.exemption.value if item.exemption else None,
            }
            for item in invoice.tax_breakdown
        ],
        "total": invoice.total,
        "applied_credits": invoice.applied_credits,
        "amount_due": invoice.amount_due,
        "transactions": [transaction_document(transaction) for transaction in view.transactions],
        "customer_details": _customer_details(view.customer, details_id),
        "created_at": timestamp_text(invoice.created_at),
        "updated_at": _time(invoice.updated_at),
        "finalized_at": _time(invoice.finalized_at),
        "voided_at": _time(invoice.voided_at),
        "marked_as_uncollectible_at": _time(invoice.marked_uncollectible_at),
        "paid_at": _time(invoice.paid_at),
    }


def coupon_document(coupon: Coupon) -> dict[str, Any]:
    """A coupon with its terms and how often it was redeemed."""
    discount = coupon.discount
    terms: dict[str, Any] = {"type": discount.kind.value}
    if discount.kind is DiscountKind.PERCENTAGE:
        assert discount.percentage is not None
        terms["percentage"] = _decimal(discount.percentage)
    else:
        terms["amount"] = discount.amount
        terms["currency"] = discount.currency
    return {
        "id": ids.encode(COUPON_PREFIX, coupon.id),
        "code": coupon.code,
        "description": coupon.description,
        "discount": terms,
        "expires_at": _time(coupon.expires_at),
        "redemption_limit": coupon.redemption_limit,
        "redemptions": coupon.redemptions,
        "created_at": timestamp_text(coupon.created_at),
    }


def credit_entry_document(entry: CreditEntry) -> dict[str, Any]:
    """One credit ledger entry."""
    return {
        "id": ids.encode(CREDIT_PREFIX, entry.id),
        "customer_id": ids.encode(ids.CUSTOMER, entry.customer_id),
        "currency": entry.currency,
        "kind": entry.kind.value,
        "amount": entry.amount,
        "balance_after": entry.balance_after,
        "invoice_id": ids.encode(ids.INVOICE, entry.invoice_id) if entry.invoice_id else None,
        "description": entry.description,
        "created_at": timestamp_text(entry.created_at),
    }


def ledger_document(ledger: CreditLedger) -> dict[str, Any]:
    """A customer's credit balances and ledger entries."""
    return {
        "customer_id": ids.encode(ids.CUSTOMER, ledger.customer.id),
        "balances": [
            {"currency": currency, "balance": balance}
            for currency, balance in sorted(ledger.balances.items())
        ],
        "entries": [credit_entry_document(entry) for entry in ledger.entries],
    }


def page_document(page: NumberedPage[T], render: Callable[[T], dict[str, Any]]) -> dict[str, Any]:
    """A page of items with billing-v1 `pagination_meta`."""
    items: Sequence[T] = page.items
    return {
        "data": [render(item) for item in items],
        "pagination_meta": {
            "page": page.page,
            "per_page": page.per_page,
            "total_items": page.total_items,
            "total_pages": page.total_pages,
        },
    }
